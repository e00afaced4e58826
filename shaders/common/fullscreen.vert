#version 330
// A full-screen triangle strip. v_uv has GL's origin (bottom-left); v_img the image origin
// (top-left), which is how camera frames and other images are uploaded.
in vec2 in_pos;
out vec2 v_uv;
out vec2 v_img;
void main() {
    v_uv = in_pos * 0.5 + 0.5;
    v_img = vec2(v_uv.x, 1.0 - v_uv.y);
    gl_Position = vec4(in_pos, 0.0, 1.0);
}
