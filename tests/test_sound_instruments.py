"""Every instrument rendered offline by the real pyo graph and measured: pitch by FFT, envelope
levels, panning, smoothing, stealing, limiter ceiling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.io import wavfile

from sound.commands import SoundCommand
from sound.engine import AudioEngine
from tests.sound_support import peak_hz as support_peak_hz

SR = 48000


def play(key: str, instrument: str, **params: float) -> SoundCommand:
    return SoundCommand("play", instrument, key, params)


def peak_hz(x: np.ndarray) -> float:
    return support_peak_hz(x, SR)


def rms_db(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12)


@pytest.fixture
def engine():
    eng = AudioEngine({"backend": "offline", "samplerate": SR, "channels": 2, "reverb": 0.0, "volume": 1.0,
                       "polyphony": {"voice": 3}})
    eng.start()
    assert eng.status() == "ok"
    yield eng
    eng.stop()


@pytest.mark.parametrize("freq", [110.0, 440.0, 1234.5])
def test_voice_pitch_is_the_pitch_asked_for(engine, freq):
    engine.apply([play("a", "voice", freq=freq, index=0.0, amp=0.5)])
    x = engine.render(0.6)[0, SR // 10 :]
    assert peak_hz(x) == pytest.approx(freq, rel=0.002)


def test_voice_fm_partials_sit_on_harmonics_and_saw_mode_has_its_fundamental(engine):
    engine.apply([play("a", "voice", freq=300.0, ratio=1.0, index=3.0, cutoff=18000)])
    x = engine.render(0.5)[0, 4800:]
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    strong = freqs[spec > 0.1 * spec.max()]
    assert len(strong) >= 3  # an FM index of 3 spreads energy over several partials
    harmonic = np.abs(strong / 300.0 - np.round(strong / 300.0)) * 300.0
    assert np.all(harmonic < 6.0), strong  # every strong component is a multiple of 300 Hz
    engine.apply([SoundCommand("release", key="a"), play("b", "voice", freq=250.0, fm=0.0, cutoff=18000)])
    y = engine.render(0.5)[0, 12000:]
    assert peak_hz(y) == pytest.approx(250.0, rel=0.003)


def test_voice_adsr_reaches_its_levels(engine):
    engine.apply([play("a", "voice", freq=1000.0, index=0.0, amp=0.8, pan=0.0, attack=0.05, decay=0.1, sustain=0.4,
                       release=0.2)])
    x = engine.render(0.6)[0]
    win = 480  # 10 ms windows

    def level(x, t):
        i = int(t * SR)
        return np.sqrt(2 * np.mean(x[i : i + win] ** 2))  # a sine's amplitude from its RMS

    assert np.abs(x[int(0.04 * SR) : int(0.07 * SR)]).max() == pytest.approx(0.8, rel=0.03)  # attack peak = amp
    assert level(x, 0.01) < 0.3  # still rising early in the attack
    assert level(x, 0.4) == pytest.approx(0.8 * 0.4, rel=0.03)  # sustain = amp * sustain
    engine.apply([SoundCommand("release", key="a")])
    y = engine.render(0.4)[0]
    assert level(y, 0.095) == pytest.approx(0.8 * 0.4 / 2, rel=0.15)  # half-way down the release
    assert np.abs(y[int(0.25 * SR) :]).max() < 1e-4  # silent after the release


def test_pad_pitch_and_slow_attack(engine):
    engine.apply([play("p", "pad", freq=220.0, detune=0.05, attack=0.5, cutoff=4000)])
    x = engine.render(1.5)[0]
    assert peak_hz(x[SR:]) == pytest.approx(220.0, rel=0.01)
    early, late = rms_db(x[int(0.1 * SR) : int(0.15 * SR)]), rms_db(x[int(1.0 * SR) :])
    assert late - early > 10  # 0.1 s into a 0.5 s attack it is well below its sustain


@pytest.mark.parametrize("pitch", [1.0, 1.5])
def test_grains_transpose_the_source(engine, pitch):
    engine.apply([play("g", "grains", pitch=pitch, grain=0.2, density=1, jitter=0.0, pos=0.0, attack=0.01)])
    x = engine.render(1.2)[0, SR // 5 :]
    assert peak_hz(x) == pytest.approx(220.0 * pitch, rel=0.01)


def test_grain_position_changes_the_timbre(engine):
    engine.apply([play("g", "grains", pitch=1.0, density=4, grain=0.2, pos=0.0, jitter=0.0, attack=0.01)])
    engine.render(0.3)
    dark = engine.render(0.8)[0]
    engine.apply([SoundCommand("set", key="g", params={"pos": 1.0}, ramp=0.0)])
    engine.render(0.3)  # grains that started at the old position end
    bright = engine.render(0.8)[0]

    def centroid(x):
        s = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        return float((np.fft.rfftfreq(len(x), 1 / SR) * s).sum() / s.sum())

    assert centroid(bright) > 1.5 * centroid(dark)  # late in the source the upper partials swell
    harmonic = peak_hz(bright) / 220.0  # same pitch, other colour: the strongest partial is a harmonic
    assert round(harmonic) >= 1 and harmonic == pytest.approx(round(harmonic), rel=0.01)


def test_hit_pitch_and_exponential_decay(engine):
    engine.apply([SoundCommand("hit", "hit", params={"freq": 180.0, "decay": 0.2, "noise": 0.0, "amp": 1.0})])
    x = engine.render(0.6)[0]
    env = np.abs(x)
    peak = env[: int(0.02 * SR)].max()
    assert peak > 0.3
    assert peak_hz(x[int(0.05 * SR) : int(0.15 * SR)]) == pytest.approx(180.0, rel=0.02)
    assert 20 * np.log10(env[int(0.2 * SR) : int(0.22 * SR)].max() / peak) < -45  # decay = time to ~-60 dB
    assert env[int(0.4 * SR) :].max() < 1e-3


def test_pan_by_room_position(engine):
    engine.apply([play("a", "voice", freq=500.0, index=0.0, pan=0.0)])
    left = engine.render(0.3)[:, 4800:]
    assert rms_db(left[1]) < rms_db(left[0]) - 60
    engine.apply([SoundCommand("set", key="a", params={"pan": 1.0}, ramp=0.0)])
    engine.render(0.1)
    right = engine.render(0.2)
    assert rms_db(right[0]) < rms_db(right[1]) - 60
    engine.apply([SoundCommand("set", key="a", params={"pan": 0.5}, ramp=0.0)])
    engine.render(0.1)
    mid = engine.render(0.2)
    assert rms_db(mid[0]) == pytest.approx(rms_db(mid[1]), abs=0.1)
    assert rms_db(mid[0]) == pytest.approx(rms_db(left[0]) - 3.01, abs=0.2)  # equal power


def test_continuous_params_glide_without_steps(engine):
    engine.apply([play("a", "voice", freq=400.0, index=0.0, amp=0.5)])
    engine.render(0.2)
    engine.apply([SoundCommand("set", key="a", params={"freq": 800.0}, ramp=0.4)])
    x = engine.render(0.6)[0]
    # instantaneous frequency from zero crossings, 20 ms at a time
    hz = []
    for i in range(0, int(0.56 * SR), 960):
        seg = x[i : i + 960]
        crossings = np.nonzero((seg[:-1] < 0) & (seg[1:] >= 0))[0]
        hz.append((len(crossings) - 1) * SR / (crossings[-1] - crossings[0]))
    hz = np.array(hz)
    assert hz[0] < 460 and hz[-1] == pytest.approx(800, rel=0.02)
    assert np.all(np.diff(hz) > -15)  # rises steadily
    assert np.max(np.diff(hz)) < 60  # no jump: ~20 steps across 400 Hz
    assert np.abs(np.diff(x)).max() < 0.5 * 2 * np.pi * 800 / SR * 2  # no click in the waveform


def test_voice_stealing_takes_the_oldest_note(engine):
    engine.apply([play("k1", "voice", freq=300.0, index=0.0, amp=0.3)])
    engine.render(0.05)
    engine.apply([play("k2", "voice", freq=500.0, index=0.0, amp=0.3)])
    engine.render(0.05)
    engine.apply([play("k3", "voice", freq=700.0, index=0.0, amp=0.3)])
    engine.render(0.05)
    engine.apply([play("k4", "voice", freq=900.0, index=0.0, amp=0.3)])  # polyphony 3: k1 is stolen
    x = engine.render(0.5)[0, 9600:]
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    f = np.fft.rfftfreq(len(x), 1 / SR)

    def at(hz):
        return spec[np.abs(f - hz) < 5].max()

    assert at(300) < 0.01 * at(900)
    assert min(at(500), at(700), at(900)) > 0.5 * max(at(500), at(700), at(900))
    board = engine.board
    assert "k1" not in board.keys and board.instruments["voice"].allocator.steals == 1


def test_limiter_holds_the_ceiling_and_leaves_quiet_sound_alone():
    eng = AudioEngine({"backend": "offline", "ceiling_db": -1.0, "volume": 1.0, "reverb": 0.0})
    eng.start()
    try:
        eng.apply([play("q", "voice", freq=300.0, index=0.0, amp=0.1, pan=0.0, cutoff=18000)])
        quiet = eng.render(0.5)[0, 12000:]
        eng.apply([play(f"loud{i}", "voice", freq=100.0 + 37 * i, amp=1.0, index=4.0) for i in range(12)])
        eng.apply([SoundCommand("hit", "hit", params={"amp": 1.0, "decay": 0.5}) for _ in range(4)])
        loud = eng.render(1.0)
        ceiling = 10 ** (-1.0 / 20)
        assert np.abs(loud).max() <= ceiling + 1e-6
        assert np.abs(loud).max() > 0.8 * ceiling  # and it was pushed there
    finally:
        eng.stop()
    assert np.abs(quiet).max() == pytest.approx(0.1 * 0.7, rel=0.03)  # amp * sustain, untouched by the limiter


def test_unknown_names_are_reported_not_raised(engine):
    engine.apply([play("x", "theremin", freq=1.0), play("y", "voice", colour=3.0),
                  SoundCommand("dance"), play("z", "voice", freq=float("nan"))])
    errors = engine.errors()
    assert any("unknown instrument 'theremin'; allowed: voice, pad, grains, hit, fm" in e for e in errors)
    assert any("unknown parameter 'colour'" in e and "cutoff" in e for e in errors)
    assert any("unknown sound op 'dance'" in e for e in errors)
    assert any("finite number" in e for e in errors)
    engine.apply([play("ok", "voice", freq=440.0, index=0.0)])
    assert peak_hz(engine.render(0.3)[0, 4800:]) == pytest.approx(440.0, rel=0.003)


@pytest.mark.filterwarnings("ignore::scipy.io.wavfile.WavFileWarning")  # pyo adds chunks scipy skips
def test_master_set_and_offline_file(tmp_path):
    path = tmp_path / "bounce.wav"
    eng = AudioEngine({"backend": "offline", "offline_file": str(path), "reverb": 0.0, "volume": 1.0})
    eng.start()
    eng.apply([play("a", "voice", freq=440.0, index=0.0, amp=0.5)])
    a = eng.render(0.5)
    eng.apply([SoundCommand("set", key="master", params={"volume": 0.5}, ramp=0.0)])
    b = eng.render(0.5)
    eng.stop()
    assert rms_db(b[0, 4800:]) == pytest.approx(rms_db(a[0, 12000:]) - 6.02, abs=0.1)
    sr, data = wavfile.read(path)
    assert sr == SR and data.shape[1] == 2 and len(data) >= SR * 0.9
    assert peak_hz(data[12000:24000, 0].astype(np.float64)) == pytest.approx(440.0, rel=0.003)


def test_backend_none_and_portaudio_guard():
    none = AudioEngine({"backend": "none"})
    none.start()
    none.apply([play("a", "voice")])
    assert none.status() == "off: audio.backend = none"
    from sound.pyo_lib import pyo

    if pyo.pa_get_default_output() >= 0:
        pytest.skip("this machine has a PortAudio output device; the guard has nothing to refuse")
    pa = AudioEngine({"backend": "portaudio"})
    pa.start()  # would segfault inside pyo without the guard
    assert pa.status().startswith("off: PortAudio has no output device")
    with pytest.raises(ValueError, match="audio.backend = 'alsa'"):
        AudioEngine({"backend": "alsa"})


def test_fm_instrument_is_the_sonification_models_voice(engine):
    from models.sonification.synth import render

    note = dict(freq=330.0, amp=0.3, ratio=2.0, index=1.5, brightness=0.4)
    engine.apply([play("s", "fm", pan=0.0, attack=0.001, decay=0.001, sustain=1.0, **note)])
    ours = engine.render(1.0)[0, SR // 2 :].astype(np.float64)
    ref = render(**{k: np.array([v]) for k, v in note.items()}, n_samples=SR, sr=SR)[0, SR // 2 :]
    assert peak_hz(ours) == pytest.approx(peak_hz(ref.astype(np.float64)), rel=0.002)
    assert rms_db(ours) == pytest.approx(rms_db(ref), abs=0.3)

    def bands(x):
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        edges = np.geomspace(100, 12000, 25) * len(x) / SR
        return 10 * np.log10([spec[int(a) : int(b)].sum() + 1e-12 for a, b in zip(edges[:-1], edges[1:], strict=True)])

    loud = bands(ref) > bands(ref).max() - 40
    np.testing.assert_allclose(bands(ours)[loud], bands(ref)[loud], atol=1.0)


def test_four_speakers_in_a_line_follow_the_room_position():
    eng = AudioEngine({"backend": "offline", "channels": 4, "reverb": 0.0, "volume": 1.0})
    eng.start()
    try:
        eng.apply([play("a", "voice", freq=600.0, index=0.0, amp=0.5, pan=0.5)])  # between speakers 2 and 3
        x = eng.render(0.5)[:, 12000:]
        levels = [rms_db(ch) for ch in x]
        assert levels[1] == pytest.approx(levels[2], abs=0.1)
        assert max(levels[0], levels[3]) < levels[1] - 60
        eng.apply([SoundCommand("set", key="a", params={"pan": 1.0}, ramp=0.0)])
        eng.render(0.1)
        y = eng.render(0.3)
        assert np.argmax([rms_db(ch) for ch in y]) == 3
    finally:
        eng.stop()


def test_malformed_commands_are_reported(engine):
    engine.apply([SoundCommand("play", "voice", "k", params=None),  # type: ignore[arg-type]
                  SoundCommand("play", "voice", "", {"freq": 300.0})])
    errors = engine.errors()
    assert any("TypeError" in e or "AttributeError" in e for e in errors)
    assert any("needs a key" in e for e in errors)


def test_silent_voices_are_paused_and_come_back(engine):
    from runtime import clock

    voices = engine.board.instruments["voice"].voices
    assert not any(v.active for v in voices)  # nothing computes before the first note
    engine.apply([play("a", "voice", freq=500.0, index=0.0, release=0.05)])
    [voice] = [v for v in voices if v.active]
    engine.render(0.2)
    engine.apply([SoundCommand("release", key="a")])
    engine.render(0.2)
    engine.poll(clock.now())
    assert voice.active  # the engine clock has not passed the release tail yet
    engine.poll(clock.now() + 1.0)
    assert not voice.active
    assert np.abs(engine.render(0.1)).max() == 0.0
    engine.apply([play("b", "voice", freq=700.0, index=0.0)])
    assert peak_hz(engine.render(0.4)[0, 4800:]) == pytest.approx(700.0, rel=0.003)
