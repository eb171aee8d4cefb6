"""`plumewatch inspect`: one description per kind of file, one-line errors for bad ones."""

import shutil
from datetime import UTC, datetime

import numpy as np
import pytest

from plumewatch.cli import main
from plumewatch.errors import InputFileError
from plumewatch.io.envi import write_envi
from plumewatch.io.geotiff import write_retrieval_geotiff
from plumewatch.io.inspect import describe, format_description
from plumewatch.io.survey import FlightLine, write_survey
from plumewatch.io.telemetry import write_klv, write_track_csv
from plumewatch.io.track import Track


def _cube(tmp_path):
    rng = np.random.default_rng(1)
    lon, lat = np.meshgrid(np.linspace(-118, -117.99, 6), np.linspace(34, 33.99, 9))
    write_envi(
        tmp_path / "pw20260611t101500_loc.hdr",
        np.stack([lon, lat, lon * 0], -1),
        metadata={"band names": ["Longitude", "Latitude", "Elevation"]},
    )
    return write_envi(
        tmp_path / "pw20260611t101500_rdn.hdr",
        rng.uniform(0, 1, (9, 6, 4)).astype("f4"),
        metadata={"wavelength": [2100, 2200, 2300, 2400], "fwhm": [9, 9, 9, 9]},
    )


def _track(n=8):
    time = np.datetime64("2026-06-11T10:15:00", "us") + (np.arange(n) * 500_000).astype("timedelta64[us]")
    time[-1] += np.timedelta64(5, "s")
    ones = np.ones(n)
    return Track(
        source=None,
        time=time,
        lon_deg=-118 + ones * 1e-3,
        lat_deg=34 + np.arange(n) * 1e-4,
        alt_m=ones * 900,
        heading_deg=ones * 10,
        pitch_deg=ones * 0,
        roll_deg=ones * 0,
    )


def test_envi_cube_description(tmp_path):
    d = describe(_cube(tmp_path))
    assert d["kind"] == "radiance cube" and (d["lines"], d["samples"], d["bands"]) == (9, 6, 4)
    assert d["wavelength_nm"] == [2100.0, 2400.0]
    assert d["geolocation"].startswith("loc") and d["acquired"].startswith("2026-06-11T10:15:00")
    assert describe(tmp_path / "pw20260611t101500_loc.hdr")["bands"] == 3
    text = format_description(d)
    assert "wavelength nm" in text and "2100, 2400" in text


def test_telemetry_descriptions_count_packets_and_gaps(tmp_path, data_dir):
    klv = write_klv(
        tmp_path / "t.klv",
        _track(),
        security={"classification": "UNCLASSIFIED", "releasing_instructions": "USA"},
    )
    with open(klv, "ab") as f:
        f.write((data_dir / "DynamicConstantMISMMSPacketData.bin").read_bytes())
    d = describe(klv)
    assert (d["packets_good"], d["packets_bad"]) == (8, 1)
    assert d["gaps_over_2s"] == 1 and d["classification"] == "UNCLASSIFIED" and d["releasability"] == "USA"
    csv = describe(write_track_csv(tmp_path / "t.csv", _track()))
    assert csv["fixes"] == 8 and csv["duration_s"] == pytest.approx(8.5)
    bad = describe(data_dir / "DynamicConstantMISMMSPacketData.bin")
    assert bad["packets_good"] == 0 and "checksum" in bad["first_problem"]


def test_product_and_survey_descriptions(tmp_path):
    lon, lat = np.meshgrid(np.linspace(-118, -117.99, 5), np.linspace(34, 33.99, 4))
    tif = write_retrieval_geotiff(
        tmp_path / "x_ch4.tif",
        np.arange(20.0).reshape(4, 5),
        np.ones((4, 5)),
        lon_deg=lon,
        lat_deg=lat,
        tags={"gas": "ch4", "method": "cmf"},
    )
    d = describe(tif)
    assert (
        d["kind"] == "retrieval product" and d["gas"] == "ch4" and d["enhancement_ppmm"] == [0.0, 9.5, 19.0]
    )
    hdr = _cube(tmp_path)
    line = FlightLine(
        name="pw20260611t101500",
        radiance=hdr,
        acquired=datetime(2026, 6, 11, 10, 15, tzinfo=UTC),
        wind_speed_m_s=3.0,
        wind_from_deg=270.0,
    )
    write_survey(tmp_path, name="demo", sensor="avirisng", flight_lines=[line])
    s = describe(tmp_path)
    assert s["kind"] == "survey" and s["flight_lines"] == 1 and s["with_wind"] == 1


def test_cli_prints_description_and_one_line_errors(tmp_path, capsys, data_dir):
    assert main(["inspect", str(_cube(tmp_path))]) == 0
    assert "radiance cube" in capsys.readouterr().out
    shutil.copy(data_dir / "jasperRidge2_R198.hdr", tmp_path / "j.hdr")
    shutil.copy(data_dir / "jasperRidge2_R198_lines0-9.img", tmp_path / "j.img")
    assert main(["inspect", str(tmp_path / "j.hdr")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "j.img: truncated" in err[0]


def test_unknown_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputFileError, match="not a radiance format"):
        describe(tmp_path / "notes.txt")
