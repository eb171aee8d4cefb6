"""Cursor-on-Target events of a release: one spot-map marker per site, for TAK clients.

Each site becomes a CoT 2.0 ``event`` of type ``b-m-p-s-m`` (TAK's spot map marker: a plain
annotated point on the map, not a track or a target designation), with ``how="m-i"`` (position
mensurated from imagery), the site's 1-sigma position error as ``ce``, and a remark naming the
TLP marking, gases, status and emission rate. A release with several sites is written as a stream
of events, one per line, as TAK servers exchange them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from plumewatch.share.policy import tlp_display
from plumewatch.share.release import Release, as_utc
from plumewatch.sites.records import SiteSummary

COT_TYPE = "b-m-p-s-m"
COT_HOW = "m-i"
COT_MEDIA_TYPE = "application/xml"
# TAK's stored-colour convention: signed 32-bit ARGB.
STATUS_ARGB = {"candidate": 0xFFF5A623, "confirmed": 0xFFD0021B, "dormant": 0xFF7F7F7F}
UNKNOWN_HAE_M = 9999999.0  # CoT's "unknown" value for height and linear error
DEFAULT_STALE = timedelta(days=7)
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _cot_time(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{as_utc(moment).microsecond // 1000:03d}Z"


def _signed(argb: int) -> int:
    return argb - (1 << 32) if argb >= 1 << 31 else argb


def site_event(site: SiteSummary, *, now: datetime, stale_after: timedelta = DEFAULT_STALE) -> etree._Element:
    """One site as a CoT event element (a spot-map marker with the marking in its remarks)."""
    event = etree.Element(
        "event",
        {
            "version": "2.0",
            "uid": f"plumewatch-site-{site.site_id}",
            "type": COT_TYPE,
            "time": _cot_time(now),
            "start": _cot_time(now),
            "stale": _cot_time(now + stale_after),
            "how": COT_HOW,
        },
    )
    etree.SubElement(
        event,
        "point",
        {
            "lat": f"{site.lat_deg:.7f}",
            "lon": f"{site.lon_deg:.7f}",
            "hae": f"{UNKNOWN_HAE_M:.1f}",
            "ce": f"{max(site.position_sigma_m, 0.0):.1f}",
            "le": f"{UNKNOWN_HAE_M:.1f}",
        },
    )
    detail = etree.SubElement(event, "detail")
    etree.SubElement(
        detail, "contact", {"callsign": f"{site.site_id} {'/'.join(g.upper() for g in site.gases)}"}
    )
    rate = (
        "rate unknown"
        if site.mean_emission_kg_h is None
        else (f"{site.mean_emission_kg_h:.0f} ± {site.emission_sigma_kg_h or 0:.0f} kg/h")
    )
    last = f", last seen {as_utc(site.last_seen):%Y-%m-%d}" if site.last_seen else ""
    remarks = etree.SubElement(detail, "remarks", {"source": "plumewatch", "time": _cot_time(now)})
    remarks.text = (
        f"{tlp_display(site.tlp, site.release_to)}. Emitting site {site.site_id}: {', '.join(site.gases)}, "
        f"{site.status}, {site.n_detections}/{site.n_overflights} overflights, {rate}{last}."
    )
    colour = _signed(STATUS_ARGB.get(site.status, 0xFFFFFFFF))
    etree.SubElement(detail, "color", {"argb": str(colour)})
    etree.SubElement(
        detail,
        "usericon",
        {"iconsetpath": f"COT_MAPPING_SPOTMAP/{COT_TYPE}/{colour}"},
    )
    return event


def release_events(release: Release) -> list[bytes]:
    """Each released site as one serialized CoT event: UTF-8 XML with its declaration, on one line."""
    return [XML_DECLARATION + etree.tostring(site_event(site, now=release.created)) for site in release.sites]


def release_cot(release: Release) -> bytes:
    """The release as a CoT event stream: one event per line."""
    return b"".join(event + b"\n" for event in release_events(release))
