"""Capture the main states of the real window (run under Xvfb for a real X server), on the
screens users have: 1366x768 (the README's pictures, next to this script), 1024x700, and
1366x768 at 150 % scale (in the folders named so):

    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/make_screenshots.py
    SHOTS=1024x700 xvfb-run -a -s "-screen 0 1024x700x24" python docs/screenshots/make_screenshots.py
    SHOTS=scale-1.5 QT_SCALE_FACTOR=1.5 xvfb-run -a -s "-screen 0 1366x768x24" \
        python docs/screenshots/make_screenshots.py

The window opens at the size the app chooses for that screen (as a user first sees it).

Starts the app as ``noojee-desktop --sandbox`` (a throw-away home directory, so nothing of the
user's is touched), sends one lead, shows the "previous upload was interrupted" banner, loads a demo lead list
with a few problems, uploads it, shows the upload history and withdraws that upload, fixes rows of
another list in the table, then connects to the same sandbox as an ordinary dialler (whose fields
are unknown), opens a CRM export there and teaches the template's fields, and saves a PNG of each
state next to this script.
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / os.environ["SHOTS"] if os.environ.get("SHOTS") else HERE
HOME = Path(tempfile.mkdtemp(prefix="noojee-shots-"))
for var, sub in (("HOME", ""), ("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config"),
                 ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
    os.environ[var] = str(HOME / sub)
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

FIRST = ["Olivia", "Jack", "Charlotte", "Noah", "Amelia", "William", "Isla", "Oliver", "Mia", "Leo",
         "Grace", "Lucas", "Chloe", "Henry", "Zoe", "Thomas", "Ruby", "James", "Ella", "Harry"]
LAST = ["Nguyen", "Smith", "Williams", "Brown", "Jones", "Wilson", "Taylor", "Martin", "Lee", "White"]
CITIES = [("Melbourne", "VIC", "3000"), ("Geelong", "VIC", "3220"), ("Ballarat", "VIC", "3350"),
          ("Bendigo", "VIC", "3550")]


def demo_file(folder: Path) -> Path:
    rnd = random.Random(4)
    path = folder / "spring-leads.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "Notes"])
        for i in range(36):
            city, state, pc = rnd.choice(CITIES)
            phone = f"03{rnd.randint(80000000, 99999999)}"
            if i == 3:
                phone = "383218199"          # lost its leading zero: restored, with a warning
            if i == 7:
                phone = "ring after 5"       # not a number: must be fixed
            if i == 11:
                phone = "0299999999"         # on the sandbox's Do Not Call list
            w.writerow([f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", f"{rnd.randint(1, 200)} High St",
                        city, state, pc, phone, rnd.choice(["", "web form", "referral", "expo"])])
    return path


def fixing_file(folder: Path) -> Path:
    """A list with rows to fix (issue 11): a phone with its area code missing, a priority in
    words, a date the dialler cannot read, a note in the phone column."""
    rnd = random.Random(9)
    path = folder / "autumn-leads.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "City", "State", "FirstPhone", "Priority", "Callback"])
        for i in range(30):
            city, state, _pc = rnd.choice(CITIES)
            row = [f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", city, state, f"03{rnd.randint(80000000, 99999999)}",
                   str(rnd.choice([1, 5, 10])), f"2030/05/{rnd.randint(10, 28)} 10:00"]
            if i in (2, 9):
                row[3] = "8321 8199"           # no area code
            if i == 5:
                row[4] = "high"                # a priority in words
            if i in (6, 14):
                row[5] = "after Easter"        # not a date
            if i == 11:
                row[3] = "ring after 5"        # a note, not a number
            w.writerow(row)
    return path


def crm_export(folder: Path) -> Path:
    """An ordinary export from a CRM, with the headings people use."""
    rnd = random.Random(7)
    path = folder / "crm-export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Full Name", "Phone Number", "Mobile No.", "Suburb", "Postcode"])
        for _ in range(24):
            city, _state, pc = rnd.choice(CITIES)
            w.writerow([f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", f"03 {rnd.randint(8000, 9999)} {rnd.randint(1000, 9999)}",
                        f"04{rnd.randint(10, 99)} {rnd.randint(100, 999)} {rnd.randint(100, 999)}", city, pc])
    return path


def noojee_export(folder: Path) -> Path:
    """The start of a file exported from the Solar Leads template in Noojee (its header row)."""
    path = folder / "solar-leads-export.csv"
    path.write_text("Name,StreetAddress,City,State,PostCode,FirstPhone,SecondPhone,Email\n"
                    "Ann Lee,1 Main St,Kew,VIC,3101,0383218199,,ann@example.com\n", encoding="utf-8")
    return path


def interrupted_job(path: Path, server: str) -> None:
    from noojee_desktop.core.codes import Category
    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.outcome import RowOutcome
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    sheet = read_sheet(path)
    prepared = validate(sheet, auto_map(sheet.headers))
    with Journal() as journal:
        job = journal.create_job(file_path=str(path), fingerprint=sheet.fingerprint, server=server,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"))
        journal.add_rows(job, [(p.index, p.row_number, dict(p.lead) if p.sendable else None, None,
                                None if p.sendable else RowOutcome(Category.INVALID, None, "no phone"))
                               for p in prepared])
        for p in [p for p in prepared if p.sendable][:14]:
            journal.record(job, p.index, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)


def again_button():
    """The "Send them again" button of the rows-already-loaded question, once it shows."""
    from PySide6.QtWidgets import QMessageBox

    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            for b in w.buttons():
                if b.text() == "Send them again":
                    return b
    return None


async def until(cond, timeout=15.0):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the expected state")
        await asyncio.sleep(0.05)


async def pause(seconds=0.4):
    await asyncio.sleep(seconds)


def save(widget, name: str) -> None:
    """A PNG of ``widget`` in 256 colours (a screenshot of a form needs no more; a third the size)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    OUT.mkdir(exist_ok=True)
    path = OUT / name
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Indexed8,
                                                     Qt.ImageConversionFlag.ThresholdDither)
    image.save(str(path), "PNG", 0)
    print(path)


