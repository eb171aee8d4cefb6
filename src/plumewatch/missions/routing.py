"""Flying order: lines joined by Dubins turns (greedy, several starts); site tours (nearest neighbour, 2-opt).

Survey lines may each be flown either way; the next line is the one whose
start (in either direction) the shortest Dubins turn reaches from the current
line's end. With a turn radius above half the line spacing this greedy rule
skips lines on its own (the racetrack pattern), because the U-turn to the
neighbour is a long bulb turn. Site tours are closed tours over a distance
matrix, improved by 2-opt until no exchange shortens them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from plumewatch.missions.dubins import dubins_length_m, dubins_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineOrder:
    """Lines in flying order (index, flown reversed?) with the turn before each line after the first."""

    order: list[tuple[int, bool]]
    turn_lengths_m: list[float]
    turn_words: list[str]

    @property
    def turn_length_m(self) -> float:
        """Sum of the turn lengths in metres."""
        return float(sum(self.turn_lengths_m))


def _poses(starts: np.ndarray, ends: np.ndarray, theta: np.ndarray, reverse: bool):
    if reverse:
        return ends, starts, np.mod(theta + np.pi, 2 * np.pi)
    return starts, ends, theta


def _greedy(
    starts: np.ndarray, ends: np.ndarray, theta: np.ndarray, radius_m: float, first: int, first_reversed: bool
) -> tuple[list[tuple[int, bool]], float]:
    n = len(starts)
    fwd_s, fwd_e, fwd_t = _poses(starts, ends, theta, False)
    rev_s, rev_e, rev_t = _poses(starts, ends, theta, True)
    visited = np.zeros(n, dtype=bool)
    order = [(first, first_reversed)]
    visited[first] = True
    total = 0.0
    for _ in range(n - 1):
        i, rev = order[-1]
        end = (rev_e if rev else fwd_e)[i]
        t_end = (rev_t if rev else fwd_t)[i]
        to_fwd = dubins_length_m(end[0], end[1], t_end, fwd_s[:, 0], fwd_s[:, 1], fwd_t, radius_m)
        to_rev = dubins_length_m(end[0], end[1], t_end, rev_s[:, 0], rev_s[:, 1], rev_t, radius_m)
        to_fwd[visited] = np.inf
        to_rev[visited] = np.inf
        j_f, j_r = int(np.argmin(to_fwd)), int(np.argmin(to_rev))
        if to_fwd[j_f] <= to_rev[j_r]:
            order.append((j_f, False))
            total += float(to_fwd[j_f])
            visited[j_f] = True
        else:
            order.append((j_r, True))
            total += float(to_rev[j_r])
            visited[j_r] = True
    return order, total


def order_lines(
    starts: np.ndarray, ends: np.ndarray, radius_m: float, *, across: np.ndarray | None = None
) -> LineOrder:
    """A short flying order of lines (local metres, (n, 2) starts and ends) joined by Dubins turns.

    Greedy nearest-turn runs start from the outermost lines (by ``across``, the
    cross-track offset of each line; default: the x of its midpoint) in both
    directions, and the shortest run is kept.
    """
    starts, ends = np.asarray(starts, float), np.asarray(ends, float)
    n = len(starts)
    if n == 0:
        return LineOrder([], [], [])
    theta = np.arctan2(ends[:, 1] - starts[:, 1], ends[:, 0] - starts[:, 0])
    across = np.asarray(across, float) if across is not None else 0.5 * (starts[:, 0] + ends[:, 0])
    firsts = {int(np.argmin(across)), int(np.argmax(across))}
    runs = [_greedy(starts, ends, theta, radius_m, f, rev) for f in sorted(firsts) for rev in (False, True)]
    order, _ = min(runs, key=lambda run: run[1])
    lengths, words = [], []
    for (i, rev_i), (j, rev_j) in zip(order[:-1], order[1:], strict=True):
        _, e, t_e = _poses(starts[i : i + 1], ends[i : i + 1], theta[i : i + 1], rev_i)
        s, _, t_s = _poses(starts[j : j + 1], ends[j : j + 1], theta[j : j + 1], rev_j)
        length, word = turn(e[0], float(t_e[0]), s[0], float(t_s[0]), radius_m)
        lengths.append(length)
        words.append(word)
    return LineOrder(order=order, turn_lengths_m=lengths, turn_words=words)


def turn(
    end_xy: np.ndarray, end_theta: float, start_xy: np.ndarray, start_theta: float, radius_m: float
) -> tuple[float, str]:
    """Length (m) and Dubins word of the shortest turn from a line's end pose to the next line's start."""
    if radius_m <= 0:
        return float(np.hypot(*(np.asarray(start_xy) - np.asarray(end_xy)))), "S"
    path = dubins_path(
        float(end_xy[0]),
        float(end_xy[1]),
        end_theta,
        float(start_xy[0]),
        float(start_xy[1]),
        start_theta,
        radius_m,
    )
    return path.length_m, path.word


def tour_length(dist: np.ndarray, tour: list[int], *, closed: bool = True) -> float:
    """Length of a tour over a distance matrix; closed tours return to their first node."""
    if len(tour) < 2:
        return 0.0
    steps = list(zip(tour[:-1], tour[1:], strict=True)) + ([(tour[-1], tour[0])] if closed else [])
    return float(sum(dist[a, b] for a, b in steps))


def nearest_neighbour_tour(dist: np.ndarray, start: int = 0) -> list[int]:
    """A tour over all nodes of a distance matrix, always going to the nearest unvisited node."""
    n = len(dist)
    visited = np.zeros(n, dtype=bool)
    tour = [start]
    visited[start] = True
    for _ in range(n - 1):
        row = np.where(visited, np.inf, dist[tour[-1]])
        nxt = int(np.argmin(row))
        tour.append(nxt)
        visited[nxt] = True
    return tour


def two_opt(dist: np.ndarray, tour: list[int], *, fixed_start: bool = True) -> list[int]:
    """A closed tour improved by 2-opt segment reversals until none shortens it (symmetric distances)."""
    best = list(tour)
    n = len(best)
    if n < 4:
        return best
    improved = True
    lo = 1 if fixed_start else 0
    while improved:
        improved = False
        for i in range(lo, n - 1):
            a, b = best[i - 1], best[i]
            for k in range(i + 1, n):
                c, d = best[k], best[(k + 1) % n]
                delta = dist[a, c] + dist[b, d] - dist[a, b] - dist[c, d]
                if delta < -1e-9:
                    best[i : k + 1] = best[i : k + 1][::-1]
                    improved = True
                    a, b = best[i - 1], best[i]
    return best
