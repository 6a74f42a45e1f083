"""What an audit cannot see: the bases of a model's lineage that the catalogue does not hold.

A fine-tune of a base that was never synced (or is gated, private, or was deleted) inherits
obligations nobody has read; the audit of its own license alone would look complete. Each such
base is therefore a finding of its own, so that a report says what it does not know.
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.compliance.findings import Finding

CODE = "base-not-catalogued"


def uncatalogued_bases(repo_id: str, missing: Sequence[tuple[str, ...]]) -> list[Finding]:
    """One warning per base the lineage walk of ``repo_id`` did not find in the catalogue; each of
    ``missing`` is the path of repo ids from the model's direct base down to that base."""
    findings = []
    for path in missing:
        via = f" through {' → '.join(path[:-1])}" if len(path) > 1 else ""
        findings.append(Finding(
            CODE, "warning",
            f"{repo_id} derives from {path[-1]}{via}, which the catalogue does not hold: the license "
            f"of that base and what it requires are unknown here (`catalog sync --model {path[-1]}` "
            "reads it, or see it on the Hub).",
            {"base": path[-1], "path": list(path)},
        ))
    return findings
