"""Small shared helpers for widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

#: room for a window's frame (title bar, borders), which is not known before it is shown
FRAME_ALLOWANCE = (16, 48)


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


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size ``window`` to ``width`` x ``height`` or less, so that it and its frame fit in the
    screen's available area (not under a panel or task bar), and centre it there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    area = screen.availableGeometry()
    frame_w, frame_h = FRAME_ALLOWANCE
    w = max(200, min(width, area.width() - frame_w))
    h = max(200, min(height, area.height() - frame_h))
    window.resize(w, h)
    window.move(area.x() + max(0, (area.width() - w - frame_w) // 2),
                area.y() + max(0, (area.height() - h - frame_h) // 2))
