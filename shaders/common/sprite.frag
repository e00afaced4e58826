#version 330
// A soft round dot: full colour in the middle, fading to nothing at the rim.
in vec2 v_local;
in vec4 v_color;
out vec4 f_color;
void main() {
    float r = length(v_local);
    float a = 1.0 - smoothstep(0.55, 1.0, r);
    if (a <= 0.0) discard;
    f_color = vec4(v_color.rgb, v_color.a * a);
}
