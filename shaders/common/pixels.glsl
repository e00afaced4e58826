uniform vec2 u_resolution;  // framebuffer size in pixels
vec2 px_to_clip(vec2 p) {
    return vec2(p.x / u_resolution.x * 2.0 - 1.0, 1.0 - p.y / u_resolution.y * 2.0);
}
