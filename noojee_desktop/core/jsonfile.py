"""A small JSON settings file (the field store, the contact hours store): read without losing a damaged
one, written atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def write_json_atomic(path: Path, data: Any, prefix: str = ".settings-") -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder: a crash or a full
    disk leaves the old file whole, never half a new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json_settings(path: Path, what: str, looks_right: Callable[[Any], bool], log: logging.Logger) -> dict | None:
    """The JSON object in ``path``, or None: missing (silently), unreadable (said, left alone), or
    damaged or not ``looks_right`` (said, and set aside as ``<name>.bad``: nothing is lost)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("Cannot read the saved %s (%s); starting empty.", what, exc)
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or not looks_right(data):
            raise ValueError("unexpected layout")
    except ValueError as exc:
        log.warning("The saved %s were damaged (%s); kept aside as %s.bad.", what, exc, path.name)
        try:
            os.replace(path, path.with_name(path.name + ".bad"))
        except OSError:
            pass
        return None
    return data
