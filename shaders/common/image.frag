#version 330
in vec2 v_img;
uniform sampler2D u_tex;
uniform vec4 u_tint;      // multiplies the texture (alpha fades it)
out vec4 f_color;
void main() {
    f_color = texture(u_tex, v_img) * u_tint;
}
