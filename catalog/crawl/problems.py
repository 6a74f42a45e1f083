"""The malformed fields of one Hub item, as ingest records them: field, problem, raw value (clipped)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from catalog.db.jsontext import clean_text

_MAX_PROBLEM_VALUE = 500


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from the Hub as an aware UTC datetime; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
        # Year 1 at +05:00 is before the first instant Python can hold in UTC.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


class Problems:
    """Collects malformed fields; each getter returns a safe default for a bad value."""

    def __init__(self, sink: list[dict[str, Any]]) -> None:
        self.sink = sink

    def add(self, field_name: str, problem: str, value: Any) -> None:
        self.sink.append({"field": field_name, "problem": problem, "value": clip(value)})

    def str_or_none(self, item: dict[str, Any], key: str, *, max_len: int) -> str | None:
        value = item.get(key)
        if value is None or (isinstance(value, str) and 0 < len(value) <= max_len):
            return value or None
        self.add(key, "not a short string", value)
        return None

    def timestamp(self, item: dict[str, Any], key: str) -> datetime | None:
        value = item.get(key)
        if value is None:
            return None
        parsed = parse_timestamp(value)
        if parsed is None:
            self.add(key, "not an ISO 8601 timestamp within years 1 to 9999", value)
        return parsed

    def count(self, item: dict[str, Any], key: str, maximum: int) -> int | None:
        """A counter (downloads, likes); None when absent or unreadable: an unknown count is
        not 0 (the Hub leaves out counts it has none of)."""
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            if value <= maximum:
                return value
            self.add(key, f"over {maximum:,}, the most the column holds: clamped", value)
            return maximum
        self.add(key, "not a non-negative integer", value)
        return None

    def flag(self, item: dict[str, Any], key: str) -> bool:
        value = item.get(key, False)
        if isinstance(value, bool):
            return value
        self.add(key, "not a boolean", value)
        return False

    def str_list(self, item: dict[str, Any], key: str, *, max_items: int, max_len: int) -> list[str]:
        value = item.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            good = [v for v in value[:max_items] if isinstance(v, str) and 0 < len(v) <= max_len]
            if len(good) != len(value):
                self.add(key, f"entries that are not strings of 1 to {max_len} characters (or beyond "
                              f"{max_items:,}) dropped", value)
            return good
        self.add(key, "not a list", value)
        return []

    def gated(self, item: dict[str, Any]) -> str:
        value = item.get("gated", False)
        if value is False or value is None:
            return "false"
        if value in ("auto", "manual"):
            return value
        if value is True:
            return "manual"
        self.add("gated", "not false, 'auto' or 'manual'", value)
        return "false"


def clip(value: Any) -> Any:
    """Keep a raw value storable: JSON-safe and bounded in size, whatever it is."""
    if value is None or isinstance(value, bool) or (isinstance(value, int) and -2**63 <= value < 2**63):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, default=str)
        except (ValueError, RecursionError):  # a number too long to print, a value too deep
            text = f"<{type(value).__name__} that cannot be shown>"
    text = clean_text(text)
    return text if len(text) <= _MAX_PROBLEM_VALUE else text[:_MAX_PROBLEM_VALUE] + "…"
