"""Fixing cells on top of a sheet, and re-checking just the rows that matter (core, Qt-free)."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime

import pytest

from noojee_desktop.core.sheet import Mapping, read_sheet, validate
from noojee_desktop.core.sheet.fixes import (
    FixStore, Fixes, RowChecker, corrected_copy_path, write_corrected,
)

NOW = datetime(2025, 1, 1, 9, 0)
HEADERS = ["Name", "Phone", "Mobile", "Priority", "Callback", "ExternalId"]


def sheet_of(tmp_path, rows, name="leads.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(rows)
    return read_sheet(path)


def mapping_of(sheet) -> Mapping:
    return Mapping({"Name": "Name", "Phone": "FirstPhone", "Mobile": "MobilePhone", "Priority": "njPriority",
                    "Callback": "njCallBackDate", "ExternalId": "njExternalLeadId"}, {"FirstPhone", "MobilePhone"})


def assert_same_as_full_check(sheet, mapping, prepared, **options):
    full = validate(sheet, mapping, now=NOW, **options)
    for got, want in zip(prepared, full):
        assert (got.index, got.row_number, got.lead, got.issues) == (want.index, want.row_number, want.lead,
                                                                     want.issues), got.row_number


def test_a_fixed_phone_is_checked_again_and_its_duplicate_moves_to_the_next_row(tmp_path):
    sheet = sheet_of(tmp_path, [
        ["A", "0398765432", "", "5", "", ""],
        ["B", "0398765432", "", "5", "", ""],      # duplicate of A
        ["C", "0398765432", "", "5", "", ""],      # duplicate of A
        ["D", "98765", "", "five", "31/02/2025", ""],   # bad phone, bad priority, bad date
    ])
    mapping = mapping_of(sheet)
    prepared = validate(sheet, mapping, now=NOW)
    assert not prepared[1].sendable and "row 2" in prepared[1].issues[0].message
    fixes, checker = Fixes(sheet), RowChecker(sheet, mapping, now=NOW)

    # A gets its own number: B is now the first, C its duplicate
    _prev, before = fixes.write([(0, 1, " 03 9999 0000 ")])
    changed = checker.recheck(before)
    assert set(changed) == {0, 1, 2}
    assert changed[0].lead["FirstPhone"] == "0399990000" and changed[0].sendable
    assert changed[1].sendable
    assert "row 3" in changed[2].issues[0].message        # B is on row 3 of the file
    for r, p in changed.items():
        prepared[r] = p
    # D: phone, priority and date fixed one by one
    for cell in ((3, 1, "0412 345 678"), (3, 3, "7"), (3, 4, "28/02/2025 14:30")):
        for r, p in checker.recheck(fixes.write([cell])[1]).items():
            prepared[r] = p
    assert prepared[3].sendable
    assert prepared[3].lead == {"Name": "D", "FirstPhone": "0412345678", "njPriority": "7",
                                "njCallBackDate": "2025/02/28 14:30"}
    assert_same_as_full_check(sheet, mapping, prepared)
    assert fixes.original(3, 1) == "98765" and fixes.original(0, 0) is None and len(fixes) == 4


def test_writing_the_files_value_back_is_no_longer_a_fix(tmp_path):
    sheet = sheet_of(tmp_path, [["A", "98765", "", "", "", ""]])
    fixes = Fixes(sheet)
    previous, _ = fixes.write([(0, 1, "0398765432")])
    assert previous == [(0, 1, "98765")] and (0, 1) in fixes
    fixes.write(previous)
    assert len(fixes) == 0 and sheet.rows[0][1] == "98765"


def test_random_edits_rechecked_give_what_a_full_check_gives(tmp_path):
    rnd = random.Random(7)
    phones = ["0398765432", "0398765433", "398765434", "+61 3 9876 5432", "0412345678", "98765", "", "#N/A"]
    ids = ["X1", "X2", "X3", ""]
    rows = [[f"Lead {i}", rnd.choice(phones), rnd.choice(phones), rnd.choice(["1", "x", "", "101"]),
             rnd.choice(["", "2025/03/04 10:00", "soon", "1/2/2020"]), rnd.choice(ids)] for i in range(60)]
    sheet = sheet_of(tmp_path, rows)
    mapping = mapping_of(sheet)
    for allow in (False, True):
        prepared = validate(sheet, mapping, now=NOW, allow_duplicates=allow)
        fixes, checker = Fixes(sheet), RowChecker(sheet, mapping, now=NOW, allow_duplicates=allow)
        for _ in range(80):
            edits = [(rnd.randrange(60), rnd.choice([1, 2, 3, 4, 5]),
                      rnd.choice(phones + ids + ["7", "2025/05/05 09:00"])) for _ in range(rnd.choice([1, 1, 3]))]
            for r, p in checker.recheck(fixes.write(edits)[1]).items():
                prepared[r] = p
        assert_same_as_full_check(sheet, mapping, prepared, allow_duplicates=allow)


def test_fixes_kept_for_the_same_file_only(tmp_path):
    sheet = sheet_of(tmp_path, [["A", "98765", "", "", "", ""], ["B", "0398765432", "", "", "", ""]])
    fixes = Fixes(sheet)
    fixes.write([(0, 1, "0398765431"), (1, 3, "9")])
    store = FixStore(tmp_path / "data" / "fixes")
    store.save(fixes)
    again = read_sheet(sheet.path)
    cells, saved = store.load(again)
    assert sorted(cells) == [(0, 1, "0398765431"), (1, 3, "9")] and saved is not None
    # another file (different content) is not offered them
    other = sheet_of(tmp_path, [["A", "98765", "", "", "", ""]], name="other.csv")
    assert store.load(other) == ([], None)
    # a damaged entry is ignored
    next(store.folder.glob("*.json")).write_text("{not json", "utf-8")
    assert store.load(again) == ([], None)
    store.discard(again)
    assert store.load(again) == ([], None)
    assert Fixes.cells_from_json(json.loads(json.dumps(fixes.to_json())), again) == [(0, 1, "0398765431"),
                                                                                     (1, 3, "9")]


@pytest.mark.parametrize("name", ["leads.csv", "leads.xlsx"])
def test_corrected_copy_has_the_fixes_in_the_same_format_next_to_the_original(tmp_path, name, make_xlsx):
    rows = [["A", "98765", "", "1", "", "X1"], ["B", "+61398765433", "", "2", "", "X2"]]
    if name.endswith(".xlsx"):
        source = make_xlsx([HEADERS] + rows, "leads.xlsx")
        sheet = read_sheet(source)
    else:
        sheet = sheet_of(tmp_path, rows)
    original = sheet.path.read_bytes()
    Fixes(sheet).write([(0, 1, "0398765432")])
    target = corrected_copy_path(sheet.path)
    assert target.parent == sheet.path.parent and target.suffix == sheet.path.suffix and target != sheet.path
    write_corrected(target, sheet)
    assert sheet.path.read_bytes() == original            # the original is untouched
    back = read_sheet(target)
    assert back.headers == sheet.headers
    assert back.rows[0][1] == "0398765432" and back.rows[1][1].lstrip("'") == "+61398765433"  # (CSV: Excel's text mark)
    assert corrected_copy_path(sheet.path) != target       # the next copy gets a free name
    with pytest.raises(FileExistsError):
        write_corrected(target, sheet)


def test_the_upload_command_resuming_a_job_sends_the_cells_fixed_in_the_app(sandbox, tmp_path, monkeypatch):
    """A job the app started with fixed cells, interrupted before they were sent; `upload --resume`
    reads the file again, puts the journaled fixes back and sends the fixed values."""
    from noojee_desktop.commands.upload import main
    from noojee_desktop.core.engine import journal_entry
    from noojee_desktop.core.journal import CANCELLED, Journal

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    sheet = sheet_of(tmp_path, [["A", "0398765432", "", "5", "", ""], ["B", "98765", "", "x", "", ""]])
    mapping = mapping_of(sheet)
    fixes = Fixes(sheet)
    fixes.write([(1, 1, "0398765433"), (1, 3, "7")])         # as fixed in the table
    prepared = validate(sheet, mapping)
    assert all(p.sendable for p in prepared)
    with Journal() as journal:
        job = journal.create_job(file_path=str(sheet.path), fingerprint=sheet.fingerprint, server=sandbox.url,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"))
        journal.add_rows(job, [journal_entry(p, sheet.fingerprint, False) for p in prepared])
        journal.set_fixes(job, fixes.edits())
        journal.set_status(job, CANCELLED)
    code = main([str(sheet.path), "--server", sandbox.url, "--template", "Solar Leads", "--campaign", "Solar VIC",
                 "--allocation", "VIC Week 1", "--map", "Phone=FirstPhone", "--map", "Priority=njPriority",
                 "--map", "Mobile=", "--map", "Callback=", "--map", "ExternalId=", "--phone-field", "FirstPhone",
                 "--resume"])
    assert code == 0
    stored = {r["lead"]["Name"]: r["lead"] for r in sandbox.leads()}
    assert stored["B"]["FirstPhone"] == "0398765433" and stored["B"]["njPriority"] == "7"
