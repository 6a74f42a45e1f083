"""The relative URLs of a search's facet values: each toggles one value of one filter.

Split from :mod:`catalog.search.facets`: a page shows ~100 facet values, each with its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from catalog.search.params import MULTI, SearchParams

__all__ = ["Query", "query_url", "removed_toggle", "toggle_url", "toggled"]


def toggle_url(params: SearchParams, name: str, value: str) -> str:
    """The relative URL of the search with ``name=value`` added, or removed if present.

    Repeatable filters gain or lose one value; single ones (``removed``, ``sort``) are set,
    or reset to their default when already set to ``value``. The cursor is always dropped:
    a changed search starts on its first page.
    """
    return toggled(Query.of(params), name, value)


@dataclass(frozen=True)
class Query:
    """A search's query-string pairs without the cursor, and their encoding: computed once per
    search for the toggle URLs of all its facet values (~100), each then encodes one pair."""

    pairs: list[tuple[str, str]]
    encoded: str

    @classmethod
    def of(cls, params: SearchParams) -> Query:
        """The query of ``params``."""
        pairs = [(k, v) for k, v in params.to_query() if k != "cursor"]
        return cls(pairs, urlencode(pairs))


def toggled(query: Query, name: str, value: str) -> str:
    """:func:`toggle_url` of the search ``query``."""
    if name in MULTI and (name, value) not in query.pairs:  # added: the string urlencode would give
        added = urlencode([(name, value)])
        return f"?{query.encoded}&{added}" if query.encoded else f"?{added}"
    pairs = list(query.pairs)
    if (name, value) in pairs:
        pairs.remove((name, value))
    else:
        pairs = [(k, v) for k, v in pairs if k != name] + [(name, value)]
    return query_url(pairs)


def query_url(pairs: list[tuple[str, str]]) -> str:
    """A relative URL (``?a=1&b=2``, or ``?`` for none) from query-string pairs."""
    return "?" + urlencode(pairs)


def removed_toggle(params: SearchParams, value: str) -> str:
    """Removed is one three-way parameter (false/true/any) shown as two checkable values."""
    current = {"false": {"false"}, "true": {"true"}, "any": {"false", "true"}}[params.removed]
    chosen = current ^ {value} or {"false"}
    state = "any" if chosen == {"false", "true"} else next(iter(chosen))
    pairs = [(k, v) for k, v in params.to_query() if k not in ("cursor", "removed")]
    if state != "false":
        pairs.append(("removed", state))
    return query_url(pairs)
