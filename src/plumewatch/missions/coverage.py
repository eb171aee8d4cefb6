"""Parallel flight lines that cover an area with a pushbroom swath, never crossing a no-fly zone.

Sweep (boustrophedon) coverage in a local metric frame: lines run along the
chosen heading, spaced ``swath * (1 - sidelap)`` apart and centred on the
area's extent across the heading. Each line spans the whole along-track extent
of the strip of area it is responsible for (so slanted edges are covered), minus
the no-fly zones. Where a no-fly zone cuts a line short, a wedge beside it can be
left unseen; such gaps are found by differencing the swath footprints (flat
ends: a pushbroom images nothing past the end of its line) from the area, and
filled with short extra lines, for a few rounds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

MIN_LINE_M = 1.0
GAP_FILL_ROUNDS = 4
# Overlays of many swath footprints snap to this grid (local metres): GEOS's floating-point overlay can
# drop whole pieces of a union of near-coincident buffers, fixed-precision snap rounding cannot.
GRID_M = 1e-3


@dataclass(frozen=True)
class Coverage:
    """Lines (local metres, each pointing along the heading) and how well their swaths cover the area."""

    heading_deg: float
    lines: list[LineString]
    n_sweep_lines: int
    n_gap_lines: int
    uncovered_m2: float
    area_m2: float


def footprint(lines: list[LineString], swath_m: float) -> BaseGeometry:
    """Union of the flat-ended swath footprints of the lines (local metres)."""
    if not lines:
        return shapely.Polygon()
    return shapely.union_all(shapely.buffer(lines, swath_m / 2.0, cap_style="flat"), grid_size=GRID_M)


def sweep_offsets(lo_m: float, hi_m: float, swath_m: float, spacing_m: float) -> np.ndarray:
    """Cross-track offsets (m) of lines whose swaths cover [lo, hi], centred; one line if it is narrow."""
    width = hi_m - lo_m
    n = 1 if width <= swath_m else int(np.ceil((width - swath_m) / spacing_m - 1e-9)) + 1
    middle = 0.5 * (lo_m + hi_m)
    return middle + (np.arange(n) - 0.5 * (n - 1)) * spacing_m


def _valid(geom: BaseGeometry) -> BaseGeometry:
    # Rotation rounding can fold a near-degenerate vertex; repairing keeps GEOS overlays working.
    return geom if geom.is_valid else shapely.make_valid(geom)


def _rotation_deg(heading_deg: float) -> float:
    # Rotating by this puts the heading along +x, so lines are y = const.
    return heading_deg - 90.0


def _line_pieces(y_m: float, x0_m: float, x1_m: float, forbidden: BaseGeometry) -> list[LineString]:
    line = LineString([(x0_m, y_m), (x1_m, y_m)])
    if not forbidden.is_empty:
        line = line.difference(forbidden)
    return [p for p in shapely.get_parts(line) if p.geom_type == "LineString" and p.length >= MIN_LINE_M]


def _strip_lines(
    free: BaseGeometry, forbidden: BaseGeometry, y_m: float, lo_m: float, hi_m: float, pad_m: float
) -> list[LineString]:
    """Lines at y covering the part of ``free`` between lo and hi across-track (rotated frame)."""
    xmin, _, xmax, _ = free.bounds
    strip = free.intersection(box(xmin - pad_m, lo_m, xmax + pad_m, hi_m))
    intervals = sorted((p.bounds[0], p.bounds[2]) for p in shapely.get_parts(strip) if p.area > 0)
    merged: list[list[float]] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [piece for a, b in merged for piece in _line_pieces(y_m, a, b, forbidden)]


def _gap_lines(
    gap: BaseGeometry, forbidden: BaseGeometry, swath_m: float, min_line_m: float
) -> list[LineString]:
    """Extra lines (each at least ``min_line_m`` long) for one uncovered patch: those leaving least unseen."""
    gx0, gy0, gx1, gy1 = gap.bounds
    best: list[LineString] = []
    best_left = gap.area
    for y in np.unique(
        np.clip([gy0 + 0.01, 0.5 * (gy0 + gy1), gy1 - 0.01, gy1 - swath_m / 2, gy0 + swath_m / 2], gy0, gy1)
    ):
        lines = [line for line in _line_pieces(float(y), gx0, gx1, forbidden) if line.length >= min_line_m]
        seen = footprint(lines, swath_m)
        left = shapely.difference(gap, seen, grid_size=GRID_M).area if lines else gap.area
        if left < best_left - 1e-6:
            best, best_left = lines, left
    return best


def cover(
    free: BaseGeometry,
    forbidden: BaseGeometry,
    heading_deg: float,
    swath_m: float,
    spacing_m: float,
    *,
    fill_gaps: bool = True,
    min_gap_m2: float | None = None,
    min_gap_line_m: float = MIN_LINE_M,
) -> Coverage:
    """Lines along ``heading_deg`` whose swaths cover ``free`` (local metres), none entering ``forbidden``.

    Gap-fill lines shorter than ``min_gap_line_m`` are not flown (each costs a whole turn).
    """
    angle = _rotation_deg(heading_deg)
    free_r = _valid(affinity.rotate(free, angle, origin=(0, 0)))
    forbidden_r = (
        _valid(affinity.rotate(forbidden, angle, origin=(0, 0))) if not forbidden.is_empty else forbidden
    )
    _, ymin, _, ymax = free_r.bounds
    offsets = sweep_offsets(ymin, ymax, swath_m, spacing_m)
    lines: list[LineString] = []
    for k, y in enumerate(offsets):
        lo = ymin - 1.0 if k == 0 else y - spacing_m / 2.0
        hi = ymax + 1.0 if k == len(offsets) - 1 else y + spacing_m / 2.0
        lines.extend(_strip_lines(free_r, forbidden_r, float(y), lo, hi, swath_m))
    n_sweep = len(lines)
    min_gap = min_gap_m2 if min_gap_m2 is not None else max(1.0, 1e-7 * free.area)
    uncovered = shapely.difference(free_r, footprint(lines, swath_m), grid_size=GRID_M)
    for _ in range(GAP_FILL_ROUNDS if fill_gaps else 0):
        gaps = [g for g in shapely.get_parts(uncovered) if g.area > min_gap]
        if not gaps:
            break
        extra = [line for g in gaps for line in _gap_lines(g, forbidden_r, swath_m, min_gap_line_m)]
        if not extra:
            break
        lines.extend(extra)
        uncovered = shapely.difference(uncovered, footprint(extra, swath_m), grid_size=GRID_M)
    back = [affinity.rotate(line, -angle, origin=(0, 0)) for line in lines]
    return Coverage(
        heading_deg=heading_deg % 360.0,
        lines=back,
        n_sweep_lines=n_sweep,
        n_gap_lines=len(lines) - n_sweep,
        uncovered_m2=float(uncovered.area),
        area_m2=float(free.area),
    )
