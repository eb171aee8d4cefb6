"""Dashboard speed with 10,000 sites: catalog load into the browser, and filter-apply time.

    .venv/bin/python benchmarks/dashboard_filter.py --sites 10000 --repeats 10

Builds the dashboard tests' sample world plus ``--sites`` synthetic sites, serves it with the real
app on localhost and drives Debian's headless Chromium (Playwright). Load = key entered to map
and list drawn (all API pages fetched); filter = one status checkbox toggled until list and map
are both redrawn (the dashboard's own ``performance.now()`` probe). Prints JSON (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "dashboard"))
from dashboard_server import chromium, serve, sign_in  # noqa: E402
from dashboard_world import build_world  # noqa: E402


def measure(n_sites: int, repeats: int) -> dict:
    """Load and filter timings (ms) of the dashboard over a world with ``n_sites`` extra sites."""
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp) / "world", n_extra_sites=n_sites)
        with (
            serve(world.url, products_dir=world.products_dir, layers_dir=world.layers_dir) as base,
            chromium() as browser,
        ):
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            sign_in(page, base, world.keys["ally_de"], timeout_ms=300_000)
            for _ in range(repeats):
                page.click("input[name=status][value=confirmed]")
                page.wait_for_selector("body[data-state=ready]")
            probe = page.evaluate("window.plumewatch")
    filters = probe["filterMs"][1:]  # the first is part of the load
    return {
        "sites_in_catalog": probe["sites"],
        "load_ms": round(probe["loadMs"]),
        "filter_ms_median": round(statistics.median(filters), 1),
        "filter_ms_max": round(max(filters), 1),
        "filter_runs": len(filters),
    }


def main() -> None:
    """Parse options, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000, help="synthetic sites added (default 10000)")
    parser.add_argument("--repeats", type=int, default=10, help="filter toggles measured (default 10)")
    args = parser.parse_args()
    print(json.dumps(measure(args.sites, args.repeats), indent=2))


if __name__ == "__main__":
    main()
