"""Each item that once stopped the crawler for good (issue 11), served by the fake Hub beside
well-formed models: the run completes, the others are stored, the item is stored with its
problems recorded or counted as failed with its id and reason, and what is stored is readable."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from catalog.crawl.sync import SyncOptions, run_sync, sync_models
from catalog.db.engine import transaction
from catalog.db.tables import HubModel, SyncRun
from catalog.hubsim.server import HubServer, HubStore
from catalog.hubsim.wire import RawJSON
from tests.crawl.test_sync import client_for, synthetic

HOSTILE = "evil/model"
DEEP = 1_500


def sync_with(factory, hostile: dict, *, others: int = 30, page_size: int = 7, **extra):
    """Serve ``others`` well-formed models and one hostile item among them; run a full sync."""
    models = synthetic(others)
    models.insert(others // 2, {"id": HOSTILE, "lastModified": "2024-01-15T00:30:00.000Z", **hostile})
    with HubServer(HubStore(models)) as hub:
        summary = run_sync(factory, client_for(hub, tries=2), SyncOptions(page_size=page_size, full=True))
    with transaction(factory) as session:
        rows = {m.repo_id: m for m in session.scalars(select(HubModel))}
        statuses = session.scalars(select(SyncRun.status)).all()
    assert summary.status == "completed", summary.error
    assert statuses == ["completed"]
    assert {m["id"] for m in synthetic(others)} <= set(rows), "a bad item cost other models"
    return summary, rows


def problem_fields(row: HubModel) -> set[str]:
    return {p["field"] for p in row.problems}


def test_a_card_nested_1500_deep_is_a_problem_not_a_failed_page(factory):
    card = RawJSON('{"license":"mit","model-index":' + "[" * DEEP + "]" * DEEP + "}")
    _, rows = sync_with(factory, {"cardData": card})
    assert rows[HOSTILE].license_id == "mit"
    assert "cardData" in problem_fields(rows[HOSTILE])


def test_a_number_of_5000_digits_is_a_problem(factory):
    _, rows = sync_with(factory, {"downloads": RawJSON("9" * 5000), "likes": 3})
    assert (rows[HOSTILE].downloads, rows[HOSTILE].likes) == (None, 3)
    assert "downloads" in problem_fields(rows[HOSTILE])


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_creation_date_python_cannot_hold_in_utc_is_a_problem(factory, stamp):
    _, rows = sync_with(factory, {"createdAt": stamp})
    assert rows[HOSTILE].hub_created_at is None
    assert "createdAt" in problem_fields(rows[HOSTILE])


def test_numbers_beyond_their_columns_are_clamped_or_refused_with_a_problem(factory):
    _, rows = sync_with(factory, {"safetensors": {"total": 2**63}, "likes": 2**31, "downloads": 2**63})
    row = rows[HOSTILE]
    assert row.parameters_source != "safetensors"
    assert (row.likes, row.downloads) == (2**31 - 1, 2**63 - 1)
    assert {"safetensors", "likes", "downloads"} <= problem_fields(row)


def test_lone_surrogates_and_nuls_are_removed_with_a_problem(factory):
    _, rows = sync_with(factory, {"author": "ev\ud800il", "tags": ["\ud800x", "license:mit"],
                                  "cardData": {"license": "mit", "note\ud83d": "a\x00b\udfff"},
                                  "sha": "ab\x00cd"})
    row = rows[HOSTILE]
    assert row.author == "evil"
    assert row.tags == ["x", "license:mit"]
    assert row.card_data == {"license": "mit", "note": "ab"}
    assert row.sha == "abcd"
    assert {"author", "tags", "cardData", "sha"} <= problem_fields(row)


def test_an_author_longer_than_its_column_is_a_problem(factory):
    _, rows = sync_with(factory, {"author": "a" * 101})
    assert rows[HOSTILE].author == "evil"  # the repo id's namespace
    assert "author" in problem_fields(rows[HOSTILE])


@pytest.mark.parametrize("bad_id", ["evil/mo\x00del", "evil/\ud800model", "evil/" + "x" * 200])
def test_an_item_whose_id_no_database_can_key_is_a_failed_item(factory, bad_id):
    summary, rows = sync_with(factory, {"id": bad_id})
    assert summary.failed == 1
    assert len(rows) == 30
    assert any("no usable id" in str(p.get("problem")) for p in summary.problems)


def test_a_garbage_object_id_never_makes_a_rename(factory):
    models = [{"id": f"org/m{i}", "_id": "garbage", "lastModified": f"2024-01-0{i + 1}T00:00:00Z"} for i in range(3)]
    with HubServer(HubStore(models)) as hub:
        for _ in range(2):  # the second walk meets the stored rows under "their" object id
            summary = run_sync(factory, client_for(hub), SyncOptions(page_size=1, full=True))
    assert summary.status == "completed"
    with transaction(factory) as session:
        rows = session.scalars(select(HubModel).order_by(HubModel.repo_id)).all()
    assert [(r.repo_id, r.hub_object_id, r.removed_at) for r in rows] == [
        ("org/m0", None, None), ("org/m1", None, None), ("org/m2", None, None)]
    assert not [p for p in summary.problems if "renamed_to" in p]
    assert "_id" in problem_fields(rows[0])


@pytest.fixture
def poison(engine):
    """A database that refuses one model outright (a trigger): what ingest did not foresee."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER poison BEFORE INSERT ON hub_models WHEN NEW.repo_id = 'evil/model' "
                              "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"))
        else:
            conn.execute(text("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                              "IF NEW.repo_id = 'evil/model' THEN RAISE EXCEPTION 'poisoned row'; END IF; "
                              "RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER poison BEFORE INSERT ON hub_models FOR EACH ROW EXECUTE FUNCTION poison()"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER poison" + (" ON hub_models" if engine.dialect.name != "sqlite" else "")))
        if engine.dialect.name != "sqlite":
            conn.execute(text("DROP FUNCTION poison()"))


def test_an_item_the_database_refuses_is_a_failed_item_and_the_page_commits(factory, poison):
    summary, rows = sync_with(factory, {"cardData": {"license": "mit"}})
    assert HOSTILE not in rows
    assert summary.failed == 1 and summary.new == 30
    assert any(p.get("model") == HOSTILE and "poisoned row" in p["problem"] for p in summary.problems)


def test_an_item_parsing_fails_on_unforeseen_is_a_failed_item_and_the_page_commits(factory, monkeypatch):
    """A bug in parsing one item costs that item only, with the reason, never the run or the other models."""
    from catalog.crawl import store

    def parse(item):
        if item.get("id") == HOSTILE:
            raise RuntimeError("parser bug")
        return real_parse(item)

    real_parse = store.parse_item
    monkeypatch.setattr(store, "parse_item", parse)
    summary, rows = sync_with(factory, {"cardData": {"license": "mit"}})
    assert HOSTILE not in rows
    assert summary.failed == 1 and summary.new == 30
    assert any(p.get("model") == HOSTILE and "RuntimeError: parser bug" in p["problem"] for p in summary.problems)


def test_a_named_model_the_database_refuses_is_a_failed_item(factory, poison):
    with HubServer(HubStore([{"id": HOSTILE}, *synthetic(2)])) as hub:
        summary = sync_models(factory, client_for(hub), [HOSTILE, "acme/model-0000-1b"])
    assert summary.status == "completed" and summary.failed == 1 and summary.new == 1


def test_stored_values_an_older_version_let_in_are_served(engine, factory, client):
    """SQLite JSON text may hold lone surrogates and NaN written before ingest cleaned them."""
    sync_with(factory, {"cardData": {"license": "mit"}}, others=2)
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's JSONB never accepted these values")
    with engine.begin() as conn:
        # (The full-text triggers read card_data with json_extract, which refuses NaN there.)
        conn.execute(text("UPDATE hub_models SET card_data = :card, parameters_by_dtype = :dtypes, "
                          "license_raw = :license, problems = :problems WHERE repo_id = :id"),
                     {"card": '{"license": "mit", "x": "\\ud800"}', "dtypes": '{"BF16": NaN}',
                      "license": '["mit", "\\udfff"]', "problems": '[{"field": "x\\ud800", "value": Infinity}]',
                      "id": HOSTILE})
    for url in (f"/models/{HOSTILE}", f"/api/v1/models/{HOSTILE}", "/models", "/api/v1/models"):
        response = client.get(url)
        assert response.status_code == 200, url


def test_stored_numbers_are_served_exactly_as_the_card_wrote_them(factory, client):
    """Integers beyond 64 bits and floats that need every digit come back unchanged (stored JSON is
    read by a faster decoder only where it cannot change a number)."""
    numbers = {"big": 123456789012345678901234567, "negative": -98765432109876543210, "sum": 0.30000000000000004,
               "tiny": 1.5e-300, "int64": 9223372036854775807, "list": [0.1, 2.5e-8, -7.25]}
    sync_with(factory, {"cardData": {"license": "mit", **numbers}}, others=2)
    card = client.get(f"/api/v1/models/{HOSTILE}").json()["card_data"]
    assert {key: card[key] for key in numbers} == numbers
    assert all(type(card[key]) is type(value) for key, value in numbers.items())
