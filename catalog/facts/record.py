"""A model's full record (`catalog show --json`, the API's ``GET /models/{id}``, the model page),
read in one statement.

The record is the busiest read of a team's server, so it is read lean: one prepared statement
(:mod:`catalog.db.prepared`) returns the model's row with its base links, findings, license
files, history and derivatives aggregated into JSON columns. That statement also resolves the
id when it is written exactly as stored, the common case; any other spelling goes through the
one resolver (:mod:`catalog.facts.resolve`) first. The lineage the obligations need is loaded
by :class:`~catalog.facts.loader.FactsLoader` like everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, nulls_last, select
from sqlalchemy.orm import Session

from catalog.compliance.audit import obligations_for
from catalog.compliance.license_text import TextEvidence
from catalog.db.prepared import Prepared, decode_rows, json_rows
from catalog.db.tables import AuditFinding, BaseModelLink, HubModel, LicenseText, ModelEvent, ModelLicenseFile
from catalog.facts.ancestors import load_ancestors
from catalog.facts.license_view import license_files_block
from catalog.facts.loader import FactsLoader, resolve_declared, resolve_row
from catalog.facts.resolve import resolved_row_id
from catalog.licenses import knowledge_base

MAX_DERIVATIVES = 50


class Event(NamedTuple):
    """One recorded change of a model (a ``model_events`` row)."""

    id: int
    kind: str
    old: Any
    new: Any
    sha: str | None
    at: datetime
    sync_run_id: int | None


class Base(NamedTuple):
    """A base model a model's card or tags declare."""

    base_repo_id: str
    relation: str
    source: str


class LicenseFile(NamedTuple):
    """A license file a model ships, as read (with the first lines of its text, if stored)."""

    path: str
    status: str
    revision: str | None
    sha256: str | None
    detected_license: str | None
    detected_name: str | None
    score: float | None
    also: list[Any] | None
    fetched_at: datetime
    first_lines: str | None
    text_stored: bool


class StoredModel:
    """A ``hub_models`` row (its columns as attributes) with its collections, read by :func:`read_model`."""

    bases: list[Base]
    findings: list[dict[str, Any]]
    license_files: list[LicenseFile]
    events: list[Event]
    derivatives: list[str]

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


_COLUMNS = tuple(HubModel.__table__.c)


def _statement(by: str) -> Prepared:
    def build(dialect: str) -> Select[Any]:
        model = HubModel.__table__
        links, findings, files, texts, events = (BaseModelLink.__table__.c, AuditFinding.__table__.c,
                                                  ModelLicenseFile.__table__.c, LicenseText.__table__.c,
                                                  ModelEvent.__table__.c)
        derivative = HubModel.__table__.alias("derivative")
        collections = (
            json_rows(dialect, model, [links.base_repo_id, links.relation, links.source],
                      links.model_id == model.c.id, [links.base_repo_id]),
            json_rows(dialect, model, [findings.code, findings.severity, findings.message, findings.evidence],
                      findings.model_id == model.c.id, [findings.id]),
            json_rows(dialect, model, [files.path, files.status, files.revision, files.sha256, files.detected_license,
                                files.detected_name, files.score, files.also, files.fetched_at, texts.first_lines,
                                texts.text.is_not(None)],
                      files.model_id == model.c.id, [files.path],
                      outer_joins=[(LicenseText.__table__, texts.sha256 == files.sha256)]),
            json_rows(dialect, model, [events.id, events.kind, events.old, events.new, events.sha, events.at,
                                events.sync_run_id],
                      events.model_id == model.c.id, [events.id]),
            json_rows(dialect, model, [derivative.c.repo_id], links.base_repo_id == model.c.repo_id,
                      [nulls_last(derivative.c.downloads.desc())], limit=MAX_DERIVATIVES,
                      joins=[(BaseModelLink.__table__, links.model_id == derivative.c.id)]),
        )
        key = model.c.repo_id if by == "repo_id" else model.c.id
        return select(*_COLUMNS, *collections).where(key == bindparam("key"))

    return Prepared(build)


