"""Make the missions worked example: inputs, a planned survey figure and an audited track figure.

Run from the repository root:  .venv/bin/python docs/figures/make_missions_figures.py

Writes docs/figures/missions_example/{aoi.geojson, permitted.geojson, track.csv} (the inputs the
commands in docs/missions.md use), docs/figures/missions_survey.png and docs/figures/missions_audit.png.
The track is synthetic: the planned lines and Dubins turns flown at the plan's speed, with a climb over
the ceiling and a 40 s telemetry dropout; the turns at the northern edge overshoot the permitted block.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import shapely
from shapely.geometry import Point, Polygon, mapping

from plumewatch.io.telemetry import write_track_csv
from plumewatch.io.track import Track
from plumewatch.missions.airspace import read_permitted
from plumewatch.missions.aoi import read_aoi
from plumewatch.missions.audit import audit_track
from plumewatch.missions.dubins import dubins_path, sample_dubins
from plumewatch.missions.survey import plan_survey
from plumewatch.spectra import get_sensor

HERE = Path(__file__).parent
EXAMPLE = HERE / "missions_example"
ALTITUDE_M = 3000.0
SPEED_M_S = 70.0
TURN_RADIUS_M = 600.0


def write_inputs() -> None:
    """The example AOI (concave, one hole, one no-fly strip) and the permitted airspace, as GeoJSON."""
    EXAMPLE.mkdir(exist_ok=True)
    outer = [(-118.30, 35.20), (-118.13, 35.21), (-118.11, 35.33), (-118.19, 35.29), (-118.28, 35.36)]
    hole = Point(-118.21, 35.26).buffer(0.012, quad_segs=4)
    aoi = Polygon(outer, [list(hole.exterior.coords)])
    strip = Polygon([(-118.17, 35.215), (-118.16, 35.215), (-118.16, 35.25), (-118.17, 35.25)])
    features = [
        {"type": "Feature", "properties": {"name": "survey area"}, "geometry": mapping(aoi)},
        {"type": "Feature", "properties": {"name": "village", "no_fly": True}, "geometry": mapping(strip)},
    ]
    (EXAMPLE / "aoi.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    )
    permitted = Polygon(outer).buffer(0.01, join_style="mitre")
    (EXAMPLE / "permitted.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "survey block R-101", "floor_m": 0, "ceiling_m": 3200},
                        "geometry": mapping(permitted),
                    }
                ],
            },
            indent=1,
        )
    )


def flown_path_xy(plan, aoi) -> np.ndarray:
    """Local x, y of the planned lines joined by their Dubins turns (or detours), in flying order."""
    frame = aoi.frame
    pieces = []
    for k, line in enumerate(plan.lines):
        x, y = frame.xy(line.lonlat[:, 0], line.lonlat[:, 1])
        pieces.append(np.column_stack([x, y]))
        if k + 1 < len(plan.lines):
            nxt = plan.lines[k + 1]
            nx, ny = frame.xy(nxt.lonlat[:2, 0], nxt.lonlat[:2, 1])
            transit = plan.transits[k]
            if transit.via_lonlat is not None:
                vx, vy = frame.xy(transit.via_lonlat[:, 0], transit.via_lonlat[:, 1])
                pieces.append(np.column_stack([vx, vy]))
                continue
            t0 = np.arctan2(y[-1] - y[-2], x[-1] - x[-2])
            t1 = np.arctan2(ny[1] - ny[0], nx[1] - nx[0])
            path = dubins_path(x[-1], y[-1], t0, nx[0], ny[0], t1, plan.turn_radius_m)
            pieces.append(sample_dubins(path, x[-1], y[-1], t0, step_m=50.0)[1:-1, :2])
    return np.vstack(pieces)


def synthetic_track(plan, aoi) -> Track:
    """The flown path sampled every 2 s, with a climb over the ceiling and a telemetry gap."""
    xy = flown_path_xy(plan, aoi)
    step = np.hypot(*np.diff(xy, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(step)])
    t = np.arange(0.0, along[-1] / SPEED_M_S, 2.0)
    s = t * SPEED_M_S
    x, y = np.interp(s, along, xy[:, 0]), np.interp(s, along, xy[:, 1])
    alt = np.full(t.size, ALTITUDE_M) + 5.0 * np.sin(t / 30.0)
    climb = (s > 0.6 * along[-1]) & (s < 0.63 * along[-1])
    alt[climb] += 350.0 * np.sin(np.linspace(0, np.pi, climb.sum()))
    keep = ~((s > 0.8 * along[-1]) & (s < 0.8 * along[-1] + 40 * SPEED_M_S))
    lon, lat = aoi.frame.lonlat(x[keep], y[keep])
    time = np.datetime64("2026-06-11T16:00:00", "us") + (t[keep] * 1e6).astype("timedelta64[us]")
    nan = np.full(keep.sum(), np.nan)
    return Track(
        EXAMPLE / "track.csv", time, lon, lat, alt[keep], nan, nan, nan, {"altitude_reference": "msl"}
    )


def draw_polygon(ax, geom, **style) -> None:
    """Fill each polygon of a lon/lat geometry on ``ax``, its holes left white."""
    for part in shapely.get_parts(geom):
        ax.fill(*part.exterior.xy, **style)
        for ring in part.interiors:
            ax.fill(*ring.xy, color="white")


def survey_figure(plan, aoi, permitted) -> None:
    """Write missions_survey.png: the example survey plan over its AOI, no-fly zone and airspace."""
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    draw_polygon(ax, permitted, color="#e8f1e4", label="permitted airspace")
    draw_polygon(ax, aoi.frame.to_lonlat(aoi.area), color="#cfe0f3", label="area of interest")
    for k, zone in enumerate(plan.fence_exclusion):
        draw_polygon(ax, zone, color="#f2b8b5", label="no-fly" if k == 0 else None)
    path = flown_path_xy(plan, aoi)
    lon, lat = aoi.frame.lonlat(path[:, 0], path[:, 1])
    ax.plot(lon, lat, color="0.55", lw=0.8, ls="--", label="turns and transits")
    for line in plan.lines:
        colour = "#1f5fa8" if line.kind == "sweep" else "#d9822b"
        ax.plot(line.lonlat[:, 0], line.lonlat[:, 1], color=colour, lw=2)
        ax.annotate(str(line.number), line.lonlat[0], fontsize=6, color=colour)
    ax.plot([], [], color="#1f5fa8", lw=2, label="sweep lines")
    ax.plot([], [], color="#d9822b", lw=2, label="gap-fill lines")
    s = plan.summary()
    ax.set_title(
        f"{s['n_lines']} lines, heading {s['heading_deg']:.0f}°, swath {s['swath_width_m']:.0f} m, "
        f"{s['flight_time_h']:.2f} h",
        fontsize=10,
    )
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_aspect(1 / np.cos(np.radians(35.28)))
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "missions_survey.png", dpi=130)
    plt.close(fig)


def audit_figure(track: Track, report, permitted, ceiling_m: float) -> None:
    """Write missions_audit.png: the synthetic flown track and its altitude against the audit's limits."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 5), gridspec_kw={"width_ratios": [1.2, 1]})
    draw_polygon(ax, permitted, color="#e8f1e4", label="permitted airspace")
    ax.plot(track.lon_deg, track.lat_deg, color="#1f5fa8", lw=0.8, label="flown track")
    minutes = track.seconds_since_start() / 60.0
    ax2.plot(minutes, track.alt_m, color="#1f5fa8", lw=0.8, label="altitude")
    ax2.axhline(ceiling_m, color="k", lw=0.8, ls="--", label="ceiling")
    t0 = track.time[0]
    for k, e in enumerate(report.excursions):
        coords = np.array(e.lonlat_alt)
        colour = "#c0392b" if e.kind == "horizontal" else "#8e44ad"
        ax.plot(
            coords[:, 0], coords[:, 1], color=colour, lw=3, label=f"{e.kind} excursion" if k < 2 else None
        )
        a, b = ((np.array([e.start, e.end]) - t0) / np.timedelta64(1, "s")) / 60.0
        ax2.axvspan(a, b, color=colour, alpha=0.3)
    for gap in report.gaps:
        a, b = (
            (np.array([gap["start"][:-1], gap["end"][:-1]], dtype="datetime64[us]") - t0)
            / np.timedelta64(1, "s")
        ) / 60.0
        ax2.axvspan(a, b, color="0.6", alpha=0.5, label="telemetry gap (unknown)")
    ax.set_title(f"verdict: {report.verdict}, {len(report.excursions)} excursion(s)", fontsize=10)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_aspect(1 / np.cos(np.radians(35.28)))
    ax.legend(loc="lower right", fontsize=7)
    ax2.set_xlabel("minutes since the first fix")
    ax2.set_ylabel("altitude (m MSL)")
    ax2.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "missions_audit.png", dpi=130)
    plt.close(fig)


def main() -> None:
    """Write the example inputs, plan and audit them, draw both figures and print their summaries."""
    write_inputs()
    aoi = read_aoi(EXAMPLE / "aoi.geojson")
    sensor = get_sensor("avirisng")
    volumes = read_permitted(EXAMPLE / "permitted.geojson")
    plan = plan_survey(
        aoi,
        altitude_m=ALTITUDE_M,
        fov_deg=sensor.fov_deg,
        ifov_mrad=sensor.ifov_mrad,
        sidelap=0.2,
        speed_m_s=SPEED_M_S,
        turn_radius_m=TURN_RADIUS_M,
        sensor=sensor.name,
        permitted_lonlat=[v.polygon for v in volumes],
    )
    permitted = shapely.union_all([v.polygon for v in volumes])
    survey_figure(plan, aoi, permitted)
    track = synthetic_track(plan, aoi)
    write_track_csv(EXAMPLE / "track.csv", track)
    report = audit_track(track, volumes)
    audit_figure(track, report, permitted, volumes[0].ceiling_m)
    print(json.dumps(plan.summary() | {"turns": len(plan.transits)}, indent=1))
    print(json.dumps(report.to_json(), indent=1))


if __name__ == "__main__":
    main()
