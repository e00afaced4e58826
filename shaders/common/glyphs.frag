#version 330
in vec2 v_uv;
in vec4 v_color;
uniform sampler2D u_atlas;  // coverage in the red channel
out vec4 f_color;
void main() {
    f_color = vec4(v_color.rgb, v_color.a * texture(u_atlas, v_uv).r);
}
