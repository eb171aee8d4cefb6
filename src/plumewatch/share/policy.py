"""Who may receive what: Traffic Light Protocol 2.0 releasability as pure functions.

TLP 2.0 (FIRST, August 2022) labels, from least to most restricted:

- ``clear``: no limit on disclosure.
- ``green``: the recipient's community, not public channels.
- ``amber``: the recipient's organisation and its clients, need to know.
- ``amber+strict``: the recipient's organisation only.
- ``red``: the named individual recipients only, no further disclosure.

An item (site, plume, product) may go to a partner iff all of these hold:

1. its label is no higher than the partner's highest permitted label;
2. ``amber+strict`` needs a partner with a named organisation (the only place it may go);
3. ``red`` goes only to a partner that is a named individual, and never in a bulk feed
   (lists, exports, TAXII collections): only as a single item asked for by id;
4. when the item has a release list, one of the partner's release codes (its country, or a
   community it belongs to such as ``NATO``) is on it — the source's extra restriction, which
   TLP 2.0 lets a source add and obliges recipients to honour;
5. when the partner is limited to areas, the item lies wholly inside one of them;
6. when the partner is limited to gases, every gas of the item is one of them (a site that also
   emits a gas the partner may not hear of is withheld whole, never redacted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plumewatch.errors import SharingError

TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")
TLP_RANK = {level: rank for rank, level in enumerate(TLP_LEVELS)}
# TLP 1.0's WHITE became CLEAR in 2.0; accept the old word from older tools and partners.
_TLP_ALIASES = {"white": "clear", "amber_strict": "amber+strict", "amber-strict": "amber+strict"}
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")

BBox = tuple[float, float, float, float]


def parse_tlp(text: str) -> str:
    """The canonical lower-case TLP 2.0 label for 'TLP:AMBER+STRICT', 'amber+strict', 'white', ..."""
    label = str(text).strip().lower()
    label = label.removeprefix("tlp:").strip()
    label = _TLP_ALIASES.get(label, label)
    if label not in TLP_RANK:
        raise SharingError(f"unknown TLP label {text!r}: use one of {', '.join(TLP_LEVELS)}")
    return label


def tlp_rank(label: str) -> int:
    """The label's place in the order clear (0) < green < amber < amber+strict < red (4)."""
    return TLP_RANK[parse_tlp(label)]


def tlp_display(label: str, release_to: Sequence[str] = ()) -> str:
    """The label as TLP 2.0 says to write it, 'TLP:AMBER+STRICT', then ' REL TO DE,FR' for a release list."""
    restricted = f" REL TO {','.join(release_to)}" if release_to else ""
    return f"TLP:{parse_tlp(label).upper()}{restricted}"


def most_restrictive(labels: Iterable[str]) -> str:
    """The highest of some labels (clear when there are none)."""
    return max((parse_tlp(label) for label in labels), key=TLP_RANK.__getitem__, default="clear")


def parse_release_codes(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """Sorted unique upper-case release codes from 'de,fr' or ['DE', 'nato']; () for none."""
    if text is None:
        return ()
    parts = text.split(",") if isinstance(text, str) else list(text)
    codes = {str(p).strip().upper() for p in parts if str(p).strip()}
    bad = sorted(c for c in codes if not _CODE.match(c))
    if bad:
        raise SharingError(
            f"bad release code(s) {', '.join(bad)}: use ISO 3166 alpha-2 country codes (DE) "
            "or community codes (NATO)"
        )
    return tuple(sorted(codes))


def parse_bbox(values: Sequence[float | str]) -> BBox:
    """A (west, south, east, north) box in degrees; west > east crosses the antimeridian."""
    if len(values) != 4:
        raise SharingError(f"a box needs 4 numbers W S E N, got {len(values)}")
    try:
        west, south, east, north = (float(v) for v in values)
    except ValueError as err:
        raise SharingError(f"a box needs 4 numbers W S E N: {err}") from None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise SharingError(f"box {west} {south} {east} {north} is not W S E N in degrees with S <= N")
    return (west, south, east, north)


@dataclass(frozen=True)
class Partner:
    """A recipient agency (or a named person in one) and the limits on what it may receive.

    ``release_codes`` are communities the partner belongs to beyond its ``country`` (e.g. NATO);
    ``areas`` and ``gases`` are empty when the partner is not limited to some.
    """

    name: str
    max_tlp: str
    country: str = ""
    organisation: str = ""
    release_codes: tuple[str, ...] = ()
    areas: tuple[BBox, ...] = ()
    gases: tuple[str, ...] = ()
    named_individual: bool = False

    def __post_init__(self) -> None:
        label = parse_tlp(self.max_tlp)
        object.__setattr__(self, "max_tlp", label)
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "release_codes", parse_release_codes(self.release_codes))
        object.__setattr__(self, "gases", tuple(sorted({g.strip().lower() for g in self.gases if g.strip()})))
        if self.country and not re.fullmatch(r"[A-Z]{2}", self.country):
            raise SharingError(
                f"partner {self.name}: country {self.country!r} is not an ISO 3166 alpha-2 code"
            )
        if label == "red" and not self.named_individual:
            raise SharingError(
                f"partner {self.name}: TLP:RED may only go to a named individual (--named-individual)"
            )
        if TLP_RANK[label] >= TLP_RANK["amber+strict"] and not self.organisation.strip():
            raise SharingError(
                f"partner {self.name}: TLP:AMBER+STRICT and above need the partner's organisation (--org)"
            )

    @property
    def codes(self) -> frozenset[str]:
        """Every release code that admits this partner: its country and its communities."""
        return frozenset(self.release_codes) | ({self.country} if self.country else set())


