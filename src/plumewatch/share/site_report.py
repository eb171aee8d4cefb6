"""A per-site report: map with plume outlines (and enhancement when a product is given), emission-rate
history with 1-sigma error bars, and the detection table, under the site's TLP banner.

HTML is self-contained (figures embedded); the PDF (matplotlib's PdfPages, no other renderer
needed) holds the same figures and table on A4 pages.
"""

from __future__ import annotations

import base64
import html
import io
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from pyproj import Transformer  # noqa: E402
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError  # noqa: E402
from rasterio.transform import AffineTransformer  # noqa: E402
from scipy.interpolate import griddata  # noqa: E402
from shapely import wkt  # noqa: E402

from plumewatch.atomic import atomic_path  # noqa: E402
from plumewatch.errors import InputFileError  # noqa: E402
from plumewatch.share.policy import tlp_display  # noqa: E402
from plumewatch.share.release import redact_observations  # noqa: E402
from plumewatch.share.report import MapLayer  # noqa: E402
from plumewatch.sites.records import PlumeRecord, SiteDetail  # noqa: E402

# FIRST TLP 2.0 colours (text on black): RED, AMBER, GREEN, CLEAR.
TLP_COLOURS = {
    "red": "#FF2B2B",
    "amber": "#FFC000",
    "amber+strict": "#FFC000",
    "green": "#33FF00",
    "clear": "#FFFFFF",
}
GAS_COLOURS = {"ch4": "#d62728", "co2": "#1f77b4", "nh3": "#2ca02c"}
METRES_PER_DEG_LAT = 111_195.0
MAP_HALF_WIDTH_M = 600.0
TABLE_HEADER = ("time (UTC)", "flight line", "gas", "seen", "max ppm·m", "emission kg/h", "plume")


def enhancement_layer(path: str | Path, *, max_cells: int = 300) -> MapLayer:
    """Band 1 (ppm·m) of a product GeoTIFF/COG, at most ``max_cells`` per axis, with lon/lat per cell.

    Sensor-grid products are placed by their lon/lat GCP lattice (linear interpolation between
    GCPs); map-projected COGs by their affine transform and CRS.
    """
    path = Path(path)
    try:
        return _read_layer(path, max_cells)
    except RasterioIOError as err:
        raise InputFileError(path, f"not a readable GeoTIFF ({err})") from None


def _read_layer(path: Path, max_cells: int) -> MapLayer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            step = max(1, int(np.ceil(max(src.height, src.width) / max_cells)))
            data = src.read(1, masked=True)[::step, ::step].astype(np.float64).filled(np.nan)
            rows, cols = np.meshgrid(
                np.arange(0, src.height, step), np.arange(0, src.width, step), indexing="ij"
            )
            gcps, gcp_crs = src.gcps
            tags = src.tags()
            if gcps:
                at = np.array([(g.row, g.col) for g in gcps])
                lon = griddata(at, [g.x for g in gcps], (rows + 0.5, cols + 0.5), method="linear")
                lat = griddata(at, [g.y for g in gcps], (rows + 0.5, cols + 0.5), method="linear")
                lon, lat = _to_lonlat(lon, lat, gcp_crs)
            else:
                xs, ys = AffineTransformer(src.transform).xy(rows, cols)
                lon, lat = _to_lonlat(np.asarray(xs), np.asarray(ys), src.crs)
    data[~(np.isfinite(lon) & np.isfinite(lat))] = np.nan
    lon, lat = np.nan_to_num(lon, nan=np.nanmean(lon)), np.nan_to_num(lat, nan=np.nanmean(lat))
    return MapLayer(path.stem, tags.get("gas", ""), lon, lat, data)


