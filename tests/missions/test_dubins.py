"""Dubins turns: every word lands on its target pose, and the known closed forms hold."""

import numpy as np
import pytest

from plumewatch.missions.dubins import (
    WORDS,
    DubinsPath,
    _word_segments,
    dubins_length_m,
    dubins_path,
    sample_dubins,
)


def test_every_word_reaches_the_target_pose():
    rng = np.random.default_rng(3)
    reached = {w: 0 for w in WORDS}
    for _ in range(300):
        x0, y0, x1, y1 = rng.uniform(-5, 5, 4)
        t0, t1 = rng.uniform(0, 2 * np.pi, 2)
        segments = _word_segments(x0, y0, t0, x1, y1, t1, 1.0)
        for k, word in enumerate(WORDS):
            if np.isnan(segments[k]).any():
                continue
            end = sample_dubins(DubinsPath(word, tuple(segments[k]), 1.0), x0, y0, t0, step_m=0.05)[-1]
            assert np.hypot(end[0] - x1, end[1] - y1) < 1e-6
            assert abs(np.angle(np.exp(1j * (end[2] - t1)))) < 1e-6
            reached[word] += 1
    assert all(count > 0 for count in reached.values())


@pytest.mark.parametrize("spacing", [200.0, 300.0, 1000.0])
def test_u_turn_between_wide_lines_is_half_circle_plus_straight(spacing):
    radius = 100.0
    length = dubins_length_m(0.0, 0.0, np.pi / 2, spacing, 0.0, -np.pi / 2, radius)
    assert length == pytest.approx(np.pi * radius + spacing - 2 * radius)


def test_narrow_u_turn_is_longer_than_half_circle():
    radius = 100.0
    narrow = dubins_length_m(0.0, 0.0, np.pi / 2, 50.0, 0.0, -np.pi / 2, radius)
    assert narrow > np.pi * radius


def test_shortest_path_is_never_shorter_than_the_chord_and_matches_vector_form():
    rng = np.random.default_rng(5)
    x1, y1 = rng.uniform(-2000, 2000, (2, 50))
    t1 = rng.uniform(0, 2 * np.pi, 50)
    lengths = dubins_length_m(0.0, 0.0, 0.3, x1, y1, t1, 150.0)
    assert np.all(lengths >= np.hypot(x1, y1) - 1e-9)
    for k in range(5):
        assert dubins_path(0.0, 0.0, 0.3, x1[k], y1[k], t1[k], 150.0).length_m == pytest.approx(lengths[k])


def test_zero_radius_is_straight_distance():
    assert dubins_length_m(0, 0, 0, 3, 4, 2.0, 0.0) == pytest.approx(5.0)
