"""Noojee Lead Loader: put sales leads into a Noojee Contact dialler."""

from __future__ import annotations

import sys
from pathlib import Path

APP_NAME = "Noojee Lead Loader"
APP_ID = "noojee-desktop"
ORG_NAME = "NoojeeLeadLoader"


def _version() -> str:
    # The version has one home: the package metadata (pyproject.toml).
    from importlib import metadata

    try:
        return metadata.version("noojee-desktop")
    except metadata.PackageNotFoundError:  # frozen bundle without metadata
        bundled = resources_path("VERSION")
        return bundled.read_text().strip() if bundled.exists() else "0+unknown"


def resources_path(name: str = "") -> Path:
    """Path of a shipped resource file (works from a checkout, an install and a frozen bundle)."""
    if getattr(sys, "frozen", False):
        base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "noojee_desktop" / "resources"
    else:
        from noojee_desktop import resources as _res

        base = Path(_res.__file__).parent
    return base / name if name else base


def __getattr__(name: str) -> str:
    # __version__ is read from the metadata on first use (importlib.metadata costs a headless
    # command a tenth of a second at start)
    if name == "__version__":
        global __version__
        __version__ = _version()
        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
