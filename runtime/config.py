"""Configuration: TOML files in config/, validated against SCHEMA at start-up.

An unknown key or a wrong type stops the show before it opens a window, with a message that names
the file, the key and what is allowed. Values not given in a file take the schema's defaults, so
an empty file is a valid config; `config/default.toml` documents every key line by line.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
DEFAULT_CONFIG = CONFIG_DIR / "default.toml"


class ConfigError(ValueError):
    """A config file or override that does not fit the schema. The message says where and what."""


@dataclass(frozen=True)
class Field:
    """One key: its type, default, and optionally the values or range allowed."""

    type: type | tuple[type, ...]
    default: Any
    doc: str = ""
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    item: type | None = None  # element type of a list

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        names = {str: "a string", bool: "true or false", int: "an integer", float: "a number", list: "a list",
                 dict: "a table"}
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        text = " or ".join(names.get(t, t.__name__) for t in types)
        if self.item is not None:
            text += f" of {names.get(self.item, self.item.__name__)}s"
        if self.min is not None or self.max is not None:
            low = "-inf" if self.min is None else self.min
            high = "inf" if self.max is None else self.max
            text += f" in [{low}, {high}]"
        return text


@dataclass(frozen=True)
class Tables:
    """A section of named sub-tables that share one schema, e.g. [cameras.main], [cameras.door]."""

    fields: dict[str, Field]
    default: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class TableList:
    """An array of tables, e.g. [[osc.targets]] or [[show.playlist]]."""

    fields: dict[str, Field]
    required: tuple[str, ...] = ()


F = Field
NUM = (int, float)

# The whole schema. Each area of the project owns its section.
SCHEMA: dict[str, dict[str, Field | Tables | TableList]] = {
    "show": {
        "scene": F(str, "testcard", "scene shown at start (python -m runtime scenes lists them)"),
        "playlist": TableList({"scene": F(str, ""), "seconds": F(NUM, 60.0, min=1.0)}, required=("scene",)),
        "crossfade": F(NUM, 1.0, "seconds of the GPU crossfade between scenes", min=0.0, max=30.0),
        "update_rate": F(NUM, 60.0, "fixed update rate in Hz, independent of the render rate", min=1.0,
                         max=1000.0),
        "max_updates": F(int, 3, "most fixed updates in one frame; a slower frame drops scene time instead",
                         min=1, max=20),
        "max_fps": F(NUM, 60.0, "render rate cap; 0 means as fast as possible", min=0.0),
        "scene_keys": F(bool, True, "number keys 1-9 switch scenes, Tab the next one"),
    },
    "window": {
        "mode": F(str, "windowed", "how the show is displayed", choices=("windowed", "fullscreen", "headless")),
        "size": F(list, [1280, 720], "window or headless framebuffer size in pixels", item=int),
        "title": F(str, "sala"),
        "vsync": F(bool, True),
        "overlay": F(bool, False, "show the statistics overlay at start"),
        "overlay_key": F(str, "F1", "pygame key name that toggles the overlay"),
        "screenshot_key": F(str, "F12", "pygame key name that saves a screenshot to the recording folder"),
        "dev_reload": F(bool, False, "reload shaders when their files change"),
        "hide_cursor": F(bool, False, "hide the mouse cursor (always hidden in fullscreen)"),
        "exit_keys": F(list, ["escape"], "key combination that quits, e.g. ['left ctrl', 'left alt', 'q']",
                       item=str),
        "note_seconds": F(NUM, 8.0, "how long status notes (camera lost, input used) stay on screen", min=0.0),
    },
    "cameras": {
        "_": Tables(
            {
                "spec": F(str, "auto", "auto | camera:INDEX | video:PATH | images:DIR | images:builtin | "
                                       "visitors:N | replay:DIR"),
                "width": F(int, 1280, min=16),
                "height": F(int, 720, min=16),
                "fps": F(NUM, 30.0, min=1.0),
                "mirror": F(bool, False, "flip left-right, as a mirror"),
                "rotate": F(int, 0, "rotation in degrees", choices=(0, 90, 180, 270)),
                "crop": F(list, [0.0, 0.0, 1.0, 1.0], "x0, y0, x1, y1 as fractions of the frame", item=float),
                "slide_seconds": F(NUM, 4.0, "images: seconds per picture", min=0.1),
                "retry_min": F(NUM, 0.5, "first reconnect delay in seconds", min=0.05),
                "retry_max": F(NUM, 10.0, "longest reconnect delay in seconds", min=0.1),
                "stall_seconds": F(NUM, 2.0, "a source that delivers nothing this long is lost", min=0.1),
            },
            default={"main": {}},
        )
    },
    "audio": {
        "backend": F(str, "none", "sound output", choices=("jack", "portaudio", "offline", "none")),
        "samplerate": F(int, 48000, "Hz; on JACK it must match the server", min=8000, max=192000),
        "channels": F(int, 2, "output channels: speakers in a line, left to right", min=1, max=64),
        "buffersize": F(int, 256, "frames per audio block (256 = 5.3 ms at 48 kHz)", min=32, max=8192),
        "jack_name": F(str, "sala", "JACK client name"),
        "jack_connect": F(bool, True, "connect the outputs to the system playback ports"),
        "offline_file": F(str, "", "offline backend: WAV file the show is recorded to; '' for none"),
        "volume": F(NUM, 0.8, "master volume after the limiter", min=0.0, max=1.0),
        "reverb": F(NUM, 0.2, "master reverb wet share", min=0.0, max=1.0),
        "room": F(NUM, 0.7, "master reverb room size", min=0.0, max=1.0),
        "ceiling_db": F(NUM, -1.0, "limiter ceiling in dBFS", min=-40.0, max=0.0),
        "polyphony_voice": F(int, 16, "voices of the polyphonic 'voice' instrument", min=1, max=128),
        "polyphony_pad": F(int, 4, "voices of the 'pad' instrument", min=1, max=64),
        "polyphony_grains": F(int, 2, "voices of the 'grains' instrument", min=1, max=16),
        "polyphony_hit": F(int, 8, "voices of the 'hit' instrument", min=1, max=64),
        "polyphony_fm": F(int, 2, "voices of the 'fm' instrument (the sonification voice)", min=1, max=64),
        "seed": F(int, 0, "random seed of the noise generators; 0 = not seeded", min=0),
    },
    "microphone": {
        "enabled": F(bool, False),
        "device": F((str, int), "", "input device: '' = default, a name substring, or an index"),
        "samplerate": F(int, 48000, min=8000, max=192000),
        "channel": F(int, 0, "which input channel is analysed", min=0, max=63),
        "hop": F(int, 480, "samples between feature frames (480 at 48 kHz = 100 Hz)", min=64, max=8192),
        "window": F(int, 2048, "analysis window in samples", min=256, max=16384),
        "pitch_min": F(NUM, 60.0, "lowest pitch YIN looks for, Hz", min=20.0, max=2000.0),
        "pitch_max": F(NUM, 1600.0, "highest pitch YIN looks for, Hz", min=50.0, max=8000.0),
        "onset_threshold_db": F(NUM, 6.0, "spectral flux over its recent median that counts as an onset, dB",
                                min=0.5, max=60.0),
        "stall_seconds": F(NUM, 1.0, "no audio from the input this long: the device is lost", min=0.1, max=60.0),
        "retry_max_seconds": F(NUM, 10.0, "longest wait between reconnection attempts (doubling from 0.5 s)",
                               min=0.5, max=600.0),
    },
    "osc": {
        "enabled": F(bool, True, "send OSC to the targets"),
        "targets": TableList({
            "name": F(str, ""),
            "host": F(str, "127.0.0.1", "name or address, resolved once at start"),
            "port": F(int, 0, "UDP port (wekinator preset: 6448 when 0)", min=0, max=65535),
            "streams": F(list, ["pose", "events", "mic", "sonification", "scene"], "subscribed streams: "
                         "pose, events, mic, sonification, scene", item=str),
            "max_rate": F(NUM, 60.0, "bundles per second at most (events are never dropped)", min=0.1),
            "preset": F(str, "sala", "message layout of the pose stream", choices=("sala", "mediapipe",
                                                                                      "wekinator")),
            "bundle": F(bool, True, "one bundle per frame; false: plain messages"),
            "max_datagram": F(int, 8192, "larger frames are split into several bundles", min=512, max=65000),
        }, required=("name",)),
        "control_enabled": F(bool, True, "run the OSC control server"),
        "control_host": F(str, "127.0.0.1", "address the control server binds; '0.0.0.0' opens it"),
        "control_port": F(int, 9000, "control server UDP port", min=0, max=65535),
        "control_allow": F(list, [], "sender addresses allowed; empty = all", item=str),
        "control_max_packet": F(int, 8192, "larger packets are dropped", min=64, max=65507),
        "control_queue": F(int, 256, "validated messages waiting for the app loop at most", min=1, max=100000),
    },
    "perception": {
        "enabled": F(bool, True, "run pose perception when the scene wants people"),
        "bundle": F(str, "", "pose landmarker .task bundle; '' = models/mediapipe/pose_landmarker.task"),
        "max_people": F(int, 4, "most people tracked at once (each costs a landmark pass per frame)", min=1, max=16),
        "discovery": F(str, "both", "how newcomers are found: 'detector' = one person-detector pass over the "
                       "frame shared by everyone, then a landmark pass per new box; 'strips' = MediaPipe's pose "
                       "detector on overlapping strips; 'both' = the detector, backed up by a strip every "
                       "`strips_every` frames", choices=("detector", "strips", "both")),
        "strips_every": F(int, 4, "with discovery 'both': frames between strip scans (one zone each)", min=1),
        "detector_every": F(int, 3, "frames between person-detector passes while people are tracked (every "
                            "frame while nobody is, or someone is missing)", min=1),
        "detector_tiles": F(bool, True, "also run the person detector on square tiles of a wide frame (finds "
                            "people smaller in the frame; a pass per tile)"),
        "min_person": F(NUM, 0.3, "person detector confidence threshold", min=0.0, max=1.0),
        "strips": F(list, [1, 2, 3, 4], "strip layouts scanned for people: 1 = whole frame, n = n strips", item=int),
        "strip_overlap": F(NUM, 0.3, "fraction of a strip's width shared with its neighbour", min=0.0, max=0.8),
        "discover_every": F(int, 1, "frames between scans (one zone each) for newcomers while someone is tracked",
                            min=1),
        "mask_tracked": F(bool, True, "grey out tracked people in scans so they cost no landmark pass"),
        "crop_margin": F(NUM, 0.35, "a tracked person's crop grows by this fraction of their box per side",
                         min=0.0, max=2.0),
        "crop_mode": F(str, "roi", "following people: 'roi' = one shared landmark network on the region each "
                       "person's last landmarks give (a landmark pass per person, no landmarker per person); "
                       "'video' = a MediaPipe landmarker per person tracking inside a still crop (~100 MB "
                       "each); 'image' = detect afresh in a crop that follows the person",
                       choices=("roi", "video", "image")),
        "spare_landmarkers": F(int, 1, "landmarkers made ahead on a background thread for people who enter "
                               "(each holds ~100 MB)",
                               min=0, max=8),
        "threads": F(int, 1, "threads for the per-person crops inside the perception worker", min=1, max=4),
        "min_detection": F(NUM, 0.5, "person detector confidence threshold", min=0.0, max=1.0),
        "min_presence": F(NUM, 0.5, "landmark presence threshold", min=0.0, max=1.0),
        "min_tracking": F(NUM, 0.5, "below this MediaPipe re-detects inside a crop", min=0.0, max=1.0),
        "max_missing": F(NUM, 1.0, "seconds a person may stay unseen (occluded) before their exit",
                         min=0.0, max=60.0),
        "max_cost": F(NUM, 2.5, "largest matching cost (torso lengths of surprise) still the same person",
                      min=0.0, max=100.0),
        "pose_weight": F(NUM, 0.5, "weight of pose difference against position in the matching cost",
                         min=0.0, max=100.0),
        "min_cutoff": F(NUM, 1.5, "One Euro filter cutoff at rest, Hz", min=0.001, max=100.0),
        "beta": F(NUM, 10.0, "One Euro filter speed coefficient (higher = less lag when moving)",
                  min=0.0, max=1000.0),
        "d_cutoff": F(NUM, 1.0, "One Euro filter derivative cutoff, Hz", min=0.001, max=100.0),
        "compensate_lag": F(bool, False, "extrapolate smoothed landmarks by the filter's lag estimate"),
        "vfov_deg": F(NUM, 43.0, "camera vertical field of view, degrees (depth from size)", min=5.0, max=170.0),
        "torso_m": F(NUM, 0.5, "assumed torso length in metres (depth from size)", min=0.1, max=2.0),
        "near_m": F(NUM, 1.2, "two people closer than this (metres) are near each other", min=0.0),
        "sync_window": F(NUM, 2.0, "seconds of movement compared for synchrony", min=0.2, max=60.0),
    },
    "recording": {
        "dir": F(str, "", "where --record writes; screenshots also go here (default ./recordings)"),
        "codec": F(str, "MJPG", "FourCC of the camera video in a recording (.avi)",
                   choices=("MJPG", "mp4v", "XVID")),
        "queue": F(int, 120, "frames buffered for the writer thread; more are dropped and counted", min=1),
        "replay_pace": F(str, "recorded", "replay:DIR plays at the recorded pace or as fast as possible",
                         choices=("recorded", "fast")),
        "replay_end": F(str, "stop", "at the end of a replay: stop the show or loop",
                        choices=("stop", "loop")),
    },
    "remote": {
        "enabled": F(bool, True, "the show-control web server: OSCQuery and the operator page"),
        "host": F(str, "127.0.0.1", "address it listens on; another than loopback needs a token"),
        "port": F(int, 9080, "HTTP and websocket port (0: any free port)", min=0, max=65535),
        "token": F(str, "", "asked of every request (Authorization: Bearer TOKEN or ?token=TOKEN)"),
        "name": F(str, "sala", "the name OSCQuery clients see, and zeroconf advertises"),
        "zeroconf": F(bool, True, "advertise _oscjson._tcp and _osc._udp"),
        "max_body": F(int, 65536, "largest request body or websocket message in bytes", min=1024),
        "publish_rate": F(NUM, 10.0, "values published to show control a second", min=0.5, max=60.0),
    },
    "link": {
        "enabled": F(bool, False, "join an Ableton Link session: tempo and beat shared with its peers"),
        "tempo": F(NUM, 120.0, "tempo at start, until a peer changes it", min=20.0, max=999.0),
        "quantum": F(NUM, 4.0, "beats to a bar (phase alignment with the peers)", min=1.0, max=64.0),
    },
    "kiosk": {
        "ignore_close": F(bool, False, "ignore the window's close button (the exit keys still quit)"),
    },
    "supervisor": {
        "hang_seconds": F(NUM, 10.0, "no heartbeat for this long counts as a hang: the show is restarted",
                          min=0.2),
        "start_seconds": F(NUM, 60.0, "time the show has to send its first heartbeat", min=0.5),
        "stop_seconds": F(NUM, 5.0, "grace between SIGTERM and SIGKILL when stopping the show", min=0.1),
        "backoff_min": F(NUM, 1.0, "first delay before a restart", min=0.0),
        "backoff_max": F(NUM, 60.0, "longest delay before a restart", min=0.0),
        "stable_seconds": F(NUM, 120.0, "a show that ran this long resets the back-off", min=0.0),
        "restart_on_exit": F(bool, False, "restart after a clean exit (exit keys) too"),
        "daily_restart": F(str, "", "local time HH:MM of a scheduled restart every day; empty for none"),
        "quiet_hours": F(list, [], "[start, end] local times HH:MM; empty for none", item=str),
        "quiet_args": F(list, [], "run arguments during quiet hours; empty: the show is stopped", item=str),
        "log_file": F(str, "logs/sala.log", "supervisor and show log, rotated"),
        "log_max_bytes": F(int, 5_000_000, "rotate the log at this size", min=1000),
        "log_backups": F(int, 5, "rotated logs kept", min=0),
        "command": F(list, [], "the child command; empty: this Python running `-m runtime run`", item=str),
    },
    "health": {
        "interval": F(NUM, 5.0, "seconds between health lines", min=0.1),
        "status_file": F(str, "logs/status.json", "JSON status written every interval; empty for none"),
        "targets": F(list, [], "OSC receivers of /sala/health as HOST:PORT strings", item=str),
        "address": F(str, "/sala/health"),
    },
    "attract": {
        "enabled": F(bool, False, "play the attract loop when nobody is seen"),
        "idle_seconds": F(NUM, 60.0, "nobody seen for this long starts the attract loop", min=0.0),
        "confirm_seconds": F(NUM, 0.5, "a person must be seen this long to end the attract loop", min=0.0),
        "visitors": F(int, 3, "virtual visitors in attract steps that show them", min=0, max=16),
        "seed": F(int, 7, "seed of the virtual visitors"),
        "greeting": F(str, "", "HamNoSys the avatar signs in attract steps with sign = true"),
        "sign_every": F(NUM, 8.0, "seconds between repetitions of the greeting", min=0.5),
        "playlist": TableList({"scene": F(str, ""), "seconds": F(NUM, 30.0, min=1.0),
                               "visitors": F(bool, False), "sign": F(bool, False)}, required=("scene",)),
    },
    "scenes": {"_": Tables({})},  # [scenes.NAME] holds a scene's params; validated by the scene itself
}


def _check_value(where: str, key: str, spec: Field, value: Any) -> Any:
    types = spec.type if isinstance(spec.type, tuple) else (spec.type,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise ConfigError(f"{where}: key {key!r} is {value!r}, but it must be {spec.describe()}")
    if spec.choices is not None and value not in spec.choices:
        raise ConfigError(f"{where}: key {key!r} is {value!r}; allowed: {', '.join(map(repr, spec.choices))}")
    if spec.min is not None and value < spec.min or spec.max is not None and value > spec.max:
        raise ConfigError(f"{where}: key {key!r} is {value!r}, but it must be {spec.describe()}")
    if spec.item is not None:
        for v in value:
            if not isinstance(v, spec.item) and not (spec.item is float and isinstance(v, int)):
                raise ConfigError(f"{where}: key {key!r} has {v!r}, but it must be {spec.describe()}")
    return value


def _unknown(where: str, key: str, allowed: list[str]) -> ConfigError:
    near = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return ConfigError(f"{where}: unknown key {key!r}{hint}; allowed: {', '.join(sorted(allowed)) or '(none)'}")


def _validate_table(where: str, fields: dict[str, Field], data: dict[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(f.default) for k, f in fields.items()}
    for key, value in data.items():
        if key not in fields:
            raise _unknown(where, key, list(fields))
        out[key] = _check_value(where, key, fields[key], value)
    return out


def validate(data: dict[str, Any], source: str = "<config>") -> dict[str, Any]:
    """Check `data` against SCHEMA and return it complete, defaults filled in."""
    out: dict[str, Any] = {}
    for section in data:
        if section not in SCHEMA:
            raise _unknown(source, section, list(SCHEMA))
    for section, spec in SCHEMA.items():
        given = data.get(section, {})
        if not isinstance(given, dict):
            raise ConfigError(f"{source}: [{section}] must be a table, not {given!r}")
        if "_" in spec and isinstance(spec["_"], Tables):
            tables: Tables = spec["_"]
            merged = {**copy.deepcopy(tables.default), **given}
            out[section] = {}
            for name, sub in merged.items():
                if not isinstance(sub, dict):
                    raise ConfigError(f"{source}: [{section}.{name}] must be a table, not {sub!r}")
                if tables.fields:
                    out[section][name] = _validate_table(f"{source} [{section}.{name}]", tables.fields, sub)
                else:
                    out[section][name] = dict(sub)
            continue
        section_out: dict[str, Any] = {}
        for key in given:
            if key not in spec:
                raise _unknown(f"{source} [{section}]", key, list(spec))
        for key, fspec in spec.items():
            where = f"{source} [{section}]"
            if isinstance(fspec, TableList):
                items = given.get(key, [])
                if not isinstance(items, list):
                    raise ConfigError(f"{where}: key {key!r} must be an array of tables ([[{section}.{key}]])")
                rows = []
                for i, row in enumerate(items):
                    if not isinstance(row, dict):
                        raise ConfigError(f"{where}: {key}[{i}] must be a table, not {row!r}")
                    for req in fspec.required:
                        if req not in row:
                            raise ConfigError(f"{where}: {key}[{i}] needs the key {req!r}")
                    rows.append(_validate_table(f"{where} {key}[{i}]", fspec.fields, row))
                section_out[key] = rows
            elif key in given:
                section_out[key] = _check_value(where, key, fspec, given[key])
            else:
                section_out[key] = copy.deepcopy(fspec.default)
        out[section] = section_out
    check_remote(out)
    return out


def defaults() -> dict[str, Any]:
    return validate({}, "<defaults>")


def load(path: str | Path | None = None, overrides: list[str] | None = None) -> dict[str, Any]:
    """Read and validate a config file, then apply `section.key=value` overrides (TOML values)."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for item in overrides or []:
        apply_override(raw, item)
    return validate(raw, str(path))


