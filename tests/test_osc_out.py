"""OSC out on real loopback sockets, parsed by python-osc (an independent OSC implementation)."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage as PyOscMessage

from runtime import clock
from runtime.frames import OscMessage, Person
from runtime.osc.send import OscOut, mic_message, person_event, person_message, sonify_message


def receiver() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(1.0)
    return sock


def receive_all(sock: socket.socket, wait: float = 0.05) -> list[bytes]:
    out = []
    sock.settimeout(wait)
    while True:
        try:
            out.append(sock.recv(65536))
        except TimeoutError:
            return out


def person(pid: int, seed: int) -> Person:
    rng = np.random.default_rng(seed)
    return Person(id=pid, landmarks=rng.random((33, 4)).astype(np.float32), t_capture=clock.now(), score=0.9)


def flatten(bundle: OscBundle) -> list[PyOscMessage]:
    out = []
    for item in bundle:
        out.extend(flatten(item) if isinstance(item, OscBundle) else [item])
    return out


def test_one_bundle_per_frame_with_timetag_frame_counter_and_one_message_per_person():
    rx = receiver()
    out = OscOut({"targets": [{"name": "a", "host": "127.0.0.1", "port": rx.getsockname()[1]}]})
    people = [person(3, 0), person(7, 1)]
    t = clock.now() - 0.040  # captured 40 ms ago
    out.send_frame(12, t, [person_message(p) for p in people] + [person_event("enter", 7)])
    wall_at_send = time.time()
    datagrams = receive_all(rx)
    assert len(datagrams) == 1
    bundle = OscBundle(datagrams[0])
    assert abs(bundle.timestamp - (wall_at_send - 0.040)) < 0.01
    msgs = flatten(bundle)
    assert [m.address for m in msgs] == ["/sala/frame", "/sala/person", "/sala/person", "/sala/person/enter"]
    assert msgs[0].params[0] == 12 and msgs[0].params[2] == 2
    for msg, p in zip(msgs[1:3], people, strict=True):
        assert msg.params[0] == p.id and len(msg.params) == 2 + 132
        np.testing.assert_allclose(np.array(msg.params[2:]).reshape(33, 4), p.landmarks, atol=1e-7)
    assert msgs[3].params == [7]
    assert out.stats()["bundles"] == 1


def test_streams_filter_and_max_rate_thins_pose_but_keeps_every_event():
    rx = receiver()
    cfg = {"targets": [{"name": "slow", "port": rx.getsockname()[1], "streams": ["pose", "events"],
                        "max_rate": 10}]}
    out = OscOut(cfg)
    t_capture = clock.now()  # perception slower than the loop: the capture time repeats
    start = time.monotonic()
    sent_exits = []
    for frame in range(36):  # 0.6 s at 60 fps
        msgs = [person_message(person(1, frame)), sonify_message("brightness", 0.5)]
        if frame % 7 == 3:
            msgs.append(person_event("exit", frame))
            sent_exits.append(frame)
        out.send_frame(frame, t_capture, msgs)
        time.sleep(max(0.0, start + (frame + 1) / 60 - time.monotonic()))
    datagrams = receive_all(rx)
    elapsed = time.monotonic() - start
    assert 0.6 * elapsed * 10 <= len(datagrams) <= elapsed * 10 + 1.5  # about 10 bundles per second
    messages = [m for d in datagrams for m in flatten(OscBundle(d))]
    assert "/sala/sonify" not in {m.address for m in messages}  # not subscribed
    exits = [m.params[0] for m in messages if m.address == "/sala/person/exit"]
    assert exits == sent_exits[: len(exits)] and len(exits) >= len(sent_exits) - 1  # in order, none lost
    assert out.stats()["targets"]["slow"]["skipped_rate"] == 36 - len(datagrams)


def test_presets_mediapipe_flat_and_wekinator_plain_message():
    rx_mp, rx_wek = receiver(), receiver()
    out = OscOut({"targets": [
        {"name": "mp", "port": rx_mp.getsockname()[1], "preset": "mediapipe"},
        {"name": "wek", "port": rx_wek.getsockname()[1], "preset": "wekinator"},
    ]})
    people = [person(9, 2), person(4, 3)]
    out.send_frame(1, clock.now(), [person_message(p) for p in people])
    [mp] = receive_all(rx_mp)
    [msg] = flatten(OscBundle(mp))
    assert msg.address == "/mediapipe/pose" and msg.params[0] == 2 and len(msg.params) == 1 + 2 * 132
    np.testing.assert_allclose(np.array(msg.params[1:133]).reshape(33, 4), people[0].landmarks, atol=1e-7)
    [wek] = receive_all(rx_wek)
    assert not OscBundle.dgram_is_bundle(wek)
    wmsg = PyOscMessage(wek)
    assert wmsg.address == "/wek/inputs" and len(wmsg.params) == 66
    np.testing.assert_allclose(np.array(wmsg.params).reshape(33, 2), people[1].landmarks[:, :2], atol=1e-7)


def test_large_frames_split_into_bundles_that_each_carry_the_frame_message():
    rx = receiver()
    out = OscOut({"targets": [{"name": "a", "port": rx.getsockname()[1], "max_datagram": 2000}]})
    out.send_frame(5, clock.now(), [person_message(person(i, i)) for i in range(6)])
    datagrams = receive_all(rx)
    assert len(datagrams) >= 3 and all(len(d) <= 2000 for d in datagrams)
    ids = []
    for d in datagrams:
        msgs = flatten(OscBundle(d))
        assert msgs[0].address == "/sala/frame" and msgs[0].params[0] == 5
        ids += [m.params[0] for m in msgs[1:]]
    assert ids == list(range(6))


def test_absent_refusing_and_unresolvable_targets_never_block_or_raise():
    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()  # nobody listens there: the kernel answers with ICMP port unreachable
    out = OscOut({"targets": [
        {"name": "dead", "port": port},
        {"name": "nowhere", "host": "no-such-host.invalid", "port": 9},
        {"name": "blackhole", "host": "192.0.2.1", "port": 9},  # TEST-NET-1, never answers
    ]})
    start = time.perf_counter()
    for frame in range(200):
        out.send_frame(frame, clock.now() + frame, [person_message(person(1, 0))])
    assert time.perf_counter() - start < 0.5
    stats = out.stats()
    assert "cannot resolve" in stats["targets"]["nowhere"]["error"]
    assert out.status().startswith("degraded")


def test_mic_and_bad_scene_message_are_handled():
    from runtime.devices.microphone import MicFeatures

    rx = receiver()
    out = OscOut({"targets": [{"name": "a", "port": rx.getsockname()[1]}]})
    t = clock.now()
    feats = MicFeatures(t_capture=t, rms_db=-12.0, onset=True, pitch_hz=440.0, pitch_confidence=0.95,
                        centroid_hz=880.0, mel=np.linspace(-80, 0, 64, dtype=np.float32), onsets=[t - 0.01])
    bad = OscMessage("/scene/x", (object(),), stream="scene")
    out.send_frame(1, t, mic_message(feats) + [bad])  # the bad one is counted and left out, never raised
    assert out.stats()["targets"]["a"]["bad_messages"] == 1
    [datagram] = receive_all(rx)
    msgs = flatten(OscBundle(datagram))
    by = {m.address: m.params for m in msgs}
    assert by["/sala/mic"][:2] == [-12.0, 440.0] and by["/sala/mic"][4] == 1
    assert len(by["/sala/mic/mel"]) == 64
    assert by["/sala/mic/onset"][0] == pytest.approx(0.01, abs=1e-6)


def test_config_sections_drive_sender_and_control_server():
    from runtime import config
    from runtime.osc.control import ControlServer

    rx = receiver()
    cfg = config.validate({"osc": {"control_port": 0, "targets": [
        {"name": "wek", "preset": "wekinator", "host": "127.0.0.1", "port": rx.getsockname()[1]},
    ]}})
    out = OscOut(cfg["osc"])
    out.send_frame(0, clock.now(), [person_message(person(2, 5)), person_event("enter", 2)])
    [data] = receive_all(rx)
    assert PyOscMessage(data).address == "/wek/inputs"  # plain message even though bundle defaults to true
    server = ControlServer(cfg["osc"])
    server.start()
    try:
        assert server.status() == "ok" and server.address[0] == "127.0.0.1" and server.address[1] > 0
    finally:
        server.stop()
    with pytest.raises(ValueError, match=r"osc.targets\[x\].port = 0"):
        OscOut(config.validate({"osc": {"targets": [{"name": "x"}]}})["osc"])


def test_sound_check_reports_each_item_with_a_reason():
    from runtime import config
    from tools.check import check_sound

    cfg = config.validate({"audio": {"backend": "portaudio"}, "microphone": {"enabled": True, "device": "zzz"},
                           "osc": {"control_port": 0, "targets": [{"name": "bad", "host": "no-such.invalid",
                                                                   "port": 9}]}})
    items = {c.item: c for c in check_sound(cfg)}
    assert not items["osc target bad"].ok and "cannot resolve" in items["osc target bad"].detail
    assert items["osc control port"].ok
    assert not items["microphone device"].ok and "scenes get silence" in items["microphone device"].detail
    assert "audio backend portaudio" in items
