"""Settings: the one place where catalog reads its configuration.

Every field is read from an environment variable prefixed ``CATALOG_`` (for example
``CATALOG_DATABASE_URL``). The Hub's own variables (``HF_ENDPOINT``, ``HF_TOKEN``) are read by
``huggingface_hub`` itself, so the token never passes through catalog's configuration.

The fields are declared as pydantic-settings would declare them, but read by the small loader
below: ``catalog check`` runs on every push and importing pydantic-settings (and pydantic) cost
it ~70-120 ms of a 1 s run. Values are validated on construction; a bad one raises
:class:`SettingsError` naming the variable.
"""

from __future__ import annotations

import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar


class SettingsError(ValueError):
    """A CATALOG_* value has the wrong type or is out of range; the message names the variable."""


class SecretStr:
    """A secret that never shows in ``repr()``, logs or tracebacks; read it with :meth:`get_secret_value`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class _Field:
    default: Any
    description: str = ""
    ge: float | None = None
    le: float | None = None
    gt: float | None = None


def Field(default: Any = None, *, description: str = "", ge: float | None = None,
          le: float | None = None, gt: float | None = None) -> Any:
    """Declare a setting: its default, its bounds and the description the documentation shows."""
    return _Field(default, description, ge, le, gt)


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _convert(name: str, kind: Any, value: Any) -> Any:
    """``value`` (a string from the environment, or a Python value given in code) as ``kind``."""
    if value is None:
        return None
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if isinstance(value, str) and value == "" and len(options) < len(typing.get_args(kind)):
            return None
        return _convert(name, options[0], value)
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise SettingsError(f"{name}: {value!r} is not a boolean (true/false)")
    if kind in (int, float):
        if isinstance(value, bool):
            raise SettingsError(f"{name}: {value!r} is not a number")
        try:
            return kind(value) if kind is float or isinstance(value, int) else int(str(value).strip())
        except ValueError:
            raise SettingsError(f"{name}: {value!r} is not {'an integer' if kind is int else 'a number'}") from None
    if kind is SecretStr:
        return value if isinstance(value, SecretStr) else SecretStr(str(value))
    if kind is Path:
        return Path(value)
    return str(value)


class _Settings:
    """Reads each declared field from its keyword argument, else ``CATALOG_<FIELD>``, else its default."""

    env_prefix: ClassVar[str] = "CATALOG_"
    _fields: ClassVar[dict[str, tuple[Any, _Field]]]

    def __init_subclass__(cls) -> None:
        hints = typing.get_type_hints(cls, globalns={**globals(), **vars(typing)})
        cls._fields = {name: (hints[name], spec) for name, spec in vars(cls).items() if isinstance(spec, _Field)}

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self._fields)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        for name, (kind, spec) in self._fields.items():
            variable = self.env_prefix + name.upper()
            raw = values[name] if name in values else os.environ.get(variable, spec.default)
            value = _convert(variable, kind, raw)
            if isinstance(value, int | float) and not isinstance(value, bool):
                for bound, ok, words in ((spec.ge, lambda v, b: v >= b, "at least"), (spec.gt, lambda v, b: v > b, "more than"),
                                         (spec.le, lambda v, b: v <= b, "at most")):
                    if bound is not None and not ok(value, bound):
                        raise SettingsError(f"{variable}: {value} must be {words} {bound}")
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are read-only; construct new Settings instead")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Each environment variable with its description (for documentation and ``--help``)."""
        return {cls.env_prefix + n.upper(): spec.description for n, (_, spec) in cls._fields.items()}


class Settings(_Settings):
    """Runtime configuration. Construct it explicitly in tests; never read it at import time."""

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
    max_request_body: int = Field(default=1_000_000, gt=0, description="Largest accepted request body, in bytes.")
    policy_dir: Path | None = Field(
        default=None, description="Folder of named policy files (<name>.yaml) that POST /api/v1/check may use."
    )
    host: str = Field(default="127.0.0.1", description="Address `catalog serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `catalog serve` listens on.")
