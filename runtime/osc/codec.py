"""OSC 1.0 encoding and a strict, bounded decoder.

The encoder is small and fast because the show sends every frame; the decoder is strict because it
reads packets from the network: every length is checked before it is used, bundles nest at most
`max_depth` deep, and any fault raises `OscDecodeError` (never another exception type).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)
IMMEDIATELY = 1  # the OSC time tag meaning "now"
_BUNDLE_TAG = b"#bundle\x00"


class OscDecodeError(ValueError):
    """A packet that is not valid OSC, with the byte position and what was wrong."""


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (4 - len(data) % 4)


def _padded_string(text: str) -> bytes:
    return _pad(text.encode("utf-8"))


def ntp_timetag(unix_time: float) -> int:
    """A 64-bit NTP time tag for a wall-clock (Unix) time in seconds."""
    seconds = unix_time + NTP_EPOCH_OFFSET
    whole = int(seconds)
    return (whole << 32) | int((seconds - whole) * 4294967296.0) & 0xFFFFFFFF


def timetag_for_engine_time(t: float, clock_now: float) -> int:
    """The NTP time tag of an engine-clock instant `t`, given the engine clock's `now()`."""
    return ntp_timetag(time.time() - (clock_now - t))


def encode_message(address: str, args: Iterable[Any] = ()) -> bytes:
    """One OSC message. Ints -> i (or h when outside int32), floats -> f, str -> s, bytes -> b,
    bool -> T/F, None -> N; numpy arrays and lists/tuples are flattened into their elements."""
    tags = [","]
    body: list[bytes] = []
    for arg in args:
        _encode_arg(arg, tags, body)
    return _padded_string(address) + _padded_string("".join(tags)) + b"".join(body)


def _encode_arg(arg: Any, tags: list[str], body: list[bytes]) -> None:
    if isinstance(arg, bool | np.bool_):
        tags.append("T" if arg else "F")
    elif isinstance(arg, int | np.integer):
        value = int(arg)
        if -(2**31) <= value < 2**31:
            tags.append("i")
            body.append(struct.pack(">i", value))
        else:
            tags.append("h")
            body.append(struct.pack(">q", value))
    elif isinstance(arg, float | np.floating):
        tags.append("f")
        body.append(struct.pack(">f", float(arg)))
    elif isinstance(arg, str):
        tags.append("s")
        body.append(_padded_string(arg))
    elif isinstance(arg, bytes | bytearray):
        tags.append("b")
        data = bytes(arg)
        body.append(struct.pack(">i", len(data)) + data + b"\x00" * (-len(data) % 4))
    elif arg is None:
        tags.append("N")
    elif isinstance(arg, np.ndarray):
        flat = np.asarray(arg, dtype=">f4").ravel()
        tags.append("f" * flat.size)
        body.append(flat.tobytes())
    elif isinstance(arg, list | tuple):
        for item in arg:
            _encode_arg(item, tags, body)
    else:
        raise TypeError(f"OSC argument of type {type(arg).__name__} is not supported: {arg!r}")


def encode_bundle(timetag: int, elements: Sequence[bytes]) -> bytes:
    """A bundle of already-encoded messages (or bundles) with a 64-bit NTP time tag."""
    parts = [_BUNDLE_TAG, struct.pack(">Q", timetag)]
    for element in elements:
        parts.append(struct.pack(">i", len(element)))
        parts.append(element)
    return b"".join(parts)


def bundle_size(elements: Sequence[bytes]) -> int:
    return 16 + sum(4 + len(e) for e in elements)


# ---------------------------------------------------------------------------------------------- decoding


