"""The template's fields in the window, against the sandbox on 127.0.0.1: unknown on a real dialler
(said before anything is sent), taught from a Noojee export's header row, then an ordinary Excel
export maps onto them and uploads right; the one-lead form shows each template's own fields."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFrame, QLabel, QPushButton

from noojee_desktop.core.sheet import SYSTEM_FIELDS, TemplateFieldStore
from noojee_desktop.ui.mapping_header import IGNORE, TYPE_FIELD
from helpers.ui import pick, pick_solar, wait_box

pytestmark = pytest.mark.usefixtures("qloop")

SOLAR = ["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "SecondPhone", "Email"]
INSURANCE = ["FirstName", "LastName", "PolicyNumber", "RenewalDate", "MobilePhone", "HomePhone", "Suburb", "Postcode"]
EXPORT = ["Full Name", "Phone Number", "Mobile No.", "Suburb", "Postcode"]
ROWS = [(f"Person {i}", f"03 8321 {8100 + i}", f"0412 345 {600 + i}", "Richmond", "3121") for i in range(6)]


def _inserts(sandbox) -> list:
    return [r for r in sandbox.request_log() if r["path"].endswith("/insertLeadFast")]


def _shown(qtbot, window, cls, object_name: str):
    """The visible ``cls`` child named ``object_name``, once it shows."""
    def find():
        return next((w for w in window.findChildren(cls, object_name) if w.isVisible()), None)

    qtbot.waitUntil(lambda: find() is not None, timeout=5000)
    return find()


def _dialog(qtbot, window) -> QDialog:
    return _shown(qtbot, window, QDialog, "teachFieldsDialog")


@pytest.fixture
def excel_export(make_xlsx):
    """An ordinary Excel export a team leader gets from a CRM."""
    return make_xlsx([EXPORT, *ROWS], name="from the crm.xlsx")


def test_unknown_template_is_warned_taught_from_a_noojee_export_then_uploaded_right(
        qtbot, make_window, sandbox, monkeypatch, tmp_path, excel_export):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    win = make_window(["--server", sandbox.url, str(excel_export)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 6 and not tab.loading, timeout=5000)
    # said plainly where the mapping is, before anything is sent
    banner = win.findChild(QFrame, "fieldsBar")
    qtbot.waitUntil(banner.isVisible, timeout=5000)
    assert "does not know the fields of the template 'Solar Leads'" in win.findChild(QLabel, "fieldsBarLabel").text()
    notice = win.findChild(QLabel, "importNotice").text()
    assert "cannot check: this template's phone fields are not known" in notice and "can be sent" not in notice
    phone = tab.header.combo("Phone Number")
    assert phone.currentData() == "Phone Number" and phone.currentText().endswith("as is: Phone Number")
    assert "No known field of the template matched 'Phone Number'" in phone.toolTip()
    # Upload asks first; "Teach fields..." opens the dialog, nothing is sent
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    wait_box(qtbot, win, "unknownPhonesBox").findChild(QPushButton, "teachFirstButton").click()
    dialog = _dialog(qtbot, win)
    assert dialog.findChild(QPushButton, "fieldsFromHeadersButton").isEnabled()   # (the file's headings: offered)
    export = tmp_path / "Solar Leads export.csv"          # what Noojee's own export of the template starts with
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([SOLAR, ["Ann Lee", "1 Main St", "Kew", "VIC", "3101", "0383218199", "", "a@b.au"]])
    dialog.load_header_row(export)
    qtbot.waitUntil(lambda: dialog.names() == SOLAR, timeout=5000)
    assert dialog.phones() == {"FirstPhone", "SecondPhone"}            # guessed, shown ticked
    qtbot.mouseClick(dialog.findChild(QPushButton, "saveFieldsButton"), Qt.MouseButton.LeftButton)
    # the ordinary export maps onto the taught fields; the warning goes
    qtbot.waitUntil(lambda: tab.header.combo("Phone Number").currentData() == "FirstPhone" and not tab.loading,
                    timeout=5000)
    assert {h: tab.header.combo(h).currentData() for h in EXPORT} == {
        "Full Name": "Name", "Phone Number": "FirstPhone", "Mobile No.": "SecondPhone", "Suburb": "City",
        "Postcode": "PostCode"}
    assert not banner.isVisible()
    assert "cannot check" not in win.findChild(QLabel, "importNotice").text()
    # the dropdown offers the template's fields only, the system fields, (ignore) and "type a field name..."
    combo = tab.header.combo("Full Name")
    offered = [combo.itemData(i) for i in range(combo.count()) if combo.itemText(i)]
    assert set(offered) - {None} == set(SOLAR) | set(SYSTEM_FIELDS) | {combo.itemData(combo.findText(TYPE_FIELD))}
    assert combo.itemText(0) == IGNORE and "Full Name" not in offered
    assert "left out" not in combo.toolTip()
    combo.setCurrentIndex(0)                                # (ignore): said so where it is chosen
    assert "The column 'Full Name' is left out (not sent)" in combo.toolTip()
    qtbot.waitUntil(lambda: tab.model.mapping.columns["Full Name"] is None and not tab.loading, timeout=5000)
    combo.setCurrentIndex(combo.findData("Name"))
    qtbot.waitUntil(lambda: tab.model.mapping.columns["Full Name"] == "Name" and not tab.loading, timeout=5000)
    assert _inserts(sandbox) == []
    # then uploaded right: no question, every lead with the template's phone fields
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.last_summary is not None and not tab.uploading, timeout=15000)
    assert tab.controller.last_summary.inserted == 6
    lead = next(x["lead"] for x in sandbox.leads() if x["lead"].get("Name") == "Person 0")
    assert lead["FirstPhone"] == "0383218100" and lead["SecondPhone"] == "0412345600" and lead["City"] == "Richmond"
    # kept for this server and template: the next session knows them
    store = TemplateFieldStore()
    store.use_server(sandbox.url)
    assert store.get(1).fields == SOLAR and not store.get(2).known


def test_a_typed_field_name_is_sent_under_that_name(qtbot, make_window, sandbox, monkeypatch, make_csv):
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = make_csv("Who,Ph\nAnn,0383218199\n")
    win = make_window(["--server", sandbox.url, str(path)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and not tab.loading, timeout=5000)
    combo = tab.header.combo("Ph")
    combo.setCurrentIndex(combo.findText(TYPE_FIELD))
    typed = _shown(qtbot, win, QInputDialog, "typeFieldDialog")
    typed.setTextValue("FirstPhone")
    typed.accept()
    qtbot.waitUntil(lambda: tab.model.mapping.columns["Ph"] == "FirstPhone" and not tab.loading, timeout=5000)
    assert tab.header.combo("Ph").currentData() == "FirstPhone"


def test_the_form_shows_each_templates_own_fields_on_the_built_in_sandbox(qtbot, make_window):
    win = make_window(["--sandbox"])       # the built-in practice dialler: its own data says its fields
    win.tabs.setCurrentWidget(win.lead_form)
    pick_solar(qtbot, win)
    form = win.lead_form
    qtbot.waitUntil(lambda: list(form.edits) == SOLAR, timeout=5000)
    assert not win.findChild(QLabel, "unknownFieldsNote").isVisible()
    pick(qtbot, win, "template", "Insurance Renewals")
    qtbot.waitUntil(lambda: list(form.edits) == INSURANCE, timeout=5000)
    assert form.findChild(QLabel, "fieldError_MobilePhone") is not None and "FirstPhone" not in form.edits
    # the same address connected as any dialler (not the built-in preset): its fields are not known
    win.connect_to(win.sandbox.url, win.sandbox.api_key)
    pick_solar(qtbot, win)
    qtbot.waitUntil(lambda: form.edits == {} and win.findChild(QLabel, "unknownFieldsNote").isVisible(),
                    timeout=5000)


def test_on_a_real_dialler_the_form_explains_and_teaches_then_speaks_of_its_own_fields_on_102(
        qtbot, make_window, sandbox, monkeypatch):
    from PySide6.QtWidgets import QPlainTextEdit

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    win = make_window(["--server", sandbox.url])
    win.tabs.setCurrentWidget(win.lead_form)
    pick_solar(qtbot, win)
    form = win.lead_form
    note = win.findChild(QLabel, "unknownFieldsNote")
    qtbot.waitUntil(note.isVisible, timeout=5000)
    assert form.edits == {} and "'Solar Leads'" in note.text()       # never another template's fields
    teach = win.findChild(QPushButton, "editFieldsButton")
    assert teach.text() == "Teach fields\u2026"
    qtbot.mouseClick(teach, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot, win)
    assert not dialog.findChild(QPushButton, "fieldsFromHeadersButton").isEnabled()   # no file open
    dialog.findChild(QPlainTextEdit, "fieldNamesEdit").setPlainText("Name\tMobile")     # a pasted header row
    assert dialog.phones() == {"Mobile"}
    qtbot.mouseClick(dialog.findChild(QPushButton, "saveFieldsButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: list(form.edits) == ["Name", "Mobile"], timeout=5000)
    assert not note.isVisible() and teach.text() == "Edit fields\u2026"
    # Mobile is not one of Solar Leads' phone fields: the dialler says 102, the form says what to check
    form.edits["Name"].setText("Ann Lee")
    form.edits["Mobile"].setText("0412345678")
    qtbot.mouseClick(win.findChild(QPushButton, "sendLeadButton"), Qt.MouseButton.LeftButton)
    result = win.findChild(QLabel, "leadResult")
    qtbot.waitUntil(lambda: "102" in result.text(), timeout=10000)
    assert "this form's fields" in result.text() and "column" not in result.text().lower()
    # another template of the same dialler is not shown these fields
    pick(qtbot, win, "template", "Insurance Renewals")
    qtbot.waitUntil(lambda: form.edits == {} and note.isVisible(), timeout=5000)


def test_an_admins_field_file_sets_up_the_window_at_once(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    admin = TemplateFieldStore(tmp_path / "admin.json")
    admin.use_server(sandbox.url)
    admin.remember(1, SOLAR, {"FirstPhone", "SecondPhone"}, name="Solar Leads")
    shared = tmp_path / "team.json"
    admin.export_file(shared)
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    win = make_window(["--server", sandbox.url])
    pick_solar(qtbot, win)
    assert win.lead_form.edits == {}
    assert win.import_fields(shared) == ["Solar Leads"]
    qtbot.waitUntil(lambda: list(win.lead_form.edits) == SOLAR, timeout=5000)
    again = tmp_path / "again.json"
    assert win.export_fields(again) == 1 and "FirstPhone" in again.read_text()
