"""Telemetry: real MISB ST 0601 packets, KLV/CSV/GPX round trips, interpolation to scan lines."""

import logging
from pathlib import Path

import numpy as np
import pytest
from stanag4609.st0601 import decode_uas_local_set

from plumewatch.errors import InputFileError
from plumewatch.io.klv import corner_lonlat, scan_packets
from plumewatch.io.telemetry import interpolate_track, read_track, time_gaps, write_klv, write_track_csv
from plumewatch.io.track import Track
from plumewatch.io.track_gpx import write_track_gpx

START = np.datetime64("2026-06-11T10:15:00", "us")


def _track(n=20, step_s=0.5, seed=0):
    rng = np.random.default_rng(seed)
    time = START + (np.arange(n) * step_s * 1e6).astype("timedelta64[us]")
    return Track(
        source=Path("synthetic"),
        time=time,
        lon_deg=-118.2 + np.arange(n) * 1e-4,
        lat_deg=34.05 + np.arange(n) * 2e-5,
        alt_m=np.full(n, 1500.0) + rng.normal(0, 1, n),
        heading_deg=np.mod(350.0 + np.arange(n) * 1.5, 360.0),
        pitch_deg=rng.normal(0, 1, n),
        roll_deg=rng.normal(0, 2, n),
        attrs={
            "fields": {
                "wind_from_deg": np.full(n, 270.0),
                "wind_speed_m_s": np.full(n, 4.0),
                "sensor_hfov_deg": np.full(n, 36.0),
            }
        },
    )


def test_real_dynamic_only_packet_decodes(data_dir):
    track = read_track(data_dir / "DynamicOnlyMISMMSPacketData.bin")
    assert track.attrs["packets_good"] == 1 and track.attrs["packets_bad"] == 0
    assert str(track.time[0]) == "2009-01-12T22:08:22.000000"
    assert track.lat_deg[0] == pytest.approx(60.176823, abs=1e-6)
    assert track.lon_deg[0] == pytest.approx(128.426759, abs=1e-6)
    assert track.alt_m[0] == pytest.approx(14190.7, abs=0.1)
    assert track.heading_deg[0] == pytest.approx(159.9744, abs=1e-3)
    assert track.pitch_deg[0] == pytest.approx(-0.4315, abs=1e-3)
    assert track.roll_deg[0] == pytest.approx(3.4059, abs=1e-3)
    fields = track.attrs["fields"]
    assert fields["sensor_hfov_deg"][0] == pytest.approx(144.5713, abs=1e-3)
    assert fields["frame_center_lat_deg"][0] == pytest.approx(-10.5424, abs=1e-3)


def test_real_packet_with_bad_checksum_is_flagged_not_used(data_dir, tmp_path, caplog):
    good = (data_dir / "DynamicOnlyMISMMSPacketData.bin").read_bytes()
    bad = (data_dir / "DynamicConstantMISMMSPacketData.bin").read_bytes()
    packets = list(scan_packets(bad))
    assert len(packets) == 1 and not packets[0].ok
    assert "checksum" in packets[0].problem and "0xAA43" in packets[0].problem
    assert packets[0].values["platform"] == "Predator"
    assert packets[0].values["security"]["classification"] == "UNCLASSIFIED"
    stream = tmp_path / "mixed.klv"
    stream.write_bytes(bad + b"\x00junk" + good + good[:40])
    with caplog.at_level(logging.WARNING, logger="plumewatch.io.klv"):
        track = read_track(stream)
    assert len(track) == 1
    assert track.attrs["packets_good"] == 1 and track.attrs["packets_bad"] == 2
    assert [p["offset"] for p in track.attrs["bad_packets"]] == [0, len(bad) + 5 + len(good)]
    assert "runs past the end" in track.attrs["bad_packets"][1]["problem"]
    assert sum("skipped KLV packet" in r.message for r in caplog.records) == 2
    with pytest.raises(InputFileError, match=r"DynamicConstant.*no valid MISB ST 0601 packets.*checksum"):
        read_track(data_dir / "DynamicConstantMISMMSPacketData.bin")


