"""Read the license files models ship, identify their texts and store the evidence.

Which models: those whose card declares no usable license (missing, or ``other`` without a
recognised name or link), or every model with ``catalog sync --license-files``. Which files: the
ones the model's file list names at the top of the repository (``LICENSE``, ``LICENSE.md``,
``LICENSE.txt``, ``LICENCE*``, ``COPYING*``, ``USE_POLICY.md``, ``NOTICE*``); when there is none
and the card declares nothing usable, the license section of its ``README.md``.

Only what changed is fetched again: a file already read at the model's current revision costs
no request, and one read at an older revision is asked for with its ETag (``If-None-Match``), so
an unchanged text costs one bodiless answer. Models are done in batches, each committed with
its re-derived findings, so a run killed halfway loses at most a batch and the next run carries
on where it stopped (models done are at their revision). Requests go through the same client,
retry and rate-limit policy as the listing; a gated model's files are read only with a token
that has access, else recorded as not readable.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.compliance.license_text import README_SECTION
from catalog.crawl.hub import FileFetch, HubClient
from catalog.db.engine import transaction, utcnow
from catalog.db.tables import HubModel, LicenseText, ModelLicenseFile
from catalog.errors import HubError
from catalog.facts.derive import derivatives_of, derive_models
from catalog.facts.loader import resolve_row
from catalog.licenses.fingerprint import Fingerprints, load_fingerprints

BATCH = 200
# Only what deciding whether a model's files are wanted needs: not the card, the tags or even the
# file list, which is read only for the models that turn out to want their files.
_MODEL_COLUMNS = (HubModel.id, HubModel.repo_id, HubModel.sha, HubModel.gated, HubModel.access,
                  HubModel.license_raw, HubModel.license_name_raw, HubModel.license_link_raw, HubModel.license_tags)
WORKERS = 4
MAX_FILE_BYTES = 1_000_000
FIRST_LINES = 5
_MAX_FIRST_LINES_CHARS = 600
_MAX_SECTION_CHARS = 50_000
_LICENSE_NAME = re.compile(r"^(licen[cs]e|copying|notice)([._-][\w.-]*)?$|^use_policy\.md$", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def needs_license_files(declared_status: str) -> bool:
    """Whether the pass after a sync reads a model's license files: its card declares no usable license."""
    return declared_status in ("missing", "unknown")


def checked_when_written(declared_status: str, sha: str | None) -> str | None:
    """``license_files_checked`` for a row a sync writes: a model whose files the pass would not
    read is looked at already (so a first load's pass visits only the undeclared models)."""
    return None if needs_license_files(declared_status) else (sha or "main")


def license_paths(files: Iterable[Any]) -> list[str]:
    """The license files among a model's file names: at the top of the repository, known names only."""
    return sorted({f for f in files if isinstance(f, str) and "/" not in f and _LICENSE_NAME.match(f)})


def readme_license_section(text: str) -> str | None:
    """The license section of a model card (a heading naming the license, up to the next heading
    of its level or above), or None when the card has none."""
    lines = text[: MAX_FILE_BYTES].splitlines()
    if lines and lines[0].strip() == "---":  # YAML front matter: the card's metadata, not prose
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        lines = lines[end + 1:] if end is not None else lines
    start = level = None
    for index, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading is None:
            continue
        if start is None:
            if re.search(r"licen[cs]e", heading.group(2), re.IGNORECASE):
                start, level = index, len(heading.group(1))
        elif len(heading.group(1)) <= level:  # type: ignore[operator]
            return "\n".join(lines[start:index]).strip()[:_MAX_SECTION_CHARS] or None
    if start is None:
        return None
    return "\n".join(lines[start:]).strip()[:_MAX_SECTION_CHARS] or None


@dataclass
class LicenseFilesSummary:
    """What one license-file pass did."""

    models: int = 0  # models whose files were looked at
    requests: int = 0
    fetched: int = 0  # texts read (new or changed)
    unchanged: int = 0  # files asked for again whose ETag still held
    not_readable: int = 0  # gated, private, missing, too large, binary
    not_found: int = 0  # listed by the Hub but absent at the revision, or a card with no license section
    detected: int = 0  # texts identified as a known license
    elapsed: float = 0.0
    error: str | None = None
    problems: list[str] = field(default_factory=list)


