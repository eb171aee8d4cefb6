"""KML 2.2 and KMZ of a release (fastkml): site placemarks with a time span, plume outlines with a time stamp.

The document names its TLP marking in the title and in each placemark's description, because
Google Earth and similar viewers show no other metadata by default.
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import datetime

import pygeoif
from fastkml import containers, data, features, kml, styles, times
from PIL import Image, ImageDraw
from shapely import wkt

from plumewatch.share.policy import tlp_display
from plumewatch.share.release import Release, as_utc
from plumewatch.sites.records import PlumeRecord, SiteSummary

KML_MEDIA_TYPE = "application/vnd.google-earth.kml+xml"
KMZ_MEDIA_TYPE = "application/vnd.google-earth.kmz"
# KML colours are aabbggrr.
STATUS_KML_COLOURS = {"candidate": "ff23a6f5", "confirmed": "ff1b02d0", "dormant": "ff7f7f7f"}
PLUME_KML_COLOUR = "ff00d7ff"
# Viewers tint a white icon with IconStyle's colour. Plain KML points at Google Earth's stock icon;
# KMZ carries its own, so a viewer with no internet connection still draws the sites.
ONLINE_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
KMZ_ICON = "files/site.png"


def _when(moment: datetime) -> times.KmlDateTime:
    return times.KmlDateTime(as_utc(moment))


def _styles(icon_href: str) -> list[styles.Style]:
    site_styles = [
        styles.Style(
            id=f"site-{status}",
            styles=[
                styles.IconStyle(color=colour, scale=1.1, icon=styles.Icon(href=icon_href)),
                styles.LabelStyle(scale=0.8),
            ],
        )
        for status, colour in STATUS_KML_COLOURS.items()
    ]
    plume_style = styles.Style(
        id="plume",
        styles=[
            styles.LineStyle(color=PLUME_KML_COLOUR, width=2.0),
            styles.PolyStyle(color="6600d7ff"),
        ],
    )
    return [*site_styles, plume_style]


def _extended(values: dict) -> data.ExtendedData:
    return data.ExtendedData(
        elements=[
            data.Data(name=key, value="" if value is None else str(value)) for key, value in values.items()
        ]
    )


def site_placemark(site: SiteSummary) -> features.Placemark:
    """A site as a point placemark, spanning the time from first to last detection."""
    span = None
    if site.first_seen and site.last_seen:
        span = times.TimeSpan(begin=_when(site.first_seen), end=_when(site.last_seen))
    rate = (
        "unknown"
        if site.mean_emission_kg_h is None
        else (f"{site.mean_emission_kg_h:.0f} ± {site.emission_sigma_kg_h or 0:.0f} kg/h")
    )
    description = (
        f"<p><b>{html.escape(tlp_display(site.tlp))}</b></p>"
        f"<p>{html.escape(site.status)}: {html.escape(site.status_reason)}</p>"
        f"<p>Gases: {html.escape(', '.join(site.gases))}; seen in {site.n_detections} of "
        f"{site.n_overflights} overflights; mean emission {html.escape(rate)}</p>"
    )
    return features.Placemark(
        id=f"site-{site.site_id}",
        name=site.site_id,
        description=description,
        times=span,
        style_url=styles.StyleUrl(
            url=f"#site-{site.status if site.status in STATUS_KML_COLOURS else 'candidate'}"
        ),
        extended_data=_extended(
            {
                "tlp": tlp_display(site.tlp),
                "release_to": ",".join(site.release_to),
                "status": site.status,
                "gases": ",".join(site.gases),
                "n_detections": site.n_detections,
                "n_overflights": site.n_overflights,
                "mean_emission_kg_h": site.mean_emission_kg_h,
                "emission_sigma_kg_h": site.emission_sigma_kg_h,
                "position_sigma_m": site.position_sigma_m,
            }
        ),
        geometry=pygeoif.Point(site.lon_deg, site.lat_deg),
    )


def plume_placemark(plume: PlumeRecord) -> features.Placemark:
    """A plume as its outline polygon (its source point when no outline is stored), stamped with its time."""
    outline = wkt.loads(plume.outline_wkt) if plume.outline_wkt else None
    if outline is not None and outline.geom_type == "Polygon" and not outline.is_empty:
        geometry = pygeoif.Polygon(list(outline.exterior.coords), [list(r.coords) for r in outline.interiors])
    else:
        geometry = pygeoif.Point(plume.source_lon_deg, plume.source_lat_deg)
    rate = (
        "unknown"
        if plume.emission_kg_h is None
        else (f"{plume.emission_kg_h:.0f} ± {plume.emission_sigma_kg_h or 0:.0f} kg/h")
    )
    description = (
        f"<p><b>{html.escape(tlp_display(plume.tlp))}</b></p>"
        f"<p>{html.escape(plume.gas.upper())} plume of site {html.escape(plume.site_id)} in "
        f"{html.escape(plume.scene_name)}: peak {plume.max_ppmm:.0f} ppm·m, emission {html.escape(rate)}</p>"
    )
    return features.Placemark(
        id=f"plume-{plume.plume_id}",
        name=f"{plume.gas.upper()} {plume.plume_id}",
        description=description,
        times=times.TimeStamp(timestamp=_when(plume.time)),
        style_url=styles.StyleUrl(url="#plume"),
        extended_data=_extended(
            {
                "tlp": tlp_display(plume.tlp),
                "site_id": plume.site_id,
                "gas": plume.gas,
                "max_ppmm": plume.max_ppmm,
                "emission_kg_h": plume.emission_kg_h,
                "emission_sigma_kg_h": plume.emission_sigma_kg_h,
            }
        ),
        geometry=geometry,
    )


def release_kml(release: Release, *, icon_href: str = ONLINE_ICON) -> str:
    """The release as a KML 2.2 document (text)."""
    document = containers.Document(
        name=f"plumewatch release to {release.partner} — {tlp_display(release.tlp)}",
        description=(
            f"Released {release.created:%Y-%m-%d %H:%M} UTC, marked {tlp_display(release.tlp)} as a "
            "whole; each item carries its own marking."
        ),
        styles=_styles(icon_href),
        features=[
            containers.Folder(name="Sites", features=[site_placemark(s) for s in release.sites]),
            containers.Folder(name="Plumes", features=[plume_placemark(p) for p in release.plumes]),
        ],
    )
    return kml.KML(features=[document]).to_string(prettyprint=True)


def site_icon_png(size_px: int = 32) -> bytes:
    """PNG bytes of a white disc with a dark rim, for viewers to tint per status."""
    image = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse(
        (2, 2, size_px - 3, size_px - 3), fill=(255, 255, 255, 255), outline=(40, 40, 40, 255), width=2
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def release_kmz(release: Release) -> bytes:
    """The release as KMZ: a zip holding doc.kml first, and the site icon it uses."""
    stamp = release.created.timetuple()[:6]  # same release, same bytes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("doc.kml", stamp),
            release_kml(release, icon_href=KMZ_ICON).encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo(KMZ_ICON, stamp), site_icon_png(), compress_type=zipfile.ZIP_DEFLATED
        )
    return buffer.getvalue()