def test_klv_round_trip_with_security_and_corners(tmp_path):
    track = _track()
    fields = dict(track.attrs["fields"])
    fields.update({"frame_center_lat_deg": track.lat_deg, "frame_center_lon_deg": track.lon_deg})
    for i, (dlat, dlon) in enumerate([(1e-3, -1e-3), (1e-3, 1e-3), (-1e-3, 1e-3), (-1e-3, -1e-3)], start=1):
        fields[f"corner{i}_lat_offset_deg"] = np.full(len(track), dlat)
        fields[f"corner{i}_lon_offset_deg"] = np.full(len(track), dlon)
    path = write_klv(
        tmp_path / "t.klv",
        track,
        fields=fields,
        mission_id="survey-7",
        security={"classification": "UNCLASSIFIED", "releasing_instructions": "USA GBR"},
    )
    back = read_track(path)
    assert back.attrs["packets_good"] == len(track) and back.attrs["packets_bad"] == 0
    np.testing.assert_array_equal(back.time, track.time)
    np.testing.assert_allclose(back.lat_deg, track.lat_deg, atol=1e-7)
    np.testing.assert_allclose(back.lon_deg, track.lon_deg, atol=1e-7)
    np.testing.assert_allclose(back.alt_m, track.alt_m, atol=0.2)
    heading_error = (back.heading_deg - track.heading_deg + 180) % 360 - 180
    assert np.abs(heading_error).max() < 0.01
    np.testing.assert_allclose(back.pitch_deg, track.pitch_deg, atol=1e-3)
    np.testing.assert_allclose(back.roll_deg, track.roll_deg, atol=1e-3)
    np.testing.assert_allclose(back.attrs["fields"]["wind_speed_m_s"], 4.0, atol=0.5)
    np.testing.assert_allclose(back.attrs["fields"]["wind_from_deg"], 270.0, atol=0.01)
    assert back.attrs["security"] == {
        "classification": "UNCLASSIFIED",
        "classifying_country": "//USA",
        "releasing_instructions": "USA GBR",
    }
    assert back.attrs["mission_id"] == "survey-7"
    lon, lat = corner_lonlat(back)
    np.testing.assert_allclose(lat[:, 0] - track.lat_deg, 1e-3, atol=1e-6)
    np.testing.assert_allclose(lon[:, 1] - track.lon_deg, 1e-3, atol=1e-6)


def test_klv_integer_imap_and_text_tags_keep_their_st0601_types(tmp_path):
    track = _track(n=6)
    n = len(track)
    fields = {
        "ground_speed_m_s": np.array([0.0, 61.4, 61.6, 120.0, 255.0, np.nan]),
        "true_airspeed_m_s": np.full(n, 70.2),
        "outside_air_temperature_c": np.array([-40.4, -12.0, 0.0, 3.6, 25.0, 45.0]),
        "sensor_ellipsoid_height_extended_m": track.alt_m + 0.123,
        "altitude_agl_m": track.alt_m - 250.0,
    }
    path = write_klv(
        tmp_path / "t.klv", track, fields=fields, image_source_sensor="AVIRIS-NG", platform="sim"
    )
    back = read_track(path)
    got = back.attrs["fields"]
    np.testing.assert_array_equal(got["ground_speed_m_s"], [0.0, 61.0, 62.0, 120.0, 255.0, np.nan])
    np.testing.assert_array_equal(got["true_airspeed_m_s"], 70.0)
    np.testing.assert_array_equal(got["outside_air_temperature_c"], [-40.0, -12.0, 0.0, 4.0, 25.0, 45.0])
    np.testing.assert_allclose(
        got["sensor_ellipsoid_height_extended_m"], fields["sensor_ellipsoid_height_extended_m"], atol=0.01
    )
    np.testing.assert_allclose(got["altitude_agl_m"], fields["altitude_agl_m"], atol=0.01)
    assert back.attrs["image_source_sensor"] == "AVIRIS-NG" and back.attrs["platform"] == "sim"
    # On the wire: tag 56 is one unsigned byte, tag 39 one signed byte, tag 104 the fewest IMAPB bytes.
    data = path.read_bytes()
    starts = [p.offset for p in scan_packets(data)] + [len(data)]
    first, second = (decode_uas_local_set(data[starts[i] : starts[i + 1]]) for i in (0, 1))
    assert first.get(56).raw == bytes([0]) and first.get(39).raw == (-40).to_bytes(1, "big", signed=True)
    assert second.get(56).raw == bytes([61]) and 2 <= len(second.get(104).raw) <= 4


@pytest.mark.parametrize(
    ("name", "value"),
    [("ground_speed_m_s", 256.0), ("ground_speed_m_s", -1.0), ("outside_air_temperature_c", 200.0)],
)
def test_klv_integer_out_of_its_range_is_refused(tmp_path, name, value):
    track = _track(n=2)
    with pytest.raises(ValueError, match="fix 0 cannot be encoded as ST 0601.*tag (56|39)"):
        write_klv(tmp_path / "t.klv", track, fields={name: np.full(2, value)})
    assert not (tmp_path / "t.klv").exists()


def test_klv_corrupted_byte_is_skipped_and_counted(tmp_path):
    path = write_klv(tmp_path / "t.klv", _track(n=5))
    data = bytearray(path.read_bytes())
    size = len(data) // 5
    data[2 * size + 30] ^= 0xFF
    path.write_bytes(bytes(data))
    track = read_track(path)
    assert len(track) == 4 and track.attrs["packets_bad"] == 1


