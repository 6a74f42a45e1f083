"""Settings: every CATALOG_* variable is read, converted and bounded as declared, and a bad one is
named in the error; the secret key never shows in a repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.config import SecretStr, Settings, SettingsError


def test_defaults_environment_and_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.describe():
        monkeypatch.delenv(name, raising=False)
    assert Settings().database_url == "sqlite:///catalog.db" and Settings().policy_dir is None
    monkeypatch.setenv("CATALOG_PUBLIC_READ", "yes")
    monkeypatch.setenv("CATALOG_SYNC_BACKOFF_BASE", "0.5")
    monkeypatch.setenv("CATALOG_POLICY_DIR", "/etc/policies")
    monkeypatch.setenv("CATALOG_HUB_ENDPOINT", "")
    settings = Settings(port=9000)
    assert settings.public_read is True and settings.sync_backoff_base == 0.5 and settings.port == 9000
    assert settings.policy_dir == Path("/etc/policies") and settings.hub_endpoint is None


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("CATALOG_SYNC_PAGE_SIZE", "lots", "CATALOG_SYNC_PAGE_SIZE: 'lots' is not an integer"),
    ("CATALOG_SYNC_PAGE_SIZE", "1001", "CATALOG_SYNC_PAGE_SIZE: 1001 must be at most 1000"),
    ("CATALOG_SYNC_TIMEOUT", "0", "CATALOG_SYNC_TIMEOUT: 0.0 must be more than 0"),
    ("CATALOG_PUBLIC_READ", "maybe", "CATALOG_PUBLIC_READ: 'maybe' is not a boolean"),
])
def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                        message: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        Settings()


def test_secrets_stay_hidden_and_settings_are_read_only() -> None:
    settings = Settings(secret_key="hunter2")
    assert settings.secret_key == SecretStr("hunter2") and settings.secret_key.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.secret_key)
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
    with pytest.raises(SettingsError, match="unknown setting"):
        Settings(no_such_setting=1)
