#version 330
// A rectangle in pixels (x, y, w, h; origin top-left, y down), as most 2D drawing expects.
#include "pixels.glsl"
in vec2 in_pos;          // corners of the unit square, 0..1
uniform vec4 u_rect;
out vec2 v_img;          // 0..1 over the rectangle, top-left origin
void main() {
    v_img = in_pos;
    gl_Position = vec4(px_to_clip(u_rect.xy + in_pos * u_rect.zw), 0.0, 1.0);
}
