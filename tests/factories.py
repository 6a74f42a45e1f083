"""Test data in the Hub's API shape, with readable defaults a test overrides where it matters."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.crawl.sync import ingest_items


def hub_item(repo_id: str, *, license: Any = "apache-2.0", **fields: Any) -> dict[str, Any]:
    """One model as `GET /api/models/{id}` returns it. ``license=None`` declares nothing."""
    author = repo_id.split("/")[0] if "/" in repo_id else None
    card: dict[str, Any] = {} if license is None else {"license": license}
    card.update(fields.pop("card", {}))
    tags = ["transformers"] + ([f"license:{license}"] if isinstance(license, str) else [])
    item: dict[str, Any] = {
        "id": repo_id,
        "author": author,
        "sha": fields.pop("sha", "a" * 40),
        "lastModified": "2025-01-01T00:00:00.000Z",
        "tags": tags + fields.pop("extra_tags", []),
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "downloads": 100,
        "likes": 1,
        "gated": False,
        "cardData": card,
        "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
    }
    item.update(fields)
    return item


def load(factory: sessionmaker[Session], *items: dict[str, Any]) -> None:
    """Ingest items through the sync code path (parsing, events, license derivation, findings)."""
    ingest_items(factory, list(items))


def redirect(factory: sessionmaker[Session], former_id: str, repo_id: str) -> None:
    """Record that the Hub redirects ``former_id`` to the catalogued ``repo_id``, as a sync that
    followed the redirect does (``gpt2`` → ``openai-community/gpt2``)."""
    from catalog.crawl.renames import record_alias
    from catalog.db.engine import transaction

    with transaction(factory) as session:
        record_alias(session, former_id, repo_id)
