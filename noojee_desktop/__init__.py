"""Noojee Lead Loader: put sales leads into a Noojee Contact dialler."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

APP_NAME = "Noojee Lead Loader"
APP_ID = "noojee-desktop"
ORG_NAME = "NoojeeLeadLoader"


def _version() -> str:
    # The version has one home: the package metadata (pyproject.toml).
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


__version__ = _version()
