"""Fixing rows in the import table (issue 11): edits through the model's EditRole and the keyboard,
re-checked at once, undone, uploaded to the sandbox, in the results file, and resumed."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from noojee_desktop.core.codes import Category
from noojee_desktop.core.sheet import read_sheet
from noojee_desktop.ui.import_model import FIXED, MESSAGE, RESULT
from ui_helpers import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")

HEADERS = ["Name", "City", "FirstPhone", "Priority", "Callback"]
NAME, CITY, PHONE, PRIORITY, CALLBACK = (FIXED + i for i in range(len(HEADERS)))


def good(i: int) -> list[str]:
    return [f"Good {i:02d}", "Melbourne", f"03{8600000 + i:08d}", "5", "2030/01/02 10:00"]


BAD = [
    ["Bad Phone", "Sydney", "8321 81", "5", "2030/01/02 10:00"],
    ["Bad Priority", "Sydney", "0398001122", "urgent", "2030/01/02 10:00"],
    ["Bad Date", "Sydney", "0398001133", "5", "next tuesday"],
]


@pytest.fixture
def lead_file(tmp_path):
    path = tmp_path / "to-fix.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(BAD + [good(i) for i in range(6)])
    return path


@pytest.fixture
def window(make_window, sandbox, monkeypatch, lead_file, qtbot):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    win = make_window(["--server", sandbox.url, str(lead_file)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 9 and not tab.loading and tab.upload_button.isEnabled(),
                    timeout=5000)
    return win


def row_of(model, name: str) -> int:
    for r in range(model.rowCount()):
        if model.index(r, NAME).data() == name:
            return r
    raise AssertionError(f"no row {name!r}")


def stored(sandbox) -> dict[str, dict]:
    return {r["lead"].get("Name"): r["lead"] for r in sandbox.leads()}


def test_a_fix_through_setData_is_checked_at_once_and_marked(window):
    model = window.import_tab.model
    assert model.counts[Category.INVALID] == 3
    r = row_of(model, "Bad Phone")
    cell = model.index(r, PHONE)
    assert model.flags(cell) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(r, RESULT)) & Qt.ItemFlag.ItemIsEditable   # our own columns: no
    assert "area code" in cell.data(Qt.ItemDataRole.ToolTipRole) or "digits" in cell.data(Qt.ItemDataRole.ToolTipRole)

    # a number that is still wrong: still marked, with the new reason
    assert model.setData(cell, "0412 345")
    assert model.index(r, RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == Category.INVALID.label
    assert "0412 345" in cell.data(Qt.ItemDataRole.ToolTipRole)
    # now right: the row can be sent, the counts follow, the cell shows it was fixed
    assert model.setData(cell, "0412 345 678")
    assert cell.data() == "0412 345 678"
    assert model.index(r, RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == Category.PENDING.label
    assert model.index(r, MESSAGE).data() == ""
    assert model.counts[Category.INVALID] == 2
    assert cell.data(Qt.ItemDataRole.FontRole).italic()
    assert "the file has \u20188321 81\u2019" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert model.prepared[model.source_row(r)].lead["FirstPhone"] == "0412345678"
    # a duplicate made by an edit is caught like one in the file
    dup = row_of(model, "Good 03")
    assert model.setData(model.index(dup, PHONE), "0412345678")
    assert model.index(dup, RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == Category.INVALID.label
    assert "Same phone number as row 2" in model.index(dup, MESSAGE).data()
    assert "Fix a cell right here" in window.import_tab.notice.text()


def test_fixed_rows_are_uploaded_and_in_the_results_file(window, sandbox, qtbot, tmp_path):
    tab = window.import_tab
    model = tab.model
    model.setData(model.index(row_of(model, "Bad Phone"), PHONE), "0412 345 678")
    model.setData(model.index(row_of(model, "Bad Priority"), PRIORITY), "7")
    model.setData(model.index(row_of(model, "Bad Date"), CALLBACK), "3/4/2030 2:30 pm")
    assert Category.INVALID not in model.counts
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.last_summary is not None and not tab.controller.uploading,
                    timeout=15000)
    leads = stored(sandbox)
    assert len(leads) == 9
    assert leads["Bad Phone"]["FirstPhone"] == "0412345678"
    assert leads["Bad Priority"]["njPriority"] == "7"
    assert leads["Bad Date"]["njCallBackDate"] == "2030/04/03 14:30"
    qtbot.mouseClick(window.findChild(QPushButton, "exportResultsButton"), Qt.MouseButton.LeftButton)
    back = read_sheet(tab.last_export)
    by_name = {row[0]: row for row in back.rows}
    assert by_name["Bad Phone"][2] == "0412 345 678" and Category.INSERTED.label in by_name["Bad Phone"]
    assert by_name["Bad Priority"][3] == "7"
    # an inserted row is in the dialler: it can no longer be edited
    assert not model.flags(model.index(row_of(model, "Bad Phone"), PHONE)) & Qt.ItemFlag.ItemIsEditable
