"""The crawler against a Hub-compatible server on 127.0.0.1, driven through the real
huggingface_hub HTTP stack: pagination, incremental runs, removals, faults and resumption."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select, text, update

from catalog.crawl.hub import HubClient, RetryPolicy
from catalog.crawl.sync import SyncOptions, run_sync, sync_models
from catalog.db.engine import transaction
from catalog.db.tables import AuditFinding, HubModel, ModelEvent, SyncRun
from catalog.facts.derive import derive_models
from catalog.facts.record import model_record
from catalog.hubsim.server import HubServer, HubStore
from tests.conftest import recorded_models

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


def synthetic(n: int, *, author: str = "acme", license: str = "apache-2.0") -> list[dict]:
    """Small models in the Hub's shape, each modified at a distinct time."""
    return [
        {
            "id": f"{author}/model-{i:04d}-{1 + i % 7}b",
            "author": author,
            "sha": f"{i:040x}",
            "lastModified": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000Z",
            "tags": ["transformers", f"license:{license}"],
            "cardData": {"license": license},
            "siblings": [{"rfilename": "model.safetensors"}],
            "downloads": i,
            "likes": i % 10,
        }
        for i in range(n)
    ]


@pytest.fixture
def store() -> HubStore:
    return HubStore(recorded_models() + synthetic(40))


@pytest.fixture
def hub(store: HubStore):
    with HubServer(store) as server:
        yield server


def client_for(server: HubServer, *, tries: int = 4) -> HubClient:
    return HubClient(endpoint=server.url, retry=RetryPolicy(max_tries=tries, backoff_base=0.01, backoff_max=0.05))


def stored(factory) -> dict[str, HubModel]:
    with transaction(factory) as session:
        return {m.repo_id: m for m in session.scalars(select(HubModel))}


def snapshot(factory) -> dict[str, tuple]:
    """What a user would compare between two databases: each model's stored state and history."""
    with transaction(factory) as session:
        models = {
            m.repo_id: (m.sha, m.content_hash, m.license_id, m.parameters_total, m.removed_at is None)
            for m in session.scalars(select(HubModel))
        }
        events = session.scalar(select(func.count()).select_from(ModelEvent))
    return {"models": models, "events": events}


