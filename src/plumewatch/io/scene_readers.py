"""One entry point for radiance files: `open_scene(path)` asks each reader "can you open this?".

Readers are tried in order (ENVI, EMIT NetCDF, GeoTIFF); each has a cheap
``can_open(path)`` check that looks only at names and the first bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plumewatch.errors import InputFileError
from plumewatch.scene import Scene


@dataclass(frozen=True)
class SceneReader:
    """A radiance format: its name, a cheap recognition check, and its opener."""

    name: str
    can_open: Callable[[Path], bool]
    open: Callable[[Path], Scene]


def _envi_can_open(path: Path) -> bool:
    from plumewatch.io.envi_header import header_path_for

    try:
        header = header_path_for(path)
    except InputFileError:
        return False
    if not header.is_file():
        return False
    with open(header, "rb") as f:
        return f.read(4) == b"ENVI"


def _open_envi(path: Path) -> Scene:
    from plumewatch.io.envi import open_envi

    return open_envi(path)


def _emit_can_open(path: Path) -> bool:
    from plumewatch.io.emit import can_open

    return can_open(path)


def _open_emit(path: Path) -> Scene:
    from plumewatch.io.emit import open_emit

    return open_emit(path)


def _tiff_can_open(path: Path) -> bool:
    from plumewatch.io.geotiff_scene import can_open

    return can_open(path)


def _open_tiff(path: Path) -> Scene:
    from plumewatch.io.geotiff_scene import open_geotiff_scene

    return open_geotiff_scene(path)


def readers() -> list[SceneReader]:
    """The radiance readers in the order `open_scene` tries them."""
    return [
        SceneReader("envi", _envi_can_open, _open_envi),
        SceneReader("emit-netcdf", _emit_can_open, _open_emit),
        SceneReader("geotiff", _tiff_can_open, _open_tiff),
    ]


def open_scene(path: str | Path) -> Scene:
    """A lazy Scene from any supported radiance file (ENVI, EMIT L1B NetCDF, multi-band GeoTIFF)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "file not found")
    for reader in readers():
        if reader.can_open(path):
            return reader.open(path)
    names = ", ".join(r.name for r in readers())
    raise InputFileError(path, f"not a radiance format plumewatch reads ({names})")
