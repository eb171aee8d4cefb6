"""The per-site report: TLP banner, map with plume outlines, emission history with error bars, table."""

import base64
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from plumewatch.io.geotiff import write_retrieval_geotiff
from plumewatch.share.report import MapLayer
from plumewatch.share.site_report import (
    detection_rows,
    enhancement_layer,
    history_figure,
    map_figure,
    site_report_html,
    write_site_report,
)


def test_html_report(detail, tmp_path):
    path = write_site_report(tmp_path / "site.html", detail, detail.plumes[:2], recipient="BfS")
    text = path.read_text()
    assert text.count("TLP:GREEN") >= 2  # banner at top and bottom
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 2
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert text.count("<tr><td>") == len(detail.observations) == 4
    assert detail.plumes[0].plume_id in text and detail.plumes[2].plume_id not in text
    assert "for BfS" in text


def test_history_has_error_bars_and_clean_overflights(detail):
    fig = history_figure(detail)
    ax = fig.axes[0]
    bars = [c for c in ax.containers if c.has_yerr]
    assert len(bars) == 1
    x, y = bars[0].lines[0].get_data()
    assert len(y) == 3 and np.allclose(sorted(y), sorted(p.emission_kg_h for p in detail.plumes))
    clean = [line for line in ax.lines if line.get_marker() == "x"]
    assert len(clean) == 1 and list(clean[0].get_ydata()) == [0.0]
    plt.close(fig)


def test_map_draws_outlines_and_enhancement(detail):
    site = detail.summary
    lon, lat = np.meshgrid(
        np.linspace(site.lon_deg - 0.003, site.lon_deg + 0.003, 30),
        np.linspace(site.lat_deg - 0.003, site.lat_deg + 0.003, 30),
    )
    layer = MapLayer("line", "ch4", lon, lat, np.hypot(lon - site.lon_deg, lat - site.lat_deg) * 1e5)
    fig = map_figure(detail, detail.plumes, [layer])
    ax = fig.axes[0]
    assert len(ax.collections) == 1  # the enhancement mesh
    assert len(fig.axes) == 2  # with its colour bar
    outlines = [line for line in ax.lines if len(line.get_xdata()) == 4]
    assert len(outlines) == len(detail.plumes)
    plt.close(fig)


def test_pdf_report(detail, tmp_path):
    path = write_site_report(tmp_path / "site.pdf", detail, detail.plumes)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3


@pytest.mark.parametrize("n_plumes", [0, 3])
def test_table_rows(detail, n_plumes):
    rows = detection_rows(detail, detail.plumes[:n_plumes])
    assert [r[3] for r in rows] == ["detected", "clean", "detected", "detected"]
    assert sum(1 for r in rows if r[6]) == n_plumes


def test_enhancement_layer_from_a_product_geotiff(detail, tmp_path):
    site = detail.summary
    rows, cols = np.mgrid[0:60, 0:40]
    lon = site.lon_deg - 0.002 + cols * 1e-4 + rows * 2e-6  # a slightly sheared flight-line grid
    lat = site.lat_deg + 0.003 - rows * 1e-4
    enhancement = np.hypot(lon - site.lon_deg, lat - site.lat_deg).astype(np.float32) * 1e5
    path = write_retrieval_geotiff(
        tmp_path / "pw_rdn_ch4.tif",
        enhancement,
        enhancement * 0.1,
        lon_deg=lon,
        lat_deg=lat,
        tags={"gas": "ch4"},
    )
    layer = enhancement_layer(path)
    assert layer.gas == "ch4" and layer.enhancement_ppmm.shape == (60, 40)
    inside = np.isfinite(layer.enhancement_ppmm)
    assert inside.mean() > 0.9
    assert np.allclose(layer.lon_deg[inside], lon[inside], atol=2e-6)
    assert np.allclose(layer.lat_deg[inside], lat[inside], atol=2e-6)
    html_text = site_report_html(detail, detail.plumes, layers=[layer])
    assert html_text.count("data:image/png;base64,") == 2


def test_report_withholds_numbers_of_plumes_it_leaves_out(detail):
    text = site_report_html(detail, detail.plumes[:1])
    left_out = detail.plumes[1]
    assert f"{left_out.emission_kg_h:.0f} ± {left_out.emission_sigma_kg_h:.0f}" not in text
    assert f"{detail.plumes[0].emission_kg_h:.0f} ± {detail.plumes[0].emission_sigma_kg_h:.0f}" in text
