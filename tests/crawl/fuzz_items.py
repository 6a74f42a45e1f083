"""Hypothesis strategies for hostile Hub items, and the oracle that checks a sync survived them.

Each generated item says which of its fields are hostile (wrong types, huge or deep values,
NULs, lone surrogates, numbers beyond the columns, dates beyond what Python holds, garbage
object ids) and whether its id is usable at all. :func:`run_and_check` serves the items from
the fake Hub, runs the real sync against it, and returns what went wrong: a crash, a run left
unfinished, a well-formed item not stored, a hostile field not recorded as a problem, a
hostile id not counted as failed, or a stored model whose page or API answer is not a 200.
Shared by tests/crawl/test_fuzz.py (CI-sized) and tests/benchmarks/bench_fuzz.py (10,000 items).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st
from sqlalchemy import select

from catalog.crawl.hub import HubClient, RetryPolicy
from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import transaction
from catalog.db.tables import HubModel, SyncRun
from catalog.hubsim.server import HubServer, HubStore
from catalog.hubsim.wire import RawJSON

DEEP = 1_500  # the nesting that raised RecursionError while decoding a page
_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True).filter(
    lambda n: n not in ("history", "flags"))  # API sub-resources, not model names
_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
_HOSTILE_TEXT = st.one_of(
    st.builds(lambda a, b: a + "\x00" + b, _SAFE_TEXT, _SAFE_TEXT),
    st.builds(lambda a, b: a + "\ud800" + b, _SAFE_TEXT, _SAFE_TEXT),
    st.builds(lambda a: "\udfff" + a + "\x00", _SAFE_TEXT),
)
_TIMESTAMP = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.sampled_from(
    [UTC, timezone(timedelta(hours=5)), timezone(-timedelta(hours=8))])).map(lambda d: d.isoformat())
_SAFE_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63) + 1, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | _SAFE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SAFE_TEXT, inner, max_size=4),
    max_leaves=12,
)
_LICENSE = st.one_of(st.sampled_from(["mit", "apache-2.0", "llama3.1", "other", "cc-by-nc-4.0", "gpl-3.0"]),
                     st.lists(st.sampled_from(["mit", "apache-2.0", "openrail"]), max_size=3),
                     _SAFE_JSON)


@st.composite
def _hostile_card(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["deep", "nul", "surrogate", "nan", "bigint", "huge", "deep-list"]))
    card: dict[str, Any] = {"license": draw(_LICENSE)}
    if kind == "deep":
        card["model-index"] = RawJSON("[" * DEEP + "]" * DEEP)
    elif kind == "deep-list":
        card["x"] = RawJSON('{"a":' * 80 + "1" + "}" * 80)
    elif kind == "nul":
        card["description"] = draw(_HOSTILE_TEXT.filter(lambda t: "\x00" in t))
    elif kind == "surrogate":
        card[draw(_HOSTILE_TEXT)] = "value"
        card["notes"] = ["ok", "\ud83dx"]
    elif kind == "nan":
        card["score"] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    elif kind == "bigint":
        card["steps"] = RawJSON("-" * draw(st.integers(0, 1)) + "9" * 5000)
    else:
        card["blob"] = "x" * 1_100_000
    return card


# Each field: (strategy of well-formed values, strategy of hostile values).
_FIELDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "author": (st.just(None), st.one_of(st.text(min_size=101, max_size=150), _HOSTILE_TEXT, st.integers(),
                                        st.lists(st.text(max_size=3), max_size=2))),
    "sha": (st.from_regex(r"[0-9a-f]{40}", fullmatch=True),
            st.one_of(st.text(min_size=65, max_size=80), _HOSTILE_TEXT, st.integers(), st.just({"a": 1}))),
    "createdAt": (_TIMESTAMP, st.one_of(st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                                                         "yesterday", "2024-13-01T00:00:00Z", ""]),
                                        st.integers(), st.floats(allow_nan=False), _HOSTILE_TEXT)),
    "lastModified": (_TIMESTAMP, st.sampled_from(["0001-01-01T00:00:00+05:00", "not a date", "2024-02-30"])),
    "downloads": (st.integers(0, 2**63 - 1), st.one_of(st.integers(2**63, 2**80), st.integers(max_value=-1),
                                                      st.just(RawJSON("1" * 5000)), st.floats(), st.text(max_size=5),
                                                      st.just(True))),
    "likes": (st.integers(0, 2**31 - 1), st.one_of(st.integers(2**31, 2**64), st.just(-5), st.just("12"),
                                                  st.just(math.nan))),
    "pipeline_tag": (st.sampled_from(["text-generation", "fill-mask", None]),
                     st.one_of(st.text(min_size=101, max_size=120), _HOSTILE_TEXT, st.lists(st.integers(), max_size=2))),
    "library_name": (st.sampled_from(["transformers", "gguf", None]),
                     st.one_of(st.text(min_size=101, max_size=120), _HOSTILE_TEXT, st.just(7))),
    "tags": (st.lists(st.sampled_from(["transformers", "license:mit", "base_model:finetune:org/base", "en"]),
                      max_size=4),
             st.one_of(st.lists(_HOSTILE_TEXT, min_size=1, max_size=3), st.just("license:mit"),
                       st.lists(st.integers(), min_size=1, max_size=2), st.just(["x" * 600]))),
    "gated": (st.sampled_from([False, "auto", "manual"]), st.one_of(st.just("yes"), st.integers(), _HOSTILE_TEXT)),
    "private": (st.booleans(), st.one_of(st.just("false"), st.integers(), st.just([1]))),
    "cardData": (st.fixed_dictionaries({"license": _LICENSE}, optional={"language": _SAFE_JSON}),
                 st.one_of(_hostile_card(), st.text(max_size=10), st.integers(), st.lists(st.integers(), max_size=2))),
    "safetensors": (st.builds(lambda n: {"total": n, "parameters": {"BF16": n}}, st.integers(1, 2**62)),
                    st.one_of(st.builds(lambda n: {"total": n}, st.sampled_from([2**63, 2**64, 0, -1, "7B", 1.5])),
                              st.just("weights"))),
    "siblings": (st.lists(st.builds(lambda n: {"rfilename": n}, st.sampled_from(
                     ["model.safetensors", "README.md", "model.gguf", "pytorch_model.bin", "config.json"])),
                          max_size=4),
                 st.one_of(st.lists(st.builds(lambda n: {"rfilename": n}, _HOSTILE_TEXT), min_size=1, max_size=2),
                           st.just([{"rfilename": "a" * 2000}]), st.just([1, "x", None]), st.just({"rfilename": "x"}))),
}


@dataclass
class FuzzItem:
    """A generated Hub item and what the sync must make of it."""

    body: dict[str, Any]
    hostile: set[str] = field(default_factory=set)  # fields that must show up in the model's problems
    usable_id: bool = True  # False: the item must be counted as failed, not stored


@st.composite
def fuzz_item(draw: st.DrawFn, index: int | None = None) -> FuzzItem:
    """One Hub item, well-formed or hostile field by field; ``index`` keeps ids unique in a batch."""
    tag = draw(st.integers(0, 10**9)) if index is None else index
    body: dict[str, Any] = {}
    hostile: set[str] = set()
    for name, (good, bad) in _FIELDS.items():
        choice = draw(st.sampled_from(["good"] * 6 + ["bad", "absent"]))
        if choice == "absent":
            continue
        body[name] = draw(bad if choice == "bad" else good)
        if choice == "bad":
            hostile.add(name)
        elif body[name] is None:
            del body[name]
    owner = draw(_NAME)
    id_kind = draw(st.sampled_from(["ok"] * 16 + ["nul", "surrogate", "long", "blank"]))
    name = f"{draw(_NAME)}-{tag}"
    # Blank ids are spelled from the index in two kinds of space: the fake Hub keys models by id.
    blank = "".join(" \u2003"[int(bit)] for bit in f"{tag:b}") + " "
    body["id"] = {"ok": f"{owner}/{name}", "nul": f"{owner}/{name}\x00", "surrogate": f"{owner}/\ud800{name}",
                  "long": f"{owner}/{name}" + "x" * 200, "blank": blank}[id_kind]
    # Real object ids are unique; garbage ones may be shared (they once merged items as renames).
    if draw(st.booleans()):
        body["_id"] = f"{tag:024x}"[-24:]
    else:
        body["_id"] = draw(st.sampled_from(["garbage", "0" * 23, "zz" * 12, "\x00" * 24, "6" * 25]))
        hostile.add("_id")
    if "author" not in hostile:
        body["author"] = owner  # what the Hub sends; the fake Hub would derive it too
    return FuzzItem(body=body, hostile=hostile, usable_id=id_kind == "ok")


def fuzz_batch(size: int, start: int = 0) -> st.SearchStrategy[list[FuzzItem]]:
    """``size`` items with distinct ids (and object ids), numbered from ``start``."""
    return st.tuples(*(fuzz_item(index=i) for i in range(start, start + size))).map(list)


@dataclass
class Outcome:
    """What a fuzzed sync did wrong (all empty: it survived)."""

    crashes: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # well-formed items not stored
    unrecorded: list[str] = field(default_factory=list)  # hostile fields or ids without a problem or failure
    unreadable: list[str] = field(default_factory=list)  # stored models whose page or API answer failed
    stored: int = 0
    failed: int = 0

    @property
    def ok(self) -> bool:
        return not (self.crashes or self.lost or self.unrecorded or self.unreadable)


def run_and_check(factory, items: list[FuzzItem], *, web_client=None, page_size: int = 25,
                  render_limit: int | None = None) -> Outcome:
    """Serve ``items`` from the fake Hub, sync them for real, and check what was stored."""
    outcome = Outcome()
    with HubServer(HubStore([i.body for i in items])) as hub:
        client = HubClient(endpoint=hub.url, retry=RetryPolicy(max_tries=2, backoff_base=0.01, backoff_max=0.02))
        try:
            summary = run_sync(factory, client, SyncOptions(page_size=page_size, full=True))
        except Exception as exc:  # noqa: BLE001 -- a crash is what this oracle counts
            outcome.crashes.append(f"{type(exc).__name__}: {exc}"[:300])
            summary = None
    if summary is not None and summary.status != "completed":
        outcome.crashes.append(f"run ended {summary.status}: {summary.error}")
    with transaction(factory) as session:
        unfinished = session.scalars(select(SyncRun.id).where(SyncRun.status == "running")).all()
        if unfinished:
            outcome.crashes.append(f"runs left running: {unfinished}")
        rows = {m.repo_id: m for m in session.scalars(select(HubModel))}
    outcome.stored = len(rows)
    outcome.failed = summary.failed if summary is not None else 0
    bad_ids = sum(not i.usable_id for i in items)
    if summary is not None and summary.failed < bad_ids:
        outcome.unrecorded.append(f"{bad_ids} items without a usable id, {summary.failed} counted as failed")
    for item in items:
        if not item.usable_id:
            continue
        row = rows.get(item.body["id"])
        if row is None:
            outcome.lost.append(item.body["id"])
            continue
        fields = {p.get("field") for p in row.problems}
        missing = item.hostile - fields
        if missing:
            outcome.unrecorded.append(f"{item.body['id']}: {sorted(missing)} not among {sorted(map(str, fields))}")
    if web_client is not None:
        mine = [i.body["id"] for i in items if i.usable_id and i.body["id"] in rows]
        for repo_id in mine[:render_limit]:
            path = quote(repo_id, safe="/")
            for url, accept in ((f"/models/{path}", "text/html"), (f"/api/v1/models/{path}", "application/json")):
                response = web_client.get(url, headers={"Accept": accept})
                if response.status_code != 200:
                    outcome.unreadable.append(f"{url}: HTTP {response.status_code}")
    return outcome
