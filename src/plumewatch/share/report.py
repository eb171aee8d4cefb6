"""A self-contained HTML report: site table, alerts and a map-like figure of enhancement."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from plumewatch.atomic import atomic_path  # noqa: E402

STATUS_COLOURS = {"candidate": "#f5a623", "confirmed": "#d0021b", "dormant": "#7f7f7f"}


@dataclass
class MapLayer:
    """One flight line's enhancement of one gas, with its pixel positions."""

    name: str
    gas: str
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    enhancement_ppmm: np.ndarray


def enhancement_figure(layers: Sequence[MapLayer], sites: Sequence, truth_points: Sequence = ()) -> bytes:
    """PNG bytes: enhancement of each gas in lon/lat with catalog sites (and truth, hollow) marked."""
    gases = sorted({layer.gas for layer in layers})
    fig, axes = plt.subplots(1, max(1, len(gases)), figsize=(6.5 * max(1, len(gases)), 6), squeeze=False)
    for ax, gas in zip(axes[0], gases, strict=False):
        gas_layers = [layer for layer in layers if layer.gas == gas]
        finite = np.concatenate(
            [layer.enhancement_ppmm[np.isfinite(layer.enhancement_ppmm)] for layer in gas_layers]
        )
        vmax = float(np.percentile(finite, 99.5)) if finite.size else 1.0
        mesh = None
        for layer in gas_layers:
            step = max(1, layer.enhancement_ppmm.shape[0] // 400)
            mesh = ax.pcolormesh(
                layer.lon_deg[::step, ::step],
                layer.lat_deg[::step, ::step],
                np.ma.masked_invalid(layer.enhancement_ppmm[::step, ::step]),
                cmap="inferno",
                vmin=0.0,
                vmax=vmax,
                shading="auto",
                alpha=0.85,
            )
        if mesh is not None:
            fig.colorbar(mesh, ax=ax, label=f"{gas.upper()} enhancement (ppm·m)", shrink=0.8)
        for point in truth_points:
            ax.scatter(point[0], point[1], s=160, facecolors="none", edgecolors="#00e0ff", linewidths=1.5)
        for site in sites:
            if gas in site.gases:
                ax.scatter(
                    site.lon_deg,
                    site.lat_deg,
                    s=60,
                    marker="^",
                    color=STATUS_COLOURS.get(site.status, "white"),
                    edgecolors="white",
                    linewidths=0.8,
                )
                ax.annotate(
                    site.site_id,
                    (site.lon_deg, site.lat_deg),
                    xytext=(6, 6),
                    textcoords="offset points",
                    color="white",
                    fontsize=8,
                )
        ax.set_title(
            f"{gas.upper()}: all overflights, catalog sites (triangles), truth (cyan rings)", fontsize=9
        )
        ax.set_xlabel("longitude (°)")
        ax.ticklabel_format(useOffset=False)
        ax.set_ylabel("latitude (°)")
        ax.set_facecolor("#202020")
        ax.set_aspect(1.0 / np.cos(np.deg2rad(np.nanmean(gas_layers[0].lat_deg))))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def write_html_report(
    path: Path,
    *,
    title: str,
    figure_png: bytes,
    table_header: Sequence[str],
    table_rows: Sequence[Sequence[object]],
    alerts: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Path:
    """Write a standalone HTML report (figure embedded) atomically; returns its path."""
    path = Path(path)
    image = base64.b64encode(figure_png).decode("ascii")
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in table_header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in table_rows
    )
    alert_items = "".join(f"<li>{html.escape(a)}</li>" for a in alerts) or "<li>none</li>"
    note_items = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:4px 8px;text-align:right}}th{{background:#eee}}</style></head>
<body><h1>{html.escape(title)}</h1><p>Generated {generated} by plumewatch.</p>
<h2>Sites</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Alerts</h2><ul>{alert_items}</ul>
<h2>Enhancement map</h2><img alt="enhancement map with site markers" src="data:image/png;base64,{image}">
{note_items}</body></html>
"""
    with atomic_path(path) as tmp:
        tmp.write_text(document, encoding="utf-8")
    return path
