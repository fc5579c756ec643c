"""The window on small screens: it opens inside the available area, and at 1024x700 or at
1366x768 with a 1.5 scale factor (910x480 usable) every control can still be reached."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QProgressBar, QScrollArea, QWidget

pytestmark = pytest.mark.usefixtures("qloop")

# 1024x700 as is; 1366x768 at QT_SCALE_FACTOR=1.5 is 910x512 logical pixels, less a panel
SMALL = [(1024, 700), (910, 480)]


def bring_into_view(widget: QWidget) -> None:
    """Scroll every scroll area around ``widget`` until it shows (what a user does)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea) and parent.widget() is not None and parent.widget().isAncestorOf(widget):
            centre = widget.mapTo(parent.widget(), widget.rect().center())
            parent.ensureVisible(centre.x(), centre.y(), widget.width() // 2 + 1, widget.height() // 2 + 1)
        parent = parent.parentWidget()


def unreachable(window) -> list[str]:
    """Controls of the current page that cannot be brought fully into the window's view."""
    out = []
    wanted = (QAbstractButton, QLineEdit, QProgressBar)
    named_labels = ("exportStatus", "leadResult", "rateLabel")
    for w in window.findChildren(QWidget):
        if w.window() is not window or not w.isVisibleTo(window) or not w.isVisible():
            continue
        if not (isinstance(w, wanted) or (isinstance(w, QLabel) and w.objectName() in named_labels)):
            continue
        if not w.objectName() or w.objectName().startswith("qt_"):
            continue            # Qt's own parts (scroll bar arrows, tab scrollers)
        bring_into_view(w)
        rect = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
        region = w.visibleRegion().boundingRect()
        if not window.rect().contains(rect) or region.size() != w.size():
            out.append(f"{w.objectName()} at {rect} (visible {region.size()}) in {window.size()}")
    return out


def test_the_window_opens_inside_the_screens_available_area(make_window):
    win = make_window(["--sandbox"])
    area = win.screen().availableGeometry()
    assert area.contains(win.frameGeometry()), (win.frameGeometry(), area)
    assert win.statusBar().isVisible()
    assert area.contains(QRect(win.statusBar().mapToGlobal(win.statusBar().rect().topLeft()),
                               win.statusBar().size()))


@pytest.mark.parametrize("size", SMALL, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_control_can_be_reached_on_a_small_screen(qtbot, make_window, size):
    win = make_window(["--sandbox"])
    win.lead_form.set_fields(["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "Mobile"],
                             {"FirstPhone", "Mobile"})      # a template with known fields
    win.resize(*size)
    qtbot.waitUntil(lambda: (win.width(), win.height()) == size, timeout=2000)   # nothing forces it bigger
    for page in (win.import_tab, win.lead_form):
        win.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda: page.isVisible(), timeout=2000)
        problems = unreachable(win)
        assert problems == [], "\n".join(problems)
    # the one-lead form shows several fields at once, not two
    win.tabs.setCurrentWidget(win.lead_form)
    scroll = win.findChild(QScrollArea, "leadFieldsScroll")
    rows = [e for e in win.lead_form.edits.values()
            if e.visibleRegion().boundingRect().height() == e.height()]
    assert len(rows) >= 4, f"only {len(rows)} fields in view ({scroll.viewport().height()} px)"


def test_a_dialog_taller_than_the_screen_is_kept_on_it(qtbot, make_window):
    from PySide6.QtWidgets import QDialog, QListWidget, QVBoxLayout

    win = make_window([])
    dialog = QDialog(win)          # anyone's dialog: a long list that would push its buttons off
    layout = QVBoxLayout(dialog)
    layout.addWidget(QListWidget())
    dialog.resize(500, win.screen().availableGeometry().height() + 400)
    dialog.show()
    area = win.screen().availableGeometry()
    qtbot.waitUntil(lambda: area.contains(dialog.frameGeometry()), timeout=2000)
    dialog.close()