class TestFirstSync:
    """A first run stores every model of the listing with what it declared and what we derived."""

    def test_pages_through_the_whole_listing(self, factory, hub, store):
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        assert summary.status == "completed"
        assert summary.new == len(store) and summary.failed == 0
        assert set(stored(factory)) == set(store)
        listing = [r for r in hub.requests if r.path == "/api/models"]
        assert len(listing) == -(-len(store) // 10)
        assert all("cursor" in r.query for r in listing[1:]), "pages after the first follow the Link cursor"

    def test_keeps_raw_license_parameters_and_lineage(self, factory, hub):
        run_sync(factory, client_for(hub), SyncOptions(page_size=50))
        with transaction(factory) as session:
            record = model_record(session, LLAMA)
        assert record["license"]["raw"] == "llama3.1"
        assert record["license"]["id"] == "llama3.1"
        assert record["gated"] == "manual"
        assert record["parameters"] == {"total": 8030261248, "source": "safetensors", "by_dtype": {"BF16": 8030261248}}
        # The card still names the pre-rename base; the Hub's tags carry the current id.
        assert record["base_models"] == [
            {"id": "meta-llama/Llama-3.1-8B", "relation": "finetune", "source": "tags", "in_catalogue": False}
        ]
        assert "safetensors" in record["formats"]
        codes = {f["code"] for f in record["findings"]}
        assert {"gated", "attribution-required", "user-threshold"} <= codes

    def test_estimates_parameters_from_the_name_when_the_hub_has_none(self, factory, store):
        store.put({"id": "acme/tiny-350m", "tags": [], "siblings": [{"rfilename": "pytorch_model.bin"}]})
        with HubServer(store) as server:
            run_sync(factory, client_for(server), SyncOptions())
        model = stored(factory)["acme/tiny-350m"]
        assert (model.parameters_total, model.parameters_source) == (350_000_000, "name")
        assert model.formats == ["pickle"]

    def test_a_license_declared_only_by_a_tag_is_resolved(self, factory, store):
        # No card in the listing: the Hub's license:<id> tag is all there is to go by.
        store.put({"id": "acme/tag-only", "tags": ["transformers", "license:apache-2.0"]})
        with HubServer(store) as server:
            run_sync(factory, client_for(server), SyncOptions())
        with transaction(factory) as session:
            record = model_record(session, "acme/tag-only")
        assert record["license"]["raw"] is None
        assert (record["license"]["id"], record["license"]["status"]) == ("apache-2.0", "resolved")
        assert "license-missing" not in {f["code"] for f in record["findings"]}

    def test_scopes_by_author_and_limit(self, factory, hub):
        summary = run_sync(factory, client_for(hub), SyncOptions(authors=("acme",), limit=15, page_size=10))
        assert summary.seen == 15
        assert len(stored(factory)) == 15
        assert all(m.author == "acme" for m in stored(factory).values())


class TestIncremental:
    """Later runs only walk what changed, and record every change as an event."""

    def test_nothing_changed_stops_at_the_first_page(self, factory, hub):
        run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        hub.requests.clear()
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        assert summary.status == "completed"
        assert summary.new == summary.updated == 0
        assert summary.pages == 1, "the walk stops at the first page of unchanged models"
        # The page after it is not fetched ahead: the walk could (and did) stop on the first.
        assert len([r for r in hub.requests if r.path == "/api/models"]) == 1

    def test_pages_of_new_changes_are_fetched_ahead_and_the_walk_stops_after_them(self, factory, hub, store):
        run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        for i in range(12):  # more changes than a page holds, all newer than the last run
            changed = copy.deepcopy(store.get(f"acme/model-{i:04d}-{1 + i % 7}b"))
            changed.update(sha="e" * 40, lastModified=f"2025-07-01T00:{i:02d}:00.000Z")
            store.put(changed)
        hub.requests.clear()
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        assert summary.status == "completed" and summary.updated == 12
        assert summary.pages == 2, "the second page holds the last two changes, then models held unchanged"
        assert len([r for r in hub.requests if r.path == "/api/models"]) == 2, "no request for a third page"

    def test_license_and_revision_changes_become_history(self, factory, hub, store):
        run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        changed = copy.deepcopy(store.get("acme/model-0003-4b"))
        changed.update(sha="f" * 40, lastModified="2025-06-01T00:00:00.000Z",
                       tags=["transformers", "license:cc-by-nc-4.0"], cardData={"license": "cc-by-nc-4.0"})
        store.put(changed)
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        assert summary.updated == 1 and summary.new == 0
        with transaction(factory) as session:
            record = model_record(session, "acme/model-0003-4b")
            before = model_record(session, "acme/model-0003-4b", revision=f"{3:040x}")
        kinds = {e["kind"]: e for e in record["history"]}
        assert kinds["license"]["old"]["license"] == "apache-2.0"
        assert kinds["license"]["new"]["license"] == "cc-by-nc-4.0"
        assert kinds["sha"]["new"] == "f" * 40
        assert record["license"]["category"] == "non-commercial"
        assert {"license-changed", "non-commercial"} <= {f["code"] for f in record["findings"]}
        changed_finding = next(f for f in record["findings"] if f["code"] == "license-changed")
        assert changed_finding["evidence"]["old_sha"] == f"{3:040x}", "names the revision the old license was seen at"
        assert before["license"]["id"] == "apache-2.0", "the record at the old revision shows the old license"

    def test_full_sync_marks_disappeared_models_removed_and_restores_them(self, factory, hub, store):
        run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        gone = store.get("acme/model-0007-1b")
        store.remove("acme/model-0007-1b")
        summary = run_sync(factory, client_for(hub), SyncOptions(full=True, page_size=10))
        assert summary.removed == 1
        assert stored(factory)["acme/model-0007-1b"].removed_at is not None, "removed models are kept, marked"
        store.put(gone)
        run_sync(factory, client_for(hub), SyncOptions(full=True, page_size=10))
        with transaction(factory) as session:
            record = model_record(session, "acme/model-0007-1b")
        assert record["removed"] is False
        assert [e["kind"] for e in record["history"]][-2:] == ["removed", "restored"]

    def test_incremental_sync_never_marks_removals(self, factory, hub, store):
        run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        store.remove("acme/model-0001-2b")
        assert run_sync(factory, client_for(hub), SyncOptions(page_size=10)).removed == 0


class TestFaults:
    """A Hub that rate-limits, fails or answers garbage never crashes a run or loses data."""

    def test_rate_limit_is_honoured_then_the_run_completes(self, factory, hub):
        hub.faults.rate_limit, hub.faults.retry_after = 2, 0
        waits: list[float] = []
        client = client_for(hub)
        client.retry.on_wait = lambda problem, seconds: waits.append(seconds)
        summary = run_sync(factory, client, SyncOptions(page_size=10))
        assert summary.status == "completed"
        assert waits == [0.0, 0.0], "Retry-After: 0 is obeyed instead of the backoff"
        assert [r.status for r in hub.requests[:3]] == [429, 429, 200]

    def test_server_errors_dropped_connections_and_garbage_are_retried(self, factory, hub, store):
        hub.faults.server_error, hub.faults.drop, hub.faults.malformed = 1, 1, 1
        summary = run_sync(factory, client_for(hub, tries=6), SyncOptions(page_size=10))
        assert summary.status == "completed"
        assert len(stored(factory)) == len(store)

    def test_gives_up_with_a_clear_error_and_resumes_later(self, factory, hub, store):
        hub.faults.fail_after_pages = 2
        first = run_sync(factory, client_for(hub, tries=3), SyncOptions(page_size=10))
        assert first.status == "failed"
        assert "gave up" in first.error and "HTTP 500" in first.error
        assert 0 < len(stored(factory)) < len(store), "pages committed before the failure are kept"
        hub.faults.fail_after_pages = None
        second = run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        assert second.resumed and second.status == "completed"
        assert set(stored(factory)) == set(store)
        with transaction(factory) as session:
            assert session.scalar(select(func.count()).select_from(SyncRun)) == 1, "the failed run was continued"

    def test_malformed_fields_are_recorded_and_the_rest_ingested(self, factory, hub, store):
        hub.faults.bad_items = {"acme/model-0002-3b"}
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=10))
        assert summary.status == "completed" and summary.new == len(store)
        model = stored(factory)["acme/model-0002-3b"]
        assert model.problems, "the bad fields are recorded on the model"
        assert any(p.get("model") == "acme/model-0002-3b" for p in summary.problems)

    def test_items_without_an_id_count_as_failed(self, factory):
        bad = HubStore([{"id": "acme/ok", "tags": []}])
        with HubServer(bad) as server:
            bad.peek("acme/ok")["id"] = ""
            bad.peek("acme/ok")["modelId"] = None
            summary = run_sync(factory, client_for(server), SyncOptions())
        assert summary.failed == 1 and summary.status == "completed"