async def scenario() -> None:
    from noojee_desktop.app import build_window

    window = build_window(["--sandbox"])
    window.show()      # at the size the app chose for this screen
    chooser = window.chooser

    def pick(key, text):
        box = chooser.combo(key)
        return box.isEnabled() and box.findText(text) >= 0

    for key, text in (("template", "Solar Leads"), ("campaign", "Solar VIC"), ("allocation", "VIC Week 1")):
        await until(lambda k=key, t=text: pick(k, t))
        box = chooser.combo(key)
        box.setCurrentIndex(box.findText(text))
    await pause()

    # 1. connection dialog over the connected window (key masked)
    window.tabs.setCurrentWidget(window.lead_form)
    dialog = window.open_connection_dialog()
    dialog.test_button.click()
    await until(lambda: "Connected" in dialog.test_status.text())
    await pause()
    save(dialog, "01-connection-dialog.png")
    dialog.reject()
    await pause()

    # 2. a single lead sent
    form = window.lead_form
    form.edits["Name"].setText("Olivia Nguyen")
    form.edits["StreetAddress"].setText("12 Collins St")
    form.edits["City"].setText("Melbourne")
    form.edits["State"].setText("VIC")
    form.edits["PostCode"].setText("3000")
    form.edits["FirstPhone"].setText("0383218199")
    form.send()
    await until(lambda: "Inserted" in form.result_label.text())
    form.edits["Name"].setText("Jack Smith")
    form.edits["FirstPhone"].setText("0299999999")
    form.send()
    await until(lambda: "Do Not Call" in form.result_label.text())
    form.edits["FirstPhone"].setText("0398761234")
    form.send()
    await until(lambda: "Inserted" in form.result_label.text())
    await pause()
    save(window, "02-single-lead-sent.png")

    # 5. next start after an interrupted upload: the banner in the Import tab (made with the
    # journal's own API, as a killed upload leaves it: 14 rows answered, the rest not yet)
    tab = window.import_tab
    window.tabs.setCurrentWidget(tab)
    path = demo_file(HOME)
    interrupted_job(path, window.server)
    tab.check_interrupted()
    await pause()
    save(window, "05-resume-banner.png")
    tab.resume.discard()

    # 3. a lead list checked before sending
    tab.load(path)
    await until(lambda: tab.model.sheet is not None and not tab.loading)
    notes = tab.header.combo("Notes")
    notes.setCurrentIndex(0)  # (ignore)
    await until(lambda: not tab.loading)
    await pause()
    save(window, "03-import-checked.png")

    # 4. uploaded: coloured rows, counts, chart
    tab.start_upload()
    # the made-up interrupted job above "inserted" 14 of these rows, so the app asks about them
    # first; they never reached this sandbox, so send them again
    await until(lambda: again_button() is not None)
    again_button().click()
    await until(lambda: tab.controller.state.value == "finished", timeout=60)
    await pause()
    save(window, "04-import-uploaded.png")

    # 6. the upload history: what this computer loaded (the made-up interrupted job, discarded above,
    # and the upload just made)
    history = window.open_history()
    history.resize(min(1180, window.width()), 420)
    await pause()
    save(history, "06-upload-history.png")

    # 7. withdrawing that upload: who can be reached, the warning, the count typed to confirm
    history.select_job(history.model.entries[0].id)
    withdraw = history.withdraw()
    withdraw.disposition.setCurrentText("Wrong Number")
    await until(lambda: "'Wrong Number'" in withdraw.plan_label.text())
    withdraw.confirm.setText(str(len(withdraw.run.plan.leads)))
    await until(withdraw.send_button.isEnabled)
    await pause()
    save(withdraw, "07-withdraw-confirm.png")

    # 8. withdrawn: every lead's result in colour, the results file
    withdraw.send_button.click()
    await until(lambda: withdraw.status.text().startswith("Finished"), timeout=60)
    await pause()
    save(withdraw, "08-withdraw-done.png")
    withdraw.close()
    history.close()
    await pause()

    # 9. fixing rows in the table: two cells fixed (blue italics, one undo step each), the rows
    # still to fix in red, the next one open for typing, the "Needs fixing" filter on
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    tab.load(fixing_file(HOME))
    await until(lambda: tab.model.sheet is not None and tab.model.sheet.path.name == "autumn-leads.csv"
                and not tab.loading)
    model = tab.model
    col = {h: 4 + i for i, h in enumerate(model.sheet.headers)}
    filters = tab.table_part.filter_combo
    filters.setCurrentIndex(filters.findText("Needs fixing"))
    for r in range(model.rowCount()):
        if model.index(r, col["FirstPhone"]).data() == "8321 8199" and model.index(r, 0).data() == "4":
            model.setData(model.index(r, col["FirstPhone"]), "03 8321 8199")
        if model.index(r, col["Priority"]).data() == "high":
            model.setData(model.index(r, col["Priority"]), "1")
    table = tab.table
    table.setFocus()
    tab.editing.next_to_fix()
    for r in range(model.rowCount()):
        if model.index(r, col["FirstPhone"]).data() == "8321 8199":
            table.setCurrentIndex(model.index(r, col["FirstPhone"]))
    QTest.keyClick(table, Qt.Key.Key_F2)
    editor = table.viewport().focusWidget() or table.focusWidget()
    QTest.keyClick(editor, Qt.Key.Key_Home)
    QTest.keyClicks(editor, "03 ")
    await pause()
    save(window, "09-import-fixing.png")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    await pause()

    # 10. a real dialler's template: its fields are not known (the app never guesses them). The
    # same sandbox, connected as an ordinary server (not the built-in preset), with a CRM's export
    window.connect_to(window.sandbox.url, window.sandbox.api_key)
    for key, text in (("template", "Solar Leads"), ("campaign", "Solar VIC"), ("allocation", "VIC Week 2")):
        await until(lambda k=key, t=text: pick(k, t))
        box = chooser.combo(key)
        box.setCurrentIndex(box.findText(text))
    tab.table_part.filter_combo.setCurrentIndex(0)      # all rows again
    crm = crm_export(HOME)
    tab.load(crm)
    await until(lambda: tab.model.sheet is not None and tab.model.sheet.path == crm and not tab.loading)
    await until(tab.fields_banner.isVisible)
    await pause()
    save(window, "10-fields-unknown.png")
    window.tabs.setCurrentWidget(window.lead_form)      # the form says so too, and offers to teach them
    await pause()
    save(window, "13-form-fields-unknown.png")
    window.tabs.setCurrentWidget(tab)

    # 11. teaching them from the header row of a file exported from the template in Noojee
    dialog = tab.teach_fields()
    dialog.load_header_row(noojee_export(HOME))
    await until(lambda: dialog.names() and not dialog.status.text().startswith("Reading"))
    await pause()
    save(dialog, "11-teach-fields.png")
    dialog.save_button.click()
    await until(lambda: not tab.fields_banner.isVisible() and not tab.loading)
    await pause()
    save(window, "12-fields-taught.png")

    done = asyncio.Event()
    window.shutDown.connect(done.set)
    window.close()
    await done.wait()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(HOME / ".config"))
    loop = qasync.QEventLoop(app)   # not qasync.run(): see noojee_desktop/app.py main()
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(scenario())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
