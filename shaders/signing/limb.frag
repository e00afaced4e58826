#version 330
// A tapered capsule shaded as a rounded limb: lighter along its middle, a dark outline at its edge.
in vec2 v_p;
flat in vec4 v_ends;
flat in vec2 v_radii;
flat in vec4 v_color;
out vec4 f_color;
void main() {
    vec2 a = v_ends.xy, b = v_ends.zw;
    vec2 ba = b - a;
    float h = clamp(dot(v_p - a, ba) / max(dot(ba, ba), 1e-6), 0.0, 1.0);
    float r = mix(v_radii.x, v_radii.y, h);
    float dist = length(v_p - a - ba * h) - r;
    float alpha = clamp(0.5 - dist, 0.0, 1.0);
    if (alpha <= 0.0) discard;
    float inside = clamp(-dist / max(r, 1.0), 0.0, 1.0);  // 0 at the edge, 1 on the axis
    float light = 0.72 + 0.28 * sqrt(inside);
    float edge = smoothstep(0.0, 1.6, -dist);               // the outline, ~1.5 px
    vec3 col = v_color.rgb * light * mix(0.5, 1.0, edge);
    f_color = vec4(col, v_color.a * alpha);
}
