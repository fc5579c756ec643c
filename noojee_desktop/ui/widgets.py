"""Small shared helpers for widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QSizePolicy, QSpacerItem, QWidget

#: room for a window's frame (title bar, borders), which is not known before it is shown
FRAME_ALLOWANCE = (16, 48)
#: a title bar's own parts beside the title (icon, minimise / maximise / close buttons, margins)
TITLE_BAR_EXTRA = 170


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


class ElidedLabel(QLabel):
    """One line of text (a file's path) shortened in the middle to the width it has, the whole
    text in its tooltip: "/home/ann/Doc…/June leads - results.xlsx"."""

    def __init__(self, parent: QWidget | None = None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, self._mode, max(0, self.width() - 2)))


def fit_title(box: QMessageBox) -> QMessageBox:
    """A message box at least as wide as its title bar needs, so the title is never cut
    ("Cannot keep track of the u…"); QMessageBox sizes itself from its text alone."""
    font = box.font()
    font.setBold(True)       # title bars often use a bold font
    from PySide6.QtGui import QFontMetrics

    width = QFontMetrics(font).horizontalAdvance(box.windowTitle()) + TITLE_BAR_EXTRA
    layout = box.layout()
    if layout is not None:
        layout.addItem(QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum),
                       layout.rowCount(), 0, 1, max(1, layout.columnCount()))
    return box
