"""A read-only TAXII 2.1 server: one API root, and one collection per partner holding its releasable STIX.

Each partner sees only its own collection (another partner's collection id answers 404). The
collection's objects are built on request from the catalog through the same policy as every
other release (a bulk feed: never TLP:RED), with the producer identity, extension definitions and
marking definitions they refer to. ``date_added`` of an object is its version time (``modified``),
so ``added_after`` polling returns what changed. Pagination uses an opaque ``next`` offset.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from plumewatch.api.access import audit_answer
from plumewatch.api.auth import PartnerDep, StoreDep
from plumewatch.share.policy import Partner
from plumewatch.share.release import as_utc
from plumewatch.share.stix import ID_NAMESPACE, STIX_MEDIA_TYPE, release_objects, supporting_objects, tlp_of
from plumewatch.share.store import ShareStore

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
API_ROOT = "api1"
MAX_PAGE = 1000
NOT_FOUND = {404: {"description": "not the caller's collection, or no such object"}}

router = APIRouter(prefix="/taxii2", tags=["taxii"])


class Discovery(BaseModel):
    """TAXII 2.1 discovery resource."""

    title: str
    description: str
    default: str
    api_roots: list[str]


class ApiRootInfo(BaseModel):
    """TAXII 2.1 API root resource."""

    title: str
    versions: list[str]
    max_content_length: int


class CollectionInfo(BaseModel):
    """TAXII 2.1 collection resource."""

    id: str
    title: str
    description: str
    can_read: bool
    can_write: bool
    media_types: list[str]


class Collections(BaseModel):
    """TAXII 2.1 collections resource."""

    collections: list[CollectionInfo]


class Envelope(BaseModel):
    """TAXII 2.1 envelope of STIX objects."""

    more: bool
    next: str | None = None
    objects: list[dict[str, Any]]


class ManifestEntry(BaseModel):
    """One TAXII 2.1 manifest record."""

    id: str
    date_added: str
    version: str
    media_type: str


class Manifest(BaseModel):
    """TAXII 2.1 manifest resource."""

    more: bool
    next: str | None = None
    objects: list[ManifestEntry]


class Versions(BaseModel):
    """TAXII 2.1 versions resource."""

    more: bool
    versions: list[str]


class TaxiiResponse(JSONResponse):
    """JSON with the TAXII 2.1 media type."""

    media_type = TAXII_MEDIA_TYPE

    def render(self, content) -> bytes:
        """The body as compact UTF-8 JSON."""
        return json.dumps(content, separators=(",", ":")).encode("utf-8")


def collection_id(partner: Partner) -> str:
    """The id of the partner's collection: a UUIDv5, stable across restarts."""
    return str(uuid.uuid5(ID_NAMESPACE, f"taxii-collection:{partner.name}"))


def _collection(partner: Partner) -> dict:
    return {
        "id": collection_id(partner),
        "title": f"plumewatch releases for {partner.name}",
        "description": "Emitting sites (location) and plume detections (sighting) releasable to this partner "
        "under TLP 2.0, with the markings and extension definitions they use.",
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_MEDIA_TYPE],
    }


def _timestamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _objects(store: ShareStore, partner: Partner) -> list[dict]:
    """The partner's collection: (date_added, STIX object dict), sorted by date_added then id."""
    release = store.release(partner, bulk=True)
    objects = release_objects(release)
    levels = [tlp_of(o) or "clear" for o in objects]
    everything = [json.loads(o.serialize()) for o in supporting_objects(levels) + objects]
    for obj in everything:
        obj["_added"] = _timestamp(datetime.fromisoformat(_version(obj)))
    return sorted(everything, key=lambda o: (o["_added"], o["id"]))


def _version(obj: dict) -> str:
    """The object's version: its ``modified`` time, or ``created`` for objects that are never modified."""
    return obj.get("modified") or obj["created"]


def _own_collection(partner: Partner, collection: str) -> None:
    if collection != collection_id(partner):
        raise HTTPException(404, f"no collection {collection!r}")


def _one(store: ShareStore, partner: Partner, object_id: str) -> list[dict]:
    """The collection's object with this id, as a one-object page; 404 if the caller may not receive it."""
    page = [o for o in _objects(store, partner) if o["id"] == object_id]
    if not page:
        raise HTTPException(404, f"no object {object_id!r}")
    return page


def _filtered(
    objects: list[dict], added_after: datetime | None, ids: str | None, types: str | None
) -> list[dict]:
    if added_after is not None:
        after = _timestamp(added_after)
        objects = [o for o in objects if o["_added"] > after]
    if ids:
        wanted = set(ids.split(","))
        objects = [o for o in objects if o["id"] in wanted]
    if types:
        kinds = set(types.split(","))
        objects = [o for o in objects if o["type"] in kinds]
    return objects


def _page(objects: list[dict], limit: int | None, next_: str | None) -> tuple[list[dict], bool, str | None]:
    try:
        start = int(next_) if next_ else 0
    except ValueError:
        raise HTTPException(400, f"bad next value {next_!r}") from None
    size = min(limit or MAX_PAGE, MAX_PAGE)
    page = objects[start : start + size]
    more = start + size < len(objects)
    return page, more, str(start + size) if more else None


def _body(more: bool, objects: list[dict], next_token: str | None) -> dict:
    """A TAXII envelope or manifest body: ``next`` only where there is a next page."""
    body = {"more": more, "objects": objects}
    if next_token:
        body["next"] = next_token
    return body