def test_csv_round_trip_and_backwards_time(tmp_path):
    track = _track()
    path = write_track_csv(tmp_path / "t.csv", track)
    back = read_track(path)
    np.testing.assert_array_equal(back.time, track.time)
    np.testing.assert_allclose(back.heading_deg, track.heading_deg)
    np.testing.assert_allclose(back.attrs["fields"]["wind_speed_m_s"], 4.0)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[3], lines[1], lines[2], *lines[4:]]))
    shuffled = read_track(path)
    assert shuffled.attrs["time_steps_backwards"] == 1
    np.testing.assert_array_equal(shuffled.time, track.time)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time_utc,lon_deg,lat_deg\n2026-01-01T00:00:00Z,1,2\n", "lacks column"),
        ("time_utc,lon_deg,lat_deg,alt_m\nyesterday,1,2,3\n", "line 2: time_utc 'yesterday'"),
        ("time_utc,lon_deg,lat_deg,alt_m\n2026-01-01T00:00:00Z,east,2,3\n", "line 2: lon_deg 'east'"),
        ("time_utc,lon_deg,lat_deg,alt_m\n", "no rows"),
    ],
)
def test_bad_csv_is_one_line_error(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=message):
        read_track(path)


def test_gpx_round_trip_derives_heading(tmp_path):
    track = _track()
    back = read_track(write_track_gpx(tmp_path / "t.gpx", track))
    np.testing.assert_array_equal(back.time, track.time)
    np.testing.assert_allclose(back.lat_deg, track.lat_deg)
    np.testing.assert_allclose(back.alt_m, track.alt_m, atol=1e-6)
    assert back.attrs["heading_source"].startswith("course over ground")
    expected = np.degrees(np.arctan2(1e-4 * np.cos(np.radians(34.05)), 2e-5))
    assert back.heading_deg[0] == pytest.approx(expected, abs=0.5)
    (tmp_path / "bad.gpx").write_text("<gpx><trk><trkseg><trkpt lat='1' lon='2'/></trkseg></trk></gpx>")
    with pytest.raises(InputFileError, match="no timed track points"):
        read_track(tmp_path / "bad.gpx")


def test_interpolation_heading_on_circle_and_gaps_not_bridged(caplog):
    track = _track(n=6, step_s=1.0)
    keep = np.array([0, 1, 2, 5])
    gappy = Track(
        source=track.source,
        time=track.time[keep],
        lon_deg=track.lon_deg[keep],
        lat_deg=track.lat_deg[keep],
        alt_m=track.alt_m[keep],
        heading_deg=np.array([350.0, 10.0, 20.0, 30.0]),
        pitch_deg=track.pitch_deg[keep],
        roll_deg=track.roll_deg[keep],
        attrs={},
    )
    times = START + np.array([500_000, 1_500_000, 3_000_000, 5_000_000, 7_000_000], dtype="timedelta64[us]")
    with caplog.at_level(logging.WARNING, logger="plumewatch.io.telemetry"):
        out = interpolate_track(gappy, times, max_gap_s=2.0)
    assert out.heading_deg[0] == pytest.approx(0.0, abs=1e-9) or out.heading_deg[0] == pytest.approx(360.0)
    assert out.heading_deg[1] == pytest.approx(15.0, abs=1e-6)
    assert out.lon_deg[0] == pytest.approx((track.lon_deg[0] + track.lon_deg[1]) / 2)
    assert np.isnan(out.lat_deg[2]) and out.attrs["times_in_gaps"] == 1
    assert out.lat_deg[3] == pytest.approx(track.lat_deg[5])
    assert np.isnan(out.lat_deg[4]) and out.attrs["times_outside_track"] == 1
    assert out.attrs["gaps"] == [
        {"start": "2026-06-11T10:15:02.000000Z", "end": "2026-06-11T10:15:05.000000Z", "seconds": 3.0}
    ]
    assert time_gaps(gappy, 5.0) == []
    assert any("gaps" in r.message for r in caplog.records)


def test_interpolation_across_antimeridian():
    track = _track(n=2, step_s=1.0)
    across = Track(
        source=track.source,
        time=track.time,
        lon_deg=np.array([179.9, -179.9]),
        lat_deg=track.lat_deg,
        alt_m=track.alt_m,
        heading_deg=track.heading_deg,
        pitch_deg=track.pitch_deg,
        roll_deg=track.roll_deg,
        attrs={},
    )
    out = interpolate_track(across, START + np.array([500_000], dtype="timedelta64[us]"))
    assert abs(abs(out.lon_deg[0]) - 180.0) < 1e-9


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="unknown telemetry format"):
        read_track(tmp_path / "x.txt")
    with pytest.raises(InputFileError, match="nope.klv: file not found"):
        read_track(tmp_path / "nope.klv")
