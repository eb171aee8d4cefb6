"""Shortest turns of a fixed-wing aircraft: Dubins paths between two poses.

A Dubins path (Dubins 1957; closed forms of Shkel & Lumelsky 2001) is the
shortest curve joining two headed points with curvature at most 1/R: one of six
words of arcs (L, R) and a straight (S). Angles here are mathematical
(radians, counter-clockwise from +x = east), not compass headings. Lengths
are vectorised over any broadcastable inputs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

WORDS = ("LSL", "RSR", "LSR", "RSL", "RLR", "LRL")
TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class DubinsPath:
    """One Dubins path: its word (e.g. ``"LSL"``), segment lengths in metres, and the turn radius."""

    word: str
    segments_m: tuple[float, float, float]
    radius_m: float

    @property
    def length_m(self) -> float:
        """Total path length in metres."""
        return float(sum(self.segments_m))


def _word_segments(x0, y0, theta0, x1, y1, theta1, radius_m) -> np.ndarray:
    """Normalised segment lengths (..., 6 words, 3); NaN where a word cannot join the poses."""
    dx = (np.asarray(x1, float) - x0) / radius_m
    dy = (np.asarray(y1, float) - y0) / radius_m
    d = np.hypot(dx, dy)
    phi = np.arctan2(dy, dx)
    a = np.mod(np.asarray(theta0, float) - phi, TWO_PI)
    b = np.mod(np.asarray(theta1, float) - phi, TWO_PI)
    sa, sb, ca, cb = np.sin(a), np.sin(b), np.cos(a), np.cos(b)
    cab = np.cos(a - b)
    with np.errstate(invalid="ignore"):
        p_lsl = np.sqrt(2 + d * d - 2 * cab + 2 * d * (sa - sb))
        tmp = np.arctan2(cb - ca, d + sa - sb)
        lsl = (np.mod(-a + tmp, TWO_PI), p_lsl, np.mod(b - tmp, TWO_PI))

        p_rsr = np.sqrt(2 + d * d - 2 * cab + 2 * d * (sb - sa))
        tmp = np.arctan2(ca - cb, d - sa + sb)
        rsr = (np.mod(a - tmp, TWO_PI), p_rsr, np.mod(-b + tmp, TWO_PI))

        p_lsr = np.sqrt(-2 + d * d + 2 * cab + 2 * d * (sa + sb))
        tmp = np.arctan2(-ca - cb, d + sa + sb) - np.arctan2(-2.0, p_lsr)
        lsr = (np.mod(-a + tmp, TWO_PI), p_lsr, np.mod(-b + tmp, TWO_PI))

        p_rsl = np.sqrt(-2 + d * d + 2 * cab - 2 * d * (sa + sb))
        tmp = np.arctan2(ca + cb, d - sa - sb) - np.arctan2(2.0, p_rsl)
        rsl = (np.mod(a - tmp, TWO_PI), p_rsl, np.mod(b - tmp, TWO_PI))

        p_rlr = np.mod(TWO_PI - np.arccos((6 - d * d + 2 * cab + 2 * d * (sa - sb)) / 8), TWO_PI)
        t_rlr = np.mod(a - np.arctan2(ca - cb, d - sa + sb) + p_rlr / 2, TWO_PI)
        rlr = (t_rlr, p_rlr, np.mod(a - b - t_rlr + p_rlr, TWO_PI))

        p_lrl = np.mod(TWO_PI - np.arccos((6 - d * d + 2 * cab - 2 * d * (sa - sb)) / 8), TWO_PI)
        t_lrl = np.mod(-a - np.arctan2(ca - cb, d + sa - sb) + p_lrl / 2, TWO_PI)
        lrl = (t_lrl, p_lrl, np.mod(b - a - t_lrl + p_lrl, TWO_PI))
    words = [np.stack(np.broadcast_arrays(*w), axis=-1) for w in (lsl, rsr, lsr, rsl, rlr, lrl)]
    return np.stack(words, axis=-2)


def dubins_length_m(x0, y0, theta0, x1, y1, theta1, radius_m: float) -> np.ndarray:
    """Length in metres of the shortest Dubins path between poses (broadcast over array inputs)."""
    if radius_m <= 0:
        return np.hypot(np.asarray(x1, float) - x0, np.asarray(y1, float) - y0)
    segments = _word_segments(x0, y0, theta0, x1, y1, theta1, radius_m)
    totals = np.where(np.isnan(segments).any(axis=-1), np.inf, segments.sum(axis=-1))
    return totals.min(axis=-1) * radius_m


def dubins_path(
    x0: float, y0: float, theta0: float, x1: float, y1: float, theta1: float, radius_m: float
) -> DubinsPath:
    """The shortest Dubins path between two poses (mathematical angles in radians)."""
    segments = _word_segments(x0, y0, theta0, x1, y1, theta1, radius_m)
    best = int(np.argmin(np.where(np.isnan(segments).any(axis=-1), np.inf, segments.sum(axis=-1))))
    seg = tuple(float(s) * radius_m for s in segments[best])
    return DubinsPath(word=WORDS[best], segments_m=seg, radius_m=radius_m)  # type: ignore[arg-type]


def sample_dubins(
    path: DubinsPath, x0: float, y0: float, theta0: float, *, step_m: float = 50.0
) -> np.ndarray:
    """Points (N, 3: x, y, theta) along a Dubins path from its start pose, about ``step_m`` apart."""
    points = [(x0, y0, theta0)]
    x, y, theta, r = x0, y0, theta0, path.radius_m
    for kind, length in zip(path.word, path.segments_m, strict=True):
        n = max(1, int(np.ceil(length / step_m)))
        s = np.linspace(length / n, length, n)
        if kind == "S":
            xs, ys, ts = x + s * np.cos(theta), y + s * np.sin(theta), np.full(n, theta)
        else:
            sign = 1.0 if kind == "L" else -1.0
            cx, cy = x - sign * r * np.sin(theta), y + sign * r * np.cos(theta)
            ts = theta + sign * s / r
            xs, ys = cx + sign * r * np.sin(ts), cy - sign * r * np.cos(ts)
        points.extend(zip(xs, ys, ts, strict=True))
        x, y, theta = float(xs[-1]), float(ys[-1]), float(ts[-1])
    return np.asarray(points)
