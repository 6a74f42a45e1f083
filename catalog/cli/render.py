"""Plain-text views for the terminal (the CLI's `show` and `licenses`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}


def human_count(value: int | None) -> str:
    """12_345_678_901 -> '12.3B'; None -> 'unknown'."""
    if value is None:
        return "unknown"
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= size:
            return f"{value / size:.1f}{unit}".replace(".0" + unit, unit)
    return str(value)


def render_model(record: dict[str, Any], *, color: bool = False) -> str:
    """A human summary of a model record (the JSON of `catalog show --json`)."""
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    lic = record["license"]
    params = record["parameters"]
    lines = [style(record["id"], bold=True) + ("  [REMOVED]" if record["removed"] else "")]
    lines.append(f"  revision      {record['sha'] or 'unknown'} (modified {record['last_modified'] or 'unknown'})")
    lines.append(f"  task          {record['pipeline_tag'] or '-'}   library {record['library_name'] or '-'}")
    lines.append(f"  downloads     {_count(record['downloads'])}   likes {_count(record['likes'])}   gated {record['gated']}")
    source = f" (from {params['source']})" if params["source"] else ""
    lines.append(f"  parameters    {human_count(params['total'])}{source}")
    declared = lic["raw"] if lic["raw"] is not None else "(none declared)"
    resolved = lic["id"] or lic["status"]
    lines.append(f"  license       {resolved} [{lic['category']}]   declared: {declared!r}")
    if lic["name"] or lic["link"]:
        lines.append(f"                license_name={lic['name']!r} license_link={lic['link']!r}")
    for file in record.get("license_text", {}).get("files", []):
        found = file["license"] or ("unrecognised" if file["status"] == "ok" else file["status"])
        score = f" {file['score']:.2f}" if file["score"] is not None else ""
        lines.append(f"  license file  {file['path']}: {found}{score} at {(file['revision'] or '?')[:12]}")
    if record["base_models"]:
        bases = ", ".join(f"{b['id']} ({b['relation']})" for b in record["base_models"])
        lines.append(f"  base models   {bases}")
    lines.append(f"  formats       {', '.join(record['formats']) or '-'}")
    for problem in record.get("problems") or ():  # why a field reads unknown: what the Hub sent was unusable
        lines.append(f"  malformed     {problem.get('field')}: {problem.get('problem')} (kept as the Hub sent it)")
    if record["findings"]:
        lines.append("  findings")
        for f in record["findings"]:
            lines.append(f"    {style(f['severity'].upper(), fg=_SEVERITY_COLOUR.get(f['severity']))} {f['code']}: {f['message']}")
    if record["obligations"]:
        lines.append("  obligations")
        for o in record["obligations"]:
            via = f" (inherited from {o['inherited_from']})" if o.get("inherited_from") else ""
            lines.append(f"    - {o['kind']}: {o['summary']}{via}")
    if record["history"]:
        lines.append("  history")
        for e in record["history"][-10:]:
            lines.append(f"    {e['at']}  {e['kind']}: {_short(e['old'])} -> {_short(e['new'])}")
    return "\n".join(lines)


def render_license_table(entries: Iterable[Any]) -> str:
    """One line per license: id, category, SPDX id, name."""
    rows = [(e.id, e.category, e.spdx, e.name) for e in entries]
    width = max((len(r[0]) for r in rows), default=10)
    return "\n".join(f"{i:<{width}}  {c:<15} {s:<40} {n}" for i, c, s, n in rows)


def render_license(entry: Any) -> str:
    """A license with its obligations, per-context verdicts and sources."""
    lines = [f"{entry.name} ({entry.id})", f"  SPDX      {entry.spdx}", f"  category  {entry.category}",
             f"  text      {entry.url}"]
    if entry.aliases:
        lines.append(f"  aliases   {', '.join(entry.aliases[:8])}")
    lines.append("  obligations")
    for o in entry.obligations:
        extra = f' — notice: "{o.notice}"' if o.notice else ""
        lines.append(f"    - {o.kind}: {o.summary} [{o.clause}]{extra}")
    if not entry.obligations:
        lines.append("    (none beyond keeping the license)")
    lines.append("  verdicts")
    for context, verdict in entry.verdicts.items():
        cond = f" ({', '.join(verdict.obligations)})" if verdict.obligations else ""
        note = f" — {verdict.note}" if verdict.note else ""
        lines.append(f"    {context:<15} {verdict.status}{cond}{note}")
    lines.append("  sources")
    lines.extend(f"    - {s}" for s in entry.sources)
    return "\n".join(lines)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _count(value: int | None) -> str:
    """A downloads/likes count with thousands separators; one no source recorded says so."""
    return "not recorded" if value is None else f"{value:,}"
