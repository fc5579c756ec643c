"""The keyboard: unique mnemonics in every window and dialog, tab order, Ctrl+F."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton

from helpers.ui import pick_solar
from mnemonics import clashes, mnemonic, open_windows_clashes

pytestmark = pytest.mark.usefixtures("qloop")


def test_mnemonic_letters_are_read_like_qt_does():
    assert mnemonic("&Upload") == "u"
    assert mnemonic("Se&nd lead") == "n"
    assert mnemonic("Fish && chips") is None
    assert mnemonic("R&&D &Team") == "t"
    assert mnemonic("Ends with &") is None


def test_a_clash_on_the_same_page_is_found_and_on_other_tabs_is_not(qtbot):
    from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

    top = QWidget()
    qtbot.addWidget(top)
    tabs = QTabWidget()
    QVBoxLayout(top).addWidget(tabs)
    for title, buttons in (("&First", ["&Go", "&Stop"]), ("&Second", ["&Go"])):
        page = QWidget()
        layout = QVBoxLayout(page)
        for text in buttons:
            layout.addWidget(QPushButton(text))
        tabs.addTab(page, title)
    # "&Go" on two pages is fine; "&Stop" clashes with the "&Second" tab, reachable from both
    found = clashes(top)
    assert len(found) == 1 and "'&Stop'" in found[0] and "'&Second'" in found[0], found


def test_every_mnemonic_is_unique_in_the_main_window_and_its_dialogs(qtbot, make_window):
    win = make_window(["--sandbox"])
    assert clashes(win) == []
    # a paused upload shows "Resume" where "Pause" was
    from noojee_desktop.ui.importer.controller import State

    win.import_tab.upload_panel.show_state(State.PAUSED)
    assert clashes(win) == []
    win.import_tab.upload_panel.show_state(State.CHECKED)
    # so does each screen's "update existing leads" mode
    win.lead_form.update_radio.setChecked(True)
    win.import_tab.upload_panel.show_mode("update", "")
    assert clashes(win) == []
    win.lead_form.add_radio.setChecked(True)
    win.import_tab.upload_panel.show_mode("insert", "")

    # the dialogs the window opens
    dialog = win.open_connection_dialog()
    qtbot.waitExposed(dialog)
    assert clashes(dialog) == []
    dialog.reject()
    win.tabs.setCurrentWidget(win.lead_form)
    pick_solar(qtbot, win)                  # (fields belong to a template)
    qtbot.mouseClick(win.findChild(QPushButton, "editFieldsButton"), Qt.MouseButton.LeftButton)
    fields = win.findChild(QDialog, "teachFieldsDialog")
    assert fields is not None and clashes(fields) == []
    fields.reject()
    win.findChild(type(win.open_action), "aboutAction").trigger()
    about = win.findChild(QMessageBox, "aboutBox")
    assert about is not None and clashes(about) == []
    about.close()

    # the import screen's and the jobs' questions
    from noojee_desktop.ui import job_dialogs
    from noojee_desktop.ui.importer import dialogs

    class Job:
        def describe(self):
            return "leads.csv to Solar VIC / VIC Week 1, 3 of 9 rows finished"

    tab = win.import_tab
    boxes = [dialogs.ask_stop_then(tab, lambda: None), dialogs.ask_resume(tab, Job(), lambda: None, lambda: None),
             dialogs.ask_retry_rejections(tab, 3, lambda: None), job_dialogs.show_busy(tab, "Busy."),
             job_dialogs.show_journal_problem(tab, "The disk is full.")]
    job_dialogs.ask_already_loaded(tab, "3 of these rows were inserted before.")
    job_dialogs.ask_unknown_phones(tab, "cannot check: this template's phone fields are not known")
    for box in boxes:
        qtbot.waitExposed(box)
    assert open_windows_clashes() == []
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


def test_the_form_is_tabbed_through_before_send_lead(qtbot, make_window):
    win = make_window(["--sandbox"])
    win.tabs.setCurrentWidget(win.lead_form)
    form = win.lead_form
    form.set_fields(["Name", "Suburb", "Mobile", "Email"], {"Mobile"})   # another template's fields
    first = win.chooser.combo("allocation")     # the widget above the tabs
    chain, w = [], first
    for _ in range(200):
        chain.append(w)
        w = w.nextInFocusChain()
        if w is first:
            break
    send = form.send_button
    assert send in chain
    before_send = chain[:chain.index(send)]
    assert all(edit in before_send for edit in form.edits.values()), "every field comes before Send lead"
    assert [e for e in chain if e in form.edits.values()] == list(form.edits.values()), "fields in form order"
    assert chain.index(form.priority) < chain.index(send)


def test_ctrl_f_goes_to_the_search_box(qtbot, make_window):
    win = make_window(["--sandbox"])
    win.tabs.setCurrentWidget(win.lead_form)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    win.lead_form.send_button.setFocus()
    qtbot.keyClick(QApplication.focusWidget() or win, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = win.import_tab.search_edit
    assert win.tabs.currentWidget() is win.import_tab
    qtbot.waitUntil(search.hasFocus, timeout=2000)
