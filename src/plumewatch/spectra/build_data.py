"""Rebuild the shipped spectral data from the team's copy of the public sources (a developer tool).

    python -m plumewatch.spectra.build_data /path/to/shared/data

Every file under ``spectra/data`` is either copied byte for byte or cut from a
source file by the rules below (a wavenumber range and an intensity floor for
HITRAN records, a wavelength range for the solar spectrum); NOTICE.md names the
sources. Nothing at run time reads the source folder.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import shutil
from pathlib import Path

from plumewatch.atomic import atomic_path

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"

# Lines weaker than this cannot reach an optical depth of 1e-3 at line centre even for
# the water column of a humid atmosphere seen twice (~1e23 molecule cm-2 over a
# 0.07 cm-1 Lorentz width), so they are left out to keep the files small.
MIN_INTENSITY_CM_MOLECULE = 1e-27

COPIES = {
    "mag1c/ch4.hdr": "mag1c_ch4.hdr",
    "mag1c/ch4.lut": "mag1c_ch4.lut",
    "srcfinder/ang_ch4_unit_3col_425chan.txt": "srcfinder_ang_ch4_unit_3col_425chan.txt",
    "isofit/wavelengths.txt": "avirisng_wavelengths.txt",
    "isofit/avirisng_noise.txt": "avirisng_noise.txt",
    "isofit/hytes_wavelengths.txt": "hytes_wavelengths.txt",
    "emit/EMIT_Wavelengths_20220817.txt": "emit_wavelengths.txt",
    "emit/emit_noise.txt": "emit_noise.txt",
}

# (output, sources, lowest and highest line centre in cm-1)
LINE_SUBSETS = [
    (
        "hitran_h2o_3875-5405cm.par.gz",
        [
            "gases/swir/H2O/CrossSection_H2O_3400-4100cm.par",
            "gases/swir/H2O/IMAP_DOAS_H2O_4081-4545cm.par",
            "gases/swir/H2O/IMAP_DOAS_H2O_4545-5405cm.par",
        ],
        3875.0,
        5405.5,
    ),
    ("hitran_co2_4950-5050cm.par.gz", ["gases/swir/CO2/Hapi_GUI_CO2_4950-5050cm.par"], 4950.0, 5050.5),
    ("hitran_ch4_3875-4100cm.par.gz", ["gases/swir/CH4/CrossSection_CH4_3400-4100cm.par"], 3875.0, 4100.0),
    (
        "hitran_ch4_4383-4386cm.par.gz",
        ["gases/swir/CH4/methane_simulations_CH4_4383-4386cm.par"],
        4383.0,
        4386.0,
    ),
]

# NIST Quant-IR spectra (decadic absorbance per ppm·m), gzipped byte for byte.
QUANT_IR = {
    "acetone": "gases/acetone/nist_acetone.jdx",
    "dichloromethane": "gases/dichloromethane/nist_dichloromethane.jdx",
    "chloroform": "gases/chloroform/nist_chloroform.jdx",
    "ethyl_acetate": "gases/ethyl_acetate/nist_ethyl_acetate.jdx",
    "isopropanol": "gases/isopropanol/nist_isopropyl_alcohol.jdx",
    "mek": "gases/MEK/nist_2-butanone.jdx",
    "acetonitrile": "gases/acetonitrile/nist_acetonitrile.jdx",
    "cfc-12": "gases/CFC-12/nist_dichlorodifluoromethane.jdx",
    "sf6": "gases/SF6/nist_sulphur_hexafluoride.jdx",
}
EXTRA_GZ = {
    "gases/acetone/CH3COCH3_233.4_375.2_700.0-1780.0_13.xsc": "hitran_xsc_acetone_233K.xsc.gz",
    # Coblentz transmittance of unstated scale: spectra/scaled.py gives it a published band strength
    "gases/NH3/nist_ammonia.jdx": "nist_coblentz_nh3.jdx.gz",
}

SOLAR = ("isofit/kurucz_0.1nm.dat", "kurucz_350-2600nm.dat.gz", 350.0, 2600.0)


def build(shared: Path, out: Path = DATA_DIR) -> None:
    """Write every derived data file into ``out`` from the source folder ``shared``."""
    out.mkdir(parents=True, exist_ok=True)
    for src, dst in COPIES.items():
        with atomic_path(out / dst) as tmp:
            shutil.copyfile(shared / src, tmp)
    gz_copies = {src: f"nist_quantir_{gas}.jdx.gz" for gas, src in QUANT_IR.items()} | EXTRA_GZ
    for src, dst in gz_copies.items():
        _write_gzip(out / dst, (shared / src).read_bytes())
    for dst, sources, lo, hi in LINE_SUBSETS:
        kept = _line_subset([shared / s for s in sources], lo, hi)
        _write_gzip(out / dst, "".join(kept).encode("ascii"))
        log.info("%s: %d lines", dst, len(kept))
    src, dst, lo, hi = SOLAR
    with open(shared / src, encoding="ascii") as fh:
        rows = [r for r in fh if r.startswith("#") or (r.strip() and lo <= float(r.split()[0]) <= hi)]
    _write_gzip(out / dst, "".join(r.rstrip() + "\n" for r in rows).encode("ascii"))
    for path in sorted((shared / "isofit" / "pasadena_rdn").glob("*.txt")):
        dst_dir = out / "pasadena_rdn"
        dst_dir.mkdir(exist_ok=True)
        with atomic_path(dst_dir / path.name) as tmp:
            shutil.copyfile(path, tmp)
    for path in out.rglob("*"):
        # mkstemp creates owner-only files; package data must be world-readable
        path.chmod(0o755 if path.is_dir() else 0o644)


def _write_gzip(path: Path, payload: bytes) -> None:
    """Gzip ``payload`` to ``path`` with no name or time in the header, so rebuilds are byte-identical."""
    with (
        atomic_path(path) as tmp,
        open(tmp, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh,
    ):
        fh.write(payload)


def _line_subset(paths: list[Path], lo_cm: float, hi_cm: float) -> list[str]:
    """HITRAN records within [lo, hi] cm-1 above the intensity floor, each record once, sorted."""
    seen: dict[tuple[str, str], str] = {}
    for path in paths:
        with open(path, encoding="ascii") as fh:
            for record in fh:
                if len(record.rstrip("\n")) < 100:
                    continue
                nu, strength = float(record[3:15]), float(record[15:25])
                if lo_cm <= nu <= hi_cm and strength >= MIN_INTENSITY_CM_MOLECULE:
                    # the same transition appears in two overlapping source files
                    seen.setdefault((record[3:15], record[15:25]), record.rstrip("\n") + "\n")
    return [seen[k] for k in sorted(seen, key=lambda k: float(k[0]))]


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: rebuild the data folder from a source folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path, help="folder holding the public source files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.shared)


if __name__ == "__main__":
    main()
