"""How the fake Hub presents models: listing filters, keyset cursors, and response shapes.

Shapes follow what the Hub sends (REPORT.md section 2 and the recorded bodies):

- listing, no options: ``_id id likes trendingScore private downloads tags pipeline_tag
  library_name createdAt modelId``;
- ``expand``/``expand[]``: ``_id``, ``id`` and exactly the requested properties the model has;
- ``full=true``: every property except ``config`` and ``cardData`` (add them with
  ``config=true`` / ``cardData=true``) and the expand-only ones but ``trendingScore``;
- model info, no expand: every stored property except the expand-only ones.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.hubsim.store import SORTS, HubStore, SortKey, trending_score


class BadRequest(ValueError):
    """The query is one the Hub would answer with HTTP 400."""


# fmt: off
DEFAULT_LIST_FIELDS: tuple[str, ...] = (
    "_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name",
    "createdAt", "modelId",
)

# Accepted by ``expand`` (huggingface_hub's ExpandModelProperty_T, plus ``xetEnabled``, which the
# Hub's own 400 message lists). ``_id`` is not one of them: the Hub always sends it.
EXPAND_PROPERTIES: frozenset[str] = frozenset({
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping",
    "lastModified", "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private",
    "resourceGroup", "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo",
    "trendingScore", "usedStorage", "widgetData", "xetEnabled",
})
# fmt: on

# The Hub leaves these out of the default model-info body; they come only when expanded.
EXPAND_ONLY: frozenset[str] = frozenset(
    {"trendingScore", "downloadsAllTime", "childrenModelCount", "baseModels", "inferenceProviderMapping"}
)

# Real filters the Hub applies that this server does not implement: refusing them is better than
# returning an unfiltered listing that a test would mistake for a filtered one.
UNSUPPORTED_FILTERS: frozenset[str] = frozenset(
    {"apps", "inference", "inference_provider", "num_parameters", "emissions_thresholds"}
)

DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ListingQuery:
    """A parsed ``GET /api/models`` query."""

    search: str | None = None
    author: str | None = None
    filters: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    gated: bool | None = None
    sort: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None
    expand: tuple[str, ...] | None = None
    full: bool = False
    card_data: bool = False
    config: bool = False


def _flag(values: Sequence[str] | None) -> bool:
    return bool(values) and values[-1].strip().lower() in ("true", "1")


def parse_expand(query: Mapping[str, Sequence[str]]) -> tuple[str, ...] | None:
    """The ``expand`` / ``expand[]`` properties of a query, None when absent.

    Raises:
        BadRequest: an unknown property, as the Hub refuses them.
    """
    if "expand" not in query and "expand[]" not in query:
        return None
    props = tuple(dict.fromkeys([*query.get("expand", ()), *query.get("expand[]", ())]))
    unknown = [p for p in props if p not in EXPAND_PROPERTIES]
    if unknown:
        raise BadRequest(
            f"Invalid expand value {unknown[0]!r}; expected one of: {', '.join(sorted(EXPAND_PROPERTIES))}"
        )
    return props


def parse_listing_query(query: Mapping[str, Sequence[str]], *, page_size_max: int) -> ListingQuery:
    """Turn query-string values (as ``urllib.parse.parse_qs`` gives them) into a ListingQuery.

    Raises:
        BadRequest: a value the Hub would refuse, or a filter this server does not implement.
    """

    def last(name: str) -> str | None:
        values = query.get(name)
        return values[-1] if values else None

    unsupported = sorted(UNSUPPORTED_FILTERS.intersection(query))
    if unsupported:
        raise BadRequest(f"catalog.hubsim.server does not implement the {unsupported[0]!r} filter")
    sort = last("sort") or None
    if last("direction") not in (None, "-1"):
        raise BadRequest("catalog.hubsim.server sorts descending only, as the Hub does: direction must be -1")
    if sort is not None and sort not in SORTS:
        raise BadRequest(f"Invalid sort {sort!r}; expected one of: {', '.join(SORTS)}")
    limit = DEFAULT_PAGE_SIZE
    if (raw_limit := last("limit")) is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise BadRequest(f"Invalid limit {raw_limit!r}: expected a positive integer") from None
        if limit < 1:
            raise BadRequest(f"Invalid limit {raw_limit!r}: expected a positive integer")
    gated = last("gated")
    return ListingQuery(
        search=last("search") or None,
        author=last("author") or None,
        filters=tuple(query.get("filter", ())),
        pipeline_tag=last("pipeline_tag") or None,
        gated=None if gated is None else gated.strip().lower() in ("true", "1"),
        sort=sort,
        limit=min(limit, page_size_max),
        cursor=last("cursor"),
        expand=parse_expand(query),
        full=_flag(query.get("full")),
        card_data=_flag(query.get("cardData")),
        config=_flag(query.get("config")),
    )


def matches(model: dict[str, Any], q: ListingQuery) -> bool:
    """Whether the Hub's filters in ``q`` keep ``model``."""
    if q.search is not None and q.search.lower() not in model["id"].lower():
        return False
    if q.author is not None and str(model.get("author", "")).lower() != q.author.lower():
        return False
    if q.pipeline_tag is not None and model.get("pipeline_tag") != q.pipeline_tag:
        return False
    if q.gated is not None and (model.get("gated") not in (False, None)) != q.gated:
        return False
    tags = model.get("tags") if isinstance(model.get("tags"), list) else []
    return all(f in tags or f in (model.get("pipeline_tag"), model.get("library_name")) for f in q.filters)


