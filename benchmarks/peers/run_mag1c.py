"""Run mag1c 1.2.0's own command line unchanged, in the peer environment, and save its result as .npy.

Usage (bench interpreter): python run_mag1c.py OUT.npy -- <mag1c arguments, --out OUTFILE last>
mag1c 1.2.0 still calls ``np.int``, which NumPy 2 removed; restoring that one alias is the only
compatibility shim. mag1c's code and algorithm are untouched.
"""

from __future__ import annotations

import sys
import time

import numpy as np

np.int = int  # type: ignore[attr-defined]


def main() -> None:
    """Run mag1c with the arguments after ``--``, then write its matched-filter band (ppm·m) to OUT.npy."""
    import spectral
    from mag1c.mag1c import main as mag1c_main

    npy, args = sys.argv[1], sys.argv[sys.argv.index("--") + 1 :]
    out = args[args.index("--out") + 1]
    sys.argv = ["mag1c", *args]
    started = time.perf_counter()
    mag1c_main()
    elapsed = time.perf_counter() - started
    result = spectral.io.envi.open(out + ".hdr", out)
    band = next(
        i for i, name in enumerate(result.metadata["band names"]) if name.startswith("Matched Filter")
    )
    np.save(npy, np.asarray(result.open_memmap(interleave="bip")[:, :, band], dtype=np.float32))
    print(f"mag1c_seconds {elapsed:.3f}")


if __name__ == "__main__":
    main()
