"""The app's rotating log file (user log dir, 1 MB x 5, API key masked), for the window and
the headless commands alike."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs

from noojee_desktop import APP_ID, ORG_NAME
from noojee_desktop.core.secrets import masking_filter

_file_handler: logging.Handler | None = None


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_ID, ORG_NAME))


def setup_logging() -> Path:
    """Rotating log file (1 MB x 5), key masked. Idempotent; returns the file's path."""
    global _file_handler
    path = log_dir() / "noojee-desktop.log"
    if _file_handler is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5,
                                                       encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(masking_filter())
        handler.setLevel(logging.INFO)
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
        _file_handler = handler
    return path
