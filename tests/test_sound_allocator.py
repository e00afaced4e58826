"""Voice allocation and room panning: pure logic, no audio."""

from __future__ import annotations

import math

import pytest

from sound.allocator import VoiceAllocator
from sound.panning import line_pan_gains


def test_same_key_keeps_its_voice_and_free_voices_come_first():
    a = VoiceAllocator(3)
    v1, stolen = a.allocate("p1", 0.0)
    assert stolen == ""
    assert a.allocate("p1", 0.1) == (v1, "")
    v2, _ = a.allocate("p2", 0.2)
    v3, _ = a.allocate("p3", 0.3)
    assert len({v1, v2, v3}) == 3


def test_released_voices_are_reused_before_stealing_and_silent_before_ringing():
    a = VoiceAllocator(2)
    a.allocate("a", 0.0)
    a.allocate("b", 0.0)
    a.release("a", 1.0, tail=5.0)  # rings until 6.0
    a.release("b", 1.0, tail=0.5)  # silent from 1.5
    index, stolen = a.allocate("c", 2.0)
    assert a.slots[index].key == "c" and stolen == ""  # b's silent voice, not a's ringing one
    assert a.voice_of("b") is None and a.voice_of("a") is not None
    index, stolen = a.allocate("d", 2.0)
    assert stolen == "a" and a.steals == 0  # a ringing tail is cut, that is not a steal of a held note


def test_stealing_takes_the_oldest_held_note():
    a = VoiceAllocator(2)
    a.allocate("old", 0.0)
    a.allocate("new", 1.0)
    index, stolen = a.allocate("newest", 2.0)
    assert stolen == "old" and a.steals == 1
    assert sorted(a.held_keys()) == ["new", "newest"]
    with pytest.raises(ValueError, match="at least 1 voice"):
        VoiceAllocator(0)


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_line_panning_is_equal_power_everywhere(n):
    for x in [0.0, 0.13, 0.5, 0.77, 1.0]:
        g = line_pan_gains(x, n)
        assert len(g) == n and math.isclose(sum(v * v for v in g), 1.0, rel_tol=1e-9)
    if n > 1:
        assert line_pan_gains(0.0, n)[0] == 1.0 and line_pan_gains(1.0, n)[-1] == pytest.approx(1.0)
        assert line_pan_gains(float("nan"), n) == line_pan_gains(0.5, n)


def test_four_speakers_source_between_second_and_third():
    g = line_pan_gains(0.5, 4)  # p = 1.5: halfway between speakers 1 and 2
    assert g[0] == 0.0 and g[3] == 0.0
    assert g[1] == pytest.approx(g[2]) == pytest.approx(math.sqrt(0.5))