_BY_REPO_ID = _statement("repo_id")
_BY_ROW_ID = _statement("id")


def read_model(session: Session, written: str) -> StoredModel:
    """The stored model a written id names, with its collections, in one statement when the id is
    written as stored (the resolver's steps first otherwise).

    Raises:
        AmbiguousModel: a bare name that names several models (they are listed).
        ModelNotFound: no such model, with close ids as suggestions.
    """
    connection = session.connection()
    rows = _BY_REPO_ID.rows(connection, key=written)
    if not rows:
        rows = _BY_ROW_ID.rows(connection, key=resolved_row_id(session, written, exact=False))
    row = rows[0]
    values = {column.key: value for column, value in zip(_COLUMNS, row, strict=False)}
    bases, findings, files, events, derivatives = row[len(_COLUMNS):]
    model = StoredModel(values)
    model.bases = [Base(*b) for b in decode_rows(bases, "...")]
    model.findings = [{"code": c, "severity": s, "message": m, "evidence": e}
                      for c, s, m, e in decode_rows(findings, "...j")]
    model.license_files = [LicenseFile(*f[:10], bool(f[10]))
                           for f in decode_rows(files, "......." + "jt..")]
    model.events = [Event(*e) for e in decode_rows(events, "..jj.t.")]
    model.derivatives = [d for (d,) in decode_rows(derivatives, ".")]
    return model


@dataclass
class Record:
    """A record and the model it was read from (the API adds the model's flags to it)."""

    model: StoredModel
    data: dict[str, Any]


def model_record(session: Session, repo_id: str, *, revision: str | None = None) -> dict[str, Any]:
    """The full JSON record of a model: the contract of `catalog show --json` and the API.

    Args:
        revision: a sha; the record then shows the license declared at that revision (from
            the history) instead of the current one.
    """
    return read_record(session, repo_id, revision=revision).data


def read_record(session: Session, repo_id: str, *, revision: str | None = None) -> Record:
    """:func:`model_record`, with the model it read.

    One statement for the model, plus those of its catalogued ancestors' facts (for the
    obligations they pass down; none for a model without any).
    """
    model = read_model(session, repo_id)
    kb = knowledge_base()
    loader = FactsLoader(session, kb=kb)
    if model.bases:
        load_ancestors(session, loader, model.id)
    texts = tuple(TextEvidence(path=f.path, status=f.status, revision=f.revision, sha256=f.sha256,
                               detected=f.detected_license, score=f.score, also=tuple(f.also or ()),
                               first_line=f.first_lines.splitlines()[0] if f.first_lines else None)
                  for f in model.license_files)
    facts = loader.adopt(model, [(b.base_repo_id, b.relation) for b in model.bases], _previous_license(model.events),
                         texts)
    license_view = _license_view(model, kb)
    if revision is not None and revision != model.sha:
        license_view = {**license_view, **_license_at(model, revision, kb)}
    # A base is in the catalogue when the lineage (loaded for the obligations) found it stored under
    # its own id: not under a former id, and not only in the curated lineage table.
    known_bases = {b.base_repo_id for b in model.bases
                   if (found := loader.catalogued(b.base_repo_id)) is not None and found.repo_id == b.base_repo_id}
    data = {
        "id": model.repo_id,
        "author": model.author,
        "sha": model.sha,
        "revision": revision or model.sha,
        "last_modified": iso(model.last_modified),
        "created_at": iso(model.hub_created_at),
        "downloads": model.downloads,
        "likes": model.likes,
        "pipeline_tag": model.pipeline_tag,
        "library_name": model.library_name,
        "tags": model.tags,
        "gated": model.gated,
        "private": model.private,
        "disabled": model.disabled,
        "access": model.access,
        "parameters": {
            "total": model.parameters_total,
            "source": model.parameters_source,
            "by_dtype": model.parameters_by_dtype,
        },
        "license": license_view,
        "license_text": license_files_block(resolve_row(model), model.license_files),
        "base_models": [
            {"id": b.base_repo_id, "relation": b.relation, "source": b.source, "in_catalogue": b.base_repo_id in known_bases}
            for b in model.bases
        ],
        "derivatives": model.derivatives,
        "formats": model.formats,
        "files": model.files,
        "findings": model.findings,
        "obligations": obligations_for(facts, lineage=loader.lineage, kb=kb),
        "card_data": model.card_data,
        "problems": model.problems,
        "removed": model.removed_at is not None,
        "removed_at": iso(model.removed_at),
        "first_seen_at": iso(model.first_seen_at),
        "last_synced_at": iso(model.last_synced_at),
        "history": [event_view(e) for e in model.events],
    }
    return Record(model, data)


