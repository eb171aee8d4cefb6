"""TLP 2.0 releasability: every rule, checked against an independent reading and as properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumewatch.errors import SharingError
from plumewatch.share.policy import (
    TLP_LEVELS,
    Item,
    Partner,
    decide,
    inside,
    most_restrictive,
    parse_bbox,
    parse_release_codes,
    parse_tlp,
    point_item,
    releasable,
    tlp_display,
    tlp_rank,
)

CODES = ["DE", "FR", "US", "GB", "NATO", "EU"]
GASES = ["ch4", "co2", "nh3"]

levels = st.sampled_from(TLP_LEVELS)
codes = st.lists(st.sampled_from(CODES), max_size=3, unique=True).map(tuple)
gas_sets = st.lists(st.sampled_from(GASES), max_size=3, unique=True).map(tuple)
lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)


@st.composite
def boxes(draw):
    south = draw(lats)
    north = draw(st.floats(south, 90, allow_nan=False))
    return (draw(lons), south, draw(lons), north)


@st.composite
def partners(draw):
    max_tlp = draw(levels)
    named = draw(st.booleans()) or max_tlp == "red"
    org = draw(st.sampled_from(["", "Agency"]))
    if tlp_rank(max_tlp) >= tlp_rank("amber+strict"):
        org = "Agency"
    return Partner(
        name="p",
        max_tlp=max_tlp,
        country=draw(st.sampled_from(["", "DE", "FR", "US"])),
        organisation=org,
        release_codes=draw(st.lists(st.sampled_from(["NATO", "EU"]), max_size=2, unique=True).map(tuple)),
        areas=tuple(draw(st.lists(boxes(), max_size=2))),
        gases=draw(gas_sets),
        named_individual=named,
    )


@st.composite
def items(draw):
    return point_item(draw(levels), draw(codes), draw(lons), draw(lats), draw(gas_sets))


def in_box_oracle(lon, lat, box):
    """Point-in-box by enumerating the two cases: a plain box, and one across the antimeridian."""
    west, south, east, north = box
    if not south <= lat <= north:
        return False
    if west == -180 and east == 180:
        return True
    if west <= east:
        return west <= lon <= east or (lon == -180 and east == 180) or (lon == 180 and west == -180)
    return lon >= west or lon <= east


def oracle(item, partner, bulk):
    """The rules as the TLP 2.0 standard and the issue state them, written out independently."""
    order = ["clear", "green", "amber", "amber+strict", "red"]
    if order.index(item.tlp) > order.index(partner.max_tlp):
        return False
    if item.tlp == "red" and (bulk or not partner.named_individual):
        return False
    if item.release_to:
        admitted = set(partner.release_codes) | ({partner.country} if partner.country else set())
        if not admitted & set(item.release_to):
            return False
    if partner.areas and not any(in_box_oracle(item.bbox[0], item.bbox[1], a) for a in partner.areas):
        return False
    return not (partner.gases and not set(item.gases) <= set(partner.gases))


@given(item=items(), partner=partners(), bulk=st.booleans())
def test_decision_matches_independent_reading(item, partner, bulk):
    assert releasable(item, partner, bulk=bulk) == oracle(item, partner, bulk)


@given(item=items(), partner=partners())
def test_red_is_never_released_in_bulk(item, partner):
    red = Item("red", item.release_to, item.bbox, item.gases)
    assert not releasable(red, partner, bulk=True)


@given(item=items(), partner=partners(), bulk=st.booleans())
def test_nothing_above_the_partner_level(item, partner, bulk):
    if tlp_rank(item.tlp) > tlp_rank(partner.max_tlp):
        decision = decide(item, partner, bulk=bulk)
        assert not decision
        assert "above" in decision.reason


@given(item=items(), partner=partners(), bulk=st.booleans())
def test_single_item_is_never_stricter_than_bulk(item, partner, bulk):
    if releasable(item, partner, bulk=True):
        assert releasable(item, partner, bulk=False)


@given(item=items(), partner=partners(), extra=st.sampled_from(CODES))
def test_adding_a_release_restriction_never_widens(item, partner, extra):
    restricted = Item(item.tlp, (extra,), item.bbox, item.gases)
    if releasable(restricted, partner, bulk=False):
        assert extra in partner.codes


@given(item=items(), partner=partners(), bulk=st.booleans())
def test_raising_the_partner_level_never_hides_anything(item, partner, bulk):
    if not releasable(item, partner, bulk=bulk):
        return
    for higher in TLP_LEVELS[tlp_rank(partner.max_tlp) :]:
        raised = Partner(
            name=partner.name,
            max_tlp=higher,
            country=partner.country,
            organisation="Agency",
            release_codes=partner.release_codes,
            areas=partner.areas,
            gases=partner.gases,
            named_individual=partner.named_individual or higher == "red",
        )
        assert releasable(item, raised, bulk=bulk)


@pytest.mark.parametrize(
    ("item_tlp", "partner_tlp", "allowed"),
    [
        ("clear", "clear", True),
        ("green", "clear", False),
        ("green", "green", True),
        ("amber", "green", False),
        ("amber", "amber", True),
        ("amber+strict", "amber", False),
        ("amber+strict", "amber+strict", True),
        ("red", "amber+strict", False),
        ("amber", "red", True),
    ],
)
def test_label_order(item_tlp, partner_tlp, allowed):
    partner = Partner("p", partner_tlp, organisation="Agency", named_individual=True)
    assert releasable(point_item(item_tlp, (), 0, 0, ()), partner, bulk=True) is allowed


def test_red_only_to_a_named_individual_asking_for_one_item():
    person = Partner("analyst", "red", organisation="Agency", named_individual=True)
    red = point_item("red", (), 0, 0, ("ch4",))
    assert releasable(red, person, bulk=False)
    assert decide(red, person, bulk=True).reason == "TLP:RED is never released in bulk"


def test_release_list_admits_country_or_community():
    item = point_item("green", ("NATO",), 5, 50, ())
    assert releasable(item, Partner("a", "green", country="DE", release_codes=("nato",)), bulk=True)
    assert not releasable(item, Partner("b", "green", country="DE"), bulk=True)
    assert releasable(point_item("green", ("DE",), 5, 50, ()), Partner("c", "green", country="de"), bulk=True)


def test_area_and_gas_limits():
    partner = Partner("p", "amber", areas=((170.0, -10.0, -170.0, 10.0),), gases=("CH4",))
    assert releasable(point_item("amber", (), 179.5, 0, ("ch4",)), partner, bulk=True)
    assert releasable(point_item("amber", (), -175, 0, ("ch4",)), partner, bulk=True)
    assert not releasable(point_item("amber", (), 0, 0, ("ch4",)), partner, bulk=True)
    assert not releasable(point_item("amber", (), 179.5, 0, ("ch4", "nh3")), partner, bulk=True)


@given(lon=lons, lat=lats, area=boxes())
def test_point_inside_matches_oracle(lon, lat, area):
    assert inside((lon, lat, lon, lat), area) == in_box_oracle(lon, lat, area)


def test_box_inside_box():
    assert inside((1, 1, 2, 2), (0, 0, 3, 3))
    assert not inside((1, 1, 4, 2), (0, 0, 3, 3))
    assert inside((175, 0, -175, 1), (170, -1, -170, 2))
    assert not inside((175, 0, -165, 1), (170, -1, -170, 2))


@given(level=levels)
def test_labels_round_trip(level):
    assert parse_tlp(tlp_display(level)) == level
    assert parse_tlp(level.upper()) == level


def test_label_spellings_and_errors():
    assert parse_tlp(" TLP:White ") == "clear"
    assert parse_tlp("amber_strict") == "amber+strict"
    assert most_restrictive(["green", "TLP:RED", "amber"]) == "red"
    assert most_restrictive([]) == "clear"
    with pytest.raises(SharingError, match="unknown TLP label"):
        parse_tlp("purple")


def test_release_codes_and_boxes():
    assert parse_release_codes("de, fr,DE") == ("DE", "FR")
    assert parse_release_codes(None) == ()
    with pytest.raises(SharingError, match="bad release code"):
        parse_release_codes("d e")
    assert parse_bbox(["1", "2", "3", "4"]) == (1.0, 2.0, 3.0, 4.0)
    with pytest.raises(SharingError):
        parse_bbox([1, 5, 3, 4])
    with pytest.raises(SharingError):
        parse_bbox([1, 2, 3])


def test_partner_validation():
    with pytest.raises(SharingError, match="named individual"):
        Partner("p", "red", organisation="Agency")
    with pytest.raises(SharingError, match="organisation"):
        Partner("p", "amber+strict")
    with pytest.raises(SharingError, match="alpha-2"):
        Partner("p", "green", country="DEU")
