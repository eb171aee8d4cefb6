"""The truth a simulated survey was made from: `truth.json` beside `survey.json`.

Truth is what `evaluate` scores against::

    {
      "plumewatch_truth": 1,
      "sites": [{"site_id": "T1", "gas": "ch4", "lon_deg": ..., "lat_deg": ...,
                 "emission_kg_h": [120.0, 0.0, 95.0, 130.0],   # one value per pass, in pass order
                 "kind": "landfill"}],
      "decoys": [{"decoy_id": "D1", "material": "concrete", "lon_deg": ..., "lat_deg": ...,
                  "radius_m": 20.0}],
      "passes": [{"name": "pw...", "acquired": "...Z", "wind_speed_m_s": 3.1, "wind_from_deg": 250.0,
                  "enhancement_maps": {"ch4": "truth/pw..._ch4.tif"}}]
    }

``emission_kg_h`` is indexed like ``passes``; 0 means the source was off on that
pass. Enhancement maps are float32 GeoTIFFs on the pass's pixel grid, band 1 =
true vertical column enhancement in ppm·m (0 outside plumes).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError

TRUTH_NAME = "truth.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TruthSite:
    """An emitter the simulator placed, with its true rate on every pass (0 = off)."""

    site_id: str
    gas: str
    lon_deg: float
    lat_deg: float
    emission_kg_h: list[float]
    kind: str = "facility"


@dataclass(frozen=True)
class TruthDecoy:
    """A surface placed to fool detectors: it emits nothing."""

    decoy_id: str
    material: str
    lon_deg: float
    lat_deg: float
    radius_m: float


@dataclass(frozen=True)
class TruthPass:
    """One simulated overflight: its line name, time, wind, the true enhancement maps per gas.

    ``air_temperature_k``: thermal passes only, the true air (and plume) temperature.
    """

    name: str
    acquired: str
    wind_speed_m_s: float
    wind_from_deg: float
    enhancement_maps: dict[str, str] = field(default_factory=dict)
    air_temperature_k: float | None = None


def write_truth(
    root: str | Path, sites: list[TruthSite], decoys: list[TruthDecoy], passes: list[TruthPass]
) -> Path:
    """Write ``root/truth.json``; returns its path."""
    document = {
        "plumewatch_truth": FORMAT_VERSION,
        "sites": [asdict(s) for s in sites],
        "decoys": [asdict(d) for d in decoys],
        "passes": [asdict(p) for p in passes],
    }
    path = Path(root) / TRUTH_NAME
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def read_truth(root: str | Path) -> dict[str, list]:
    """Read ``root/truth.json`` into {"sites": [TruthSite], "decoys": [TruthDecoy], "passes": [TruthPass]}."""
    path = Path(root)
    path = path / TRUTH_NAME if path.is_dir() else path
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return {
            "sites": [TruthSite(**s) for s in document["sites"]],
            "decoys": [TruthDecoy(**d) for d in document.get("decoys", [])],
            "passes": [TruthPass(**p) for p in document.get("passes", [])],
        }
    except FileNotFoundError:
        raise InputFileError(
            path, "no truth.json: evaluation needs a survey written by `plumewatch simulate`"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputFileError(path, f"not a readable truth file ({err})") from None
