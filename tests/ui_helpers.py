"""Small steps the GUI tests share."""

import csv

from PySide6.QtWidgets import QComboBox, QMessageBox


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


def teach_sandbox_fields(server) -> None:
    """Teach the field store (this test's user data dir) every sandbox template's fields for
    ``server`` (a sandbox, or its address as typed), as a user of a real dialler would once (the
    teach dialog, or an admin's field file): tests about something else then start from known
    fields. Call it before the window is made."""
    from noojee_desktop.core.sheet import TemplateFieldStore
    from noojee_desktop.sandbox import default_data

    store = TemplateFieldStore()
    store.use_server(server if isinstance(server, str) else server.url)
    data = default_data() if isinstance(server, str) else server.data
    for t in data["templates"]:
        store.remember(t["id"], t["fields"], t["phone_fields"], name=t["name"])


def wait_box(qtbot, window, object_name: str) -> QMessageBox:
    """The message box ``object_name`` once it shows (fails with its name if it never does)."""
    found = []

    def shown() -> bool:
        box = window.findChild(QMessageBox, object_name)
        if box is not None and box.isVisible():
            found.append(box)
        return bool(found)

    qtbot.waitUntil(shown, timeout=5000)
    return found[0]
