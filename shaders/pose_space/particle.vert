#version 330
// Particles from the hands: instanced quads placed and sized in pixels.
#include "../common/pixels.glsl"
in vec2 in_pos;
in vec2 in_center;
in float in_size;
in vec4 in_color;
out vec2 v_local;
out vec4 v_color;
void main() {
    v_local = in_pos * 2.0 - 1.0;
    v_color = in_color;
    gl_Position = vec4(px_to_clip(in_center + v_local * in_size * 0.5), 0.0, 1.0);
}
