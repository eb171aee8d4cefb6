"""Rebuild the simulator's shipped spectra (src/plumewatch/simulate/data/) from the real source files.

Run once by a developer, never at runtime or in tests::

    python -m plumewatch.simulate.build_data /work/shared/data

It writes three small files (sources and licences in data/NOTICE.md):

* ``jasperridge_pca.npz``: the Jasper Ridge AVIRIS reflectance sub-cube (100 x 100 px) compressed to
  its mean spectrum and 16 principal components (float32 scores); the residual it drops is 0.0018
  RMS reflectance, at the level of the sensor noise in the original.
* ``lab_spectra.npz``: ECOSTRESS/ASTER lab reflectance (fraction) for the surfaces the simulator
  places, resampled to 5 nm from 370 to 2510 nm, and, for those measured there, 0.02 µm from 7.4 to 12.2 µm.
* ``pasadena_rdn.npz``: the ten real AVIRIS-NG radiance pixels (uW nm-1 cm-2 sr-1), for comparisons.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
PCA_COMPONENTS = 16
VSWIR_GRID_NM = np.arange(370.0, 2510.1, 5.0)
TIR_GRID_NM = np.arange(7400.0, 12200.1, 20.0)

# Simulator material name -> ECOSTRESS file name stem.
LAB_FILES = {
    "concrete": "manmade.concrete.pavingconcrete.solid.all.0092uuu_cnc.jhu.becknic",
    "black_paint": "manmade.generalconstructionmaterial.paint.solid.all.0402uuupnt.jhu.becknic",
    "aluminium": "manmade.roofingmaterial.metal.solid.all.0384uuualm.jhu.becknic",
    "dark_oxide": "mineral.oxide.none.coarse.vswir.o-6a.jpl.beckman",
    "quartz": "mineral.silicate.tectosilicate.medium.vswir.ts-1d.jpl.perkin",
    "rhyolite": "rock.igneous.felsic.solid.all.ap-938-93.usgs.perknic",
    "black_loam": "soil.mollisol.cryoboroll.none.all.85p4663.jhu.becknic",
    "loamy_sand": "soil.utisol.hapludult.none.all.87p707.jhu.becknic",
    "eucalyptus": "vegetation.tree.eucalyptus.maculata.vswir.jpl087.jpl.asd",
}


def read_ecostress(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(wavelength_nm ascending, reflectance fraction) of an ECOSTRESS text spectrum (µm, percent)."""
    rows = []
    for line in path.read_text(encoding="latin-1").splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                rows.append((float(parts[0]), float(parts[1])))
            except ValueError:
                continue
    table = np.array(sorted(rows))
    return table[:, 0] * 1000.0, table[:, 1] / 100.0


def build_jasperridge(shared: Path) -> dict[str, np.ndarray]:
    """Mean, components and scores of the Jasper Ridge reflectance cube on its sorted band centres."""
    from spectral.io import envi

    header = envi.read_envi_header(str(shared / "jasperridge" / "jasperRidge2_R198.hdr"))
    lines, samples, bands = int(header["lines"]), int(header["samples"]), int(header["bands"])
    wavelength = np.array(header["wavelength"], dtype=float)
    raw = np.fromfile(shared / "jasperridge" / "jasperRidge2_R198.img", dtype="<i2")
    cube = raw.reshape(lines, bands, samples).transpose(0, 2, 1) / float(header["reflectance scale factor"])
    order = np.argsort(wavelength, kind="stable")
    pixels = cube.reshape(-1, bands)[:, order]
    mean = pixels.mean(axis=0)
    u, s, vt = np.linalg.svd(pixels - mean, full_matrices=False)
    scores = (u[:, :PCA_COMPONENTS] * s[:PCA_COMPONENTS]).reshape(lines, samples, PCA_COMPONENTS)
    residual = pixels - (mean + scores.reshape(-1, PCA_COMPONENTS) @ vt[:PCA_COMPONENTS])
    log.info("Jasper Ridge PCA residual %.4f RMS reflectance", float(np.sqrt((residual**2).mean())))
    return {
        "wavelength_nm": wavelength[order].astype(np.float32),
        "mean": mean.astype(np.float32),
        "components": vt[:PCA_COMPONENTS].astype(np.float32),
        "scores": scores.astype(np.float32),
    }


def build_lab_spectra(shared: Path) -> dict[str, np.ndarray]:
    """Lab reflectance on the VSWIR grid (NaN outside a spectrum's range) and on the TIR grid."""
    out: dict[str, np.ndarray] = {"vswir_wavelength_nm": VSWIR_GRID_NM, "tir_wavelength_nm": TIR_GRID_NM}
    for name, stem in LAB_FILES.items():
        wavelength, reflectance = read_ecostress(shared / "ecostress_spectra" / f"{stem}.spectrum.txt")
        for grid, key in ((VSWIR_GRID_NM, "vswir"), (TIR_GRID_NM, "tir")):
            values = np.interp(grid, wavelength, reflectance, left=np.nan, right=np.nan)
            # Spectra measured only in part of a range are extended flat by at most 60 nm (the ASTER
            # jhu.becknic spectra start at 420 nm), otherwise left out of that range.
            near = (grid >= wavelength[0] - 60.0) & (grid <= wavelength[-1] + 60.0)
            values = np.where(near & np.isnan(values), np.interp(grid, wavelength, reflectance), values)
            if np.isfinite(values).all():
                out[f"{key}_{name}"] = values.astype(np.float32)
    return out


def build_pasadena(shared: Path) -> dict[str, np.ndarray]:
    """The real AVIRIS-NG Pasadena radiance pixels: wavelength_nm and one (425,) array per site."""
    out: dict[str, np.ndarray] = {}
    for path in sorted((shared / "isofit" / "pasadena_rdn").glob("*.txt")):
        table = np.loadtxt(path)
        out.setdefault("wavelength_nm", table[:, 0].astype(np.float32))
        out[path.stem.split("_")[-1]] = table[:, 1].astype(np.float32)
    return out


def main(argv: list[str] | None = None) -> None:
    """Write the three data files from a shared data folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path, help="the shared real-data folder (with jasperridge/, ...)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    DATA_DIR.mkdir(exist_ok=True)
    np.savez_compressed(DATA_DIR / "jasperridge_pca.npz", **build_jasperridge(args.shared))
    np.savez_compressed(DATA_DIR / "lab_spectra.npz", **build_lab_spectra(args.shared))
    np.savez_compressed(DATA_DIR / "pasadena_rdn.npz", **build_pasadena(args.shared))


if __name__ == "__main__":
    main()
