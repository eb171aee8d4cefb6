"""Default spectral windows per gas: where each gas absorbs and little else competes."""

from __future__ import annotations

# Windows in nm. CH4 follows mag1c's 2.1-2.5 µm window; CO2 uses its 2.0 µm band
# and stops short of the 1.9 µm water band, whose saturated lines carry no signal.
# Thermal gases use the whole 7.5-13 µm atmospheric window.
DEFAULT_WINDOW_NM: dict[str, tuple[float, float]] = {
    "ch4": (2122.0, 2488.0),
    "co2": (1955.0, 2100.0),
    "h2o": (2120.0, 2480.0),
}
THERMAL_WINDOW_NM = (7500.0, 13000.0)


def default_window_nm(gas: str, regime: str) -> tuple[float, float]:
    """Band window (lo, hi) in nm used for ``gas`` unless the user gives one."""
    if regime == "lwir":
        return THERMAL_WINDOW_NM
    return DEFAULT_WINDOW_NM.get(gas.lower(), (1950.0, 2488.0))
