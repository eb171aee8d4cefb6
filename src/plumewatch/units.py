"""Unit conversions that carry physics: column amounts of trace gases.

A column enhancement of 1 ppm·m is 1e-6 of the air's molar density times 1 m
of path. At the reference state used by the field's IME conventions
(101 325 Pa, 288.15 K) air holds p / (R T) = 42.29 mol m-3, so 1 ppm·m of a gas
of molar mass M kg/mol weighs 42.29e-6 * M kg per m² of ground.
"""

from __future__ import annotations

from plumewatch.errors import UnknownGasError

GAS_CONSTANT_J_MOL_K = 8.314462618
REFERENCE_PRESSURE_PA = 101_325.0
REFERENCE_TEMPERATURE_K = 288.15

MOLAR_MASS_KG_MOL: dict[str, float] = {
    "ch4": 0.016043,
    "co2": 0.044010,
    "h2o": 0.018015,
    "nh3": 0.017031,
    "sf6": 0.146055,
    "acetone": 0.058080,
    "dichloromethane": 0.084930,
    "chloroform": 0.119380,
    "ethyl_acetate": 0.088110,
    "isopropanol": 0.060100,
    "methanol": 0.032040,
    "ethanol": 0.046070,
    "mek": 0.072110,
    "toluene": 0.092140,
    "xylene": 0.106170,
    "benzene": 0.078110,
    "acetonitrile": 0.041050,
    "cfc-12": 0.120910,
}


def air_molar_density_mol_m3(
    pressure_pa: float = REFERENCE_PRESSURE_PA, temperature_k: float = REFERENCE_TEMPERATURE_K
) -> float:
    """Molar density of air (mol m-3) from the ideal-gas law."""
    return pressure_pa / (GAS_CONSTANT_J_MOL_K * temperature_k)


def kg_m2_per_ppmm(gas: str) -> float:
    """Mass per unit ground area (kg m-2) of a 1 ppm·m column of ``gas`` at the reference state."""
    try:
        molar_mass = MOLAR_MASS_KG_MOL[gas.lower()]
    except KeyError:
        raise UnknownGasError(
            f"no molar mass for gas {gas!r}; known: {', '.join(sorted(MOLAR_MASS_KG_MOL))}"
        ) from None
    return 1e-6 * air_molar_density_mol_m3() * molar_mass
