"""Screenshots of the real dashboard for docs/dashboard.md (docs/figures/dashboard-*.png).

Builds the dashboard tests' sample world in a temporary folder, serves it with the real app and
drives Debian's headless Chromium through Playwright:

    .venv/bin/python docs/figures/make_dashboard_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))
from dashboard_server import chromium, serve, sign_in  # noqa: E402
from dashboard_world import build_world  # noqa: E402

OUT = Path(__file__).resolve().parent
VIEWPORT = {"width": 1400, "height": 860}


def main() -> None:
    """Write the four dashboard screenshots next to this script."""
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp) / "world")
        with serve(world.url, products_dir=world.products_dir, layers_dir=world.layers_dir) as base, \
                chromium() as browser:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            sign_in(page, base, world.keys["analyst"])
            page.locator("img.enhancement").first.wait_for()
            page.wait_for_timeout(500)
            site_id = world.site_ids["wellpad"]
            point = page.evaluate(f"window.plumewatch.sitePoint('{site_id}')")
            box = page.locator("#map").bounding_box()
            page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
            page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
            page.wait_for_timeout(300)
            page.screenshot(path=OUT / "dashboard-map.png")

            page.select_option("select[name=gas]", "ch4")
            page.click("#draw-area")
            page.mouse.move(box["x"] + point["x"] - 40, box["y"] + point["y"] - 40)
            page.mouse.down()
            page.mouse.move(box["x"] + point["x"] + 200, box["y"] + point["y"] + 170, steps=8)
            page.mouse.up()
            page.wait_for_selector("body[data-state=ready]")
            page.wait_for_timeout(300)
            page.screenshot(path=OUT / "dashboard-filter.png")

            partner = browser.new_context(viewport=VIEWPORT).new_page()
            sign_in(partner, base, world.keys["ally_de"])
            partner.click(f".site-row[data-site-id={world.site_ids['compressor']}] .open-site")
            partner.wait_for_selector("body[data-state=site]")
            partner.locator(".plume-card img").first.wait_for()
            partner.wait_for_timeout(800)
            partner.screenshot(path=OUT / "dashboard-site.png", full_page=True)

            green = browser.new_context(viewport=VIEWPORT).new_page()
            sign_in(green, base, world.keys["ally_fr"])
            green.wait_for_timeout(500)
            green.screenshot(path=OUT / "dashboard-partner.png")
    for name in ("map", "filter", "site", "partner"):
        print(OUT / f"dashboard-{name}.png")


if __name__ == "__main__":
    main()
