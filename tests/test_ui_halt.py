"""The import screen when the engine halts on a refusal every row would get: the upload pauses,
the status says why and what to change, and Stop ends it with nothing more sent."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from helpers.leads import write_leads
from helpers.ui import pick, wait_box

pytestmark = pytest.mark.usefixtures("qloop")


@pytest.mark.allow_log(r"halting the upload: The dialler found no phone field", logger="noojee_desktop.core.engine")
def test_upload_pauses_on_102_with_the_reason_and_stop_sends_nothing_more(qtbot, make_window, sandbox,
                                                                          monkeypatch, tmp_path):
    # FirstPhone is a phone field of Solar Leads, not of Insurance Renewals (MobilePhone, HomePhone)
    path = write_leads(tmp_path / "leads.csv", [(f"Lead {i}", "Richmond", f"03{i:08d}") for i in range(60)])
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    window = make_window(["--server", sandbox.url, str(path)])
    pick(qtbot, window, "template", "Insurance Renewals")
    pick(qtbot, window, "campaign", "Home Insurance 2025")
    pick(qtbot, window, "allocation", "January Renewals")
    tab = window.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 60 and not tab.loading, timeout=5000)
    status = window.findChild(QLabel, "exportStatus")
    pause = window.findChild(QPushButton, "pauseButton")
    upload = window.findChild(QPushButton, "uploadButton")
    qtbot.waitUntil(upload.isEnabled, timeout=5000)
    qtbot.mouseClick(upload, Qt.MouseButton.LeftButton)
    # the template's fields are not known: asked first; the user sends anyway, as today's users did
    box = wait_box(qtbot, window, "unknownPhonesBox")
    assert "cannot tell whether the dialler will accept these rows" in box.text()
    box.findChild(QPushButton, "sendAnywayButton").click()
    qtbot.waitUntil(lambda: "no phone field" in status.text(), timeout=15000)
    assert "'FirstPhone' is not one of this template's phone fields" in status.text()
    assert pause.isChecked()                      # paused: Resume would go on
    assert "Paused" in window.findChild(QLabel, "rateLabel").text()
    with qtbot.waitSignal(tab.uploadFinished, timeout=15000):
        qtbot.mouseClick(window.findChild(QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
    inserts = [r for r in sandbox.request_log() if r["path"].endswith("/insertLeadFast")]
    assert 1 <= len(inserts) <= 5 and {r["code"] for r in inserts} == {102} and sandbox.leads() == []
