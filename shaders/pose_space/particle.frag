#version 330
// A glowing spark: a bright core and a wide soft halo, meant for additive blending.
in vec2 v_local;
in vec4 v_color;
out vec4 f_color;
void main() {
    float r2 = dot(v_local, v_local);
    if (r2 >= 1.0) discard;
    float glow = exp(-r2 * 6.0) + 0.6 * exp(-r2 * 40.0);
    f_color = vec4(v_color.rgb * glow, v_color.a * glow);
}
