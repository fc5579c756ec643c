"""Errors as a user sees them, and the log file behind them.

A user never sees a traceback: :func:`show_error` opens a plain message with the technical
part folded away under "Show Details...". Everything goes to a rotating log file in the
user log dir, with the API key masked.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

import platformdirs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from noojee_desktop import APP_ID, ORG_NAME
from noojee_desktop.core.secrets import mask, masking_filter

log = logging.getLogger("noojee_desktop.ui")

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


def describe_exception(exc: BaseException) -> tuple[str, str]:
    """(plain message, technical details) for an exception; both masked."""
    message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
    hint = getattr(exc, "hint", "")
    if hint and hint not in message:
        message = f"{message}\n\n{hint}"
    details = getattr(exc, "details", "") or ""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    details = f"{details}\n\n{tb}" if details else tb
    return mask(message), mask(details)


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """A non-blocking error box (opened with ``open()``, so nothing ever waits on it)."""
    box = QMessageBox(parent)
    box.setObjectName("errorBox")
    box.setAccessibleName("errorBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(mask(message))
    if details:
        box.setDetailedText(mask(details))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    log.warning("%s: %s", title, message)
    box.open()
    return box


def show_exception(parent: QWidget | None, title: str, exc: BaseException) -> QMessageBox:
    message, details = describe_exception(exc)
    log.error("%s: %s\n%s", title, message, details)
    return show_error(parent, title, message, details)