def _to_lonlat(x: np.ndarray, y: np.ndarray, crs) -> tuple[np.ndarray, np.ndarray]:
    if crs is None or crs.to_epsg() == 4326:
        return x, y
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def map_figure(detail: SiteDetail, plumes: Sequence[PlumeRecord], layers: Sequence[MapLayer] = ()):
    """A matplotlib figure: enhancement (if any) near the site, plume outlines, site, 1-sigma circle."""
    site = detail.summary
    cos_lat = np.cos(np.deg2rad(site.lat_deg))
    half_lat = MAP_HALF_WIDTH_M / METRES_PER_DEG_LAT
    half_lon = half_lat / max(cos_lat, 1e-6)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    mesh = None
    for layer in layers:
        near = (np.abs(layer.lon_deg - site.lon_deg) < half_lon) & (
            np.abs(layer.lat_deg - site.lat_deg) < half_lat
        )
        if near.any():
            mesh = ax.pcolormesh(
                layer.lon_deg,
                layer.lat_deg,
                np.ma.masked_invalid(layer.enhancement_ppmm),
                cmap="inferno",
                shading="auto",
                alpha=0.85,
            )
    if mesh is not None:
        fig.colorbar(mesh, ax=ax, label="enhancement (ppm·m)", shrink=0.8)
    for plume in plumes:
        outline = wkt.loads(plume.outline_wkt) if plume.outline_wkt else None
        if outline is not None and outline.geom_type == "Polygon":
            x, y = outline.exterior.xy
            ax.plot(x, y, color=GAS_COLOURS.get(plume.gas, "#9467bd"), linewidth=1.2, alpha=0.8)
        ax.plot(plume.source_lon_deg, plume.source_lat_deg, ".", color=GAS_COLOURS.get(plume.gas, "#9467bd"))
    angle = np.linspace(0, 2 * np.pi, 100)
    sigma_lat = site.position_sigma_m / METRES_PER_DEG_LAT
    ax.plot(
        site.lon_deg + sigma_lat / max(cos_lat, 1e-6) * np.cos(angle),
        site.lat_deg + sigma_lat * np.sin(angle),
        color="black",
        linewidth=1.0,
        linestyle="--",
        label="site position, 1 sigma",
    )
    ax.plot(
        site.lon_deg,
        site.lat_deg,
        marker="^",
        color="black",
        markersize=9,
        linestyle="none",
        label=site.site_id,
    )
    ax.set_xlim(site.lon_deg - half_lon, site.lon_deg + half_lon)
    ax.set_ylim(site.lat_deg - half_lat, site.lat_deg + half_lat)
    ax.set_aspect(1.0 / max(cos_lat, 1e-6))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title(f"{site.site_id}: plume outlines by gas ({', '.join(site.gases)})", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax.ticklabel_format(useOffset=False)
    fig.tight_layout()
    return fig


def history_figure(detail: SiteDetail):
    """A matplotlib figure: emission rate (kg/h) ± 1 sigma per overflight; clean overflights at zero."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    gases = sorted({o.gas for o in detail.observations})
    for gas in gases:
        colour = GAS_COLOURS.get(gas, "#9467bd")
        rated = [
            o for o in detail.observations if o.gas == gas and o.detected and o.emission_kg_h is not None
        ]
        unrated = [o for o in detail.observations if o.gas == gas and o.detected and o.emission_kg_h is None]
        clean = [o for o in detail.observations if o.gas == gas and not o.detected]
        if rated:
            ax.errorbar(
                [o.time for o in rated],
                [o.emission_kg_h for o in rated],
                yerr=[o.emission_sigma_kg_h or 0.0 for o in rated],
                fmt="o",
                capsize=3,
                color=colour,
                label=f"{gas.upper()} detected (±1 sigma)",
            )
        # overflights without a rate sit on the zero line, told apart by their marker
        for shown, fmt, style, what in (
            (unrated, "o", {"mfc": "none"}, "detected, no rate (no wind)"),
            (clean, "x", {"alpha": 0.6}, "overflown, clean"),
        ):
            if shown:
                ax.plot(
                    [o.time for o in shown],
                    [0.0] * len(shown),
                    fmt,
                    color=colour,
                    label=f"{gas.upper()} {what}",
                    **style,
                )
    ax.set_ylabel("emission rate (kg/h)")
    ax.set_ylim(bottom=-0.05 * max(1.0, ax.get_ylim()[1]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    fig.autofmt_xdate()
    if gases:
        ax.legend(fontsize=8, loc="best")
    ax.set_title("Emission-rate history", fontsize=10)
    fig.tight_layout()
    return fig


def detection_rows(detail: SiteDetail, plumes: Sequence[PlumeRecord]) -> list[tuple[str, ...]]:
    """The detection table: one row per overflight and gas; plume ids only for plumes in the report."""
    shown = {p.plume_id for p in plumes}
    rows = []
    for o in detail.observations:
        rate = "" if o.emission_kg_h is None else f"{o.emission_kg_h:.0f} ± {o.emission_sigma_kg_h or 0:.0f}"
        rows.append(
            (
                f"{o.time:%Y-%m-%d %H:%M}",
                o.scene_name,
                o.gas,
                "detected" if o.detected else "clean",
                "" if o.max_ppmm is None else f"{o.max_ppmm:.0f}",
                rate,
                o.plume_id if o.plume_id in shown else "",
            )
        )
    return rows


def _redacted(detail: SiteDetail, plumes: Sequence[PlumeRecord]) -> SiteDetail:
    """The detail with the numbers of plumes left out of the report withheld from its observations."""
    kept = redact_observations(detail.observations, [p.plume_id for p in plumes])
    return SiteDetail(detail.summary, kept, list(plumes))


def _banner(tlp: str, release_to: Sequence[str]) -> str:
    label = tlp_display(tlp, release_to)
    return (
        f'<p style="background:#000;color:{TLP_COLOURS[tlp]};font-weight:bold;padding:4px 8px;'
        f'display:inline-block">{html.escape(label)}</p>'
    )


def site_report_html(
    detail: SiteDetail, plumes: Sequence[PlumeRecord], *, recipient: str = "", layers: Sequence[MapLayer] = ()
) -> str:
    """The whole report as one HTML document (figures embedded as PNG)."""
    detail = _redacted(detail, plumes)
    site = detail.summary
    banner = _banner(site.tlp, site.release_to)
    map_png = base64.b64encode(_png(map_figure(detail, plumes, layers))).decode("ascii")
    history_png = base64.b64encode(_png(history_figure(detail))).decode("ascii")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in TABLE_HEADER)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in detection_rows(detail, plumes)
    )
    rate = (
        "unknown"
        if site.mean_emission_kg_h is None
        else (f"{site.mean_emission_kg_h:.0f} ± {site.emission_sigma_kg_h or 0:.0f} kg/h")
    )
    facts = [
        ("position", f"{site.lat_deg:.6f}, {site.lon_deg:.6f} ± {site.position_sigma_m:.0f} m (1 sigma)"),
        ("gases", ", ".join(site.gases)),
        ("status", f"{site.status}: {site.status_reason}"),
        ("seen", f"{site.n_detections} of {site.n_overflights} overflights ({site.persistence:.0%})"),
        ("mean emission", rate),
        ("flags", ", ".join(site.flags) or "none"),
    ]
    fact_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    to = f" for {html.escape(recipient)}" if recipient else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(tlp_display(site.tlp))} site {html.escape(site.site_id)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:4px 8px;text-align:left}}th{{background:#eee}}</style></head>
<body>{banner}<h1>Site {html.escape(site.site_id)}</h1><p>Generated {generated} by plumewatch{to}.</p>
<table>{fact_rows}</table>
<h2>Map</h2><img alt="map of the site with plume outlines" src="data:image/png;base64,{map_png}">
<h2>Emission-rate history</h2><img alt="emission rate per overflight with 1-sigma error bars"
 src="data:image/png;base64,{history_png}">
<h2>Detections</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
{banner}</body></html>
"""


def write_site_report(
    path: str | Path,
    detail: SiteDetail,
    plumes: Sequence[PlumeRecord],
    *,
    recipient: str = "",
    layers: Sequence[MapLayer] = (),
) -> Path:
    """Write the report as HTML, or as PDF when ``path`` ends in .pdf (atomically); returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".pdf":
            _write_pdf(tmp, detail, plumes, layers)
        else:
            tmp.write_text(
                site_report_html(detail, plumes, recipient=recipient, layers=layers), encoding="utf-8"
            )
    return path


def _write_pdf(
    path: Path, detail: SiteDetail, plumes: Sequence[PlumeRecord], layers: Sequence[MapLayer]
) -> None:
    detail = _redacted(detail, plumes)
    site = detail.summary
    label = tlp_display(site.tlp, site.release_to)
    rows = detection_rows(detail, plumes)
    with PdfPages(path, metadata={"Title": f"{label} site {site.site_id}", "Creator": "plumewatch"}) as pdf:
        for make in (lambda: map_figure(detail, plumes, layers), lambda: history_figure(detail)):
            fig = make()
            fig.text(
                0.01,
                0.99,
                label,
                va="top",
                ha="left",
                color=TLP_COLOURS[site.tlp],
                weight="bold",
                backgroundcolor="black",
            )
            pdf.savefig(fig)
            plt.close(fig)
        for start in range(0, max(len(rows), 1), 30):
            fig, ax = plt.subplots(figsize=(8.27, 11.69))
            ax.axis("off")
            fig.text(0.05, 0.97, label, color=TLP_COLOURS[site.tlp], weight="bold", backgroundcolor="black")
            chunk = rows[start : start + 30] or [("",) * len(TABLE_HEADER)]
            table = ax.table(cellText=chunk, colLabels=TABLE_HEADER, loc="upper center")
            table.auto_set_font_size(False)
            table.set_fontsize(7)
            pdf.savefig(fig)
            plt.close(fig)
