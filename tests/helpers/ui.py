"""Steps the GUI tests share: choosing in the template/campaign/allocation dropdowns.

The window opener itself is the ``open_window`` fixture (tests/conftest.py), built on these.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QMessageBox

from helpers.sandbox import SOLAR_NAMES

CHOICE_KEYS = ("template", "campaign", "allocation")


def pick(qtbot, window, key: str, text: str) -> None:
    """Choose ``text`` in the template/campaign/allocation dropdown once it has loaded it."""
    box = window.findChild(QComboBox, f"{key}Combo")
    assert box is not None, f"{key}Combo"
    qtbot.waitUntil(lambda: box.isEnabled() and box.findText(text) >= 0, timeout=5000)
    box.setCurrentIndex(box.findText(text))


def pick_choice(qtbot, window, names=SOLAR_NAMES) -> None:
    """Choose the (template, campaign, allocation) ``names`` in turn, as a user does."""
    for key, text in zip(CHOICE_KEYS, names, strict=True):
        pick(qtbot, window, key, text)


def pick_solar(qtbot, window) -> None:
    """The sandbox's Solar Leads / Solar VIC / VIC Week 1 (helpers.sandbox.SOLAR)."""
    pick_choice(qtbot, window, SOLAR_NAMES)


def wait_box(qtbot, window, object_name: str) -> QMessageBox:
    """The message box ``object_name`` once it shows (fails with its name if it never does)."""
    def find():
        return next((b for b in window.findChildren(QMessageBox, object_name) if b.isVisible()), None)

    qtbot.waitUntil(lambda: find() is not None, timeout=5000)
    return find()
