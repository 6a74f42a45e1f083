"""Where the non-Python parts of the project live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the directory of a top-level resource folder (``templates`` or ``migrations``).

    In a wheel, hatch copies them into the package as ``catalog/_<name>``; in a source
    checkout (including an editable install) they sit beside the package.

    Raises:
        FileNotFoundError: neither location exists, i.e. the installation is broken.
    """
    for candidate in (_PACKAGE / f"_{name}", _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"catalog is installed without its {name!r} folder")


def data_path(package: str, name: str) -> Path:
    """Return the path of a data file shipped beside a subpackage (``catalog/<package>/data``)."""
    return _PACKAGE / package / "data" / name
