#version 330
// Crossfade between the outgoing and incoming scenes, each rendered to a texture.
in vec2 v_uv;
uniform sampler2D u_from;
uniform sampler2D u_to;
uniform float u_mix;      // 0: all "from", 1: all "to"
out vec4 f_color;
void main() {
    vec4 a = texture(u_from, v_uv);
    vec4 b = texture(u_to, v_uv);
    f_color = mix(a, b, clamp(u_mix, 0.0, 1.0));
}
