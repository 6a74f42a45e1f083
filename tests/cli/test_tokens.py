"""Token expiry reads as the day the user gave (issue 12), in `tokens create` and `tokens list`."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_errors import catalog


def test_a_date_expiry_is_shown_as_that_day(tmp_path: Path) -> None:
    env = {"CATALOG_DATABASE_URL": "sqlite:///c.db"}
    added = catalog("users", "add", "ci-bot", "--no-password", cwd=tmp_path, **env)
    assert added.returncode == 0, added.stderr
    created = catalog("tokens", "create", "--user", "ci-bot", "--expires", "2027-01-31", cwd=tmp_path, **env)
    assert created.returncode == 0 and "expires end of 2027-01-31 UTC" in created.stderr, created.stderr
    listed = catalog("tokens", "list", cwd=tmp_path, **env).stdout
    assert "end of 2027-01-31 UTC" in listed and "2027-02-01" not in listed
