"""The committed bundle: built from the current frontend sources, complete, with licence notices."""

import hashlib
import json
from pathlib import Path

from plumewatch.api.dashboard.mount import STATIC_DIR

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def sources_digest(root: Path) -> str:
    """The digest frontend/build.mjs writes: each source path and its bytes, in path order."""
    files = [p for d in ("src", "licences") for p in (root / d).rglob("*") if p.is_file()]
    files += [root / name for name in ("build.mjs", "package.json", "package-lock.json")]
    digest = hashlib.sha256()
    for path in sorted(p.relative_to(root).as_posix() for p in files):
        digest.update(f"{path}\0".encode())
        digest.update((root / path).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_bundle_was_built_from_the_current_sources():
    info = json.loads((STATIC_DIR / "build-info.json").read_text())
    assert info["sources_sha256"] == sources_digest(FRONTEND), "run `make dashboard` and commit the bundle"


def test_bundle_has_its_files_and_a_notice_for_every_bundled_package():
    for name in ("index.html", "app.js", "app.css", "basemap-countries-50m.json", "THIRD_PARTY_NOTICES.txt"):
        assert (STATIC_DIR / name).stat().st_size > 0, name
    info = json.loads((STATIC_DIR / "build-info.json").read_text())
    notices = (STATIC_DIR / "THIRD_PARTY_NOTICES.txt").read_text()
    assert {"leaflet", "world-atlas", "topojson-client"} <= set(info["packages"])
    for package, version in info["packages"].items():
        assert f"{package} {version} (" in notices, package


def test_index_loads_only_files_of_the_bundle():
    html = (STATIC_DIR / "index.html").read_text()
    assert 'src="app.js"' in html and 'href="app.css"' in html
    assert "http://" not in html and "https://" not in html


def test_basemap_is_natural_earth_countries_topojson():
    topology = json.loads((STATIC_DIR / "basemap-countries-50m.json").read_text())
    assert topology["type"] == "Topology"
    assert len(topology["objects"]["countries"]["geometries"]) > 200
