"""Contact hours by state in the import screen, against the sandbox: set per template, remembered,
rows checked again with each row's tooltip saying where its hours came from; uploaded leads carry
their state's set; the allocation size question."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QMessageBox, QPushButton

from noojee_desktop.core.hours import ContactHoursStore
from noojee_desktop.ui.import_model import FIXED, ROW
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")

ROWS = [["Name", "State", "PostCode", "FirstPhone", "njExternalLeadId"],
        ["Perth", "WA", "", "0893211234", "C1"],
        ["Darwin", "", "0800", "0412000002", "C2"],
        ["Hobart", "", "", "03 6234 5678", "C3"],
        ["Somewhere", "", "", "0412000004", "C4"]]


@pytest.fixture
def window(make_window, sandbox, monkeypatch, tmp_path, qtbot):
    path = tmp_path / "national.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(ROWS)
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    teach_sandbox_fields(sandbox)
    win = make_window(["--server", sandbox.url, str(path)])
    pick_solar(qtbot, win)
    qtbot.waitUntil(lambda: win.import_tab.model.rowCount() == 4 and not win.import_tab.loading, timeout=5000)
    return win


def _row_tip(model, r):
    return model.index(r, ROW).data(Qt.ItemDataRole.ToolTipRole)


def _set_hours(qtbot, window, names: dict[str, str]):
    button = window.findChild(QPushButton, "contactHoursButton")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QDialog, "contactHoursDialog")
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=3000)
    for state, name in names.items():
        box = dialog.findChild(QComboBox, f"contactHours_{state}")
        box.setEditText(name)
    dialog.accept()
    return button


def test_contact_hours_by_state_are_saved_rechecked_shown_and_uploaded(qtbot, window, sandbox):
    tab = window.import_tab
    model = tab.model
    assert _row_tip(model, 0) is None
    button = _set_hours(qtbot, window, {"WA": "Business Hours WA", "NT": "Business Hours NT",
                                        "TAS": "Business Hours TAS"})
    qtbot.waitUntil(lambda: _row_tip(model, 0) is not None and not tab.loading, timeout=5000)
    assert "by state: 3 of 8" in button.text() and "WA: Business Hours WA" in button.toolTip()
    assert "Contact hours 'Business Hours WA'" in _row_tip(model, 0) and "State column" in _row_tip(model, 0)
    assert "postcode 0800" in _row_tip(model, 1) and "landline" in _row_tip(model, 2)
    assert "not known" in _row_tip(model, 3)
    # the unknown row is marked with its warning (still sendable)
    assert "state is not known" in model.index(3, 3).data(Qt.ItemDataRole.ToolTipRole)
    # saved for the template (the headless command finds it by id or name); the names are offered again
    store = ContactHoursStore()
    assert store.find("Solar Leads").names == {"WA": "Business Hours WA", "NT": "Business Hours NT",
                                               "TAS": "Business Hours TAS"}
    assert "Business Hours NT" in store.names()

    tab.upload_button.click()
    qtbot.waitUntil(lambda: len(sandbox.leads()) == 4 and not tab.uploading, timeout=15000)
    stored = {r["external_id"]: r["lead"].get("njContactHours") for r in sandbox.leads()}
    assert stored == {"C1": "Business Hours WA", "C2": "Business Hours NT", "C3": "Business Hours TAS", "C4": None}

    # the exported results say which lead kept the template's default hours
    from openpyxl import load_workbook

    path = tab.results.export()
    book = load_workbook(path, read_only=True)
    rows = [[c.value for c in r] for r in book["Results"].iter_rows()]
    book.close()
    warnings = rows[0].index("Warnings")
    assert "state is not known" in rows[4][warnings] and not rows[1][warnings]

    # the editor offers the remembered names again
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QDialog, "contactHoursDialog")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=3000)
    box = dialog.findChild(QComboBox, "contactHours_QLD")
    assert box.findText("Business Hours NT") >= 0 and box.currentText() == ""
    dialog.reject()


def test_an_allocation_past_the_advised_size_asks_first_and_sends_nothing_when_told(qtbot, window, sandbox,
                                                                                   monkeypatch):
    from noojee_desktop.core import jobs

    monkeypatch.setattr(jobs, "ALLOCATION_ADVICE", 3)
    tab = window.import_tab
    tab.upload_button.click()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "allocationSizeBox") is not None, timeout=5000)
    box = window.findChild(QMessageBox, "allocationSizeBox")
    assert "would get 4 leads from this file" in box.text() and "under about 3 leads" in box.text()
    box.findChild(QPushButton, "chooseOtherAllocationButton").click()
    qtbot.waitUntil(lambda: not tab.uploading, timeout=5000)
    assert sandbox.leads() == []
    assert tab.model.index(0, FIXED).data() == "Perth"
