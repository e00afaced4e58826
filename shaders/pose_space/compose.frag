#version 330
// The final picture: the low-resolution field scaled up, plus the camera image dimmed or as a
// luma-threshold silhouette.
in vec2 v_img;
uniform sampler2D u_field;      // rendered by field.frag (GL origin: bottom row first)
uniform sampler2D u_camera;     // camera frame, uploaded top row first
uniform int u_camera_mode;      // 0 none, 1 dimmed, 2 silhouette
uniform float u_camera_dim;     // brightness of the camera image
in vec2 v_uv;
out vec4 f_color;
void main() {
    vec3 col = texture(u_field, v_uv).rgb;
    if (u_camera_mode == 1) {
        col += texture(u_camera, v_img).rgb * u_camera_dim;
    } else if (u_camera_mode == 2) {
        float luma = dot(texture(u_camera, v_img).rgb, vec3(0.299, 0.587, 0.114));
        col += vec3(0.55, 0.65, 0.9) * smoothstep(0.25, 0.45, luma) * u_camera_dim;
    }
    f_color = vec4(col, 1.0);
}
