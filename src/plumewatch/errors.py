"""Errors a user can cause, as one tree.

    PlumewatchError            root: anything the user can fix
    ├── InputFileError         a file is missing, unreadable or malformed (also an OSError)
    ├── UnknownGasError        a gas is not in the library (also a KeyError)
    ├── UnknownSensorError     a sensor has no model in plumewatch.spectra (also a KeyError)
    ├── SensorCoverageError    the sensor's bands do not cover a gas's absorption
    ├── CatalogError           the site catalog cannot be opened or written
    ├── SharingError           a marking, partner or export request is invalid (also a ValueError)
    ├── PlanningError          a mission cannot be planned or audited as asked (geometry, altitude, budget)
    └── SimulationError        a survey cannot be simulated as asked (too few passes, too small a scene)

The CLI prints any of these as one line and exits non-zero; anything else is a
programmer error and keeps its traceback.
"""


class PlumewatchError(Exception):
    """Root of the errors a user can cause and fix."""


class InputFileError(PlumewatchError, OSError):
    """A file is missing, unreadable or malformed; the message names the file."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


class UnknownGasError(PlumewatchError, KeyError):
    """A gas name that the spectral library does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown gas"


class UnknownSensorError(PlumewatchError, KeyError):
    """A sensor name that plumewatch.spectra has no model for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown sensor"


class SensorCoverageError(PlumewatchError):
    """The sensor's bands do not cover the absorption features of a gas."""


class CatalogError(PlumewatchError):
    """The site catalog cannot be opened, read or written."""


class SharingError(PlumewatchError, ValueError):
    """A TLP marking, release list, partner or export request is invalid or not permitted."""


class PlanningError(PlumewatchError):
    """A mission cannot be planned or a track audited as asked: bad geometry, altitude, sensor or budget."""


class SimulationError(PlumewatchError, ValueError):
    """A synthetic survey cannot be simulated with these settings (passes, scene size, pixel size)."""