class TestPerModelCalls:
    """`catalog sync --model` fetches named models; gated and missing ones are recorded, not fatal."""

    def test_gated_and_missing_models_do_not_stop_the_run(self, factory, store):
        store.set_access(LLAMA, "gated")
        with HubServer(store, token="hf_secret_test_token") as server:
            summary = sync_models(factory, client_for(server), [LLAMA, "nobody/nothing", "openai-community/gpt2"])
        assert summary.status == "completed"
        models = stored(factory)
        assert models[LLAMA].access == "gated"
        assert "nobody/nothing" not in models
        assert models["openai-community/gpt2"].license_raw == "mit"

    def test_a_renamed_model_is_followed_and_keeps_its_row_history_and_old_id(self, factory, store, hub):
        # As the Hub did with bert-base-uncased -> google-bert/bert-base-uncased.
        run_sync(factory, client_for(hub), SyncOptions(page_size=50))
        before = stored(factory)["acme/model-0005-6b"]
        store.rename("acme/model-0005-6b", "acme-labs/model-0005-6b")
        summary = sync_models(factory, client_for(hub), ["acme/model-0005-6b"])
        assert summary.status == "completed" and summary.failed == 0
        redirected = [r for r in hub.requests if r.path == "/api/models/acme/model-0005-6b"]
        assert redirected and redirected[-1].status == 307
        models = stored(factory)
        assert "acme/model-0005-6b" not in models
        renamed = models["acme-labs/model-0005-6b"]
        assert (renamed.id, renamed.author, renamed.removed_at) == (before.id, "acme-labs", None)
        with transaction(factory) as session:
            record = model_record(session, "acme/model-0005-6b")
        assert record["id"] == "acme-labs/model-0005-6b"
        assert {"kind": "renamed", "old": "acme/model-0005-6b", "new": "acme-labs/model-0005-6b"}.items() <= next(
            e for e in record["history"] if e["kind"] == "renamed").items()
        assert {"model": "acme/model-0005-6b", "renamed_to": "acme-labs/model-0005-6b"} in summary.problems

    def test_a_rename_seen_in_the_listing_keeps_the_row_by_the_hubs_object_id(self, factory, store, hub):
        run_sync(factory, client_for(hub), SyncOptions(page_size=50))
        before = stored(factory)["acme/model-0006-7b"]
        store.rename("acme/model-0006-7b", "acme-labs/model-0006-7b")
        # A rename makes no commit, so an incremental walk may stop before reaching it; a full one does not.
        summary = run_sync(factory, client_for(hub), SyncOptions(page_size=50, full=True))
        assert (summary.new, summary.updated, summary.removed) == (0, 1, 0)
        assert {"model": "acme/model-0006-7b", "renamed_to": "acme-labs/model-0006-7b"} in summary.problems
        models = stored(factory)
        assert "acme/model-0006-7b" not in models
        assert models["acme-labs/model-0006-7b"].id == before.id
        with transaction(factory) as session:
            assert model_record(session, "acme/model-0006-7b")["id"] == "acme-labs/model-0006-7b"

    def test_rows_stored_without_the_hubs_object_id_get_it_when_walked_again(self, factory, hub):
        run_sync(factory, client_for(hub), SyncOptions(page_size=50))
        with transaction(factory) as session:
            session.execute(update(HubModel).values(hub_object_id=None))
        run_sync(factory, client_for(hub), SyncOptions(page_size=50, full=True))
        assert all(m.hub_object_id for m in stored(factory).values())

    def test_a_rename_onto_a_model_already_held_marks_the_old_row_removed(self, factory, store, hub):
        run_sync(factory, client_for(hub), SyncOptions(page_size=50))
        with transaction(factory) as session:  # rows as a catalog without the Hub's _id stored them
            session.execute(update(HubModel).values(hub_object_id=None))
        store.rename("acme/model-0007-1b", "acme-labs/model-0007-1b")
        run_sync(factory, client_for(hub), SyncOptions(page_size=50, full=True))
        assert stored(factory)["acme/model-0007-1b"].removed_at is not None  # gone from the listing
        sync_models(factory, client_for(hub), ["acme/model-0007-1b"])
        with transaction(factory) as session:
            record = model_record(session, "acme/model-0007-1b")
        assert record["removed"] and any(e["kind"] == "renamed" and e["new"] == "acme-labs/model-0007-1b"
                                         for e in record["history"])

    def test_hf_token_is_sent_but_never_stored(self, factory, store, monkeypatch):
        token = "hf_secret_test_token"
        store.set_access(LLAMA, "gated")
        monkeypatch.setenv("HF_TOKEN", token)
        with HubServer(store, token=token) as server:
            summary = sync_models(factory, client_for(server), [LLAMA])
            assert server.requests[-1].headers.get("authorization") == f"Bearer {token}"
        assert summary.status == "completed"
        assert stored(factory)[LLAMA].access == "ok"
        with transaction(factory) as session:
            dump = repr([model_record(session, LLAMA)]) + repr(session.scalars(select(SyncRun)).all()[0].__dict__)
        assert token not in dump


