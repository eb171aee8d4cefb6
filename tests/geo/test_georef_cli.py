"""`plumewatch georef` on a simulated survey stripped of its _loc/_igm: positions from telemetry alone.

The simulator's own per-pixel positions (its `_loc`) are the truth; the cube, its `_obs` and its
CSV/KLV telemetry are all the command gets.
"""

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
from rasterio.transform import Affine
from shapely.geometry import Point

from plumewatch.cli import main
from plumewatch.errors import InputFileError
from plumewatch.geo.footprint import footprint_polygon
from plumewatch.geo.georef import Pointing, georeference_cube
from plumewatch.io.envi import open_envi, read_envi_array
from plumewatch.io.survey import read_survey
from plumewatch.io.telemetry import read_track, write_track_csv

GEOD = pyproj.Geod(ellps="WGS84")
PIXEL_M = 5.0


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    from plumewatch.simulate.survey import simulate_survey

    root = tmp_path_factory.mktemp("sim") / "survey"
    simulate_survey(root, seed=3, n_passes=2, lines=60, samples=40)
    return root


@pytest.fixture
def survey(simulated, tmp_path):
    """A copy of the simulated survey whose lines have no _loc or _igm any more."""
    root = tmp_path / "survey"
    shutil.copytree(simulated, root)
    for path in [*root.glob("lines/*_loc.*"), *root.glob("lines/*_igm.*")]:
        path.unlink()
    return read_survey(root)


def truth(simulated: Path, line) -> np.ndarray:
    """The simulator's (lines, samples, 3) lon, lat, elevation for a flight line."""
    _, loc = read_envi_array(simulated / "lines" / f"{line.name}_loc.hdr", dtype=np.float64)
    return np.asarray(loc)


def error_m(lon, lat, true_loc):
    return GEOD.inv(lon, lat, true_loc[..., 0], true_loc[..., 1])[2]


