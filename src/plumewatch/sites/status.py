"""The site status rule, the chemical-processing flag and the alert rules, as pure functions.

Status (evaluated over the overflights that covered the site, in time order):

- ``dormant``: the site was detected before, and either its last ``DORMANT_AFTER_CLEAN``
  covering overflights were all clean, or its latest covering overflight was clean and came
  more than ``DORMANT_AFTER_DAYS`` days after the last detection;
- ``confirmed``: otherwise, when detected on at least ``CONFIRM_AFTER_DETECTIONS`` distinct overflights;
- ``candidate``: otherwise (detected on one overflight so far).

Alerts raised when an overflight is ingested:

- ``new_site``: a plume matched no known site;
- ``reactivated``: the site was dormant before this overflight and is detected on it;
- ``emission_spike``: the rate exceeds the mean of the site's earlier rates for that gas by more
  than ``SPIKE_SIGMAS`` times their standard deviation and is more than ``SPIKE_FACTOR`` times
  that mean (needs ``SPIKE_MIN_HISTORY`` earlier rates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

CONFIRM_AFTER_DETECTIONS = 2
DORMANT_AFTER_CLEAN = 2
DORMANT_AFTER_DAYS = 90.0
SPIKE_SIGMAS = 3.0
SPIKE_FACTOR = 2.0
SPIKE_MIN_HISTORY = 2
# Solvent vapours whose co-occurrence at one site suggests chemical processing.
SOLVENTS = frozenset(
    {
        "acetone",
        "acetonitrile",
        "benzene",
        "chloroform",
        "dichloromethane",
        "ethanol",
        "ethyl_acetate",
        "isopropanol",
        "mek",
        "methanol",
        "toluene",
        "xylene",
    }
)
CHEMICAL_PROCESSING = "chemical-processing"


@dataclass(frozen=True)
class Visit:
    """One covering overflight of a site: when, and which of its gases were detected."""

    time: datetime
    detected_gases: frozenset[str]

    @property
    def detected(self) -> bool:
        """Whether any gas was detected on this overflight."""
        return bool(self.detected_gases)


def site_status(visits: Sequence[Visit]) -> tuple[str, str]:
    """(status, reason) of a site from its covering overflights in time order."""
    detections = [v for v in visits if v.detected]
    if not detections:
        return "candidate", "no detection yet"
    last = detections[-1].time
    clean_after = [v for v in visits if v.time > last and not v.detected]
    if len(clean_after) >= DORMANT_AFTER_CLEAN:
        return "dormant", f"{len(clean_after)} clean overflights since the last detection on {last:%Y-%m-%d}"
    if clean_after and clean_after[-1].time - last > timedelta(days=DORMANT_AFTER_DAYS):
        return "dormant", f"clean {clean_after[-1].time - last} after the last detection on {last:%Y-%m-%d}"
    if len(detections) >= CONFIRM_AFTER_DETECTIONS:
        return "confirmed", f"detected on {len(detections)} distinct overflights"
    return "candidate", f"detected on 1 overflight; confirmed after {CONFIRM_AFTER_DETECTIONS}"


def site_flags(visits: Sequence[Visit]) -> tuple[str, ...]:
    """Flags of a site: chemical-processing when two or more solvents were detected on one overflight."""
    if any(len(v.detected_gases & SOLVENTS) >= 2 for v in visits):
        return (CHEMICAL_PROCESSING,)
    return ()


def is_spike(rate_kg_h: float, history_kg_h: Sequence[float]) -> bool:
    """Whether a rate (kg/h) is well above a site's earlier rates (kg/h) by the spike rule."""
    if len(history_kg_h) < SPIKE_MIN_HISTORY:
        return False
    mean = float(np.mean(history_kg_h))
    spread = float(np.std(history_kg_h, ddof=1))
    return rate_kg_h > mean + SPIKE_SIGMAS * spread and rate_kg_h > SPIKE_FACTOR * mean