def fetch_license_files(factory: sessionmaker[Session], client: HubClient, *, every_model: bool = False,
                        authors: Iterable[str] = (), repo_ids: Iterable[str] | None = None,
                        fingerprints: Fingerprints | None = None,
                        progress: Callable[[LicenseFilesSummary], None] | None = None) -> LicenseFilesSummary:
    """Read, identify and store the license files of the catalogued models that need it.

    Args:
        every_model: every live model (``--license-files``), not only those declaring no usable license.
        authors: only models of these authors (the sync's scope), when given.
        repo_ids: only these models, when given.

    Never raises for Hub trouble: a pass the Hub would not let finish ends with ``error`` set,
    its finished batches kept.
    """
    started = time.monotonic()
    summary = LicenseFilesSummary()
    query = select(*_MODEL_COLUMNS).where(HubModel.removed_at.is_(None)).order_by(HubModel.id)
    if not every_model:
        # Models already looked at their current revision have nothing new to offer: skipped in
        # SQL, so a sync that changed nothing costs one indexed scan here, not a walk in Python.
        query = query.where(or_(HubModel.license_files_checked.is_(None),
                                HubModel.license_files_checked != func.coalesce(HubModel.sha, "main")))
    if authors:
        query = query.where(HubModel.author.in_(list(authors)))
    if repo_ids is not None:
        query = query.where(HubModel.repo_id.in_(list(repo_ids)))
    after = 0
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="catalog-license-files")
    try:
        while True:
            with transaction(factory) as session:
                models = session.execute(query.where(HubModel.id > after).limit(BATCH)).all()
                if not models:
                    break
                after = models[-1].id
                fingerprints = fingerprints or load_fingerprints()  # not loaded when nothing is to be read
                _do_batch(session, client, pool, models, every_model, fingerprints, summary)
            if progress is not None:
                progress(summary)
    except HubError as exc:
        summary.error = str(exc)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    summary.elapsed = time.monotonic() - started
    return summary


@dataclass(frozen=True)
class _Job:
    model_id: int
    repo_id: str
    revision: str
    path: str  # README_SECTION reads README.md
    etag: str | None
    readable: bool  # False: gated and no token, so no request is made


def _do_batch(session: Session, client: HubClient, pool: ThreadPoolExecutor, models: list[Any],
              every_model: bool, fingerprints: Fingerprints, summary: LicenseFilesSummary) -> None:
    stored: dict[int, dict[str, ModelLicenseFile]] = {}
    for row in session.scalars(select(ModelLicenseFile).where(ModelLicenseFile.model_id.in_([m.id for m in models]))):
        stored.setdefault(row.model_id, {})[row.path] = row
    jobs: list[_Job] = []
    touched: set[int] = set()
    checked: dict[int, str] = {}  # model id -> the revision now looked at
    has_token = client.has_token()
    undeclared = {m.id: needs_license_files(resolve_row(m).status) for m in models}
    wanting = [m.id for m in models if m.access == "ok" and (every_model or undeclared[m.id])]
    files = dict(session.execute(select(HubModel.id, HubModel.files).where(HubModel.id.in_(wanting))).all()) \
        if wanting else {}
    for model in models:
        if model.access != "ok":
            continue  # left unmarked: looked at again once the Hub lets the model be read
        revision = model.sha or "main"
        if not (every_model or undeclared[model.id]):
            checked[model.id] = revision  # files read by an earlier --license-files pass are kept
            continue
        wanted = license_paths(files.get(model.id) or [])
        if not wanted and undeclared[model.id] and "README.md" in (files.get(model.id) or []):
            wanted = [README_SECTION]
        held = stored.get(model.id, {})
        gone = [path for path in held if path not in wanted]
        if gone:
            session.execute(delete(ModelLicenseFile).where(ModelLicenseFile.model_id == model.id,
                                                           ModelLicenseFile.path.in_(gone)))
            if any(_effect(held[path]) is not None for path in gone):
                touched.add(model.id)
        todo = [p for p in wanted if p not in held or held[p].revision != revision]
        if todo:
            summary.models += 1
        readable = has_token or model.gated in ("false", None)
        if readable or not todo:  # a gated model's files are looked at again once a token can read them
            checked[model.id] = revision
        jobs += [_Job(model.id, model.repo_id, revision, path, held[path].etag if path in held else None, readable)
                 for path in todo]
    for job, answer in zip(jobs, pool.map(lambda j: _fetch(client, j), jobs), strict=True):
        if job.readable:
            summary.requests += 1
        held = stored.get(job.model_id, {}).get(job.path)
        before = _effect(held) if held is not None else None
        if _store(session, job, answer, held, fingerprints, summary) != before:
            touched.add(job.model_id)
    if checked:
        session.execute(update(HubModel), [{"id": model_id, "license_files_checked": revision}
                                           for model_id, revision in checked.items()])
    if touched:
        session.flush()
        repo_ids = [m.repo_id for m in models if m.id in touched]
        derive_models(session, sorted(touched | set(derivatives_of(session, repo_ids))))


