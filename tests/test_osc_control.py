"""The OSC control server on a real loopback socket: validation, allow-list, flood, fuzz, /ping."""

from __future__ import annotations

import socket
import struct
import time

import numpy as np
import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from runtime.osc.codec import encode_bundle, encode_message
from runtime.osc.control import ControlServer
from tests.conftest import wait_for


def msg(address: str, *args) -> bytes:
    b = OscMessageBuilder(address)  # python-osc builds the packets: an independent encoder
    for a in args:
        b.add_arg(a)
    return b.build().dgram


@pytest.fixture
def server():
    srv = ControlServer({"control_host": "127.0.0.1", "control_port": 0, "control_queue": 64})
    srv.start()
    assert srv.status() == "ok"
    yield srv
    srv.stop()


@pytest.fixture
def client():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # room for the /pong of every fuzzed /ping
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(1.0)
    yield sock
    sock.close()


def ping(client: socket.socket, server: ControlServer, token: int) -> list:
    from pythonosc.osc_message import OscMessage

    client.sendto(msg("/ping", token), server.address)
    replies = 0
    while True:  # earlier /pong replies (to pings inside a fuzz run) may come first
        try:
            data = client.recv(65536)
        except TimeoutError:
            raise AssertionError(f"no /pong {token} after {replies} other replies; {server.stats()}") from None
        replies += 1
        reply = OscMessage(data)
        if reply.params == [token]:
            return [reply.address, *reply.params]


def test_valid_commands_are_queued_validated_and_ping_answers(server, client):
    sent = [
        msg("/sala/scene", "pose_space"),
        msg("/sala/param", "speed", 0.5),
        msg("/sala/param", "signing", "hand", "left"),
        msg("/sign", "\ue000\ue020\ue03c"),
        msg("/sign", "\ue001", "HOUSE"),
        msg("/sala/volume", 0.3),
    ]
    for data in sent:
        client.sendto(data, server.address)
    assert ping(client, server, 41) == ["/pong", 41]
    got = server.drain()
    assert [(m.address, m.args) for m in got] == [
        ("/sala/scene", ("pose_space",)),
        ("/sala/param", ("", "speed", pytest.approx(0.5))),
        ("/sala/param", ("signing", "hand", "left")),
        ("/sign", ("\ue000\ue020\ue03c",)),
        ("/sign", ("\ue001", "HOUSE")),
        ("/sala/volume", (pytest.approx(0.3),)),
    ]
    assert all(m.sender.startswith("127.0.0.1:") for m in got)
    assert server.drain() == []
    assert server.stats()["applied"] == 6 and server.stats()["pings"] == 1


def test_invalid_malformed_and_oversized_are_dropped_and_counted(server, client):
    bad = [
        msg("/sala/scene"),  # missing name
        msg("/sala/scene", "../../etc"),  # not a name
        msg("/sala/param", "k", float("nan")),
        msg("/sala/volume", 3.0),  # out of range
        msg("/sign", "a", "b", "c"),  # too many
        msg("/nope", 1),  # unknown address
    ]
    malformed = [b"", b"hello", b"/sala/scene\x00", b"#bundle\x00" + b"\xff" * 12, b"/a\x00\x00,s\x00\x00abc"]
    for data in bad + malformed:
        client.sendto(data, server.address)
    client.sendto(encode_message("/sala/scene", ["x" * 9000]), server.address)  # > max_packet 8192
    assert ping(client, server, 7) == ["/pong", 7]
    stats = server.stats()
    assert stats["dropped_invalid"] == len(bad) + 1  # the old-style "/sala/scene" without arguments
    assert stats["dropped_malformed"] == len(malformed) - 1
    assert stats["dropped_oversize"] == 1
    assert server.drain() == []


def test_allow_list_refuses_other_senders(client):
    srv = ControlServer({"control_port": 0, "control_allow": ["10.1.2.3"]})
    srv.start()
    try:
        client.sendto(msg("/sala/scene", "a"), srv.address)
        client.sendto(msg("/ping", 1), srv.address)
        assert wait_for(lambda: srv.stats()["dropped_sender"] == 2)
        with pytest.raises(TimeoutError):
            client.settimeout(0.2)
            client.recv(100)
        assert srv.drain() == []
    finally:
        srv.stop()


def test_flood_is_bounded_by_the_queue(server, client):
    for i in range(500):
        client.sendto(msg("/sala/param", "n", i), server.address)
    assert ping(client, server, 3) == ["/pong", 3]  # answered after the flood: the flood was read
    got = server.drain()
    stats = server.stats()
    assert len(got) == 64  # the queue bound
    assert [m.args[2] for m in got] == list(range(64))  # the oldest kept, in order
    assert stats["received"] > 200  # most of the flood reached the server (UDP may drop some)
    assert stats["applied"] == 64 and stats["dropped_queue_full"] == stats["received"] - 64 - 1


def test_fuzz_10000_random_and_malformed_packets_then_ping_still_answers(server, client):
    rng = np.random.default_rng(1234)
    valid = [msg("/sala/scene", "a"), msg("/sala/param", "x", 1.0), msg("/sign", "abc"), msg("/ping", 5)]
    sent = 0
    for i in range(10_000):
        kind = i % 5
        if kind == 0:  # random bytes
            data = rng.bytes(int(rng.integers(0, 300)))
        elif kind == 1:  # a valid packet with bytes flipped
            data = bytearray(valid[int(rng.integers(len(valid)))])
            for _ in range(int(rng.integers(1, 6))):
                data[int(rng.integers(len(data)))] = int(rng.integers(256))
            data = bytes(data)
        elif kind == 2:  # truncated
            src = valid[int(rng.integers(len(valid)))]
            data = src[: int(rng.integers(0, len(src)))]
        elif kind == 3:  # bundles with lying sizes or deep nesting
            inner = valid[int(rng.integers(len(valid)))]
            for _ in range(int(rng.integers(1, 8))):
                inner = encode_bundle(1, [inner])
            data = bytearray(inner)
            if rng.random() < 0.5:
                data[16:20] = struct.pack(">i", int(rng.integers(-(2**31), 2**31)))
            data = bytes(data)
        else:  # a plausible address with random type tags and payload
            tags = "".join(rng.choice(list("ifsbhdTFNtcrm?"), size=int(rng.integers(0, 12))))
            data = b"/sala/param\x00," + tags.encode() + b"\x00" * (4 - (len(tags) + 1) % 4) + rng.bytes(40)
        client.sendto(data, server.address)
        sent += 1
        if i % 500 == 0:
            time.sleep(0.002)  # let the server thread breathe; the kernel buffer is finite
    assert ping(client, server, 99) == ["/pong", 99]
    stats = server.stats()
    assert stats["status"] == "ok" and "unexpected" not in stats["last_error"]
    assert stats["received"] > 0.9 * sent
    assert len(server.drain()) <= 64
