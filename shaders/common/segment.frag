#version 330
// Distance to the segment gives an anti-aliased capsule.
in vec2 v_p;
flat in vec4 v_ends;
flat in float v_width;
in vec4 v_color;
out vec4 f_color;
void main() {
    vec2 a = v_ends.xy, b = v_ends.zw;
    vec2 ba = b - a;
    float h = clamp(dot(v_p - a, ba) / max(dot(ba, ba), 1e-6), 0.0, 1.0);
    float dist = length(v_p - a - ba * h) - v_width * 0.5;
    float alpha = clamp(0.5 - dist, 0.0, 1.0);
    if (alpha <= 0.0) discard;
    f_color = vec4(v_color.rgb, v_color.a * alpha);
}
