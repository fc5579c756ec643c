"""The whole-column fast paths give exactly what the cell-by-cell rules give.

Reading converts workbook cells column by column and validation recognises whole phone
columns at once (bench/load.py); these tests hold them to the plain per-cell rules
(cell_text, normalise_phone, parse_callback) on the shapes they handle and the ones
that must fall back, so a speed-up can never change what a user sees or what is sent.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import pickle
import random
import sys
from pathlib import Path

import pytest

from noojee_desktop.core.sheet import (
    Mapping,
    PreparedRow,
    Sheet,
    normalise_phone,
    read_sheet,
    validate,
)

reader = sys.modules["noojee_desktop.core.sheet.reader"]


def _sheet(rows: list[list[str]], headers: list[str]) -> Sheet:
    return Sheet(Path("t.xlsx"), "Leads", ["Leads"], headers, list(headers), rows, list(range(2, len(rows) + 2)))


def _expected_phone(v: str) -> tuple[str | None, list[tuple[str, str]]]:
    """What one phone cell gives by the per-cell rule: (number sent, [(severity, message)])."""
    if not v:
        return None, []
    if v in reader_errors():
        return None, [("error", f"The cell shows an Excel error ({v}); put the real value in.")]
    num, problem, sev = normalise_phone(v)
    if problem is None:
        return num, []
    if problem.startswith("The leading 0"):
        problem = "The leading 0 was missing (the spreadsheet stored the phone as a number); it was put back."
    return num, [(sev, problem)]


def reader_errors():
    return sys.modules["noojee_desktop.core.sheet.validate"]._EXCEL_ERRORS


PHONE_COLUMNS = {
    "clean, spaced": ["03 8321 8199", "0412 345 678", "02 9999 0001", "0412345679"] * 5,
    "clean with empties": ["0383218199", "", "0412345678", "", "08 9111 2222"] * 4,
    "all lost zero": ["383218199", "412345678", "299990001", "733334444", "812345678"] * 4,
    "lost zero, spaced": ["3 8321 8199", "412 345 678"] * 10,
    "lost zero with an empty": ["383218199", "", "412345678"] * 7,
    "nine digits, not a lost zero": ["383218199", "512345678"] * 10,
    "ten digits not starting 0": ["0383218199", "1300123456", "5123456789"] * 7,
    "unicode digits": ["０３８３２１８１９９", "0383218199"] * 10,
    "one bad cell": ["0383218199"] * 15 + ["8321 8199", "+61 3 8321 8198", "#N/A", "abc", "61412345678"],
    "a line break in a cell": ["0383218199", "0412 345\n678"] * 10,
    "all empty": [""] * 20,
}


@pytest.mark.parametrize("shape", list(PHONE_COLUMNS))
def test_phone_column_shapes_match_the_per_cell_rule(shape):
    cells = PHONE_COLUMNS[shape]
    # unique numbers per row (the second column) so that only the first column's own
    # duplicates can add issues, and they are compared separately
    rows = [[v, f"04{i:08d}"] for i, v in enumerate(cells)]
    sheet = _sheet(rows, ["FirstPhone", "SecondPhone"])
    prepared = validate(sheet, Mapping({"FirstPhone": "FirstPhone", "SecondPhone": "SecondPhone"},
                                       {"FirstPhone", "SecondPhone"}))
    first_seen: dict[str, int] = {}
    for i, (v, row) in enumerate(zip(cells, prepared)):
        num, problems = _expected_phone(v)
        if num is not None:
            first = first_seen.setdefault(num, i)
            if first != i:
                problems.append(("error", f"Same phone number as row {first + 2} ({num}); "
                                          "the dialler would reject it as a duplicate."))
        assert row.lead.get("FirstPhone") == num, (shape, v)
        assert [(x.severity, x.message) for x in row.issues] == problems, (shape, v)
        assert all(x.column == "FirstPhone" for x in row.issues)


def test_lost_zero_column_warns_on_every_row_and_other_issues_stay_in_order():
    # the priority column comes first, so its problem is already on row 2 when the phones are checked
    rows = [["7", "383218199", "A1"], ["high", "412345678", "A1"], ["5", "299990001", "A3"]]
    sheet = _sheet(rows, ["njPriority", "FirstPhone", "njExternalLeadId"])
    m = Mapping({"FirstPhone": "FirstPhone", "njExternalLeadId": "njExternalLeadId", "njPriority": "njPriority"},
                {"FirstPhone"})
    prepared = validate(sheet, m)
    assert [r.lead["FirstPhone"] for r in prepared] == ["0383218199", "0412345678", "0299990001"]
    assert [x.column for x in prepared[1].issues] == ["njPriority", "FirstPhone", "njExternalLeadId"]
    assert [x.severity for x in prepared[1].issues] == ["error", "warning", "error"]
    assert [[x.column for x in r.issues] for r in (prepared[0], prepared[2])] == [["FirstPhone"]] * 2
    assert prepared[0].sendable and not prepared[1].sendable and prepared[2].sendable
    assert "njPriority" not in prepared[1].lead and prepared[0].lead["njPriority"] == "7"


def test_lead_is_built_with_the_same_cleaning_validation_reported():
    headers = ["Name", "FirstPhone", "njCallBackDate", "njPriority", "Notes", "njExternalLeadId", "njDisposition"]
    rows = [
        ["Ann", "+61 3 8321 8199", "31/03/2027 2:30 pm", "007", "<no change>", "X1", "Sale"],
        ["Bob", "0412 345 678", "<No Change>", "<NO CHANGE>", "#N/A", "X2", "Sale"],
        ["Cat", "383218197", "2027-04-01", "", "", "X3", "Sale"],
    ]
    m = Mapping({h: h for h in headers}, {"FirstPhone"})
    ins = validate(_sheet([list(r) for r in rows], headers), m, now=dt.datetime(2025, 1, 1))
    assert ins[0].lead == {"Name": "Ann", "Notes": "<no change>", "njExternalLeadId": "X1", "njDisposition": "Sale",
                           "FirstPhone": "0383218199", "njCallBackDate": "2027/03/31 14:30", "njPriority": "7"}
    assert "njCallBackDate" not in ins[1].lead and "njPriority" not in ins[1].lead
    assert ins[1].lead["Notes"] == "#N/A" and not ins[1].sendable  # shown as an error, never sent
    assert ins[2].lead["njCallBackDate"] == "2027/04/01 00:00" and ins[2].lead["FirstPhone"] == "0383218197"
    upd = validate(_sheet([list(r) for r in rows], headers), m, update=True, now=dt.datetime(2025, 1, 1))
    assert upd[0].lead["Notes"] == "<No Change>" and upd[0].sendable
    assert upd[1].lead["njCallBackDate"] == "<No Change>" and upd[1].lead["njPriority"] == "<No Change>"
    assert "Notes" not in upd[1].lead and not upd[1].sendable


def test_lead_changes_stick_and_copies_stand_alone():
    sheet = _sheet([["Ann", "0383218199"], ["Bob", "383218198"]], ["Name", "FirstPhone"])
    rows = validate(sheet, Mapping({"Name": "Name", "FirstPhone": "FirstPhone"}, {"FirstPhone"}))
    rows[0].lead["Name"] = "Anne"
    assert rows[0].lead == {"Name": "Anne", "FirstPhone": "0383218199"}
    again = pickle.loads(pickle.dumps(rows[1]))
    assert again == rows[1] and again.lead == {"Name": "Bob", "FirstPhone": "0383218198"}
    assert len(pickle.dumps(rows[1])) < 2000  # the row, not the whole sheet it came from
    assert copy.deepcopy(rows[1]).issues == rows[1].issues and copy.copy(rows[0]).lead["Name"] == "Anne"
    assert PreparedRow(0, 2).lead == {} and PreparedRow(0, 2).issues == []


def test_workbook_cells_read_column_by_column_as_cell_by_cell(make_xlsx):
    """Repeated values, unique values, numbers, dates, booleans and mixed columns."""
    cities = ["Melbourne", " Sydney ", "Perth", "Hobart"]
    data = [["Name", "City", "PostCode", "Phone", "Score", "When", "Mixed", "Flag"]]
    for i in range(300):
        data.append([
            f"Lead {i}", cities[i % 4], float(3000 + i % 7), float(400000000 + i), 0.25 * (i % 5),
            dt.datetime(2025, 1, 1 + i % 28, 9, 30), [7.0, "x", True, dt.date(2025, 2, 3), 1.5][i % 5],
            i % 3 == 0,
        ])
    path = make_xlsx(data)
    s = read_sheet(path)
    assert s.headers == data[0]
    for src, got in zip(data[1:], s.rows):
        assert got == [reader.cell_text(v).strip() for v in src]
    assert s.rows[1][1] == "Sydney" and s.rows[0][2] == "3000" and s.rows[2][4] == "0.5"
    assert s.rows[2][6] == "TRUE" and s.rows[3][6] == "2025/02/03" and s.rows[0][5] == "2025/01/01 09:30"
    # repeated values share one string (a big sheet stays small), and are still equal
    assert s.rows[0][1] is s.rows[4][1]


def _random_raw(rnd: random.Random, height: int, width: int) -> list[list]:
    pool = ["", "", " ", "a", " b ", "Perth", 3000.0, 1.5, 412345678.0, True, False, 7.0,
            dt.datetime(2025, 3, 4, 9, 30), dt.date(2025, 3, 4), dt.time(14, 5), 1e17, -0.0]
    raw = [[rnd.choice(pool) for _ in range(width)] for _ in range(height)]
    for _ in range(rnd.randrange(3)):  # some empty rows, maybe before the header
        raw.insert(rnd.randrange(len(raw) + 1), [""] * width)
    for c in rnd.sample(range(width), rnd.randrange(width)):  # uniform columns take the fast paths
        kind = rnd.choice(["text", "float", "repeat"])
        for r in raw:
            if any(x != "" for x in r):
                r[c] = {"text": f"t{rnd.random()}", "float": float(rnd.randrange(10**9)),
                        "repeat": rnd.choice(["VIC", "NSW"])}[kind]
    if rnd.random() < 0.3:
        for r in raw:
            r[-1] = rnd.choice(["", " "])  # a trailing column with nothing in it
    return raw


@pytest.mark.parametrize("seed", range(40))
def test_column_reader_equals_row_reader_on_random_sheets(seed, monkeypatch):
    rnd = random.Random(seed)
    raw = _random_raw(rnd, rnd.randrange(1, 60), rnd.randrange(1, 7))
    monkeypatch.setattr(reader, "CHUNK_ROWS", rnd.choice([1, 3, 8192]))

    def shape(fn):
        notes: list[str] = []
        try:
            out = fn([list(r) for r in raw], "t.xlsx", 2, 1, notes, None, None)
        except reader.SpreadsheetError as exc:
            return ("error", str(exc))
        return out, notes

    assert shape(reader._shape_columns) == shape(reader._shape_rows)


def test_collector_left_as_found():
    sheet = _sheet([["0383218199"]] * 3, ["FirstPhone"])
    m = Mapping({"FirstPhone": "FirstPhone"}, {"FirstPhone"})
    validate(sheet, m)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        validate(sheet, m)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
    kept = [object() for _ in range(10)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        validate(sheet, m)
        assert gc.get_freeze_count() == frozen  # what someone else froze stays frozen
    finally:
        gc.unfreeze()
    del kept