@dataclass(frozen=True)
class Item:
    """What policy needs to know about a site, plume or product: marking, where, which gases."""

    tlp: str
    release_to: tuple[str, ...]
    bbox: BBox
    gases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Whether an item may go to a partner, and if not the first rule that stops it."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def point_item(
    tlp: str, release_to: Sequence[str], lon_deg: float, lat_deg: float, gases: Sequence[str]
) -> Item:
    """An Item for something at one point (a site, a plume source)."""
    return Item(tlp, tuple(release_to), (lon_deg, lat_deg, lon_deg, lat_deg), tuple(gases))


def _span_inside(west: float, east: float, area_west: float, area_east: float) -> bool:
    """Whether the eastward longitude span west..east lies inside the area's span (either may wrap)."""
    if area_west == -180.0 and area_east == 180.0:
        return True
    box_wraps, area_wraps = west > east, area_west > area_east
    if not area_wraps:
        return not box_wraps and area_west <= west and east <= area_east
    if box_wraps:
        return area_west <= west and east <= area_east
    return west >= area_west or east <= area_east


def _unwrap_ends(west: float, east: float) -> tuple[float, float]:
    """A span with an end on the antimeridian, spelled without a needless wrap (180..-170 is -180..-170)."""
    if west != east:
        west = -180.0 if west == 180.0 else west
        east = 180.0 if east == -180.0 else east
    return west, east


def inside(box: BBox, area: BBox) -> bool:
    """Whether a box lies wholly inside an area (both W S E N degrees; W > E wraps the antimeridian)."""
    west, south, east, north = box
    a_west, a_south, a_east, a_north = area
    if not (a_south <= south and north <= a_north):
        return False
    a_west, a_east = _unwrap_ends(a_west, a_east)
    if west == east and abs(west) == 180.0:
        spellings = [(-180.0, -180.0), (180.0, 180.0)]  # a point on the antimeridian has two longitudes
    else:
        spellings = [_unwrap_ends(west, east)]
    return any(_span_inside(w, e, a_west, a_east) for w, e in spellings)


def decide(item: Item, partner: Partner, *, bulk: bool) -> Decision:
    """Whether ``item`` may be released to ``partner``; ``bulk`` is True for lists, exports and feeds."""
    label = parse_tlp(item.tlp)
    if TLP_RANK[label] > TLP_RANK[partner.max_tlp]:
        return Decision(False, f"{tlp_display(label)} is above the partner's {tlp_display(partner.max_tlp)}")
    if label == "amber+strict" and not partner.organisation.strip():
        return Decision(False, "TLP:AMBER+STRICT needs a recipient organisation")
    if label == "red":
        if not partner.named_individual:
            return Decision(False, "TLP:RED goes only to named individuals")
        if bulk:
            return Decision(False, "TLP:RED is never released in bulk")
    release_to = parse_release_codes(item.release_to)
    if release_to and not partner.codes & set(release_to):
        return Decision(False, f"release is limited to {','.join(release_to)}")
    if partner.areas and not any(inside(item.bbox, area) for area in partner.areas):
        return Decision(False, "outside the partner's areas")
    if partner.gases and not {g.lower() for g in item.gases} <= set(partner.gases):
        return Decision(False, "a gas outside the partner's gases")
    return Decision(True)


def releasable(item: Item, partner: Partner, *, bulk: bool) -> bool:
    """True when ``item`` may be released to ``partner`` (see the module docstring for the rules)."""
    return decide(item, partner, bulk=bulk).allowed
