#version 330
// The avatar's body and face as signed distance fields: background, torso, neck, head, hair, ears,
// eyes, brows, nose and mouth (the head only with u_head = 1). Arms and hands, and a moving head, are
// drawn on top as instanced capsules (limb.vert).
in vec2 v_uv;
in vec2 v_img;
out vec4 f_color;

uniform vec2 u_resolution;
uniform vec2 u_origin;      // pixels of the point between the shoulders
uniform float u_scale;      // pixels per shoulder width
uniform vec2 u_anchor[17];  // body and face anchors in shoulder widths (skeleton.py order)
uniform float u_blink;      // 0 open .. 1 closed
uniform float u_head;       // 1: paint the head and face too; 0: the body only (the scene draws a moving head)
uniform vec3 u_skin;
uniform vec3 u_shirt;
uniform vec3 u_hair;
uniform vec3 u_bg_top;
uniform vec3 u_bg_bottom;

float sd_capsule(vec2 p, vec2 a, vec2 b, float r) {
    vec2 pa = p - a, ba = b - a;
    float h = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-8), 0.0, 1.0);
    return length(pa - ba * h) - r;
}

float sd_ellipse(vec2 p, vec2 c, vec2 r) {
    // A cheap ellipse distance: exact on the axes, good enough for shading an outline.
    vec2 q = (p - c) / r;
    float k = length(q);
    return (k - 1.0) * min(r.x, r.y);
}

float sd_round_box(vec2 p, vec2 c, vec2 half_size, float r) {
    vec2 q = abs(p - c) - half_size + r;
    return length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - r;
}

// Paint colour c over dst where the distance d (shoulder widths) is inside, anti-aliased by a pixel.
vec3 paint(vec3 dst, vec3 c, float d) {
    float a = clamp(0.5 - d * u_scale, 0.0, 1.0);
    return mix(dst, c, a);
}

vec3 outlined(vec3 dst, vec3 c, float d) {
    dst = paint(dst, c * 0.55, d - 1.5 / u_scale);
    return paint(dst, c, d);
}

void main() {
    vec2 px = v_img * u_resolution;
    vec2 p = (px - u_origin) / u_scale;
    vec3 col = mix(u_bg_top, u_bg_bottom, v_img.y);
    // A soft spot light behind the signer.
    col += 0.06 * exp(-dot(p - vec2(0.0, 0.1), p - vec2(0.0, 0.1)) * 0.8);

    vec2 neck = u_anchor[0];
    vec2 head = u_anchor[1];
    vec2 rs = u_anchor[2];
    vec2 ls = u_anchor[3];

    // Torso: a rounded box from the shoulders down, shoulder caps, a neckline.
    float torso = sd_round_box(p, vec2(0.0, 0.8), vec2(0.47, 0.82), 0.2);
    torso = min(torso, sd_capsule(p, rs, ls, 0.13));
    float shade = 0.88 + 0.12 * smoothstep(0.6, 0.0, abs(p.x));
    col = outlined(col, u_shirt * shade, torso);

    float neck_d = sd_capsule(p, neck + vec2(0.0, 0.05), u_anchor[14] + vec2(0.0, 0.02), 0.085);
    col = outlined(col, u_skin * 0.9, neck_d);
    float collar = sd_ellipse(p, neck + vec2(0.0, 0.06), vec2(0.13, 0.07));
    col = paint(col, u_skin * 0.85, max(collar, -(p.y - neck.y - 0.02)));

    if (u_head < 0.5) {
        f_color = vec4(col, 1.0);
        return;
    }
    // Head, ears, hair.
    vec2 head_c = vec2(head.x, (u_anchor[8].y + u_anchor[14].y) * 0.5 + 0.02);
    vec2 head_r = vec2(0.205, (u_anchor[14].y - u_anchor[8].y) * 0.5 + 0.1);
    float ears = min(sd_ellipse(p, u_anchor[15], vec2(0.035, 0.06)), sd_ellipse(p, u_anchor[16], vec2(0.035, 0.06)));
    col = outlined(col, u_skin * 0.92, ears);
    float head_d = sd_ellipse(p, head_c, head_r);
    col = outlined(col, u_skin, head_d);
    float hair = max(sd_ellipse(p, head_c + vec2(0.0, -0.02), head_r + vec2(0.02, 0.01)),
                     p.y - (u_anchor[8].y + 0.03 + 0.05 * abs(p.x) / 0.2));
    col = outlined(col, u_hair, hair);

    // Face: brows, eyes (they blink), nose, mouth.
    for (int i = 0; i < 2; i++) {
        vec2 eye = u_anchor[9 + i];
        float s = i == 0 ? -1.0 : 1.0;
        col = paint(col, u_hair * 0.9, sd_capsule(p, eye + vec2(-0.035 * s, -0.05), eye + vec2(0.035 * s, -0.058), 0.009));
        vec2 er = vec2(0.026, 0.017 * (1.0 - 0.9 * u_blink) + 0.002);
        col = paint(col, vec3(0.97), sd_ellipse(p, eye, er));
        col = paint(col, vec3(0.12, 0.09, 0.08), sd_ellipse(p, eye, vec2(0.012, min(er.y, 0.012))));
    }
    vec2 nose = u_anchor[11];
    col = paint(col, u_skin * 0.75, sd_capsule(p, nose + vec2(0.0, -0.07), nose + vec2(0.012, 0.0), 0.007));
    col = paint(col, u_skin * 0.8, sd_capsule(p, nose + vec2(-0.02, 0.008), nose + vec2(0.02, 0.008), 0.008));
    vec2 mr = u_anchor[12], ml = u_anchor[13];
    col = paint(col, vec3(0.62, 0.3, 0.3), sd_capsule(p, mr, ml, 0.011));

    f_color = vec4(col, 1.0);
}