def _read_string(data: bytes, pos: int, what: str) -> tuple[str, int]:
    end = data.find(b"\x00", pos)
    if end < 0:
        raise OscDecodeError(f"byte {pos}: {what} string is not terminated")
    try:
        text = data[pos:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OscDecodeError(f"byte {pos}: {what} is not UTF-8") from exc
    nxt = end + 1
    nxt += -nxt % 4
    if nxt > len(data):
        raise OscDecodeError(f"byte {pos}: {what} string padding runs past the end")
    return text, nxt


def _need(data: bytes, pos: int, size: int, what: str) -> None:
    if pos + size > len(data):
        raise OscDecodeError(f"byte {pos}: {what} needs {size} bytes, packet ends at {len(data)}")


# Fixed-size argument types: tag -> (struct format, bytes, name for errors).
_SCALARS = {"i": (">i", 4, "int32"), "f": (">f", 4, "float32"), "d": (">d", 8, "float64"), "h": (">q", 8, "int64")}


def decode_message(data: bytes) -> tuple[str, tuple[Any, ...]]:
    """Decode one OSC message into (address, args)."""
    if not data.startswith(b"/"):
        raise OscDecodeError("byte 0: an OSC address must start with '/'")
    address, pos = _read_string(data, 0, "address")
    if pos >= len(data):
        return address, ()  # old-style message without a type tag string
    tags, pos = _read_string(data, pos, "type tag")
    if not tags.startswith(","):
        raise OscDecodeError(f"type tag string must start with ',' (got {tags[:10]!r})")
    args: list[Any] = []
    for tag in tags[1:]:
        if tag in _SCALARS:
            fmt, size, what = _SCALARS[tag]
            _need(data, pos, size, what)
            args.append(struct.unpack_from(fmt, data, pos)[0])
            pos += size
        elif tag in "sS":
            text, pos = _read_string(data, pos, "string argument")
            args.append(text)
        elif tag == "b":
            _need(data, pos, 4, "blob size")
            size = struct.unpack_from(">i", data, pos)[0]
            pos += 4
            if size < 0:
                raise OscDecodeError(f"byte {pos - 4}: negative blob size {size}")
            _need(data, pos, size, "blob")
            args.append(bytes(data[pos : pos + size]))
            pos += size + (-size % 4)
        elif tag == "T":
            args.append(True)
        elif tag == "F":
            args.append(False)
        elif tag == "N":
            args.append(None)
        elif tag == "I":
            args.append(float("inf"))
        elif tag in "cr m":
            _need(data, pos, 4, f"'{tag}' argument")
            args.append(struct.unpack_from(">i", data, pos)[0])
            pos += 4
        elif tag == "t":
            _need(data, pos, 8, "time tag")
            args.append(struct.unpack_from(">Q", data, pos)[0])
            pos += 8
        else:
            raise OscDecodeError(f"unsupported type tag {tag!r}")
    return address, tuple(args)


def decode_packet(data: bytes, max_depth: int = 4) -> list[tuple[str, tuple[Any, ...]]]:
    """Decode a message or a bundle into a flat list of (address, args), bundles unpacked."""
    out: list[tuple[str, tuple[Any, ...]]] = []
    _decode_into(bytes(data), out, max_depth)
    return out


def _decode_into(data: bytes, out: list[tuple[str, tuple[Any, ...]]], depth: int) -> None:
    if data.startswith(_BUNDLE_TAG):
        if depth <= 0:
            raise OscDecodeError("bundles nested too deep")
        _need(data, 8, 8, "bundle time tag")
        pos = 16
        while pos < len(data):
            _need(data, pos, 4, "bundle element size")
            size = struct.unpack_from(">i", data, pos)[0]
            pos += 4
            if size <= 0 or size % 4:
                raise OscDecodeError(f"byte {pos - 4}: bad bundle element size {size}")
            _need(data, pos, size, "bundle element")
            _decode_into(data[pos : pos + size], out, depth - 1)
            pos += size
    else:
        out.append(decode_message(data))


def bundle_timetag(data: bytes) -> int | None:
    """The time tag of a bundle, or None when `data` is a plain message."""
    if data.startswith(_BUNDLE_TAG) and len(data) >= 16:
        return struct.unpack_from(">Q", data, 8)[0]
    return None
