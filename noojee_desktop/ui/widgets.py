"""Small shared helpers for widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QWidget


def name(widget: QWidget, object_name: str, accessible: str | None = None) -> QWidget:
    """Set the object name (tests, style sheets) and the accessible name (screen readers)."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible or object_name)
    return widget


def fill_recent_menu(menu: QMenu, files: list[str], open_path: Callable[[str], object]) -> None:
    """Refill a "recent files" menu (File menu, Import tab button): one entry per file."""
    menu.clear()
    if not files:
        menu.addAction("(none yet)").setEnabled(False)
    for path in files:
        menu.addAction(path).triggered.connect(lambda _=False, p=path: open_path(p))
