#version 330
// Instanced tapered capsules (arms, palm, finger bones): a quad around each, in pixels.
#include "common/pixels.glsl"
in vec2 in_pos;       // unit square corner, 0..1
in vec4 in_ends;      // per instance: x0, y0, x1, y1 in pixels
in vec2 in_radii;     // per instance: radius at each end, pixels
in vec4 in_color;
out vec2 v_p;
flat out vec4 v_ends;
flat out vec2 v_radii;
flat out vec4 v_color;
void main() {
    vec2 a = in_ends.xy, b = in_ends.zw;
    vec2 d = b - a;
    float len = length(d);
    vec2 t = len > 1e-4 ? d / len : vec2(1.0, 0.0);
    vec2 n = vec2(-t.y, t.x);
    float h = max(in_radii.x, in_radii.y) + 2.0;
    vec2 p = a - t * h + t * (len + 2.0 * h) * in_pos.x + n * h * (in_pos.y * 2.0 - 1.0);
    v_p = p;
    v_ends = in_ends;
    v_radii = in_radii;
    v_color = in_color;
    gl_Position = vec4(px_to_clip(p), 0.0, 1.0);
}
