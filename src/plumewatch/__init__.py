"""plumewatch: airborne chemical-signature reconnaissance.

From imaging-spectrometer flight lines to tracked, shareable site intelligence:
detect vapour plumes, quantify them, place them on the ground, track the sites
that emit them over repeated overflights, and share releasable findings.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
