"""Transits that keep out of no-fly zones: the Dubins turn if it is clear, else a way round the zones.

The way round is the shortest path in the visibility graph of the zones'
vertices padded by a clearance (the zones grown by ``clearance_m``, vertices
thinned), found with scipy's Dijkstra. Its length is the polyline plus one
half-turn (pi R) at each end as an allowance for joining the lines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from plumewatch.missions.dubins import dubins_path, sample_dubins

log = logging.getLogger(__name__)

INTERIOR_SHRINK_M = 0.05


@dataclass(frozen=True)
class TransitPath:
    """A flown transit: local points (N, 2) from one line's end to the next line's start, length (m), kind."""

    points: np.ndarray
    length_m: float
    word: str
    clear: bool


class NoFlyRouter:
    """Routes transits between poses around no-fly zones (local metres)."""

    def __init__(self, no_fly: BaseGeometry, clearance_m: float, radius_m: float):
        self.radius_m = radius_m
        self.zone = no_fly.buffer(-INTERIOR_SHRINK_M) if not no_fly.is_empty else no_fly
        shapely.prepare(self.zone)
        pad = max(clearance_m, 1.0)
        padded = no_fly.buffer(pad, quad_segs=4).simplify(pad * 0.05)
        self.nodes = (
            np.unique(shapely.get_coordinates(padded.boundary), axis=0)
            if not no_fly.is_empty
            else np.zeros((0, 2))
        )
        self._node_graph = self._visibility(self.nodes, self.nodes)

    def blocked(self, points: np.ndarray) -> bool:
        """True when a polyline (N, 2 local metres) enters a no-fly zone's interior."""
        if self.zone.is_empty or len(points) < 2:
            return False
        return bool(self.zone.intersects(LineString(points)))

    def _visibility(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if len(a) == 0 or len(b) == 0:
            return np.zeros((len(a), len(b)))
        ia, ib = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
        segments = shapely.linestrings(np.stack([a[ia.ravel()], b[ib.ravel()]], axis=1))
        free = ~shapely.intersects(self.zone, segments)
        dist = np.linalg.norm(a[ia.ravel()] - b[ib.ravel()], axis=1)
        return np.where(free, dist, 0.0).reshape(len(a), len(b))

    def transit(
        self, end_xy: np.ndarray, end_theta: float, start_xy: np.ndarray, start_theta: float
    ) -> TransitPath:
        """The flown path from a line's end pose to the next line's start pose, round the zones if needed."""
        if self.radius_m > 0:
            path = dubins_path(
                float(end_xy[0]),
                float(end_xy[1]),
                end_theta,
                float(start_xy[0]),
                float(start_xy[1]),
                start_theta,
                self.radius_m,
            )
            points = sample_dubins(
                path, float(end_xy[0]), float(end_xy[1]), end_theta, step_m=max(self.radius_m / 8, 1.0)
            )[:, :2]
            length, word = path.length_m, path.word
        else:
            points = np.array([end_xy, start_xy], dtype=float)
            length, word = float(np.linalg.norm(np.subtract(start_xy, end_xy))), "S"
        if not self.blocked(points):
            return TransitPath(points, length, word, True)
        way = self._way_round(np.asarray(end_xy, float), np.asarray(start_xy, float))
        if way is None:
            log.warning("no way round the no-fly zones found for a transit")
            return TransitPath(points, length, word, False)
        polyline = float(np.linalg.norm(np.diff(way, axis=0), axis=1).sum())
        return TransitPath(way, polyline + 2 * np.pi * self.radius_m, "detour", True)

    def _way_round(self, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
        n = len(self.nodes)
        ends = np.array([a, b])
        graph = np.zeros((n + 2, n + 2))
        graph[:n, :n] = self._node_graph
        to_nodes = self._visibility(ends, self.nodes)
        graph[n:, :n] = to_nodes
        graph[:n, n:] = to_nodes.T
        direct = self._visibility(ends[:1], ends[1:])[0, 0]
        graph[n, n + 1] = graph[n + 1, n] = direct
        dist, pred = dijkstra(csr_matrix(graph), directed=False, indices=n, return_predecessors=True)
        if not np.isfinite(dist[n + 1]):
            return None
        chain, k = [], n + 1
        while k != n:
            chain.append(k)
            k = pred[k]
        chain.append(n)
        every = np.vstack([self.nodes, ends])
        return every[chain[::-1]]
