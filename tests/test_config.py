"""Settings: every CATALOG_* variable is read, converted and bounded as declared, a bad one is named
in a one-line error, and the secret key never shows in a repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.config import Settings, load_settings
from catalog.errors import ConfigurationError


def test_defaults_environment_and_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv("CATALOG_" + name.upper(), raising=False)
    assert Settings().database_url == "sqlite:///catalog.db" and Settings().policy_dir is None
    monkeypatch.setenv("CATALOG_PUBLIC_READ", "yes")
    monkeypatch.setenv("CATALOG_SYNC_BACKOFF_BASE", "0.5")
    monkeypatch.setenv("CATALOG_POLICY_DIR", "/etc/policies")
    settings = load_settings(port=9000)
    assert settings.public_read is True and settings.sync_backoff_base == 0.5 and settings.port == 9000
    assert settings.policy_dir == Path("/etc/policies")


@pytest.mark.parametrize(("variable", "value"), [
    ("CATALOG_SYNC_PAGE_SIZE", "lots"),
    ("CATALOG_SYNC_PAGE_SIZE", "1001"),
    ("CATALOG_SYNC_TIMEOUT", "0"),
    ("CATALOG_PUBLIC_READ", "maybe"),
    ("CATALOG_DATABASE_URL", "catalog.db"),
])
def test_a_bad_value_names_its_variable_in_one_line(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    message = str(raised.value)
    assert f"{variable}={value!r}" in message and "\n" not in message


def test_the_secret_key_stays_hidden() -> None:
    settings = Settings(secret_key="hunter2")
    assert settings.secret_key.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.secret_key)