class TestLineageAcrossPages:
    """A derivative ingested before its base gets the base's obligations once the base arrives."""

    def test_base_arriving_on_a_later_page_rederives_its_derivatives(self, factory):
        derivative = {"id": "acme/summarizer", "lastModified": "2025-02-01T00:00:00.000Z",
                      "tags": ["license:mit", "base_model:finetune:nc-lab/base"], "cardData": {"license": "mit"}}
        base = {"id": "nc-lab/base", "lastModified": "2024-01-01T00:00:00.000Z",
                "tags": ["license:cc-by-nc-4.0"], "cardData": {"license": "cc-by-nc-4.0"}}
        with HubServer(HubStore([derivative, base])) as server:
            summary = run_sync(factory, client_for(server), SyncOptions(page_size=1))
        assert summary.pages == 2
        with transaction(factory) as session:
            record = model_record(session, "acme/summarizer")
        conflict = next(f for f in record["findings"] if f["code"] == "base-license-conflict")
        assert "cc-by-nc-4.0" in str(conflict["evidence"]) and "mit" in str(conflict["evidence"])
        assert "non-commercial" in {f["code"] for f in record["findings"]}

    @pytest.mark.parametrize("bulk_load", [True, False], ids=["first-load", "triggers"])
    def test_a_base_arriving_last_reaches_the_derivatives_of_its_derivatives(self, factory, bulk_load):
        """A quantisation of a fine-tune of a non-commercial base, listed newest first: the base
        arrives last, and its restriction reaches the quantisation two links down."""
        quantised = {"id": "quant/summarizer-GGUF", "lastModified": "2025-03-01T00:00:00.000Z",
                     "tags": ["license:mit", "base_model:quantized:acme/summarizer"], "cardData": {"license": "mit"}}
        derivative = {"id": "acme/summarizer", "lastModified": "2025-02-01T00:00:00.000Z",
                      "tags": ["license:mit", "base_model:finetune:nc-lab/base"], "cardData": {"license": "mit"}}
        base = {"id": "nc-lab/base", "lastModified": "2024-01-01T00:00:00.000Z",
                "tags": ["license:cc-by-nc-4.0"], "cardData": {"license": "cc-by-nc-4.0"}}
        with HubServer(HubStore([quantised, derivative, base])) as server:
            summary = run_sync(factory, client_for(server), SyncOptions(page_size=1, bulk_load=bulk_load))
        assert summary.pages == 3
        with transaction(factory) as session:
            record = model_record(session, "quant/summarizer-GGUF")
        assert "non-commercial" in {f["code"] for f in record["findings"]}
        assert "nc-lab/base" in str(record["findings"])
        # And when the base's license later changes, the change reaches that far down too.
        base.update(lastModified="2025-06-01T00:00:00.000Z", tags=["license:mit"], cardData={"license": "mit"})
        with HubServer(HubStore([quantised, derivative, base])) as server:
            assert run_sync(factory, client_for(server), SyncOptions(page_size=1)).updated == 1
        with transaction(factory) as session:
            assert "non-commercial" not in {f["code"] for f in model_record(session, "quant/summarizer-GGUF")["findings"]}

    def test_a_base_named_only_by_the_curated_table_reaches_its_models_when_it_arrives(self, factory):
        """The DeepSeek-R1 distills' cards name no base; catalog's curated lineage table does. Listed
        before that base, they were derived from the table's record of it; once the base itself is
        stored, they and the models built on them follow what the catalogue holds of it."""
        quantised = {"id": "quant/DeepSeek-R1-Distill-Llama-8B-GGUF", "lastModified": "2025-03-01T00:00:00.000Z",
                     "tags": ["license:mit", "base_model:quantized:deepseek-ai/DeepSeek-R1-Distill-Llama-8B"],
                     "cardData": {"license": "mit"}}
        distill = {"id": "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "lastModified": "2025-02-01T00:00:00.000Z",
                   "tags": ["license:mit"], "cardData": {"license": "mit"}}
        # Not the base's real license: one the table does not record, so that the difference shows.
        base = {"id": "meta-llama/Llama-3.1-8B", "lastModified": "2024-07-01T00:00:00.000Z",
                "tags": ["license:cc-by-nc-4.0"], "cardData": {"license": "cc-by-nc-4.0"}}
        with HubServer(HubStore([quantised, distill, base])) as server:
            assert run_sync(factory, client_for(server), SyncOptions(page_size=1)).pages == 3

        def findings() -> dict[str, set[str]]:
            with transaction(factory) as session:
                return {repo_id: {f["code"] for f in model_record(session, repo_id)["findings"]}
                        for repo_id in (quantised["id"], distill["id"])}

        by_sync = findings()
        assert "non-commercial" in by_sync[distill["id"]] and "non-commercial" in by_sync[quantised["id"]]
        with transaction(factory) as session:
            derive_models(session, list(session.scalars(select(HubModel.id))))
        assert findings() == by_sync

    def test_findings_written_page_by_page_equal_a_recompute_from_the_database(self, factory, store):
        """Sync derives from what it just parsed; `catalog audit --recompute` reads the rows back.

        Both must store the same findings, lineage and license changes included.
        """
        store.put({"id": "acme/summarizer", "lastModified": "2025-02-01T00:00:00.000Z",
                   "tags": ["license:mit", "base_model:finetune:nc-lab/base", "base_model:adapter:acme/model-0001-2b"],
                   "cardData": {"license": "mit"}, "siblings": [{"rfilename": "adapter.bin"}]})
        store.put({"id": "nc-lab/base", "lastModified": "2024-01-01T00:00:00.000Z",
                   "tags": ["license:cc-by-nc-4.0"], "cardData": {"license": "cc-by-nc-4.0"}})
        with HubServer(store) as server:
            run_sync(factory, client_for(server), SyncOptions(page_size=7))
            changed = copy.deepcopy(store.get("acme/model-0001-2b"))
            changed.update(sha="e" * 40, lastModified="2025-07-01T00:00:00.000Z",
                           tags=["license:llama3.1"], cardData={"license": "llama3.1"})
            store.put(changed)
            assert run_sync(factory, client_for(server), SyncOptions(page_size=7)).updated == 1
            # The Hub renames the adapter's base; the adapter's card still names the old id.
            store.rename("acme/model-0001-2b", "acme-labs/model-0001-2b")
            assert run_sync(factory, client_for(server), SyncOptions(page_size=7, full=True)).removed == 0
            # And one rename met through its redirect: the other base, fetched by its old id.
            store.rename("nc-lab/base", "nc-labs/base")
            assert sync_models(factory, client_for(server), ["nc-lab/base"]).status == "completed"

        def findings() -> list[tuple]:
            with transaction(factory) as session:
                return [tuple(row) for row in session.execute(
                    select(HubModel.repo_id, AuditFinding.code, AuditFinding.severity, AuditFinding.message,
                           AuditFinding.evidence).join(HubModel, HubModel.id == AuditFinding.model_id)
                    .order_by(HubModel.repo_id, AuditFinding.id)
                )]

        by_sync = findings()
        with transaction(factory) as session:
            derive_models(session, list(session.scalars(select(HubModel.id))))
        assert findings() == by_sync
        codes = {(repo_id, code) for repo_id, code, *_ in by_sync}
        assert {("acme/summarizer", "base-license-conflict"), ("acme/summarizer", "pickle-weights"),
                ("acme-labs/model-0001-2b", "license-changed")} <= codes
        # Lineage still reaches the renamed bases through their former ids, and names them as they are now.
        summarizer = str([row for row in by_sync if row[0] == "acme/summarizer"])
        assert "llama3.1" in summarizer and "acme-labs/model-0001-2b" in summarizer
        assert "cc-by-nc-4.0" in summarizer and "nc-labs/base" in summarizer


