"""The one resolver of model ids, shared by every face: `catalog show`, the pages, the API,
`catalog check` (local and, through ``POST /api/v1/check``, ``--server``), bom and notices.

An id written by a user or found in code resolves, in this order, to:

1. the model stored under exactly that id;
2. the model whose id differs only in case (the Hub treats ids case-insensitively);
3. the model a former id now names (the Hub redirected it when a sync asked: a rename);
4. for a bare name without an org (``gpt2``), the one model ``org/<name>`` (any case) —
   and when several models carry that name, none: the id is *ambiguous* and the candidates
   are listed, so no face answers "no model" or silently picks one.

Step 4 is a convenience for a person looking a model up (`catalog show`, the pages, the API's
record), who sees the id it found. Code names the repository it downloads: a bare name there is
a legacy id the Hub redirects (``gpt2`` to ``openai-community/gpt2``), which a sync records as
a former id (step 3), or no Hub model at all (``llama``, a mode word). So ``catalog check``, bom
and notices resolve with ``by_name=False``: a bare name no model is stored or recorded under is
not in the catalogue, and the models of that name are only named as candidates, never chosen.

Anything else is unknown, with "did you mean" suggestions from a fuzzy matcher (rapidfuzz)
over an in-process index of every stored id, rebuilt when the catalogue changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from catalog.db.engine import in_batches
from catalog.db.tables import HubModel, ModelAlias
from catalog.errors import ModelNotFound

MAX_CANDIDATES = 10  # an ambiguous bare name lists at most this many models
# The resolver reads ids only, so it selects from the tables, not the mapped classes: the same SQL,
# without the ORM's configuration of every mapper at the first query (~35 - 80 ms), which
# `catalog check` then never pays (it reads the rest through the tables too).
_MODELS = HubModel.__table__.c
_ALIASES = ModelAlias.__table__.c


@dataclass(frozen=True)
class Resolution:
    """How one written id resolved. ``model_id`` is the row id, or None (unknown or ambiguous)."""

    written: str
    model_id: int | None = None
    repo_id: str | None = None
    via: str | None = None  # exact | case | former-id | bare-name
    # The models ``org/<name>`` of a bare name that did not resolve: several (ambiguous), or, with
    # ``by_name=False``, any.
    candidates: tuple[str, ...] = field(default=())

    @property
    def ambiguous(self) -> bool:
        """Whether a bare name matched several models (then ``candidates`` lists them)."""
        return len(self.candidates) > 1


class AmbiguousModel(ModelNotFound):
    """A bare name (no org) that names several models; the message lists them."""

    def __init__(self, written: str, candidates: Sequence[str]) -> None:
        super().__init__(written, list(candidates))
        shown = ", ".join(candidates[:MAX_CANDIDATES])
        count = f"{len(candidates)}{'+' if len(candidates) >= MAX_CANDIDATES else ''}"  # the list is capped
        self.args = (f"{written!r} is ambiguous: it names {count} models ({shown}); write org/name",)


def resolve_ids(session: Session, written: Iterable[str], *, any_case: bool = True,
                exact: bool = True, by_name: bool = True) -> dict[str, Resolution]:
    """Resolve many written ids at once, keyed by the id as written.

    ``any_case=False`` skips step 2, the one that scans the whole table (lower() cannot use the
    unique index): discovery asks about every ``org/name``-looking literal of a code base, and
    an id in another case is only worth that scan in a model position. ``exact=False`` skips
    step 1, for a caller that has just looked the id up as written. ``by_name=False`` (ids found
    in code) leaves a bare name that step 4 would choose unresolved, its models as candidates.
    """
    wanted = list(dict.fromkeys(w for w in written if w))
    found: dict[str, Resolution] = {}
    for chunk in in_batches(wanted if exact else []):
        for row_id, repo_id in session.execute(select(_MODELS.id, _MODELS.repo_id).where(_MODELS.repo_id.in_(chunk))):
            found[repo_id] = Resolution(repo_id, row_id, repo_id, "exact")
    missing = [w for w in wanted if w not in found] if any_case else []
    # Only ids that missed pay for lower(): it cannot use the unique index on a large table.
    for chunk in in_batches([m.lower() for m in missing]):
        rows = session.execute(select(_MODELS.id, _MODELS.repo_id).where(func.lower(_MODELS.repo_id).in_(chunk)))
        by_lower = {repo_id.lower(): (row_id, repo_id) for row_id, repo_id in rows}
        for w in missing:
            hit = by_lower.get(w.lower())
            if hit is not None and w not in found:
                found[w] = Resolution(w, hit[0], hit[1], "case")
    missing = [w for w in wanted if w not in found]
    for chunk in in_batches(missing):
        rows = session.execute(
            select(_ALIASES.alias, _MODELS.id, _MODELS.repo_id).join_from(ModelAlias.__table__, HubModel.__table__,
                                                                      _MODELS.id == _ALIASES.model_id)
            .where(func.lower(_ALIASES.alias).in_([c.lower() for c in chunk])))
        by_alias = {alias.lower(): (row_id, repo_id) for alias, row_id, repo_id in rows}
        for w in chunk:
            hit = by_alias.get(w.lower())
            if hit is not None:
                found[w] = Resolution(w, hit[0], hit[1], "former-id")
    for w in wanted:
        if w not in found and "/" not in w:
            found[w] = _bare_name(session, w, choose=by_name)
    return {w: found.get(w, Resolution(w)) for w in wanted}


def resolve_id(session: Session, written: str, *, any_case: bool = True) -> Resolution:
    """Resolve one written id (see the module docstring for the order, and resolve_ids for ``any_case``)."""
    return resolve_ids(session, [written], any_case=any_case).get(written, Resolution(written))


def is_known(resolution: Resolution) -> bool:
    """What discovery counts as a catalogued id outside a model position: one stored or recorded
    (a former id) under exactly that name, not merely the same letters in another case (see
    ``resolve_ids(any_case=False)``) or a bare word some organisation's model carries as its name
    (``lora``, ``llama``: no Hub model under that id)."""
    return resolution.model_id is not None and resolution.via in ("exact", "former-id")


def find_model(session: Session, written: str, *, with_findings: bool = False) -> HubModel:
    """The stored model a written id names.

    The model comes with its base links (and, ``with_findings``, its findings) loaded by the same
    statement as the exact-id lookup, the common case: a record needs them, and each round trip
    is a request's cost. Other spellings go through :func:`resolve_id` first.

    Raises:
        AmbiguousModel: a bare name that names several models (they are listed).
        ModelNotFound: no such model, with close ids as suggestions.
    """
    options = [joinedload(HubModel.bases)] + ([joinedload(HubModel.findings)] if with_findings else [])
    model = session.scalars(select(HubModel).where(HubModel.repo_id == written).options(*options)).unique().first()
    if model is not None:
        return model
    row_id = resolved_row_id(session, written, exact=False)
    return session.scalars(select(HubModel).where(HubModel.id == row_id).options(*options)).unique().one()


def resolved_row_id(session: Session, written: str, *, exact: bool = True) -> int:
    """The row id of the stored model a written id names (``exact=False``: the caller has just
    looked it up as written and missed).

    Raises:
        AmbiguousModel: a bare name that names several models (they are listed).
        ModelNotFound: no such model, with close ids as suggestions.
    """
    resolution = resolve_ids(session, [written], exact=exact).get(written, Resolution(written))
    if resolution.ambiguous:
        raise AmbiguousModel(written, resolution.candidates)
    if resolution.model_id is None:
        raise ModelNotFound(written, suggest_ids(session, written))
    return resolution.model_id


def _bare_name(session: Session, name: str, *, choose: bool = True) -> Resolution:
    """``org/<name>`` in any case; one match resolves (if ``choose``), several make the name ambiguous."""
    pattern = "%/" + _escape_like(name)
    # A full scan either way (the name is a suffix); SQLite's LIKE already ignores ASCII case and
    # runs 2.5 times faster than LIKE over lower() (190 vs 510 ms on 1M ids).
    sqlite = session.get_bind().dialect.name == "sqlite"
    match = _MODELS.repo_id.like(pattern, escape="\\") if sqlite else _MODELS.repo_id.ilike(pattern, escape="\\")
    rows = session.execute(
        select(_MODELS.id, _MODELS.repo_id).where(match)
        .order_by(_MODELS.downloads.desc().nulls_last(), _MODELS.repo_id).limit(MAX_CANDIDATES)).all()
    if len(rows) == 1 and choose:
        return Resolution(name, rows[0][0], rows[0][1], "bare-name")
    return Resolution(name, candidates=tuple(repo_id for _, repo_id in rows))


# --- "did you mean" --------------------------------------------------------------------------

class _IdIndex:
    """Every stored id (lowercased, and its name part), most downloaded first, for fuzzy matching."""

    def __init__(self, key: tuple[object, ...], ids: list[str]) -> None:
        from rapidfuzz import utils

        self.key = key
        self.ids = ids
        # Processed once here (lowercase, punctuation to spaces), not on every lookup.
        self.full = [utils.default_process(i) for i in ids]
        self.names = [utils.default_process(i.rsplit("/", 1)[-1]) for i in ids]


_index_lock = threading.Lock()
_indexes: dict[str, _IdIndex] = {}


def _id_index(session: Session) -> _IdIndex:
    """The index for this session's database, rebuilt when its models changed.

    The key is the row count, the newest row id and the latest sync time of any row: a rename
    keeps count and ids but is written by a sync, and so is a catalogue emptied and refilled.
    """
    bind = session.get_bind()
    url = str(bind.url) if hasattr(bind, "url") else repr(bind)
    key = tuple(session.execute(
        select(func.count(HubModel.id), func.max(HubModel.id), func.max(HubModel.last_synced_at))).one())
    with _index_lock:
        index = _indexes.get(url)
        if index is None or index.key != key:
            ids = list(session.scalars(select(HubModel.repo_id).order_by(HubModel.downloads.desc().nulls_last(), HubModel.id)))
            index = _indexes[url] = _IdIndex(key, ids)
    return index


def suggest_ids(session: Session, written: str, *, limit: int = 5) -> list[str]:
    """Stored ids close to a mistyped one ("did you mean"), best first.

    A rapidfuzz pass over the whole index gathers the 100 closest ids by edit distance; they are
    ranked by the mean of that and token overlap (so that ``Mistral-7B-v0.2`` also finds
    ``Mistral-7B-Instruct-v0.2``), ties by downloads. A written id without
    an org is compared with the name part of each id.
    """
    from rapidfuzz import fuzz, process, utils

    query = utils.default_process(written)
    if not query:
        return []
    index = _id_index(session)
    choices = index.full if "/" in written else index.names
    # Candidates by edit distance alone (C speed: ~0.25 s over 1M ids; token_set_ratio over all of
    # them would take 1.9 s), then ranked with token overlap too.
    pool = [position for _, _, position in process.extract(query, choices, scorer=fuzz.ratio, processor=None,
                                                           limit=100, score_cutoff=60)]
    scored = []
    for position in pool:
        candidate = choices[position]
        score = (fuzz.ratio(query, candidate) + fuzz.token_set_ratio(query, candidate)) / 2
        if score >= 75:
            scored.append((-score, position))
    scored.sort()  # position breaks ties: the index is ordered by downloads
    result = []
    for _, position in scored:
        if index.ids[position] != written and index.ids[position] not in result:
            result.append(index.ids[position])
        if len(result) == limit:
            break
    return result


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
