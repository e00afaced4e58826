#version 330
// A scrolling spectrogram inside a pixel rectangle: the texture is a ring of columns (time) by
// 64 rows (mel bands, highest at the top), levels 0..1; the newest column is drawn at the right.
#include "common/pixels.glsl"
uniform sampler2D u_tex;
uniform vec4 u_rect;      // x, y, w, h in pixels, origin top-left
uniform float u_head;     // index of the next column to be written, as a fraction of the ring
out vec4 f_color;

// A dark-to-bright colour ramp (black, purple, orange, pale yellow), like the usual "magma".
vec3 ramp(float v) {
    vec3 a = vec3(0.0, 0.0, 0.02);
    vec3 b = vec3(0.35, 0.06, 0.45);
    vec3 c = vec3(0.95, 0.45, 0.15);
    vec3 d = vec3(1.0, 0.97, 0.75);
    if (v < 0.4) return mix(a, b, v / 0.4);
    if (v < 0.75) return mix(b, c, (v - 0.4) / 0.35);
    return mix(c, d, (v - 0.75) / 0.25);
}

void main() {
    vec2 px = vec2(gl_FragCoord.x, u_resolution.y - gl_FragCoord.y);
    vec2 local = (px - u_rect.xy) / u_rect.zw;
    if (any(lessThan(local, vec2(0.0))) || any(greaterThan(local, vec2(1.0)))) discard;
    // nearest column in time (no blending of the oldest column with the newest across the wrap),
    // linear between bands
    float columns = float(textureSize(u_tex, 0).x);
    float x = (floor(fract(u_head + local.x) * columns) + 0.5) / columns;
    float level = texture(u_tex, vec2(x, local.y)).r;
    f_color = vec4(ramp(level), 1.0);
}
