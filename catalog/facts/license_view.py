"""A model's license as declared beside what its license files were identified as (page, API, CLI)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.tables import LicenseText
from catalog.licenses import Resolution


def license_files_block(declared: Resolution, files: Iterable[Any]) -> dict[str, Any]:
    """Declared and detected side by side, and the license files read: the record's ``license_text`` block.

    ``declared`` is what the card's fields resolve to on their own; ``detected`` the licenses the
    files were identified as (``files``: a model's license files, ordered by path, with the first
    lines of their texts); the record's ``license.id`` / ``ids`` are the effective ones.
    """
    detected = list(dict.fromkeys(
        i for f in files if f.status == "ok" for i in (f.detected_license, *(f.also or ())) if i))
    return {
        "declared": {"id": declared.license_id, "ids": list(declared.license_ids), "status": declared.status,
                     "unresolved": list(declared.unresolved)},
        "detected": detected,
        "files": [{"path": f.path, "status": f.status, "revision": f.revision, "sha256": f.sha256,
                   "license": f.detected_license, "reference": f.detected_name, "score": f.score,
                   "also": list(f.also or ()), "first_lines": f.first_lines, "text_stored": f.text_stored,
                   "fetched_at": f.fetched_at.isoformat().replace("+00:00", "Z")}
                  for f in files],
    }


MAX_DIFF_LINES = 400


def describe_text_changes(session: Session, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What changed in each license file since a decision: a unified diff where both texts are
    stored (their license lets them be copied), else the hashes and each version's first lines."""
    wanted = {c[key] for c in changes for key in ("then", "now") if c.get(key)}
    texts = {t.sha256: t for t in session.scalars(select(LicenseText).where(LicenseText.sha256.in_(wanted)))} \
        if wanted else {}
    described = []
    for change in changes:
        then, now = texts.get(change.get("then") or ""), texts.get(change.get("now") or "")
        diff = None
        if then is not None and now is not None and then.text is not None and now.text is not None:
            lines = list(difflib.unified_diff(then.text.splitlines(), now.text.splitlines(),
                                              f"{change['path']}@{change['then'][:12]}",
                                              f"{change['path']}@{change['now'][:12]}", lineterm=""))
            diff = lines[:MAX_DIFF_LINES] + ([f"… {len(lines) - MAX_DIFF_LINES} more lines"]
                                             if len(lines) > MAX_DIFF_LINES else [])
        described.append({**change, "diff": diff,
                          "then_first_lines": then.first_lines if then is not None else None,
                          "now_first_lines": now.first_lines if now is not None else None})
    return described