def event_view(e: Any) -> dict[str, Any]:
    """One recorded change as JSON (a ``model_events`` row or an :class:`Event`)."""
    return {"kind": e.kind, "old": e.old, "new": e.new, "sha": e.sha, "at": iso(e.at), "sync_run": e.sync_run_id}


def _previous_license(events: list[Event]) -> tuple[Any, str | None] | None:
    """What :meth:`FactsLoader.previous_licenses` reads, from a model's history (oldest first)."""
    changes = [e for e in events if e.kind == "license"]
    if not changes:
        return None
    latest = changes[-1]
    old = latest.old if isinstance(latest.old, dict) else {}
    resolution = resolve_declared(old.get("license"), old.get("license_name"), old.get("license_link"),
                                  old.get("tags"))
    # The sync that changed the license records the sha it replaced at the same instant.
    shas = [e for e in events if e.kind == "sha" and e.at <= latest.at]
    previous_sha = max(shas, key=lambda e: (e.at, e.id)).old if shas else None
    return resolution, previous_sha if isinstance(previous_sha, str) else None


def _license_view(model: StoredModel, kb: Any) -> dict[str, Any]:
    declared = {"license": model.license_raw, "license_name": model.license_name_raw,
                "license_link": model.license_link_raw, "tags": model.license_tags}
    return _license_dict(declared, model.license_id, model.license_ids, model.license_status,
                         model.license_category, kb)


def _license_dict(declared: dict[str, Any], license_id: str | None, ids: list[str], status: str, category: str,
                  kb: Any) -> dict[str, Any]:
    """The ``license`` block of a record: what was declared, then what catalog derived from it."""
    known = kb.get(license_id) if license_id else None
    return {
        "raw": declared.get("license"),
        "name": declared.get("license_name"),
        "link": declared.get("license_link"),
        "tags": declared.get("tags") or [],
        "id": license_id,
        "ids": list(ids),
        "status": status,
        "category": category,
        "spdx": known.spdx if known else None,
        "title": known.name if known else None,
        "url": known.url if known else None,
    }


def _license_at(model: StoredModel, revision: str, kb: Any) -> dict[str, Any]:
    """The license fields as they were when the model was at ``revision``.

    Rebuilt by walking the recorded changes backwards from the current state: each sync that
    changed the sha and/or the license undoes to the values it replaced.
    """
    events = [e for e in reversed(model.events) if e.kind in ("license", "sha")]
    sha = model.sha
    declared: dict[str, Any] = {"license": model.license_raw, "license_name": model.license_name_raw,
                                "license_link": model.license_link_raw, "tags": model.license_tags}
    index = 0
    while sha != revision and index < len(events):
        step = events[index].sync_run_id, events[index].at
        while index < len(events) and (events[index].sync_run_id, events[index].at) == step:
            event = events[index]
            if event.kind == "sha":
                sha = event.old
            elif isinstance(event.old, dict):
                declared = event.old
            index += 1
    if sha != revision:
        return {"revision_note": f"revision {revision} was never recorded for this model; showing the current license"}
    resolution = resolve_declared(declared.get("license"), declared.get("license_name"),
                                  declared.get("license_link"), declared.get("tags"))
    return _license_dict(declared, resolution.license_id, list(resolution.license_ids), resolution.status,
                         resolution.category, kb)


def iso(value: datetime | None) -> str | None:
    """A timestamp as the records write it (UTC, ``Z``)."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