def apply_override(raw: dict[str, Any], item: str) -> None:
    """Apply `section.key=value` (or `section.table.key=value`) to raw TOML data in place."""
    if "=" not in item:
        raise ConfigError(f"override {item!r}: expected section.key=value")
    dotted, text = item.split("=", 1)
    parts = dotted.strip().split(".")
    if len(parts) < 2:
        raise ConfigError(f"override {item!r}: expected section.key=value")
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()  # a bare word is taken as a string
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {item!r}: {part!r} is not a table")
    node[parts[-1]] = value


def check_remote(cfg: dict[str, Any]) -> None:
    """A show-control port opened beyond this machine must ask for a token."""
    remote = cfg["remote"]
    if remote["enabled"] and remote["host"] not in ("127.0.0.1", "localhost", "::1") and not remote["token"]:
        raise ConfigError(f"[remote] host = {remote['host']!r} opens show control to the network: set [remote] "
                          "token as well (every request must then carry it)")


def window_size(cfg: dict[str, Any]) -> tuple[int, int]:
    size = cfg["window"]["size"]
    if len(size) != 2 or min(size) < 0:
        raise ConfigError(f"[window] key 'size' is {size!r}; it must be [width, height] (or [0, 0] for the display)")
    return int(size[0]), int(size[1])