def georef(capsys, *args) -> tuple[int, str, str]:
    status = main(["georef", *(str(a) for a in args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def written_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "_loc" in p.name or p.name.endswith(".tmp"))


@pytest.mark.parametrize("suffix", ["klv", "csv"])
def test_georef_from_telemetry_lands_within_half_a_pixel(simulated, survey, capsys, suffix):
    for line in survey.flight_lines:
        true_loc = truth(simulated, line)
        telemetry = line.telemetry.with_suffix(f".{suffix}")
        # KLV reports the ground height (frame-centre elevation); a CSV log does not, so the user gives it.
        ground = [] if suffix == "klv" else ["--height-m", float(np.median(true_loc[..., 2]))]
        status, out, _ = georef(
            capsys, line.radiance, "--telemetry", telemetry, "--sensor", "avirisng", *ground
        )
        assert status == 0
        assert "60 of 60 lines georeferenced" in out and "lines without position: 0" in out
        scene = open_envi(line.radiance)
        assert scene.attrs["geolocation_source"].startswith("loc")
        error = error_m(scene.lon_deg, scene.lat_deg, true_loc)
        assert np.median(error) < 0.5 * PIXEL_M, (line.name, suffix, np.median(error))
        # Over a 2.3-degree swath the budget is the nadir one: GNSS on both axes plus roll and pitch
        # over the 5000 m height (heading adds < 0.2 m at the edge).
        height_m = read_track(line.telemetry.with_suffix(".csv")).alt_m[0] - np.median(true_loc[..., 2])
        nadir = np.sqrt(2 * 2.0**2 + 2 * (height_m * np.deg2rad(0.05)) ** 2)
        assert scene.attrs["geolocation_sigma_m"] == pytest.approx(nadir, rel=0.01)
        assert f"{scene.attrs['geolocation_sigma_m']:.1f} m median" in out


def test_line_rate_times_the_lines_when_there_is_no_obs(simulated, survey, capsys):
    line = survey.flight_lines[0]
    for path in line.radiance.parent.glob(f"{line.name}_obs.*"):
        path.unlink()
    csv = line.telemetry.with_suffix(".csv")
    status, _, err = georef(capsys, line.radiance, "--telemetry", csv, "--height-m", 150)
    assert status == 1 and "no scan-line times" in err and "--line-rate-hz" in err
    assert written_files(line.radiance.parent) == []
    # The simulator exposes one line per ground pixel travelled: its CSV has one fix per line.
    rate_hz = 1.0 / np.median(np.diff(read_track(csv).seconds_since_start()))
    status, out, _ = georef(
        capsys, line.radiance, "--telemetry", csv, "--height-m", 150, "--line-rate-hz", rate_hz
    )
    assert status == 0 and "given line rate" in out
    scene = open_envi(line.radiance)
    assert np.median(error_m(scene.lon_deg, scene.lat_deg, truth(simulated, line))) < 0.5 * PIXEL_M


def test_dem_plateau_moves_points_as_flat_terrain_at_its_height_would(simulated, survey, capsys, tmp_path):
    line = survey.flight_lines[0]
    csv = line.telemetry.with_suffix(".csv")
    base_m = float(np.median(truth(simulated, line)[..., 2]))
    plateau_m = base_m + 200.0
    true_loc = truth(simulated, line)
    # A DEM (WGS84 grid, ~10 m cells) at the base height, with a 200 m plateau north of the line's middle.
    cell = 1e-4
    west, north = true_loc[..., 0].min() - 0.003, true_loc[..., 1].max() + 0.003
    width = int((true_loc[..., 0].max() + 0.003 - west) / cell)
    height = int((north - true_loc[..., 1].min() + 0.003) / cell)
    row_lat = north - (np.arange(height) + 0.5) * cell
    dem = np.where(row_lat[:, None] > np.median(true_loc[..., 1]), plateau_m, base_m) * np.ones((1, width))
    dem_path = tmp_path / "dem.tif"
    with rasterio.open(
        dem_path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(cell, 0.0, west, 0.0, -cell, north),
    ) as dst:
        dst.write(dem.astype("float32"), 1)

    status, out, _ = georef(
        capsys, line.radiance, "--telemetry", csv, "--sensor", "avirisng", "--dem", dem_path
    )
    assert status == 0 and "DEM dem.tif" in out
    _, loc = read_envi_array(line.radiance.parent / f"{line.name}_loc.hdr", dtype=np.float64)
    loc = np.asarray(loc)
    flat = {
        h: georeference_cube(line.radiance, csv, pointing=Pointing(sensor="avirisng"), height_m=h)
        for h in (base_m, plateau_m)
    }
    on_plateau = np.abs(loc[..., 2] - plateau_m) < 0.5
    on_base = np.abs(loc[..., 2] - base_m) < 0.5
    assert on_plateau.sum() > 200 and on_base.sum() > 200
    for mask, h in ((on_plateau, plateau_m), (on_base, base_m)):
        # Where the DEM is flat, the ray meets it where flat terrain at that height would put it.
        moved = error_m(flat[h].lon_deg[mask], flat[h].lat_deg[mask], loc[mask])
        assert moved.max() < 0.05, (h, moved.max())
    # And the plateau really moves points: off nadir, 200 m of relief shifts them by metres.
    shift = error_m(flat[base_m].lon_deg[on_plateau], flat[base_m].lat_deg[on_plateau], loc[on_plateau])
    assert shift.max() > 3.0


def test_telemetry_gaps_and_a_short_log_leave_nan_lines_counted(simulated, survey, capsys, tmp_path):
    line = survey.flight_lines[0]
    track = read_track(line.telemetry.with_suffix(".csv"))
    # Fixes 20-49 lost (a 2.6 s hole, over the 2 s the interpolation bridges) and the log stops at line 55.
    log = _gappy_csv(track, tmp_path / "gappy.csv", np.r_[0:20, 50:56])
    status, out, _ = georef(
        capsys, line.radiance, "--telemetry", log, "--sensor", "avirisng", "--height-m", 150
    )
    assert status == 0
    assert "26 of 60 lines georeferenced" in out
    assert (
        "lines without position: 34 (no time 0, in telemetry gaps 30, outside the telemetry 4, no attitude 0)"
        in out
    )
    assert "telemetry gap:" in out
    scene = open_envi(line.radiance)
    missing = ~np.isfinite(scene.lon_deg).any(axis=1)
    assert np.flatnonzero(missing).tolist() == [*range(20, 50), *range(56, 60)]
    assert np.isnan(scene.lon_deg[missing]).all()
    located = error_m(scene.lon_deg[~missing], scene.lat_deg[~missing], truth(simulated, line)[~missing])
    assert np.median(located) < 0.5 * PIXEL_M
    header = (line.radiance.parent / f"{line.name}_loc.hdr").read_text()
    assert "lines without position = 34" in header
    # The footprint leaves the gap out: the ground under it was not seen.
    footprint = footprint_polygon(scene.lon_deg, scene.lat_deg)
    true_loc = truth(simulated, line)
    assert footprint.covers(Point(*true_loc[10, 20, :2])) and footprint.covers(Point(*true_loc[53, 20, :2]))
    assert not footprint.covers(Point(*true_loc[35, 20, :2]))


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing telemetry", "file not found"),
        ("no time source", "no scan-line times"),
        ("telemetry of another flight", "no scan line falls within the telemetry"),
        ("unknown sensor", "not modelled"),
        ("unnamed cube", "must end in _rdn or _img"),
        ("terrain above the platform", "no look ray meets the terrain"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(survey, capsys, case, message):
    line, other = survey.flight_lines
    cube, telemetry, extra = line.radiance, line.telemetry, []
    if case == "missing telemetry":
        telemetry = telemetry.with_name("no_such_log.csv")
    elif case == "no time source":
        for path in cube.parent.glob(f"{line.name}_obs.*"):
            path.unlink()
    elif case == "telemetry of another flight":
        telemetry = other.telemetry
    elif case == "unknown sensor":
        extra = ["--sensor", "nosuchsensor"]
    elif case == "terrain above the platform":
        extra = ["--height-m", 6000]
    else:
        for suffix in (".hdr", ".img"):
            shutil.copy(cube.with_suffix(suffix), cube.parent / f"plain{suffix}")
        cube = cube.parent / "plain.hdr"
    before = written_files(cube.parent)
    status, out, err = georef(capsys, cube, "--telemetry", telemetry, *extra)
    assert status == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert written_files(cube.parent) == before == []


def test_existing_loc_is_kept_unless_forced(simulated, survey, capsys):
    line = survey.flight_lines[0]
    for suffix in (".hdr", ".img"):
        shutil.copy(simulated / "lines" / f"{line.name}_loc{suffix}", line.radiance.parent)
    loc_img = line.radiance.parent / f"{line.name}_loc.img"
    original = loc_img.read_bytes()
    status, _, err = georef(capsys, line.radiance, "--telemetry", line.telemetry)
    assert status == 1 and "already has geolocation" in err and "--force" in err
    assert loc_img.read_bytes() == original
    status, out, _ = georef(capsys, line.radiance, "--telemetry", line.telemetry, "--force")
    assert status == 0 and loc_img.read_bytes() != original
    assert open_envi(line.radiance).attrs["geolocation_sigma_m"] > 0
    # AVIRIS-NG names its data files without a suffix: writing X_loc.img beside X_loc would not replace it.
    loc_img.rename(loc_img.with_suffix(""))
    status, _, err = georef(capsys, line.radiance, "--telemetry", line.telemetry, "--force")
    assert status == 1 and "cannot replace" in err and not loc_img.exists()


def test_loc_header_with_a_bad_sigma_is_refused(simulated, survey):
    line = survey.flight_lines[0]
    for suffix in (".hdr", ".img"):
        shutil.copy(simulated / "lines" / f"{line.name}_loc{suffix}", line.radiance.parent)
    header = line.radiance.parent / f"{line.name}_loc.hdr"
    header.write_text(header.read_text() + "geolocation sigma m = -3\n")
    with pytest.raises(InputFileError, match="geolocation sigma m"):
        open_envi(line.radiance)


@pytest.mark.slow
def test_process_with_telemetry_only_finds_the_same_sites(simulated, survey, tmp_path):
    from plumewatch.process import process_survey
    from plumewatch.sites.catalog import Catalog

    found = {}
    for label, source in (("loc", read_survey(simulated)), ("telemetry", survey)):
        with Catalog(f"sqlite:///{tmp_path / label}.sqlite") as catalog:
            process_survey(source, ["ch4", "co2"], catalog, tmp_path / label, workers=1, orthorectify=False)
            found[label] = catalog.sites()
    assert len(found["loc"]) >= 2
    key = lambda s: (s.gases, s.n_detections, s.n_overflights, s.status)  # noqa: E731
    assert [key(s) for s in found["telemetry"]] == [key(s) for s in found["loc"]]
    for a, b in zip(found["telemetry"], found["loc"], strict=True):
        assert GEOD.inv(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)[2] < 0.5 * PIXEL_M


def test_gpx_log_without_attitude_needs_assume_level(simulated, survey, capsys, tmp_path):
    from plumewatch.io.telemetry import write_track_gpx

    line = survey.flight_lines[0]
    gpx = write_track_gpx(tmp_path / "log.gpx", read_track(line.telemetry.with_suffix(".csv")))
    args = [line.radiance, "--telemetry", gpx, "--sensor", "avirisng", "--height-m", 150]
    status, _, err = georef(capsys, *args)
    assert status == 1 and "no roll/pitch" in err and "--assume-level" in err
    assert written_files(line.radiance.parent) == []
    status, out, _ = georef(capsys, *args, "--assume-level", "--attitude-sigma-deg", 0.1)
    assert status == 0 and "60 of 60 lines georeferenced" in out
    scene = open_envi(line.radiance)
    # Level flight ignores the mount's ~0.02 deg roll/pitch jitter: metres at 5 km, still inside a pixel.
    error = error_m(scene.lon_deg, scene.lat_deg, truth(simulated, line))
    assert np.median(error) < PIXEL_M


def _gappy_csv(track, path: Path, keep: np.ndarray) -> Path:
    arrays = ("time", "lon_deg", "lat_deg", "alt_m", "heading_deg", "pitch_deg", "roll_deg")
    return write_track_csv(path, replace(track, **{name: getattr(track, name)[keep] for name in arrays}))


def test_process_places_no_plume_in_a_telemetry_gap(survey, tmp_path):
    import json

    from plumewatch.process import process_survey
    from plumewatch.sites.catalog import Catalog

    manifest = survey.root / "survey.json"
    document = json.loads(manifest.read_text())
    for entry, line in zip(document["flight_lines"], survey.flight_lines, strict=True):
        track = read_track(line.telemetry.with_suffix(".csv"))
        gappy = _gappy_csv(track, survey.root / "telemetry" / f"{line.name}_gappy.csv", np.r_[0:20, 50:60])
        entry["telemetry"] = str(gappy.relative_to(survey.root))
    manifest.write_text(json.dumps(document))
    with Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}") as catalog:
        overflights, _ = process_survey(
            read_survey(survey.root), ["ch4", "co2"], catalog, tmp_path / "p", workers=1, orthorectify=False
        )
    for overflight in overflights:
        assert overflight.footprint.geom_type == "MultiPolygon"
        for plume in overflight.plumes:
            assert np.isfinite([plume.source_lon_deg, plume.source_lat_deg]).all()
            assert overflight.footprint.covers(Point(plume.source_lon_deg, plume.source_lat_deg))
