"""Errors as a user sees them, and the log file behind them.

A user never sees a traceback: :func:`show_error` opens a plain message with the technical
part folded away under "Show Details...". Everything goes to a rotating log file in the
user log dir, with the API key masked.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from noojee_desktop.core.logfile import log_dir, setup_logging  # noqa: F401  (the app's log file)
from noojee_desktop.core.secrets import mask
from noojee_desktop.ui.widgets import fit_title

log = logging.getLogger("noojee_desktop.ui")


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
    fit_title(box)
    log.warning("%s: %s", title, message)
    box.open()
    return box


def show_exception(parent: QWidget | None, title: str, exc: BaseException) -> QMessageBox:
    message, details = describe_exception(exc)
    log.error("%s: %s\n%s", title, message, details)
    return show_error(parent, title, message, details)
