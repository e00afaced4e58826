"""The sonification datasets have the factors they claim, and the numpy voice is the pyo voice."""

from __future__ import annotations

import numpy as np
import pytest

from models.sonification import datasets as D
from models.sonification import features, synth


def _centroid(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    return float((xs * image).sum() / image.sum()), float((ys * image).sum() / image.sum())


def test_image_x_and_y_move_the_light_across_and_down():
    values = np.linspace(0, 1, 8)
    xs = [_centroid(im)[0] for im in D.render_images(values, np.full(8, 0.5))]
    ys = [_centroid(im)[1] for im in D.render_images(np.full(8, 0.5), values)]
    assert np.all(np.diff(xs) > 2.0) and np.all(np.diff(ys) > 2.0)  # pixels per step, 32-pixel frame
    assert xs[0] < 8 and xs[-1] > 24
    # x does not move the light vertically
    assert np.ptp([_centroid(im)[1] for im in D.render_images(values, np.full(8, 0.5))]) < 0.01


def test_image_size_brightness_and_shape():
    sizes = D.render_images(np.full(6, 0.5), np.full(6, 0.5), size=np.linspace(0, 1, 6))
    lit = sizes.sum(axis=(1, 2))  # total light
    assert np.all(np.diff(lit) > 0)
    levels = D.render_images(np.full(5, 0.5), np.full(5, 0.5), brightness=np.linspace(0, 1, 5)).max(axis=(1, 2))
    assert np.allclose(levels, 0.4 + 0.6 * np.linspace(0, 1, 5), atol=1e-6)
    square, disc, diamond = D.render_images(np.full(3, 0.5), np.full(3, 0.5), size=np.ones(3), shape=[0, 1, 2])
    # 5.5 px diagonally from the centre only the square is lit; 7.5 px along an axis only the diamond
    c, corner, axis = 16, 16 + 5, 16 + 7
    assert square[corner, corner] > 0.9 and disc[corner, corner] < 0.6 and diamond[corner, corner] < 0.6
    assert diamond[c, axis] > 0.9 and square[c, axis] < 0.7 and disc[c, axis] < 0.7
    assert square[c, c] == disc[c, c] == diamond[c, c] == pytest.approx(1.0)


def test_batches_carry_their_levels():
    rng = np.random.default_rng(3)
    images, levels = D.image_batch("rich", 64, rng)
    assert images.shape == (64, 32, 32) and levels.shape == (64, 5)
    again = D.images_from_levels("rich", levels)
    assert np.array_equal(images, again)
    mels, sound_levels, units = D.sound_batch("rich", 16, rng)
    assert mels.shape == (16, 64) and units.shape == (16, 5)
    assert np.allclose(units[:, 0], sound_levels[:, 0] / 15)  # pitch level -> freq unit
    with pytest.raises(ValueError, match="allowed: simple, rich"):
        D.factor_names("image", "fancy")


def _peak_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n=1 << 16))
    return float(np.fft.rfftfreq(1 << 16, 1 / features.SR)[np.argmax(spectrum)])


def test_sound_pitch_is_the_measured_frequency_and_loudness_the_level():
    units = np.tile([0.0, 1.0, 0.5, 0.0, 1.0], (5, 1))  # index 0: a plain sine
    units[:, 0] = np.linspace(0, 1, 5)
    p = synth.params_from_unit(units)
    audio = synth.render(p["freq"], p["amp"], p["ratio"], p["index"], p["brightness"], 8192, features.SR)
    measured = [_peak_hz(a) for a in audio]
    assert measured == pytest.approx([110 * 2 ** (3 * u) for u in units[:, 0]], rel=0.003)
    quiet, loud = units[:2].copy(), units[:2].copy()
    quiet[:, 1], loud[:, 1] = 0.0, 1.0
    diff = D.render_sounds(loud).max(1) - D.render_sounds(quiet).max(1)
    assert diff == pytest.approx([24.0, 24.0], abs=0.5)  # -30 dB .. -6 dB