class TestAfterABulkLoad:
    def test_a_large_run_refreshes_postgresql_statistics_and_leaves_sqlite_planner_alone(
            self, factory, hub, engine, monkeypatch):
        monkeypatch.setattr("catalog.crawl.sync._ANALYZE_AFTER", 10)
        run_sync(factory, client_for(hub), SyncOptions(page_size=50))
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                analysed = conn.execute(text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")).scalars().all()
                assert {"hub_models", "hub_model_search", "audit_findings"} <= set(analysed)
            else:
                assert not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()

    def test_postgresql_statistics_follow_a_growing_catalogue_during_the_run(self, factory, hub, engine, monkeypatch):
        """Lookups by repo id, and the deletes of re-derived models' findings, stay index lookups
        while a first load grows the tables from nothing."""
        monkeypatch.setattr("catalog.crawl.sync._FIRST_ANALYZE", 10)
        monkeypatch.setattr("catalog.crawl.sync._ANALYZE_AFTER", 10**9)  # no refresh at the end
        run_sync(factory, client_for(hub), SyncOptions(page_size=50, bulk_load=False))
        if engine.dialect.name != "postgresql":
            return
        with engine.connect() as conn:
            analysed = conn.execute(text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")).scalars().all()
        assert {"hub_models", "hub_model_bases", "audit_findings"} <= set(analysed)
