#version 330
// Instanced rectangles cut from the text atlas: every string of a batch (and each string's
// background, from the atlas's white corner) in one draw, in order.
#include "pixels.glsl"
in vec2 in_pos;          // unit square corner, 0..1
in vec4 in_rect;         // per instance: x, y, w, h in pixels (top-left origin)
in vec4 in_uv;           // per instance: u0, v0, u1, v1 in the atlas
in vec4 in_color;
out vec2 v_uv;
out vec4 v_color;
void main() {
    v_uv = mix(in_uv.xy, in_uv.zw, in_pos);
    v_color = in_color;
    gl_Position = vec4(px_to_clip(in_rect.xy + in_pos * in_rect.zw), 0.0, 1.0);
}
