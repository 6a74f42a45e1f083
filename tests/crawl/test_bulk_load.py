"""A first load with search upkeep suspended (catalog.db.search_maintenance) ends with exactly
the catalogue that the per-row triggers build, and a load killed halfway leaves nothing broken."""

from __future__ import annotations

from sqlalchemy import select, text

from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db import search_maintenance
from catalog.db.engine import transaction
from catalog.db.tables import SyncRun
from catalog.search.params import SearchParams
from catalog.search.query import iter_search
from tests.conftest import _empty, recorded_models
from tests.crawl.test_cli_sync import kill_sync_after, run_cli
from tests.crawl.test_sync import client_for, synthetic

# Free-text queries over names, authors, tags and card summaries, with and without filters.
_QUERIES = [{"q": "llama"}, {"q": "acme"}, {"q": "model"}, {"q": "gpt"}, {"q": "bert"}, {"q": "text generation"},
            {"q": "acme", "license": "apache-2.0"}, {"sort": "likes"}, {"sort": "name"}, {"size": "<1B"},
            {"category": "permissive"}, {"q": "qwen", "sort": "parameters"}, {"removed": "any", "sort": "downloads"}]


def schema_objects(session) -> set[tuple]:
    """The search triggers and indexes the database has, as it reports them (and whether enabled)."""
    if session.get_bind().dialect.name == "postgresql":
        indexes = session.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"))
        triggers = session.execute(text("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal"))
        return {("index", *r) for r in indexes} | {("trigger", *r) for r in triggers}
    return set(session.execute(text("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')")))


def catalogue(factory) -> dict[str, object]:
    """Everything search, findings and lineage answer from, keyed by repo id (not row id)."""
    with transaction(factory) as session:
        def rows(sql: str) -> list[tuple]:
            return sorted(tuple(r) for r in session.execute(text(sql)))

        projection = rows("SELECT s.name, s.removed, s.author, s.license_id, s.license_category, s.pipeline_tag, "
                          "s.library_name, s.gated, s.size_bucket, s.parameters_total, s.downloads, s.likes, "
                          "s.last_modified, s.finding_mask, s.format_mask, m.repo_id "
                          "FROM hub_model_search s JOIN hub_models m ON m.id = s.model_id")
        findings = rows("SELECT m.repo_id, f.code, f.severity, f.message FROM audit_findings f "
                        "JOIN hub_models m ON m.id = f.model_id")
        lineage = rows("SELECT m.repo_id, b.base_repo_id, b.relation, b.source FROM hub_model_bases b "
                       "JOIN hub_models m ON m.id = b.model_id")
        derived = rows("SELECT repo_id, license_id, license_category, license_status, derived_version FROM hub_models")
        answers = {str(q): [r["id"] for r in iter_search(session, SearchParams.from_query(q))] for q in _QUERIES}
        if session.get_bind().dialect.name == "sqlite":
            answers["fts"] = rows("SELECT m.repo_id FROM hub_models_fts f JOIN hub_models m ON m.id = f.rowid "
                                  "WHERE hub_models_fts MATCH 'acme OR llama OR bert* OR apache'")
            # Raises if the index disagrees with its content (rank 1: compare with the rows too).
            session.execute(text("INSERT INTO hub_models_fts (hub_models_fts, rank) VALUES ('integrity-check', 1)"))
        return {"projection": projection, "findings": findings, "lineage": lineage, "derived": derived,
                "answers": answers, "schema": schema_objects(session)}


def test_a_bulk_first_load_equals_the_trigger_maintained_one(engine, factory):
    from catalog.hubsim.server import HubServer, HubStore

    items = recorded_models() + synthetic(60)
    with HubServer(HubStore(items)) as hub:
        with transaction(factory) as session:
            fresh_schema = schema_objects(session)
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=9))
        assert summary.status == "completed" and summary.new == len(items)
        bulk = catalogue(factory)
        with transaction(factory) as session:
            assert search_maintenance.suspended_by(session) is None
        _empty(engine)
        run_sync(factory, client_for(hub), SyncOptions(page_size=9, bulk_load=False))
        maintained = catalogue(factory)
    assert bulk["answers"]["{'q': 'acme'}"], "the queries find models"
    assert bulk == maintained
    assert bulk["schema"] == fresh_schema, "every trigger and index is back, as the migrations made it"


def test_upkeep_left_suspended_by_a_dead_load_is_restored_by_the_next_sync(factory):
    """Another scope's sync (or `sync --model`) finds the record and rebuilds before writing."""
    from catalog.hubsim.server import HubServer, HubStore

    with HubServer(HubStore(synthetic(20))) as hub:
        with transaction(factory) as session:
            fresh_schema = schema_objects(session)
            run = SyncRun(scope={"dead": True}, scope_key="dead")
            session.add(run)
            session.flush()
            search_maintenance.suspend(session, run.id)
        with transaction(factory) as session:
            assert schema_objects(session) != fresh_schema
        run_sync(factory, client_for(hub), SyncOptions(authors=("acme",), page_size=7))
        with transaction(factory) as session:
            assert search_maintenance.suspended_by(session) is None
            assert schema_objects(session) == fresh_schema
            assert len(list(iter_search(session, SearchParams.from_query({"q": "acme"})))) == 20


class TestKilledFirstLoad:
    """kill -9 during a bulk first load: the resumed run rebuilds search; nothing stays suspended."""

    def test_resume_after_kill_9_rebuilds_search(self, db_url, factory, tmp_path):
        from catalog.hubsim.server import HubServer, HubStore

        with HubServer(HubStore(recorded_models() + synthetic(60))) as hub:
            env = {"HF_ENDPOINT": hub.url, "CATALOG_DATABASE_URL": db_url, "CATALOG_SYNC_PAGE_SIZE": "7",
                   "CATALOG_SYNC_BACKOFF_BASE": "0.01"}
            with transaction(factory) as session:
                fresh_schema = schema_objects(session)
            hub.faults.slow = 0.15
            kill_sync_after(3, env, factory)
            with transaction(factory) as session:
                run_id = session.scalar(select(SyncRun.id))
                assert search_maintenance.suspended_by(session) == run_id, "killed during the bulk load"
            hub.faults.slow = 0
            result = run_cli("sync", env=env, check=True)
            assert "sync resumed and completed" in result.stderr
            resumed = catalogue(factory)

            reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
            run_cli("sync", env={**env, "CATALOG_DATABASE_URL": reference_url, "CATALOG_SYNC_BULK_LOAD": "false"},
                    check=True)
        from catalog.db.engine import make_engine, make_sessionmaker

        reference = catalogue(make_sessionmaker(make_engine(reference_url)))
        assert resumed["schema"] == fresh_schema
        if factory.kw["bind"].dialect.name == "sqlite":
            assert resumed == reference
        else:  # the reference is a SQLite file: compare what does not depend on the engine
            for part in ("findings", "lineage", "derived"):
                assert resumed[part] == reference[part], part
            assert len(resumed["projection"]) == len(reference["projection"])
