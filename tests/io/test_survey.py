"""Survey manifests: written and read back, with per-line and per-site winds; bad manifests refused."""

import json
from datetime import UTC, datetime

import pytest

from plumewatch.errors import InputFileError
from plumewatch.io.survey import FlightLine, SiteWind, read_survey, write_survey


def _line(tmp_path, **kwargs):
    return FlightLine(
        name="pw20260611t101500",
        radiance=tmp_path / "lines" / "pw20260611t101500_rdn.hdr",
        acquired=datetime(2026, 6, 11, 10, 15, tzinfo=UTC),
        **kwargs,
    )


def test_round_trip_keeps_winds_site_winds_and_relative_paths(tmp_path):
    mast = SiteWind("mast A", -119.02, 35.47, 1500.0, 2.1, 240.0, 0.4)
    line = _line(
        tmp_path, wind_speed_m_s=3.5, wind_from_deg=270.0, wind_speed_sigma_m_s=1.0, site_winds=(mast,)
    )
    manifest = write_survey(tmp_path, name="s", sensor="avirisng", flight_lines=[line])
    document = json.loads(manifest.read_text())
    assert document["flight_lines"][0]["radiance"] == "lines/pw20260611t101500_rdn.hdr"
    survey = read_survey(tmp_path)
    (back,) = survey.flight_lines
    assert back.site_winds == (mast,)
    assert (back.wind_speed_m_s, back.wind_from_deg, back.wind_speed_sigma_m_s) == (3.5, 270.0, 1.0)
    assert back.acquired == line.acquired and back.radiance == line.radiance.resolve()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"lon_deg": 1, "lat_deg": 2, "radius_m": 10, "from_deg": 3}, "no 'speed_m_s'"),
        ({"lon_deg": 1, "lat_deg": 2, "radius_m": 0, "speed_m_s": 2, "from_deg": 3}, "no radius"),
        ({"lon_deg": "x", "lat_deg": 2, "radius_m": 5, "speed_m_s": 2, "from_deg": 3}, "must be numbers"),
    ],
)
def test_bad_site_wind_is_a_one_line_error_naming_the_manifest(tmp_path, entry, message):
    write_survey(tmp_path, name="s", sensor="avirisng", flight_lines=[_line(tmp_path)])
    manifest = tmp_path / "survey.json"
    document = json.loads(manifest.read_text())
    document["flight_lines"][0]["site_winds"] = [entry]
    manifest.write_text(json.dumps(document))
    with pytest.raises(InputFileError) as err:
        read_survey(tmp_path)
    assert "survey.json" in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_manifest_and_duplicate_names_are_refused(tmp_path):
    with pytest.raises(InputFileError, match="no survey manifest"):
        read_survey(tmp_path)
    write_survey(tmp_path, name="s", sensor="avirisng", flight_lines=[_line(tmp_path), _line(tmp_path)])
    with pytest.raises(InputFileError, match="unique"):
        read_survey(tmp_path)
