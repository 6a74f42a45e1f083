"""Fuzzed Hub items through the real sync path, on every engine: the run completes, every
well-formed item is stored, every hostile field or id is recorded, every stored model renders.

CI-sized (two batches of 30 items per engine); tests/benchmarks/bench_fuzz.py runs 10,000."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.conftest import _empty
from tests.crawl.fuzz_items import fuzz_batch, run_and_check


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(items=fuzz_batch(30))
def test_a_sync_survives_fuzzed_items(engine, factory, client, items):
    _empty(engine)  # one database per test, emptied for each example
    outcome = run_and_check(factory, items, web_client=client, page_size=8)
    assert outcome.ok, outcome
    assert outcome.stored == sum(i.usable_id for i in items)
