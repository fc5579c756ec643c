"""Small steps the GUI tests share."""

import csv

from PySide6.QtWidgets import QComboBox


def pick(qtbot, window, key: str, text: str) -> None:
    """Choose ``text`` in the template/campaign/allocation dropdown once it has loaded it."""
    box = window.findChild(QComboBox, f"{key}Combo")
    assert box is not None, f"{key}Combo"
    qtbot.waitUntil(lambda: box.isEnabled() and box.findText(text) >= 0, timeout=5000)
    box.setCurrentIndex(box.findText(text))


def pick_solar(qtbot, window) -> None:
    """The sandbox's Solar Leads / Solar VIC / VIC Week 1 (template 1, campaign 11, allocation 111)."""
    pick(qtbot, window, "template", "Solar Leads")
    pick(qtbot, window, "campaign", "Solar VIC")
    pick(qtbot, window, "allocation", "VIC Week 1")


def write_leads(path, rows):
    """A lead list as a user exports it: Name, City, FirstPhone; ``rows`` of (name, city, phone)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "City", "FirstPhone"])
        w.writerows(rows)
    return path


def teach_sandbox_fields(sandbox) -> None:
    """Teach the field store (this test's user data dir) every sandbox template's fields, as a user
    of a real dialler would once (the teach dialog, or an admin's field file): tests that are about
    something else then start from known fields. Call it before the window is made."""
    from noojee_desktop.core.sheet import TemplateFieldStore

    store = TemplateFieldStore()
    store.use_server(sandbox.url)
    for t in sandbox.data["templates"]:
        store.remember(t["id"], t["fields"], t["phone_fields"], name=t["name"])