def _headers(page: list[dict]) -> dict[str, str]:
    if not page:
        return {}
    return {"X-TAXII-Date-Added-First": page[0]["_added"], "X-TAXII-Date-Added-Last": page[-1]["_added"]}


def _envelope(
    store: ShareStore,
    request: Request,
    partner: Partner,
    page: list[dict],
    more: bool = False,
    next_token: str | None = None,
) -> TaxiiResponse:
    """The envelope of a page of STIX objects (audited: the sites and plumes in it, with their markings)."""
    given = [(o["id"], tlp_of(o) or "") for o in page if o["type"] in ("location", "sighting")]
    audit_answer(store, request, partner.name, given, action="taxii.read")
    stix = [{k: v for k, v in o.items() if k != "_added"} for o in page]
    return TaxiiResponse(_body(more, stix, next_token), headers=_headers(page))


Limit = Annotated[int | None, Query(ge=1, le=MAX_PAGE)]
AddedAfter = Annotated[datetime | None, Query(alias="added_after")]
MatchId = Annotated[str | None, Query(alias="match[id]")]
MatchType = Annotated[str | None, Query(alias="match[type]")]
Next = Annotated[str | None, Query(alias="next", max_length=20)]


@router.get("/", response_class=TaxiiResponse, response_model=Discovery)
def discovery(partner: PartnerDep, request: Request) -> TaxiiResponse:
    """TAXII discovery: the one API root."""
    root = str(request.url_for("api_root"))
    return TaxiiResponse(
        {
            "title": "plumewatch TAXII 2.1",
            "description": "Releasable plumewatch findings.",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get(f"/{API_ROOT}/", response_class=TaxiiResponse, response_model=ApiRootInfo, name="api_root")
def api_root(partner: PartnerDep) -> TaxiiResponse:
    """The API root's information."""
    return TaxiiResponse(
        {"title": "plumewatch", "versions": [TAXII_MEDIA_TYPE], "max_content_length": 10_485_760}
    )


@router.get(f"/{API_ROOT}/collections/", response_class=TaxiiResponse, response_model=Collections)
def collections(partner: PartnerDep) -> TaxiiResponse:
    """The caller's collections: exactly one, its own."""
    return TaxiiResponse({"collections": [_collection(partner)]})


@router.get(
    f"/{API_ROOT}/collections/{{collection}}/",
    response_class=TaxiiResponse,
    response_model=CollectionInfo,
    responses=NOT_FOUND,
)
def collection(collection: str, partner: PartnerDep) -> TaxiiResponse:
    """One collection's information (404 for any but the caller's own)."""
    _own_collection(partner, collection)
    return TaxiiResponse(_collection(partner))


@router.get(
    f"/{API_ROOT}/collections/{{collection}}/objects/",
    response_class=TaxiiResponse,
    response_model=Envelope,
    responses=NOT_FOUND,
)
def get_objects(
    collection: str,
    partner: PartnerDep,
    store: StoreDep,
    request: Request,
    added_after: AddedAfter = None,
    limit: Limit = None,
    next_: Next = None,
    match_id: MatchId = None,
    match_type: MatchType = None,
) -> TaxiiResponse:
    """An envelope of the collection's objects, filtered and paged."""
    _own_collection(partner, collection)
    objects = _filtered(_objects(store, partner), added_after, match_id, match_type)
    page, more, next_token = _page(objects, limit, next_)
    return _envelope(store, request, partner, page, more, next_token)


@router.get(
    f"/{API_ROOT}/collections/{{collection}}/objects/{{object_id}}/",
    response_class=TaxiiResponse,
    response_model=Envelope,
    responses=NOT_FOUND,
)
def get_object(
    collection: str, object_id: str, partner: PartnerDep, store: StoreDep, request: Request
) -> TaxiiResponse:
    """An envelope with one object (404 if the caller may not receive it)."""
    _own_collection(partner, collection)
    return _envelope(store, request, partner, _one(store, partner, object_id))


@router.get(
    f"/{API_ROOT}/collections/{{collection}}/objects/{{object_id}}/versions/",
    response_class=TaxiiResponse,
    response_model=Versions,
    responses=NOT_FOUND,
)
def object_versions(collection: str, object_id: str, partner: PartnerDep, store: StoreDep) -> TaxiiResponse:
    """The versions held of one object: the current one only."""
    _own_collection(partner, collection)
    page = _one(store, partner, object_id)
    return TaxiiResponse({"more": False, "versions": [_version(page[0])]}, headers=_headers(page))


@router.get(
    f"/{API_ROOT}/collections/{{collection}}/manifest/",
    response_class=TaxiiResponse,
    response_model=Manifest,
    responses=NOT_FOUND,
)
def manifest(
    collection: str,
    partner: PartnerDep,
    store: StoreDep,
    added_after: AddedAfter = None,
    limit: Limit = None,
    next_: Next = None,
    match_id: MatchId = None,
    match_type: MatchType = None,
) -> TaxiiResponse:
    """Manifest entries (id, date added, version, media type) of the collection's objects."""
    _own_collection(partner, collection)
    objects = _filtered(_objects(store, partner), added_after, match_id, match_type)
    page, more, next_token = _page(objects, limit, next_)
    entries = [
        {"id": o["id"], "date_added": o["_added"], "version": _version(o), "media_type": STIX_MEDIA_TYPE}
        for o in page
    ]
    return TaxiiResponse(_body(more, entries, next_token), headers=_headers(page))
