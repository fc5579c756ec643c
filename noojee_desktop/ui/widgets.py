"""Small shared helpers for widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QScrollArea, QSizePolicy, QSpacerItem, QWidget

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


class FitScrollArea(QScrollArea):
    """Its widget fills the view and is never made smaller than its minimum size: scroll bars
    appear only when the window is smaller than that (a small screen, a large scale factor).

    (``setWidgetResizable`` would size a widget holding word-wrapped labels by its *preferred*
    height and scroll on an ordinary screen.)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(False)

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt)
        super().setWidget(widget)
        widget.installEventFilter(self)
        self._fit()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return super().eventFilter(watched, event)     # (QScrollArea follows the widget's resizes there)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        widget = self.widget()
        if widget is None:
            return
        least = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        room = self.maximumViewportSize()
        v_bar, h_bar = self.verticalScrollBar().sizeHint().width(), self.horizontalScrollBar().sizeHint().height()
        tall = least.height() > room.height()
        wide = least.width() > room.width() - (v_bar if tall else 0)
        tall = tall or (wide and least.height() > room.height() - h_bar)
        widget.resize(max(least.width(), room.width() - (v_bar if tall else 0)),
                      max(least.height(), room.height() - (h_bar if wide else 0)))


def keep_on_screen(window: QWidget) -> None:
    """Shrink ``window`` (down to its minimum size) and move it so that it and its frame lie in
    its screen's available area: a dialog taller than a small or scaled screen loses its buttons."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame_w = max(window.frameGeometry().width() - window.width(), FRAME_ALLOWANCE[0] if window.isWindow() else 0)
    frame_h = max(window.frameGeometry().height() - window.height(), 0)
    w = max(window.minimumWidth(), min(window.width(), area.width() - frame_w))
    h = max(window.minimumHeight(), min(window.height(), area.height() - frame_h))
    if (w, h) != (window.width(), window.height()):
        window.resize(w, h)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(max(x, area.x()), max(y, area.y()))


class ScreenFit(QObject):
    """Keeps dialogs inside the screen (``keep_on_screen``) each time one shows: installed as an
    event filter on a window's own dialogs, and for any other window when it takes the focus."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QGuiApplication.instance()
        if app is not None:
            app.focusWindowChanged.connect(self._focus_changed)

    def _focus_changed(self, window) -> None:
        from PySide6.QtWidgets import QApplication

        if window is None:
            return
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and widget.windowHandle() is window and not isinstance(widget, QMenu):
                QTimer.singleShot(0, lambda w=widget: _fit_later(w))
                return

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            QTimer.singleShot(0, lambda w=watched: _fit_later(w))
        return False


def _fit_later(window: QWidget) -> None:
    import shiboken6

    if shiboken6.isValid(window) and window.isVisible():
        keep_on_screen(window)