def _fetch(client: HubClient, job: _Job) -> FileFetch:
    if not job.readable:
        return FileFetch("gated")
    path = "README.md" if job.path == README_SECTION else job.path
    return client.fetch_file(job.repo_id, job.revision, path, etag=job.etag, max_bytes=MAX_FILE_BYTES)


def _effect(file: Any) -> tuple[Any, ...] | None:
    """What of a stored file the derivation reads (see catalog.compliance.license_text): only a
    read text counts; its revision is part of the findings' evidence."""
    if file.status != "ok":
        return None
    return file.revision, file.sha256, file.detected_license, tuple(file.also or ())


def _store(session: Session, job: _Job, answer: FileFetch, held: ModelLicenseFile | None,
           fingerprints: Fingerprints, summary: LicenseFilesSummary) -> tuple[Any, ...] | None:
    """Store what a fetch found; returns its :func:`_effect`."""
    now = utcnow()
    if answer.status == "unchanged" and held is not None:
        summary.unchanged += 1
        held.revision, held.fetched_at = job.revision, now
        return _effect(held)
    values: dict[str, Any] = {"revision": job.revision, "status": answer.status, "etag": answer.etag,
                              "sha256": None, "detected_license": None, "detected_name": None, "score": None,
                              "also": [], "fetched_at": now}
    if answer.status == "ok" and answer.content is not None:
        text = answer.content.decode("utf-8", errors="replace")
        if job.path == README_SECTION:
            text = readme_license_section(text) or ""
        if "\x00" in text:
            values["status"] = "unreadable"  # a binary file under a license-like name
        elif not text.strip():
            values["status"] = "not-found"  # a card without a license section
        else:
            values.update(_identify(session, text, fingerprints))
            summary.fetched += 1
            summary.detected += values["detected_license"] is not None
    if values["status"] in ("gated", "private", "missing", "too-large", "unreadable"):
        summary.not_readable += 1
    elif values["status"] == "not-found":
        summary.not_found += 1
    if held is not None:
        for name, value in values.items():
            setattr(held, name, value)
    else:
        session.execute(insert(ModelLicenseFile), [{"model_id": job.model_id, "path": job.path, **values}])
    return _effect(SimpleNamespace(**values))


def _identify(session: Session, text: str, fingerprints: Fingerprints) -> dict[str, Any]:
    """Detect ``text`` and keep it by hash (whole only when its license lets it be copied)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    detection = fingerprints.detect(text)
    if session.get(LicenseText, digest) is None:
        first = "\n".join(line for line in text.splitlines() if line.strip())
        first = "\n".join(first.splitlines()[:FIRST_LINES])[:_MAX_FIRST_LINES_CHARS]
        session.add(LicenseText(sha256=digest, size=len(text.encode()), first_lines=first,
                                text=text if detection.redistributable else None))
        session.flush()
    return {"sha256": digest, "detected_license": detection.license_id, "detected_name": detection.name,
            "score": detection.score, "also": list(detection.also)}
