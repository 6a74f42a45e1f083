"""How long the crawler waits before trying the Hub again."""

from __future__ import annotations

import pytest

from catalog.crawl.hub import RetryPolicy


def test_the_rate_limit_reset_is_honoured_when_the_quota_is_spent():
    headers = {"RateLimit": '"api";r=0;t=42', "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
               "Retry-After": "5"}
    assert RetryPolicy().delay(1, headers) == 42


def test_retry_after_is_used_when_no_quota_is_reported():
    assert RetryPolicy().delay(3, {"retry-after": "7"}) == 7


def test_an_absurd_retry_after_is_capped():
    assert RetryPolicy().delay(1, {"retry-after": "999999"}) == 900


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 8])
def test_backoff_doubles_with_jitter_and_is_bounded(attempt):
    policy = RetryPolicy(backoff_base=1.0, backoff_max=4.0)
    ceiling = min(4.0, 2 ** (attempt - 1))
    delays = {policy.delay(attempt, None) for _ in range(50)}
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1, "retries of many clients must not synchronise"
