#version 330
// The room-wide field behind the visitors: a slow flowing glow that brightens and warms as the
// group comes close and moves together, rings that spread from each sound onset, an aura around
// each person whose colour says how well the posture is done. Soft by nature, so it is rendered
// at a fraction of the screen's resolution and scaled up by compose.frag.
in vec2 v_img;
uniform float u_time;
uniform vec2 u_resolution;
uniform int u_n_people;
uniform vec4 u_people[8];       // centre x, y (pixels, top-left origin), radius x, y (pixels)
uniform vec4 u_aura[8];         // colour rgb, strength 0..1
uniform vec4 u_ripples[8];      // centre x, y (pixels), age (s), strength (0 = unused)
uniform float u_closeness;      // 0..1 how near the people are to each other
uniform float u_sync;           // 0..1 how alike they move
uniform float u_level;          // 0..1 room loudness
out vec4 f_color;

float hash(vec2 p) { return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453); }
float noise(vec2 p) {
    vec2 i = floor(p), f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash(i), hash(i + vec2(1, 0)), u.x), mix(hash(i + vec2(0, 1)), hash(i + vec2(1, 1)), u.x), u.y);
}
float fbm(vec2 p) {
    float v = 0.0, a = 0.5;
    for (int i = 0; i < 3; i++) { v += a * noise(p); p = p * 2.03 + 7.1; a *= 0.5; }
    return v;
}

void main() {
    vec2 px = v_img * u_resolution;
    vec2 p = px / u_resolution.y;
    float t = u_time * (0.05 + 0.1 * u_sync);
    // Flow field: domain-warped noise, calmer when alone, livelier together.
    vec2 warp = vec2(fbm(p * 1.5 + t), fbm(p * 1.5 - t + 3.7));
    float f = fbm(p * 2.0 + warp * (1.0 + 2.0 * u_closeness));
    vec3 cool = vec3(0.03, 0.05, 0.12), warm = vec3(0.22, 0.10, 0.18);
    vec3 col = mix(cool, warm, u_closeness) * (0.6 + 0.8 * f) * (0.7 + 0.6 * u_level);
    col += vec3(0.05, 0.12, 0.10) * u_sync * smoothstep(0.45, 0.8, f);

    for (int i = 0; i < 8; i++) {
        if (u_ripples[i].w <= 0.0) continue;
        float r = length(px - u_ripples[i].xy);
        float front = u_ripples[i].z * 0.6 * u_resolution.y;
        float ring = exp(-pow((r - front) / (0.02 * u_resolution.y + 0.05 * front), 2.0));
        col += vec3(0.5, 0.7, 1.0) * ring * u_ripples[i].w * exp(-1.5 * u_ripples[i].z);
    }

    for (int i = 0; i < 8; i++) {
        if (i >= u_n_people) break;
        vec2 d = (px - u_people[i].xy) / max(u_people[i].zw, vec2(1.0));
        float r = length(d);
        float shimmer = 0.85 + 0.15 * sin(8.0 * atan(d.y, d.x) + u_time * 2.0 + float(i));
        float aura = exp(-r * r * 1.6) * shimmer;
        col += u_aura[i].rgb * aura * (0.25 + 0.75 * u_aura[i].a);
    }
    f_color = vec4(col, 1.0);
}
