#version 330
// Instanced sprites: one quad per instance, placed and sized in pixels.
#include "pixels.glsl"
in vec2 in_pos;          // unit square corner, 0..1
in vec2 in_center;       // per instance, pixels
in float in_size;        // per instance, diameter in pixels
in vec4 in_color;        // per instance
out vec2 v_local;        // -1..1 across the sprite
out vec4 v_color;
void main() {
    v_local = in_pos * 2.0 - 1.0;
    v_color = in_color;
    gl_Position = vec4(px_to_clip(in_center + v_local * in_size * 0.5), 0.0, 1.0);
}
