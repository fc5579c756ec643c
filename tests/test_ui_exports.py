"""Exports a user can use: never into the app's own folder, each row's warnings, numbers as
numbers, a Summary that says where the rows went, the saved path shown whole on demand."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from noojee_desktop import __version__, resources_path
from noojee_desktop.ui.importer.controller import State
from helpers.leads import write_leads
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")


def upload(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: tab.upload_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.state is State.FINISHED and tab.controller.last_summary is not None,
                    timeout=15000)


@pytest.fixture
def window(qtbot, make_window, sandbox, monkeypatch):
    teach_sandbox_fields(sandbox)
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)

    def make(path):
        win = make_window(["--server", sandbox.url, str(path)])
        pick_solar(qtbot, win)
        qtbot.waitUntil(lambda: win.import_tab.model.sheet is not None and not win.import_tab.loading, timeout=5000)
        return win

    return make


def test_results_carry_warnings_numbers_and_where_they_went(qtbot, window, sandbox, tmp_path):
    path = write_leads(tmp_path / "june.csv", [("Ann Lost Zero", "Melbourne", "383218199"),
                                               ("Bob Fine", "Geelong", "0352001234")])
    win = window(path)
    tab = win.import_tab
    upload(qtbot, tab)
    # every row went in: nothing to export as failed
    export_failed = win.findChild(QPushButton, "exportFailedButton")
    assert not export_failed.isEnabled()
    qtbot.mouseClick(win.findChild(QPushButton, "exportResultsButton"), Qt.MouseButton.LeftButton)
    saved = tab.last_export
    assert saved is not None and saved.parent == tmp_path.resolve()        # next to the file: it can be written
    wb = load_workbook(saved)
    rows = list(wb["Results"].iter_rows(values_only=True))
    head = rows[0]
    ann = dict(zip(head, rows[1]))
    assert ann["Result"] == "Inserted" and ann["Code"] == 0 and ann["Attempts"] == 1
    assert "leading 0" in ann["Warnings"].lower()
    assert dict(zip(head, rows[2]))["Warnings"] in (None, "")
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Server"] == sandbox.url
    assert summary["Template"].startswith("Solar Leads") and summary["Campaign"].startswith("Solar VIC")
    assert summary["Allocation"].startswith("VIC Week 1")
    assert summary["App version"] == __version__ and summary["Uploaded"][:4].isdigit()


def test_a_row_that_failed_can_be_exported(qtbot, window, tmp_path):
    path = write_leads(tmp_path / "mixed.csv", [("Fine", "Melbourne", "0352001111"), ("No Phone", "Sydney", "n/a")])
    win = window(path)
    upload(qtbot, win.import_tab)
    assert win.findChild(QPushButton, "exportFailedButton").isEnabled()


def test_the_sample_files_results_go_to_documents_with_the_path_shown_and_its_folder_opened(
        qtbot, make_window, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    win = make_window(["--sandbox"])
    tab = win.import_tab
    sample = resources_path("sample-leads.csv")
    tab.load(sample)
    qtbot.waitUntil(lambda: tab.model.sheet is not None and not tab.loading, timeout=5000)
    qtbot.mouseClick(win.findChild(QPushButton, "exportResultsButton"), Qt.MouseButton.LeftButton)
    saved = tab.last_export
    documents = Path(platformdirs.user_documents_dir())
    assert saved is not None and saved.parent == documents and saved.is_file()
    assert not list(sample.parent.glob("*results*")), "nothing written into the installation"
    status = win.findChild(QLabel, "exportStatus").text()
    assert "Documents" in status
    # the whole path in the tooltip; shortened in the middle when it does not fit
    shown = win.findChild(QLabel, "savedPath")
    assert shown.toolTip() == str(saved)
    shown.resize(160, shown.height())
    assert "\u2026" in shown.text() and shown.text().endswith(saved.name[-4:])
    qtbot.mouseClick(win.findChild(QPushButton, "openFolderButton"), Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(documents)]
