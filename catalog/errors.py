"""The error vocabulary shared by the CLI, the web pages and the API."""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every error catalog reports to a user (never with a stack trace)."""


class ConfigurationError(CatalogError):
    """A setting the user must fix (a bad CATALOG_* value, an unsupported database URL); exit code 2."""

    exit_code = 2


class HubError(CatalogError):
    """The Hub refused a request in a way no retry can fix (bad cursor, 4xx)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HubUnavailable(HubError):
    """The Hub kept failing (5xx, 429, timeouts, malformed bodies) after every allowed try."""


class ModelNotFound(CatalogError):
    """The catalogue holds no model with that id."""

    def __init__(self, repo_id: str, suggestions: list[str] | None = None) -> None:
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no model {repo_id!r} in the catalogue{hint}")
        self.repo_id = repo_id
        self.suggestions = suggestions or []


class InvalidQuery(CatalogError):
    """A query parameter has a value catalog cannot use; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    @property
    def summary(self) -> str:
        """The one-line message a person reads (the error body's ``message``)."""
        return f"bad value for {self.field}: {self.message}"


class UnknownParameter(InvalidQuery):
    """A query parameter the endpoint does not take: refused, since ignoring a mistyped filter
    (``licence=mit``) would silently answer a wider question than the one asked."""

    def __init__(self, name: str, suggestion: str | None, known: tuple[str, ...]) -> None:
        if suggestion:
            hint = f"did you mean {suggestion!r}?"
        else:
            hint = f"this endpoint takes {', '.join(known)}" if known else "this endpoint takes none"
        super().__init__(name, f"unknown parameter; {hint}")
        self.hint = hint

    @property
    def summary(self) -> str:
        return f"unknown query parameter {self.field!r} ({self.hint})"


class DatabaseUnavailable(CatalogError):
    """The database named by CATALOG_DATABASE_URL cannot be reached or opened."""

    exit_code = 3
