"""Virtual visitors (the attract loop and test input) and the reference gallery."""

from __future__ import annotations

import numpy as np

from body import body_model as bm
from body.postures import load_postures
from runtime.devices.virtual_visitors import VirtualVisitors
from scenes.pose_space.gallery import Gallery, SequenceGuide


def test_virtual_visitors_keep_their_ids_and_move():
    vv = VirtualVisitors(4, seed=3)
    first = vv.step(0.0)
    centres = {p.id: p.landmarks[[11, 12, 23, 24], :2].mean(0) for p in first}
    seen_postures = set()
    for k in range(1, 20 * 10):  # 20 s at 10 Hz
        people = vv.step(k / 10)
        assert [p.id for p in people] == [1, 2, 3, 4]
        assert all(p.landmarks.shape == (33, 4) and p.t_capture == k / 10 for p in people)
        seen_postures |= {name for name in vv.truth().values() if name}
    moved = [np.linalg.norm(p.landmarks[[11, 12, 23, 24], :2].mean(0) - centres[p.id]) for p in people]
    assert max(moved) > 0.02
    assert len(seen_postures) >= 3


def test_virtual_visitors_are_reproducible_and_drawn():
    a, b = VirtualVisitors(2, seed=9), VirtualVisitors(2, seed=9)
    for k in range(30):
        pa, pb = a.step(k / 30), b.step(k / 30)
    np.testing.assert_array_equal(pa[1].landmarks, pb[1].landmarks)
    frame = a.frame((320, 180))
    assert frame.shape == (180, 320, 3)
    for p in pa:  # each person is drawn where their hips are
        x, y = p.landmarks[[23, 24], :2].mean(0)
        r0, c0 = int(y * 180), int(x * 320)
        patch = frame[max(0, r0 - 12) : r0 + 12, max(0, c0 - 12) : c0 + 12]
        assert patch.max() > 150


def test_gallery_finds_the_posture_and_keeps_room_poses():
    g = Gallery.from_postures(variations=1)
    rng = np.random.default_rng(2)
    hits, total = 0, 0
    for p in load_postures().values():
        for _ in range(3):
            lm = bm.sample_landmarks(bm.vary(p, rng, spread=0.3), rng, noise=0.3)
            hits += g.search(lm, k=1)[0].entry.posture == p.name
            total += 1
    assert hits / total > 0.8
    lm = bm.front_view(bm.random_params(rng))
    entry = g.record("room pose", lm)
    assert g.search(lm, k=1)[0].entry is entry
    assert g.search(lm, k=1)[0].distance < 1.0


def test_sequence_guide_suggests_the_next_posture():
    guide = SequenceGuide("sun_salutation")
    assert guide.next == "mountain"
    for held, expected in (("mountain", "forward_fold"), ("forward_fold", "low_lunge"), ("low_lunge", "plank"),
                           ("cobra", "downward_dog"), ("downward_dog", "low_lunge")):
        guide.observe(held)
        assert guide.next == expected


def test_room_poses_are_kept_across_restarts(tmp_path):
    from scenes.pose_space.scene import PoseSpaceScene

    path = tmp_path / "room_poses.npz"
    lm = bm.front_view(bm.params_for(load_postures()["tree"]))
    g = Gallery()
    g.record("room 1: tree", lm, "tree")
    g.save(path)
    scene = PoseSpaceScene({"gallery_file": str(path)})
    scene.load_model()
    room = [e for e in scene.gallery.entries if e.source == "room"]
    assert [e.name for e in room] == ["room 1: tree"]
    assert scene.gallery.search(lm, k=1)[0].distance < 1.0
    path.write_bytes(b"broken")
    scene = PoseSpaceScene({"gallery_file": str(path)})
    scene.load_model()  # a damaged file is logged and skipped
    assert not [e for e in scene.gallery.entries if e.source == "room"]
