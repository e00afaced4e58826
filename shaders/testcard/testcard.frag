#version 330
// The test card: colour bars on top, a moving sweep and a grid below, so that a person (and a
// test) can see that time advances, colours are right and the geometry is not distorted.
in vec2 v_img;
uniform float u_time;
uniform vec2 u_resolution;
out vec4 f_color;

const vec3 BARS[8] = vec3[8](
    vec3(1.0), vec3(1.0, 1.0, 0.0), vec3(0.0, 1.0, 1.0), vec3(0.0, 1.0, 0.0),
    vec3(1.0, 0.0, 1.0), vec3(1.0, 0.0, 0.0), vec3(0.0, 0.0, 1.0), vec3(0.0));

void main() {
    vec2 p = v_img;  // top-left origin
    if (p.y < 0.25) {
        int i = int(clamp(floor(p.x * 8.0), 0.0, 7.0));
        f_color = vec4(BARS[i] * 0.75, 1.0);  // 75% bars, as broadcast test cards use
        return;
    }
    vec2 px = vec2(gl_FragCoord.x, u_resolution.y - gl_FragCoord.y);
    float grid = (mod(px.x + 0.5, 80.0) < 2.0 || mod(px.y + 0.5, 80.0) < 2.0) ? 0.35 : 0.0;
    // a vertical sweep line crossing the screen every 4 s
    float sweep_x = fract(u_time / 4.0);
    float sweep = 1.0 - smoothstep(0.0, 0.01, abs(p.x - sweep_x));
    // a slowly rotating colour wheel background
    float a = atan(p.y - 0.6, p.x - 0.5) + u_time * 0.5;
    vec3 wheel = 0.18 + 0.12 * cos(a + vec3(0.0, 2.094, 4.189));
    f_color = vec4(wheel + vec3(grid) + vec3(sweep, sweep * 0.2, 0.0), 1.0);
}