# --- cursors -------------------------------------------------------------------------------------
# A cursor names the last item of a page by its sort key and id (keyset pagination), so it stays
# valid across server restarts and continues correctly when models are added or removed between
# pages: the next page starts right after that position, whatever is there now.


def encode_cursor(sort: str | None, key: SortKey, repo_id: str) -> str:
    """An opaque cursor for the position just after ``(key, repo_id)`` in ``sort`` order."""
    raw = json.dumps({"s": sort, "k": key, "i": repo_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str | None) -> tuple[SortKey, str]:
    """The ``(key, id)`` a cursor points after.

    Raises:
        BadRequest: garbage, or a cursor made for another sort order.
    """
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key, repo_id, cursor_sort = data["k"], data["i"], data["s"]
    except (ValueError, TypeError, KeyError):
        raise BadRequest("Invalid cursor") from None
    expected_type = SORTS[sort][1] if sort is not None else None
    well_formed = (
        isinstance(repo_id, str)
        and isinstance(key, list)
        and len(key) == 2
        and (key == [0, 0] or (key[0] == 1 and expected_type is not None and type(key[1]) is expected_type))
    )
    if not well_formed or cursor_sort != sort:
        raise BadRequest("Invalid cursor")
    return key, repo_id


def _after(row: tuple[SortKey, str, Any], key: SortKey, repo_id: str) -> bool:
    # Rows run key descending, then id ascending.
    return row[0] < key or (row[0] == key and row[1] > repo_id)


def page(store: HubStore, q: ListingQuery) -> tuple[list[dict[str, Any]], str | None]:
    """One page of matching models (stored dicts) and the cursor of the next page, if any.

    Raises:
        BadRequest: an invalid cursor.
    """
    order = store.ordered(q.sort)
    start = 0
    if q.cursor is not None:
        key, repo_id = decode_cursor(q.cursor, q.sort)
        low, high = 0, len(order)
        while low < high:  # first row after the cursor; rows after it are all after it too
            mid = (low + high) // 2
            if _after(order[mid], key, repo_id):
                high = mid
            else:
                low = mid + 1
        start = low
    rows = []
    for row in order[start:]:
        if matches(row[2], q):
            rows.append(row)
            if len(rows) > q.limit:
                break
    if len(rows) <= q.limit:
        return [row[2] for row in rows], None
    last_key, last_id, _ = rows[q.limit - 1]
    return [row[2] for row in rows[: q.limit]], encode_cursor(q.sort, last_key, last_id)


def _virtual(model: dict[str, Any]) -> dict[str, Any]:
    return {**model, "trendingScore": trending_score(model)}


def list_item(model: dict[str, Any], q: ListingQuery) -> dict[str, Any]:
    """The listing item the Hub sends for ``model`` under query ``q``."""
    if q.expand is not None:
        return expanded(model, q.expand)
    view = _virtual(model)
    if q.full:
        item = {k: v for k, v in view.items() if k not in ("config", "cardData") and k not in EXPAND_ONLY}
        item["trendingScore"] = view["trendingScore"]
    else:
        item = {k: view[k] for k in DEFAULT_LIST_FIELDS if k in view}
    for wanted, prop in ((q.card_data, "cardData"), (q.config, "config")):
        if wanted and prop in view:
            item[prop] = view[prop]
    return item


def expanded(model: dict[str, Any], props: Sequence[str]) -> dict[str, Any]:
    """``_id``, ``id`` and the requested properties the model has (absent ones stay absent)."""
    view = _virtual(model)
    item = {"_id": view["_id"], "id": view["id"]}
    item.update((p, view[p]) for p in props if p in view)
    return item


def info_body(model: dict[str, Any], expand: Sequence[str] | None) -> dict[str, Any]:
    """The body of ``GET /api/models/{repo_id}``."""
    if expand is not None:
        return expanded(model, expand)
    return {k: v for k, v in model.items() if k not in EXPAND_ONLY}
