"""The search function behind /models and /api/v1/models, on every configured backend."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import delete, select, text, update

from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import transaction, utcnow
from catalog.db.tables import AppSetting, Flag, HubModel, HubModelSearch, Team
from catalog.errors import InvalidQuery
from catalog.facts.derive import derive_models
from catalog.hubsim.server import HubServer, HubStore
from catalog.search import facet_cache
from catalog.search.facets import wait_for_refresh
from catalog.search.query import SearchParams, parse_size, search
from tests.conftest import _empty
from tests.factories import hub_item, load


def run(factory, team_id=None, **query):
    with factory() as session:
        return search(session, SearchParams.from_query(query), team_id=team_id)


def ids(result):
    return [row["id"] for row in result.data]


def facet(result, name):
    return {v["value"]: v["count"] for v in result.facets[name]["results"]}


@pytest.fixture
def catalogue(factory):
    load(
        factory,
        hub_item("meta/llama-7b", license="llama2", downloads=900, likes=5, safetensors={"total": 7_000_000_000},
                 card={"model_name": "Llama Seven"}),
        hub_item("meta/llama-70b", license="llama2", downloads=800, likes=50, safetensors={"total": 70_000_000_000}),
        hub_item("acme/bert-small", license="mit", downloads=50, likes=9, pipeline_tag="fill-mask",
                 safetensors={"total": 110_000_000}),
        hub_item("acme/whisper-gguf", license="apache-2.0", downloads=300, library_name="gguf",
                 pipeline_tag="automatic-speech-recognition", gated="manual",
                 siblings=[{"rfilename": "model.Q4_K_M.gguf"}]),
        hub_item("solo/nolicense", license=None, downloads=10, extra_tags=["zebra-stripes"]),
        hub_item("solo/noncommercial", license="cc-by-nc-4.0", downloads=20),
    )
    return factory


def test_default_search_lists_live_models_by_downloads(catalogue):
    result = run(catalogue)
    assert ids(result) == ["meta/llama-7b", "meta/llama-70b", "acme/whisper-gguf", "acme/bert-small",
                           "solo/noncommercial", "solo/nolicense"]
    assert result.count == 6
    row = result.data[0]
    assert row["license"] == {"id": "llama2", "category": "community"}
    assert row["parameters"] == {"total": 7_000_000_000, "source": "safetensors"}
    assert row["removed"] is False and row["flag"] is None


def test_facet_counts_and_combination(catalogue):
    result = run(catalogue)
    assert facet(result, "license") == {"llama2": 2, "mit": 1, "apache-2.0": 1, "none": 1, "cc-by-nc-4.0": 1}
    assert facet(result, "author") == {"meta": 2, "acme": 2, "solo": 2}
    assert facet(result, "size") == {"3-10B": 1, "30-100B": 1, "<1B": 1, "unknown": 3}

    combined = run(catalogue, author="acme", license=["mit", "apache-2.0"])
    assert sorted(ids(combined)) == ["acme/bert-small", "acme/whisper-gguf"]
    # A facet is counted without its own filter, so other values stay reachable...
    assert facet(combined, "license") == {"mit": 1, "apache-2.0": 1}
    assert facet(combined, "author") == {"acme": 2}
    # ...and with every other filter, so it never offers a dead end.
    only_acme = run(catalogue, author="acme")
    assert facet(only_acme, "license") == {"mit": 1, "apache-2.0": 1}
    assert facet(only_acme, "author") == {"meta": 2, "acme": 2, "solo": 2}
    selected = [v["value"] for v in only_acme.facets["author"]["results"] if v["selected"]]
    assert selected == ["acme"]


def test_toggle_urls_add_and_remove_one_value(catalogue):
    first_page = run(catalogue, author="acme", sort="likes", limit="1")
    result = run(catalogue, author="acme", sort="likes", limit="1", cursor=first_page.next_cursor)
    urls = {v["value"]: v["toggle_url"] for v in result.facets["author"]["results"]}
    # The cursor is dropped: a changed search starts again on its first page.
    assert sorted(parse_qsl(urls["acme"][1:])) == [("limit", "1"), ("sort", "likes")]
    assert sorted(parse_qsl(urls["meta"][1:])) == [("author", "acme"), ("author", "meta"), ("limit", "1"),
                                                    ("sort", "likes")]


@pytest.mark.parametrize(("query", "expected"), [
    ({"license": "none"}, ["solo/nolicense"]),
    ({"category": "non-commercial"}, ["solo/noncommercial"]),
    ({"task": "fill-mask"}, ["acme/bert-small"]),
    ({"library": "gguf"}, ["acme/whisper-gguf"]),
    ({"gated": "true"}, ["acme/whisper-gguf"]),
    ({"gated": "manual"}, ["acme/whisper-gguf"]),
    ({"format": "gguf"}, ["acme/whisper-gguf"]),
    ({"params_min": "1B"}, ["meta/llama-7b", "meta/llama-70b"]),
    ({"params_min": "1e9", "params_max": "7B"}, ["meta/llama-7b"]),
    ({"params_max": "350M"}, ["acme/bert-small"]),
    ({"size": ["<1B", "30-100B"]}, ["meta/llama-70b", "acme/bert-small"]),
    ({"size": "unknown", "author": "solo"}, ["solo/noncommercial", "solo/nolicense"]),
    ({"q": "llama"}, ["meta/llama-7b", "meta/llama-70b"]),
    ({"q": "seven"}, ["meta/llama-7b"]),  # the card's model_name
    ({"q": "zebra"}, ["solo/nolicense"]),  # a tag, by prefix
    ({"q": "ACME bert"}, ["acme/bert-small"]),
    ({"q": 'bert" OR "llama NEAR( *'}, []),  # FTS operators are words, never syntax
    ({"q": "<script>"}, []),
    # Free text with filters (on PostgreSQL, one GIN scan of the text and the filters' values).
    ({"q": "llama", "license": "llama2", "size": "3-10B"}, ["meta/llama-7b"]),
    ({"q": "acme", "license": ["mit", "apache-2.0"], "task": "fill-mask"}, ["acme/bert-small"]),
    ({"q": "acme", "license": ["none", "mit"]}, ["acme/bert-small"]),
    ({"q": "solo", "author": "solo", "category": "non-commercial"}, ["solo/noncommercial"]),
    ({"q": "whisper", "library": "gguf", "task": "automatic-speech-recognition"}, ["acme/whisper-gguf"]),
    ({"q": "llama", "author": "o'neil\\x y", "library": "a|b & !c"}, []),  # tsquery syntax is text here
])
def test_each_filter(catalogue, query, expected):
    assert ids(run(catalogue, **query)) == expected


def test_free_text_with_filters_counts_each_facet_without_its_own_filter(catalogue):
    result = run(catalogue, q="acme", license="mit")
    assert ids(result) == ["acme/bert-small"] and result.count == 1
    assert facet(result, "license") == {"apache-2.0": 1, "mit": 1}  # the text alone
    assert facet(result, "category") == {"permissive": 1}  # the text and the license


def test_findings_filter_and_facet(catalogue):
    result = run(catalogue)
    codes = facet(result, "finding")
    assert codes, "the catalogue fixture should raise findings (missing license at least)"
    code, n = next(iter(codes.items()))
    filtered = run(catalogue, finding=code)
    assert filtered.count == n
    assert all(code in row["findings"]["codes"] for row in filtered.data)


def test_removed_models_hidden_by_default(catalogue):
    with transaction(catalogue) as session:
        session.execute(update(HubModel).where(HubModel.repo_id == "solo/nolicense").values(removed_at=utcnow()))
    assert "solo/nolicense" not in ids(run(catalogue))
    assert ids(run(catalogue, removed="true")) == ["solo/nolicense"]
    assert run(catalogue, removed="any").count == 6
    assert facet(run(catalogue), "removed") == {"false": 5, "true": 1}


def test_team_flag_filter_uses_newest_flag(catalogue):
    with transaction(catalogue) as session:
        team = Team(name="legal")
        session.add(team)
        session.flush()
        model_id = session.scalar(select(HubModel.id).where(HubModel.repo_id == "meta/llama-7b"))
        session.add(Flag(team_id=team.id, model_id=model_id, status="needs-review"))
        session.flush()
        session.add(Flag(team_id=team.id, model_id=model_id, status="approved"))
        team_id = team.id
    assert ids(run(catalogue, team_id=team_id, flag="approved")) == ["meta/llama-7b"]
    assert ids(run(catalogue, team_id=team_id, flag="needs-review")) == []
    assert run(catalogue, team_id=team_id, flag="none").count == 5
    result = run(catalogue, team_id=team_id)
    assert facet(result, "flag") == {"approved": 1, "none": 5}
    assert result.data[0]["flag"] == "approved"
    with pytest.raises(InvalidQuery) as excinfo:
        run(catalogue, flag="approved")
    assert excinfo.value.field == "flag"


@pytest.mark.parametrize(("sort", "expected"), [
    # `key` is ascending, `-key` descending (issue 12: the common REST convention).
    ("-likes", ["meta/llama-70b", "acme/bert-small", "meta/llama-7b"]),
    ("-parameters", ["meta/llama-70b", "meta/llama-7b", "acme/bert-small"]),
    ("parameters", ["acme/bert-small", "meta/llama-7b", "meta/llama-70b"]),
    ("name", ["acme/bert-small", "acme/whisper-gguf", "meta/llama-70b"]),
    ("downloads", ["solo/nolicense", "solo/noncommercial", "acme/bert-small"]),
])
def test_sorts(catalogue, sort, expected):
    assert ids(run(catalogue, sort=sort))[:3] == expected


def test_models_without_a_value_sort_last_both_ways(catalogue):
    for sort in ("parameters", "-parameters"):
        order = ids(run(catalogue, sort=sort))
        assert set(order[-3:]) == {"acme/whisper-gguf", "solo/nolicense", "solo/noncommercial"}


@pytest.mark.parametrize("sort", ["downloads", "-downloads", "-likes", "parameters", "-parameters", "-last_modified", "name"])
def test_cursor_pagination_returns_every_row_once(factory, sort):
    # Ties on purpose: equal downloads/likes and missing parameter counts must not lose rows.
    load(factory, *[hub_item(f"org/m{i:02d}", downloads=i % 3, likes=i % 2,
                             lastModified=f"2025-01-{1 + i % 5:02d}T00:00:00.000Z",
                             **({"safetensors": {"total": (i % 4) * 10**9}} if i % 3 else {}))
                    for i in range(23)])
    seen, cursor, pages = [], None, 0
    while True:
        query = {"sort": sort, "limit": "5", **({"cursor": cursor} if cursor else {})}
        result = run(factory, **query)
        seen += ids(result)
        pages += 1
        cursor = result.next_cursor
        if cursor is None:
            break
    assert pages == 5
    assert sorted(seen) == sorted(f"org/m{i:02d}" for i in range(23))
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(("query", "field"), [
    ({"params_min": "seven"}, "params_min"),
    ({"params_max": "-3B"}, "params_max"),
    ({"params_min": "7B", "params_max": "1B"}, "params_min"),
    ({"sort": "popularity"}, "sort"),
    ({"limit": "ten"}, "limit"),
    ({"limit": "0"}, "limit"),
    ({"gated": "maybe"}, "gated"),
    ({"removed": "sometimes"}, "removed"),
    ({"size": "huge"}, "size"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"q": "x" * 500}, "q"),
    ({"relation": "finetune"}, "relation"),
    ({"base_model": "a/b", "relation": "cousin"}, "relation"),
    ({"base_model": "x" * 300}, "base_model"),
])
def test_bad_parameters_name_the_field(query, field):
    with pytest.raises(InvalidQuery) as excinfo:
        SearchParams.from_query(query)
    assert excinfo.value.field == field


def test_cursor_of_another_sort_is_refused(catalogue):
    cursor = run(catalogue, limit="1").next_cursor
    with pytest.raises(InvalidQuery) as excinfo:
        run(catalogue, sort="likes", cursor=cursor)
    assert excinfo.value.field == "cursor"


def test_limit_is_capped():
    assert SearchParams.from_query({"limit": "5000"}).limit == 200


@pytest.mark.parametrize(("text", "value"), [("7B", 7 * 10**9), ("350M", 350 * 10**6), ("1.5e9", 1_500_000_000),
                                             ("1200000", 1_200_000), ("1.5b", 1_500_000_000)])
def test_parse_size(text, value):
    assert parse_size(text) == value


def test_unfiltered_counts_follow_new_data(catalogue):
    """New data is first answered with the previous counts, marked stale, while they are recounted
    in the background; after that, with the new counts."""
    first = run(catalogue)
    assert first.count == 6 and first.facets_stale is False
    load(catalogue, hub_item("late/arrival", license="mit"))
    stale = run(catalogue)
    assert stale.facets_stale is True and stale.to_dict()["facets_stale"] is True
    assert stale.count == 6 and facet(stale, "license")["mit"] == 1
    assert "late/arrival" in ids(stale), "the rows themselves are always current"
    assert run(catalogue, license="mit").count == 2, "filtered counts are never served stale"
    wait_for_refresh()
    result = run(catalogue)
    assert result.facets_stale is False
    assert result.count == 7
    assert facet(result, "license")["mit"] == 2


def test_unfiltered_counts_are_recounted_first_without_background_refresh(catalogue, monkeypatch):
    monkeypatch.setattr(facet_cache, "BACKGROUND_REFRESH", False)
    assert run(catalogue).count == 6
    load(catalogue, hub_item("late/arrival", license="mit"))
    result = run(catalogue)
    assert result.facets_stale is False
    assert result.count == 7 and facet(result, "license")["mit"] == 2


def test_counts_of_an_emptied_and_reloaded_database_are_never_served_stale(engine, catalogue):
    assert run(catalogue).count == 6
    _empty(engine)
    load(catalogue, hub_item("fresh/start", license="mit"))
    result = run(catalogue)
    assert result.facets_stale is False
    assert result.count == 1 and facet(result, "license") == {"mit": 1}


# --- The search projection (hub_model_search) follows every write to hub_models ---------------

def projection_matches_models(factory) -> None:
    """Every model has exactly one projection row holding its current searchable values."""
    with factory() as session:
        models = {m.id: m for m in session.scalars(select(HubModel))}
        rows = {r.model_id: r for r in session.scalars(select(HubModelSearch))}
    assert set(rows) == set(models)
    for model_id, m in models.items():
        r = rows[model_id]
        assert (r.name, r.author, r.license_id, r.license_category, r.pipeline_tag, r.library_name, r.gated,
                r.parameters_total, r.downloads, r.likes, r.last_modified, r.removed) == (
                m.repo_id, m.author, m.license_id, m.license_category, m.pipeline_tag, m.library_name, m.gated,
                m.parameters_total, m.downloads, m.likes, m.last_modified, m.removed_at is not None), m.repo_id


def test_resync_updates_counters_and_changed_fields(catalogue):
    # Counters only: the "unchanged" path of a sync, which rewrites downloads and likes alone.
    load(catalogue, hub_item("solo/nolicense", license=None, downloads=5000, likes=70, extra_tags=["zebra-stripes"]))
    assert ids(run(catalogue))[0] == "solo/nolicense"
    assert ids(run(catalogue, sort="-likes"))[0] == "solo/nolicense"
    assert ids(run(catalogue, q="zebra")) == ["solo/nolicense"]  # its words are kept
    # A changed card: new license, task, size, tags and summary.
    assert ids(run(catalogue, q="kangaroo")) == []
    load(catalogue, hub_item("acme/bert-small", license="cc-by-nc-4.0", downloads=50, pipeline_tag="text-generation",
                             safetensors={"total": 2_000_000_000}, sha="b" * 40, extra_tags=["kangaroo"],
                             card={"model_name": "Tiny Encoder"}))
    assert ids(run(catalogue, q="kangaroo")) == ids(run(catalogue, q="tiny encod")) == ["acme/bert-small"]
    assert ids(run(catalogue, category="non-commercial")) == ["acme/bert-small", "solo/noncommercial"]
    assert ids(run(catalogue, task="fill-mask")) == []
    assert ids(run(catalogue, size="1-3B")) == ["acme/bert-small"]
    run(catalogue)  # answered with the previous counts; starts their recount
    wait_for_refresh()
    assert facet(run(catalogue), "license")["cc-by-nc-4.0"] == 2
    projection_matches_models(catalogue)


def test_full_sync_removal_and_restore_reach_search(factory):
    from tests.crawl.test_sync import client_for, synthetic

    store = HubStore(synthetic(12))
    with HubServer(store) as hub:
        run_sync(factory, client_for(hub), SyncOptions(page_size=5))
        gone = store.get("acme/model-0007-1b")
        store.remove("acme/model-0007-1b")
        run_sync(factory, client_for(hub), SyncOptions(full=True, page_size=5))
        assert "acme/model-0007-1b" not in ids(run(factory, limit="50"))
        assert ids(run(factory, removed="true")) == ["acme/model-0007-1b"]
        assert facet(run(factory, author="acme"), "removed") == {"false": 11, "true": 1}
        store.put(gone)
        run_sync(factory, client_for(hub), SyncOptions(full=True, page_size=5))
    run(factory)  # answered with the previous counts; starts their recount
    wait_for_refresh()
    assert run(factory).count == 12 and run(factory, removed="true").count == 0
    projection_matches_models(factory)


def test_rederiving_a_license_reaches_search(catalogue):
    with transaction(catalogue) as session:
        model_id = session.scalar(select(HubModel.id).where(HubModel.repo_id == "solo/nolicense"))
        session.execute(update(HubModel).where(HubModel.id == model_id).values(license_raw="mit"))
        derive_models(session, [model_id])
    assert ids(run(catalogue, license="mit")) == ["acme/bert-small", "solo/nolicense"]
    assert run(catalogue, license="none").count == 0
    projection_matches_models(catalogue)


def test_deleted_models_leave_search(catalogue):
    with transaction(catalogue) as session:
        session.execute(delete(HubModel).where(HubModel.repo_id == "meta/llama-7b"))
    assert "meta/llama-7b" not in ids(run(catalogue))
    assert run(catalogue, author="meta").count == 1
    projection_matches_models(catalogue)


@pytest.mark.parametrize(("name", "value"), [("finding", "license-missing"), ("format", "gguf")])
def test_a_value_or_none_of_a_related_filter_is_both_sets(catalogue, name, value):
    """finding=X&finding=none: the models with finding X and those with no finding at all (each
    part probed per model, never a list of the whole related table: see plan._related)."""
    load(catalogue, hub_item("solo/plain", license="cc0-1.0", siblings=[{"rfilename": "README.md"}]))
    with_value, with_none = set(ids(run(catalogue, **{name: value}))), set(ids(run(catalogue, **{name: "none"})))
    assert with_value and with_none == {"solo/plain"}
    assert set(ids(run(catalogue, **{name: [value, "none"]}))) == with_value | with_none


@pytest.mark.parametrize("query", [{}, {"license": "llama2"}, {"q": "llama"}, {"author": "acme"},
                                   {"finding": "license-missing"}, {"format": "gguf", "q": "whisper"},
                                   {"finding": ["none", "gated"]}])
@pytest.mark.parametrize("sample", [2000, 3])
def test_finding_and_format_facets_count_the_related_rows(catalogue, monkeypatch, query, sample):
    """The facets read the projection's masks (catalog.db.marks), cached, sampled or shared: each
    value counts the models with such a finding or format among those the other filters match."""
    from catalog.search import facets
    from catalog.search.query import iter_search

    run(catalogue)  # the cached unfiltered counts
    monkeypatch.setattr(facets, "SAMPLE", sample)
    result = run(catalogue, **query)
    for name, table, column in (("finding", "audit_findings", "code"), ("format", "hub_model_formats", "format")):
        others = {k: v for k, v in query.items() if k != name}
        with catalogue() as session:
            matched = [row["id"] for row in iter_search(session, SearchParams.from_query(others))]
            if result.facets_approximate:
                matched = matched if len(matched) <= sample else None
            if matched is None:
                continue  # a sample of more matches: which ones is the index's business
            if session.get_bind().dialect.name == "sqlite":
                among, bound = "m.repo_id IN (SELECT value FROM json_each(:ids))", json.dumps(matched)
            else:
                among, bound = "m.repo_id = ANY(CAST(:ids AS text[]))", "{" + ",".join(f'"{m}"' for m in matched) + "}"
            expected = dict(session.execute(text(
                f"SELECT r.{column}, count(DISTINCT r.model_id) FROM {table} r JOIN hub_models m ON m.id = r.model_id "
                f"WHERE {among} GROUP BY r.{column}"), {"ids": bound}).all())
        shown = {v: n for v, n in facet(result, name).items() if n or v not in getattr(SearchParams.from_query(query), name)}
        assert shown == expected, (name, query)


@pytest.mark.parametrize("query", [{"format": "gguf", "author": "acme"}, {"finding": "license-missing", "q": "solo"},
                                   {"finding": ["gated", "none"], "license": "apache-2.0"},
                                   {"format": "safetensors", "license": ["llama2", "mit"], "sort": "name"}])
def test_a_finding_or_format_beside_other_filters_finds_the_same_as_a_mask_or_a_list(catalogue, monkeypatch, query):
    """PostgreSQL tests a finding or format on the row's mask when another filter drives, and
    reads its list of models when it is far rarer (plan._RARER): both find the same models."""
    from catalog.search import plan as search_plan

    run(catalogue)  # the cached counts behind the choice
    monkeypatch.setattr(search_plan, "_RARER", 0)  # always the list
    listed = run(catalogue, **query)
    monkeypatch.setattr(search_plan, "_RARER", 10**9)  # the mask (unless no model has the value)
    masked = run(catalogue, **query)
    assert ids(listed) and ids(masked) == ids(listed)
    assert (masked.count, masked.facets) == (listed.count, listed.facets)


def test_gated_true_finds_every_kind_of_gate(factory):
    """gated=true is every model behind a gate, whichever kind (the Hub's True is stored as manual)."""
    load(factory, hub_item("org/auto", gated="auto"), hub_item("org/manual", gated="manual"),
         hub_item("org/true", gated=True), hub_item("org/open"))
    assert sorted(ids(run(factory, gated="true"))) == ["org/auto", "org/manual", "org/true"]
    assert sorted(ids(run(factory, gated=["true", "false"]))) == ["org/auto", "org/manual", "org/open", "org/true"]
    assert ids(run(factory, gated="false")) == ["org/open"]
    # the gated facet, counted without its own filter: the selected "any gate" with its models
    assert facet(run(factory, gated="true"), "gated") == {"false": 1, "manual": 2, "auto": 1, "true": 3}


@pytest.mark.parametrize(("total", "bucket"), [(999_999_999, "<1B"), (10**9, "1-3B"), (3 * 10**9, "3-10B"),
                                               (10 * 10**9, "10-30B"), (30 * 10**9, "30-100B"),
                                               (100 * 10**9, ">100B")])
def test_size_buckets_follow_their_bounds(factory, total, bucket):
    load(factory, hub_item("org/sized", safetensors={"total": total}), hub_item("org/unknown"))
    assert ids(run(factory, size=bucket)) == ["org/sized"]
    assert facet(run(factory), "size") == {bucket: 1, "unknown": 1}


@pytest.mark.parametrize("query", [
    {}, {"license": "llama2"}, {"license": ["mit", "apache-2.0"], "author": "acme"}, {"category": "permissive"},
    {"finding": "license-missing"}, {"format": "safetensors", "author": "meta"}, {"q": "llama", "size": "30-100B"},
    {"gated": "true"}, {"finding": "none"}, {"finding": ["license-missing", "none"]}, {"format": ["gguf", "none"]},
    {"sort": "-parameters"}, {"sort": "name", "task": "text-generation"},
])
def test_large_result_query_plans_return_the_same_models(catalogue, monkeypatch, query):
    """Big catalogues walk the sort index with the filters' indexes hidden and count facets over
    a sample; small ones read the matches and count them all. Both must find the same models."""
    from catalog.search import facets
    from catalog.search import plan as search_plan

    expected = run(catalogue, **query)
    run(catalogue)  # the unfiltered page fills the cached counts that choose the driving filter
    monkeypatch.setattr(search_plan, "SORT_WALK_THRESHOLD", 0)
    monkeypatch.setattr(facets, "SAMPLE", 1)
    walked = run(catalogue, **query)
    assert ids(walked) == ids(expected)
    assert walked.count == expected.count


def test_facets_of_a_large_match_are_sampled_and_say_so(catalogue, monkeypatch):
    from catalog.search import facets

    monkeypatch.setattr(facets, "SAMPLE", 2)
    result = run(catalogue, category="community")  # the two llama models: within the sample
    assert result.facets_approximate is False
    assert facet(result, "author") == {"meta": 2}
    assert not any(v["count_approximate"] for f in result.facets.values() for v in f["results"])
    result = run(catalogue, task="text-generation")  # four models: more than the sample
    assert result.facets_approximate is True
    assert result.count == 4, "the count itself is always exact"
    # Each value shows what the sample (3 of the 4 matches) holds, which it has at least: the
    # sample is the first matches in index order, not a random one, so nothing is scaled up.
    for name in ("author", "gated", "size"):
        for v in result.facets[name]["results"]:
            truth = run(catalogue, task="text-generation", **{name: v["value"]}).count
            assert v["count_approximate"] is True and 1 <= v["count"] <= truth, (name, v, truth)
    assert sum(facet(result, "author").values()) == 3
    # The task facet is counted without its own filter: the whole catalogue's, exact.
    assert not any(v["count_approximate"] for v in result.facets["task"]["results"])


@pytest.mark.parametrize(("sample", "margin"), [(2000, 1.25), (1, 1.25), (2, 0.01)])
def test_facets_left_out_of_their_filters_share_one_read_and_count_the_same(catalogue, monkeypatch, sample, margin):
    """Free text and two filters: the license and author facets, each counted without its own
    filter, come from one read of the text's matches. Their counts and exactness are those of
    one read per facet: exact within the sample, sampled beyond it (1), and recounted alone when
    the shared read stopped before a facet's sample was settled (2, a tiny margin)."""
    from catalog.search import facets

    query = {"q": "llama", "license": "llama2", "author": "meta"}
    run(catalogue)  # the cached counts: the estimates that choose the driving condition
    monkeypatch.setattr(facets, "SAMPLE", sample)
    monkeypatch.setattr(facets, "_READ_MARGIN", margin)
    shared_reads = []
    real = facets.shared_samples
    monkeypatch.setattr(facets, "shared_samples", lambda *a, **k: shared_reads.append(1) or real(*a, **k))
    together = run(catalogue, **query)
    monkeypatch.setattr(facets, "_shared_read", lambda *a: None)
    apart = run(catalogue, **query)

    assert len(shared_reads) == 1
    assert together.facets == apart.facets
    assert together.facets_approximate is apart.facets_approximate is (sample == 1)
    assert ids(together) == ["meta/llama-7b", "meta/llama-70b"] and together.count == 2
    if sample != 1:
        assert facet(together, "license") == {"llama2": 2} and facet(together, "author") == {"meta": 2}


def test_a_search_reads_the_database_state_once(catalogue, engine):
    """The cached counts are checked against the database's state, read once per transaction:
    also when that read is the session's first statement (a one-filter search checks it first)."""
    from tests.web.test_api_statements import counted

    run(catalogue)
    wait_for_refresh()
    with counted(engine) as seen:
        result = run(catalogue, license=["llama2", "mit"])
    assert result.count == 3
    assert sum("max(sync_runs.id)" in statement for statement in seen) == 1


def test_count_of_a_large_intersection_stops_at_the_cap_and_says_so(catalogue, monkeypatch):
    from catalog.search import facets

    query = {"task": "text-generation", "removed": "any"}  # no cached facet answers this count
    run(catalogue)  # the cached counts that choose the driving filter (and the SQLite id reuse)
    exact = run(catalogue, **query)
    assert exact.count == 4 and exact.count_approximate is False
    monkeypatch.setattr(facets, "COUNT_CAP", 2)
    capped = run(catalogue, **query)
    assert capped.count == 2 and capped.count_approximate is True, "a lower bound, flagged"
    assert capped.facets_approximate is True
    assert capped.to_dict()["count_approximate"] is True
    assert ids(capped) == ids(exact), "the page still shows the first matches in order"
    assert run(catalogue, removed="any").count_approximate is False, "cheap counts stay exact"


@pytest.fixture
def broad(factory):
    """320 MIT text-generation models (ids first), then 80 Apache fill-mask ones."""
    load(factory, *(hub_item(f"acme/gen-{i:03d}", license="mit", pipeline_tag="text-generation") for i in range(320)),
         *(hub_item(f"other/mask-{i:02d}", license="apache-2.0", pipeline_tag="fill-mask") for i in range(80)))
    return factory


def test_a_large_intersection_is_estimated_and_says_so(broad, engine, monkeypatch):
    """Past the cap, SQLite estimates the total from one model in N of the driving filter's
    matches (flagged, two significant digits) instead of counting up to the cap."""
    from catalog.search import facets

    query = {"license": "mit", "task": "text-generation"}
    run(broad)  # the cached counts that choose the driving filter
    wait_for_refresh()
    exact = run(broad, **query)
    assert exact.count == 320 and not exact.count_approximate and not exact.count_estimated
    monkeypatch.setattr(facets, "COUNT_CAP", 100)
    monkeypatch.setattr(facets, "_STRATUM", 64)  # one model in 5 of the 320 read
    result = run(broad, **query)
    assert result.count_approximate is True and result.to_dict()["count_approximate"] is True
    if engine.dialect.name == "sqlite":
        assert result.count == 320 and result.count_estimated is True, "64 of 320 ids are multiples of 5"
        assert result.to_dict()["count_estimated"] is True
    else:  # PostgreSQL keeps the lower bound
        assert result.count == 100 and result.count_estimated is False
    assert ids(result) == ids(exact), "the page is read as before"
    assert result.facets["license"] == exact.facets["license"], "facets sampled as before"
    monkeypatch.setattr(facets, "COUNT_CAP", 315)
    near = run(broad, **query)
    assert (near.count, near.count_estimated) == (315, False), "an estimate not clearly above the cap is not used"


def test_searches_in_one_session_each_match_their_own_text(catalogue):
    """On SQLite a search reads its free text's matches once into a temporary table: the next
    search in the same session (and after a commit) matches its own words, not the last ones."""
    run(catalogue)  # the cached counts that choose the driving filter
    wait_for_refresh()
    with catalogue() as session:
        llama = search(session, SearchParams.from_query({"q": "llama", "license": "llama2"}))
        session.commit()
        acme = search(session, SearchParams.from_query({"q": "acme"}))
        plain = search(session, SearchParams.from_query({"license": "mit"}))
    assert ids(llama) == ["meta/llama-7b", "meta/llama-70b"] and llama.count == 2
    assert ids(acme) == ["acme/whisper-gguf", "acme/bert-small"] and acme.count == 2
    assert facet(acme, "license") == {"apache-2.0": 1, "mit": 1}
    assert ids(plain) == ["acme/bert-small"]


def test_a_session_writes_after_a_free_text_search_another_connection_wrote_during(catalogue):
    """Reading the free text's matches into a temporary table leaves no transaction open: a write
    later in the same session still succeeds after another connection committed in between."""
    run(catalogue)
    wait_for_refresh()
    with catalogue() as session:
        assert search(session, SearchParams.from_query({"q": "llama"})).count == 2
        with catalogue() as other, other.begin():
            other.execute(update(HubModel).where(HubModel.repo_id == "acme/bert-small").values(likes=10))
        session.execute(update(HubModel).where(HubModel.repo_id == "solo/nolicense").values(likes=3))
        session.commit()
    assert {r["id"]: r["likes"] for r in run(catalogue, sort="-likes").data}["solo/nolicense"] == 3


def test_a_new_process_serves_the_stored_counts_without_recounting(catalogue, monkeypatch):
    """Counts are kept in the database: a restarted or additional server process answers its first
    unfiltered search from them (fresh when nothing changed, else stale while it recounts)."""
    import catalog.search.facets as facets_module

    counted = run(catalogue)
    assert counted.count == 6
    wait_for_refresh()
    facet_cache._cache.clear()  # a new process: nothing in memory

    def no_recount(*args, **kwargs):
        raise AssertionError("recounted instead of serving the stored counts")

    with monkeypatch.context() as patched:
        patched.setattr(facets_module, "_counts", no_recount)
        patched.setattr(facets_module, "_count", no_recount, raising=False)
        restarted = run(catalogue)
    selected = run(catalogue, license="mit")  # a selected value is looked up among all the stored ones
    assert restarted.facets_stale is False and restarted.count == 6
    assert facet(restarted, "license") == facet(counted, "license")
    assert selected.count == 1 and facet(selected, "license")["mit"] == 1

    # Counts stored by the previous version, as [value, models] pairs, are still served.
    with catalogue() as session, session.begin():
        row = session.get(AppSetting, "counts:facet:license")
        document = json.loads(row.value)
        document["value"] = {"ranked": [list(pair) for pair in zip(*document["value"].values(), strict=True)]}
        row.value = json.dumps(document)
    facet_cache._cache.clear()
    with monkeypatch.context() as patched:
        patched.setattr(facets_module, "_counts", no_recount)
        assert facet(run(catalogue), "license") == facet(counted, "license")

    load(catalogue, hub_item("late/arrival", license="mit"))
    facet_cache._cache.clear()
    stale = run(catalogue)  # the stored counts, marked stale, while a recount runs
    assert stale.facets_stale is True and stale.count == 6
    wait_for_refresh()
    assert run(catalogue).count == 7 and facet(run(catalogue), "license")["mit"] == 2


def test_a_starting_server_reads_the_stored_counts_before_its_first_request(catalogue, app, monkeypatch):
    from fastapi.testclient import TestClient

    counted = run(catalogue)
    wait_for_refresh()
    facet_cache._cache.clear()  # a new process
    with TestClient(app) as client:  # its start reads the stored counts

        def unread(*args, **kwargs):
            raise AssertionError("the first request read the stored counts itself")

        monkeypatch.setattr(facet_cache, "_stored", unread)
        first = client.get("/models.json").json()
    assert first["facets_stale"] is False and first["count"] == counted.count
    assert {v["value"]: v["count"] for v in first["facets"]["license"]["results"]} == facet(counted, "license")


def test_storing_the_counts_never_waits_for_a_writer(catalogue):
    """A request whose own transaction holds the write lock (a sign-in, a generated key) still
    gets its counts at once; they are then just not stored. Before, storing each facet waited out
    SQLite's 30 s busy timeout and a page took minutes."""
    import time

    from catalog.db.tables import AppSetting

    facet_cache._cache.clear()
    with catalogue() as session:
        session.add(AppSetting(key="test:holds-the-write-lock", value="1"))
        session.flush()  # this transaction now holds the database's write lock (SQLite)
        started = time.monotonic()
        result = search(session, SearchParams.from_query({}))
        elapsed = time.monotonic() - started
        session.rollback()
    assert result.count == 6
    assert elapsed < 10, f"the search waited {elapsed:.1f}s for its own write lock"
    with catalogue() as session:
        if session.get_bind().dialect.name == "sqlite":  # the pooled connection's busy timeout is back
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
