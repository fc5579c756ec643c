"""Honest progress in the window: the rate after a pause, "Retry failed rows" with its own bar
and count, and another file clearing the last one's progress (real sandbox on 127.0.0.1)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

from noojee_desktop.core.codes import Category
from noojee_desktop.ui.importer.controller import State
from helpers.leads import write_leads
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")

N = 60
SLOTS, SERVICE = 2, 0.05          # the dialler's most: 40 leads/s


@pytest.fixture
def server(sandbox_factory, monkeypatch):
    s = sandbox_factory(service_time=SERVICE, slots=SLOTS)
    monkeypatch.setenv("NOOJEE_API_KEY", s.api_key)
    return s


@pytest.fixture
def window(qtbot, make_window, server, tmp_path):
    path = write_leads(tmp_path / "progress-leads.csv", [(f"Lead {i}", "Melbourne", f"03{8600000 + i:08d}")
                                                          for i in range(N)])
    teach_sandbox_fields(server)
    win = make_window(["--server", server.url, str(path)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == N and tab.upload_button.isEnabled(), timeout=5000)
    return win


def bar(win) -> QProgressBar:
    return win.findChild(QProgressBar, "progressBar")


def shown_rate(win) -> float:
    text = win.findChild(QLabel, "rateLabel").text()
    found = re.search(r"([\d.]+) leads/s", text)
    assert found, text
    return float(found.group(1))


def shown_eta(win) -> float:
    text = win.findChild(QLabel, "rateLabel").text()
    found = re.search(r"about (?:(\d+) min )?(\d+) s left", text)
    assert found, text
    return int(found.group(1) or 0) * 60 + int(found.group(2))


def test_rate_and_eta_after_a_pause_count_only_the_time_since_resuming(qtbot, window, server):
    win, tab = window, window.import_tab
    c = tab.controller
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar(win).value() >= 15 and "leads/s" in tab.rate_label.text(), timeout=10000)
    before = shown_rate(win)
    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.progress.paused and c.progress.inflight == 0, timeout=5000)
    qtbot.wait(2000)        # the pause itself: a coffee break the rate must not count
    at_resume = bar(win).value()
    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar(win).value() >= at_resume + 12 and "leads/s" in tab.rate_label.text(), timeout=10000)
    after, eta, left = shown_rate(win), shown_eta(win), N - bar(win).value()
    assert after >= 0.5 * before, f"{before} leads/s before the pause, {after} after it"
    assert after <= 1.5 * SLOTS / SERVICE
    assert eta <= left / (0.5 * before) + 1, f"about {eta} s for {left} rows at {after} leads/s"
    qtbot.waitUntil(lambda: c.state is State.FINISHED, timeout=15000)
    assert bar(win).value() == bar(win).maximum() == N


def test_retry_failed_rows_shows_its_own_bar_count_and_rate(qtbot, window, server, tmp_path):
    win, tab = window, window.import_tab
    c = tab.controller
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.leads()) >= 10, timeout=10000)
    qtbot.mouseClick(win.findChild(QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.state is State.FINISHED, timeout=10000)
    unsent = len(tab.model.failed_rows())
    assert 10 <= N - unsent < N - 20, "stopped part-way, with many rows still to send"

    qtbot.mouseClick(tab.retry_button, Qt.MouseButton.LeftButton)
    seen = []

    def retrying_part_way() -> bool:
        if 3 <= bar(win).value() < unsent - 3 and "leads/s" in tab.rate_label.text():
            seen.append((bar(win).value(), bar(win).maximum(), bar(win).text(), tab.rate_label.text()))
            return True
        return False

    qtbot.waitUntil(retrying_part_way, timeout=10000)
    value, maximum, text, label = seen[0]
    assert maximum == unsent and value < maximum, "the bar counts the rows sent again, not the file's"
    assert f"of {unsent} rows sent again" in text
    assert label.startswith(f"Retrying {unsent} rows")
    assert shown_rate(win) <= 1.5 * SLOTS / SERVICE
    qtbot.waitUntil(lambda: c.state is State.FINISHED, timeout=15000)
    assert bar(win).value() == bar(win).maximum() == unsent
    assert tab.model.counts[Category.INSERTED] == N

    # another file: nothing of this one's upload stays on show
    other = write_leads(tmp_path / "other.csv", [("Someone", "Geelong", "0352001234")])
    tab.load(other)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and not tab.loading, timeout=5000)
    assert bar(win).value() < 1 and "rows" not in tab.rate_label.text() and "leads/s" not in tab.rate_label.text()
    assert tab.rate_label.text() == ""
