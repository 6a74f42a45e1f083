"""Settings: the one place where catalog reads its configuration.

Every field is read from an environment variable prefixed ``CATALOG_`` (for example
``CATALOG_DATABASE_URL``). The Hub's own variables (``HF_ENDPOINT``, ``HF_TOKEN``) are read by
``huggingface_hub`` itself, so the token never passes through catalog's configuration.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog.errors import ConfigurationError

# The engines catalog is built and tested for (PostgreSQL through psycopg 3).
_BACKENDS = ("sqlite", "postgresql", "postgres")


class Settings(BaseSettings):
    """Runtime configuration. Construct it explicitly in tests; never read it at import time."""

    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///catalog.db",
        description="SQLAlchemy URL of the catalogue database (SQLite file or postgresql+psycopg://...).",
    )
    hub_endpoint: str | None = Field(
        default=None,
        description="Override of the Hub endpoint; by default huggingface_hub uses HF_ENDPOINT or the public Hub.",
    )
    sync_page_size: int = Field(default=500, ge=1, le=1000, description="Models requested per listing page.")
    sync_max_tries: int = Field(default=6, ge=1, le=50, description="Tries per Hub request before a run gives up.")
    sync_backoff_base: float = Field(
        default=1.0, ge=0, description="First retry delay in seconds; doubles on each retry, with jitter."
    )
    sync_backoff_max: float = Field(default=60.0, ge=0, description="Longest wait between two tries, in seconds.")
    sync_timeout: float = Field(default=30.0, gt=0, description="Timeout of one Hub request, in seconds.")
    sync_bulk_load: bool = Field(
        default=True,
        description="Fill an empty catalogue with search upkeep suspended and rebuild it at the end (less work than "
                    "row by row); false keeps search current page by page during a first load.",
    )
    public_read: bool = Field(default=False, description="Allow reading the catalogue without signing in.")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs session cookies; generated and stored in the database when unset.",
    )
    trusted_user_header: str | None = Field(
        default=None,
        description="Name of a header set by a trusted reverse proxy that carries the signed-in user (SSO).",
    )
    session_max_age: int = Field(default=8 * 3600, gt=0, description="Lifetime of a sign-in session, in seconds.")
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed.",
    )
    max_request_body: int = Field(default=1_000_000, gt=0, description="Largest accepted request body, in bytes.")
    query_timeout: float = Field(
        default=30.0, ge=0,
        description="Longest a database statement of a web request may run, in seconds (0: no limit).",
    )
    policy_dir: Path | None = Field(
        default=None, description="Folder of named policy files (<name>.yaml) that POST /api/v1/check may use."
    )
    host: str = Field(default="127.0.0.1", description="Address `catalog serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `catalog serve` listens on.")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network") from None
        return value

    @cached_property
    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The trusted proxies as networks (a single address is a /32 or /128)."""
        return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip())

    def is_trusted_proxy(self, address: str) -> bool:
        """Whether ``address`` is one of the configured trusted proxies (never, by default)."""
        if not self.proxy_networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.proxy_networks)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """A URL of a supported engine; a bare path is the common mistake, so say what to write."""
        scheme, separator, _rest = value.partition("://")
        if not separator or not scheme:
            raise ValueError(f"{value!r} is not a database URL; for a SQLite file write sqlite:///{value} "
                             "(sqlite:////abs/path for an absolute path), or postgresql://user@host/db")
        backend = scheme.split("+", 1)[0].lower()
        if backend not in _BACKENDS:
            raise ValueError(f"catalog works with SQLite and PostgreSQL, not {backend!r}: write sqlite:///catalog.db "
                             "or postgresql://user@host/db")
        return value


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment.

    Raises:
        ConfigurationError: one line naming each bad environment variable (``CATALOG_PORT``, not
            the field ``port``), its value and what is wrong.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "CATALOG_" + "_".join(str(part) for part in error.get("loc", ())).upper()
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"{name}={error.get('input')!r}: {message}" if "input" in error else f"{name}: {message}")
        raise ConfigurationError("bad setting " + "; ".join(problems)) from None