def test_sound_ratio_spaces_the_partials_and_brightness_raises_the_centroid():
    sr = features.SR
    for ratio in (1.0, 2.0, 3.0):
        audio = synth.render(200.0, 0.5, ratio, 1.5, 1.0, 16384, sr)[0]
        spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
        freqs = np.fft.rfftfreq(len(audio), 1 / sr)
        strong = freqs[(spectrum > spectrum.max() * 0.05) & (freqs > 20)]
        peaks = np.unique(np.round(strong / 25) * 25)
        # partials sit at |200 + k * 200 * ratio| (negative ones fold back): every strong bin is on that comb
        comb = np.abs(200 + np.arange(-12, 13) * 200 * ratio)
        assert np.all(np.abs(peaks[:, None] - comb[None, :]).min(1) < 30)
        assert np.any(np.abs(peaks - (200 + 200 * ratio)) < 30)  # the first upper sideband is there
    mel_hz = features.mel_to_hz(np.linspace(features.hz_to_mel(features.F_MIN), features.hz_to_mel(features.F_MAX),
                                            66))[1:-1]
    units = np.tile([0.3, 0.8, 0.5, 0.6, 0.0], (4, 1))
    units[:, 4] = np.linspace(0, 1, 4)
    power = 10 ** (D.render_sounds(units) / 10)
    centroid = (power * mel_hz).sum(1) / power.sum(1)
    assert np.all(np.diff(centroid) > 0)


@pytest.mark.parametrize("params", [(440.0, 0.5, 1.5, 2.0, 0.3), (110.0, 0.03, 0.5, 6.0, 1.0),
                                    (880.0, 0.5, 4.0, 0.0, 0.0), (247.0, 0.2, 2.83, 4.4, 0.7)])
def test_numpy_voice_equals_pyo_voice(params):
    """The training sounds are rendered in numpy; the same graph in real pyo DSP gives the same audio."""
    from sound.fm_voice import render_pyo

    real = render_pyo(*params, features.N_SAMPLES, features.SR)
    ours = synth.render(*params, features.N_SAMPLES, features.SR)[0]
    assert np.abs(real - ours).max() < 2e-3 * max(params[1], 0.05)
    assert np.abs(features.mel_db(real[None]) - features.mel_db(ours[None])).max() < 0.1


def test_griffin_lim_gives_audio_with_the_decoded_pitch():
    mel = D.render_sounds(np.array([[0.5, 1.0, 0.5, 0.0, 1.0]]))[0]  # a 311 Hz sine
    audio = features.griffin_lim(mel, seconds=0.5, iterations=16)
    assert audio.dtype == np.float32 and len(audio) >= features.SR // 2
    again = features.mel_db(audio[None, : features.N_SAMPLES])[0]
    assert int(np.argmax(again)) == int(np.argmax(mel))


def test_rich_ratios_are_harmonic_so_the_carrier_is_the_fundamental():
    """The rich set's FM ratios are 1, 2, 3 and 4: every partial is a multiple of the carrier, and the
    lowest one is the carrier itself (the pitch a listener hears)."""
    ratio = D.SOUND_FACTORS["rich"][2]
    units = D.sound_units_from_values("rich", np.array([[0.5, 0.5, k, 0.6, 1.0] for k in range(ratio.levels)]))
    ratios = synth.params_from_unit(units)["ratio"]
    assert np.allclose(ratios, D.HARMONIC_RATIOS)
    for r in ratios:
        audio = synth.render_clean(200.0, 0.5, r, 3.0, 1.0, 16384, features.SR)[0]
        spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
        hz = np.fft.rfftfreq(len(audio), 1 / features.SR)
        strong = hz[(spectrum > 0.01 * spectrum.max()) & (hz > 20) & (hz < 5000)]
        assert np.all(np.abs(strong / 200.0 - np.round(strong / 200.0)) < 0.05)  # on the harmonic comb
        assert abs(strong.min() - 200.0) < 10.0


def test_clean_rendering_has_no_folded_sidebands():
    """880 Hz, ratio 4, index 6: sidebands reach ~25 kHz. Rendered at 22,050 Hz they fold back between
    the partials; rendered oversampled and decimated (as the training sounds are) they do not."""
    hz = np.fft.rfftfreq(16384, 1 / features.SR)
    comb = np.abs(880.0 + np.arange(-12, 13)[:, None] * 3520.0)

    def off_comb_energy(audio: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(audio * np.hanning(len(audio)))) ** 2
        near = (np.abs(hz[None, :] - comb).min(0) < 60.0) | (hz > 8000)
        return float(power[~near].sum() / power.sum())

    folded = synth.render(880.0, 0.5, 4.0, 6.0, 1.0, 16384, features.SR)[0]
    clean = synth.render_clean(880.0, 0.5, 4.0, 6.0, 1.0, 16384, features.SR)[0]
    assert off_comb_energy(folded) > 0.01
    assert off_comb_energy(clean) < 1e-4
