"""Display helpers of the HTML pages: Jinja2 filters for dates, ids, sizes and absent values.

They only format what the data functions return; nothing here reads the database, so a page
and its JSON twin still show the same facts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from catalog.facts.queries import explain_problem

# Words for the obligation kinds of the knowledge base (catalog.licenses.kb.OBLIGATION_KINDS).
OBLIGATION_LABELS = {
    "attribution": "attribution",
    "license-copy": "ship a copy of the license",
    "state-changes": "state your changes",
    "share-alike": "share alike",
    "source-disclosure": "disclose the source",
    "non-commercial": "no commercial use",
    "use-restrictions": "use restrictions",
    "user-threshold": "user threshold",
    "revenue-threshold": "revenue threshold",
    "naming-rule": "naming rule",
    "output-restrictions": "output restrictions",
    "accept-terms": "accept the terms",
    "territory": "territory limits",
}
CONTEXT_LABELS = {"research": "Research", "internal": "Internal use", "saas": "SaaS / hosted",
                  "redistribution": "Redistribution"}
VERDICT_LABELS = {"allowed": "allowed", "conditional": "conditional", "not-allowed": "not allowed",
                  "unknown": "unknown"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def register(env: jinja2.Environment) -> None:
    """Install the filters every template uses."""
    env.filters["thousands"] = lambda n: "" if n is None else f"{n:,}"
    env.filters["params"] = human_parameters
    env.filters["path"] = lambda s: quote(str(s), safe="/")
    env.filters["bytes"] = human_bytes
    # Readable JSON for display; unlike tojson it leaves <, > and & to autoescaping.
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=True)
    env.filters["when"] = when
    env.filters["day"] = day
    env.filters["wrapid"] = wrap_id
    env.filters["obligation"] = lambda kind: OBLIGATION_LABELS.get(kind, str(kind).replace("-", " "))
    env.filters["context"] = lambda c: CONTEXT_LABELS.get(c, c)
    env.filters["verdict"] = lambda s: VERDICT_LABELS.get(s, s)
    env.filters["short_sha"] = lambda s: str(s)[:7] if s else "not recorded"
    env.filters["explain_problem"] = explain_problem


def human_parameters(n: int | None) -> str:
    """7000000000 -> '7B', 350000000 -> '350M'; '' for unknown."""
    if n is None:
        return ""
    for size, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if n >= size:
            value = n / size
            return f"{value:.1f}".rstrip("0").rstrip(".") + suffix
    return str(n)


def human_bytes(n: float) -> str:
    """Bytes in decimal units, as disk and GPU vendors quote them: '14 GB'."""
    for size, suffix in ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + " " + suffix
    return f"{n:.0f} B"


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads a trailing "Z"
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(value: Any, missing: str = "not recorded") -> Markup:
    """An ISO timestamp as ``<time>``: '12 Mar 2026, 14:05 UTC' (the exact value in its datetime)."""
    moment = _parse(value)
    if moment is None:
        return Markup('<span class="absent">{}</span>').format(missing if value in (None, "") else value)
    moment = moment.astimezone(UTC)
    text = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat().replace("+00:00", "Z"), text)


def day(value: Any, missing: str = "not recorded") -> Markup:
    """An ISO timestamp as a date only: '12 Mar 2026'."""
    moment = _parse(value)
    if moment is None:
        return Markup('<span class="absent">{}</span>').format(missing if value in (None, "") else value)
    moment = moment.astimezone(UTC)
    return Markup('<time datetime="{}">{} {} {}</time>').format(
        moment.date().isoformat(), moment.day, _MONTHS[moment.month - 1], moment.year)


def wrap_id(value: Any) -> Markup:
    """A model id that may break after '/' and '-' only (``<wbr>`` there; CSS keeps the rest whole)."""
    text = str(escape(value))
    return Markup(text.replace("/", "/<wbr>").replace("-", "-<wbr>"))


_REPO = re.compile(r"^([A-Za-z0-9][\w.-]*/[\w.-]+)(?: @ ([0-9a-f]{7,40}))?")
_PYPI = re.compile(r"^PyPI ([\w.-]+) ([\w.]+)")
_KEY_PATH = re.compile(r"(\S*<key>\S*)")


def source_links(sources: list[str] | tuple[str, ...], citations: Mapping[str, str]) -> list[dict[str, Any]]:
    """A license's sources ("LLAMA models/llama3_1/LICENSE") as links where the citation says where.

    A citation naming a GitHub repository ("owner/repo @ sha - ...") links the file at that
    commit; one with a ``<key>`` path ("docs/<key>.yml") links the keyed file; a PyPI citation
    links the release. Anything else stays text, with the full citation as its title.
    """
    out = []
    for source in sources:
        code, _, rest = source.partition(" ")
        citation = citations.get(code, "")
        url = None
        if " " in rest:
            pass  # a citation of several repositories: which one holds the file is not said
        elif repo := _REPO.match(citation):
            base = f"https://github.com/{repo.group(1)}"
            ref = repo.group(2) or "HEAD"
            keyed = _KEY_PATH.search(citation)
            if rest and keyed and "/" not in rest and not rest.endswith((".md", ".txt")):
                url = f"{base}/blob/{ref}/{keyed.group(1).rstrip(',;').replace('<key>', rest)}"
            elif rest:
                url = f"{base}/blob/{ref}/{rest.lstrip('/')}"
            else:
                url = f"{base}/tree/{ref}"
        elif pypi := _PYPI.match(citation):
            url = f"https://pypi.org/project/{pypi.group(1)}/{pypi.group(2)}/"
        out.append({"source": source, "code": code, "detail": rest, "citation": citation, "url": url})
    return out
