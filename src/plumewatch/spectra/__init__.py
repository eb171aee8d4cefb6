"""Gas spectroscopy, sensor models and forward models.

    from plumewatch.spectra import unit_absorption, transmittance, library_gases, get_sensor

- ``unit_absorption(gas, wavelength_nm, fwhm_nm)``: band optical depth per ppm·m of one-way path.
- ``transmittance(gas, path_ppmm, wavelength_nm, fwhm_nm)``: exact band transmittance.
- ``library_gases(regime=None)``: the gases the library holds ('swir', 'lwir').
- ``get_sensor(name)``: AVIRIS-NG, EMIT and HyTES band tables, geometry and noise.
- ``plumewatch.spectra.forward``: at-sensor radiance, SWIR reflected sunlight and LWIR thermal.

The equations and their sources are in docs/physics.md.
"""

from plumewatch.errors import UnknownGasError, UnknownSensorError
from plumewatch.spectra.absorption import transmittance, unit_absorption
from plumewatch.spectra.library import library_gases
from plumewatch.spectra.planck import planck_radiance
from plumewatch.spectra.sensors import Sensor, get_sensor

__all__ = [
    "Sensor",
    "UnknownGasError",
    "UnknownSensorError",
    "get_sensor",
    "library_gases",
    "planck_radiance",
    "transmittance",
    "unit_absorption",
]
