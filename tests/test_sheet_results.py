"""The results workbook, CSV results, failed-rows export, file naming without overwriting."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from noojee_desktop.core.codes import Category
from noojee_desktop.core.outcome import RowOutcome
from noojee_desktop.core.sheet import auto_map, default_results_path, read_sheet, validate, write_results

SENT = datetime(2025, 3, 4, 9, 30, 15)
TEXT = (
    "Name,FirstPhone,Notes\n"
    "Ann,0383218199,=1+2\n"
    "Bob,0412345678,+61 keep\n"
    "Cat,0299999999,-5\n"
    "Dan,0412345679,@SUM(A1)\n"
    "Eve,bad,plain\n"
)


@pytest.fixture
def sheet(make_csv):
    return read_sheet(make_csv(TEXT))


def _outcomes():
    return [
        RowOutcome(Category.INSERTED, 0, "OK", 1, SENT),
        RowOutcome(Category.SERVER_ERROR, 103, "EXCEPTION", 3, SENT, note="gave up after 3 tries"),
        RowOutcome(Category.DNC, 104, "DNC", 1, SENT),
        None,  # never sent (cancelled before it)
        RowOutcome(Category.INVALID, None, "'bad' is not a phone number"),
    ]


def _argb(cell):
    return cell.fill.start_color.rgb[-6:].lower()


def test_results_workbook(tmp_path, sheet):
    about = [("Server", "https://dialler.example.com"), ("Template", "Solar Leads"), ("Campaign", "Solar VIC"),
             ("Allocation", "VIC Week 1"), ("Uploaded", "2025/03/04 09:30"), ("App version", "1.2.3")]
    out = write_results(tmp_path / "r.xlsx", sheet, _outcomes(), warnings={0: "The leading 0 was put back"},
                        about=about)
    wb = load_workbook(out)
    ws = wb["Results"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Name", "FirstPhone", "Notes", "Result", "Code", "Message", "Attempts", "Sent at", "Warnings")
    # Code and Attempts are numbers (Excel sums and filters them); each row keeps its warnings
    assert rows[1] == ("Ann", "0383218199", "=1+2", "Inserted", 0, "OK", 1, "2025/03/04 09:30:15",
                       "The leading 0 was put back")
    assert rows[2][3:7] == ("Server trouble", 103, "EXCEPTION (gave up after 3 tries)", 3)
    assert rows[4][3:] == ("Not sent", None, None, 0, None, None)
    # formula-looking cells stay text, never formulas
    for r, c in ((2, 3), (3, 3), (4, 3), (5, 3)):
        assert ws.cell(r, c).data_type == "s", ws.cell(r, c).value
    assert ws.cell(2, 3).value == "=1+2" and ws.cell(5, 3).value == "@SUM(A1)"
    # each row in its category colour, every cell of the row
    assert {_argb(ws.cell(2, c)) for c in range(1, 9)} == {Category.INSERTED.colour[1:]}
    assert _argb(ws.cell(4, 1)) == Category.DNC.colour[1:]
    assert _argb(ws.cell(6, 8)) == Category.INVALID.colour[1:]
    # summary counts per category
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Inserted"] == 1 and summary["Do Not Call"] == 1 and summary["Not sent"] == 1
    assert summary["Server trouble"] == 1 and summary["Fix before sending"] == 1 and summary["Total"] == 5
    assert summary["Source file"] == "leads.csv"
    assert all(summary[label] == value for label, value in about)     # where the rows went, when, by what


def test_results_csv_neutralises_formulas(tmp_path, sheet):
    out = write_results(tmp_path / "r.csv", sheet, _outcomes())
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][-6:] == ["Result", "Code", "Message", "Attempts", "Sent at", "Warnings"]
    assert [r[2] for r in rows[1:]] == ["'=1+2", "'+61 keep", "'-5", "'@SUM(A1)", "plain"]


def test_failed_rows_only_in_the_input_columns_reload_cleanly(tmp_path, sheet):
    for suffix in (".xlsx", ".csv"):
        out = write_results(tmp_path / f"failed{suffix}", sheet, _outcomes(), failed_only=True)
        again = read_sheet(out)
        assert again.headers == ["Name", "FirstPhone", "Notes"]  # no result columns added
        assert [r[0] for r in again.rows] == ["Bob", "Dan", "Eve"]  # server error, never sent, invalid
        if suffix == ".xlsx":
            ws = load_workbook(out).active
            assert ws.cell(3, 3).data_type == "s" and ws.cell(3, 3).value == "@SUM(A1)"
    with_rej = write_results(tmp_path / "f2.csv", sheet, _outcomes(), failed_only=True, include_rejections=True)
    assert [r[0] for r in read_sheet(with_rej).rows] == ["Bob", "Cat", "Dan", "Eve"]


def test_failed_csv_phone_with_plus_reloads_as_the_same_number(tmp_path, make_csv):
    s = read_sheet(make_csv("Name,FirstPhone\nAnn,+61 3 8321 8199\n"))
    out = write_results(tmp_path / "f.csv", s, [None], failed_only=True)
    again = read_sheet(out)
    assert again.rows[0][1] == "'+61 3 8321 8199"
    rows = validate(again, auto_map(again.headers, ["Name", "FirstPhone"], {"FirstPhone"}))
    assert rows[0].sendable and rows[0].lead["FirstPhone"] == "0383218199"


def test_never_silently_overwrites(tmp_path, sheet):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="already exists"):
        write_results(target, sheet, _outcomes())
    assert target.read_bytes() == b"precious"
    write_results(target, sheet, _outcomes(), overwrite=True)
    assert load_workbook(target)["Results"].max_row == 6
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]  # no temp files left


def test_default_results_path_next_to_source_with_timestamp(tmp_path):
    src = tmp_path / "June leads.xlsx"
    now = datetime(2025, 6, 1, 14, 5)
    p = default_results_path(src, now=now)
    assert p == tmp_path / "June leads - results 2025-06-01 1405.xlsx"
    p.write_bytes(b"x")
    assert default_results_path(src, now=now).name == "June leads - results 2025-06-01 1405 (2).xlsx"
    assert default_results_path(src, "failed", suffix=".csv", now=now).name == \
        "June leads - failed rows 2025-06-01 1405.csv"


def test_results_must_match_rows(tmp_path, sheet):
    with pytest.raises(ValueError):
        write_results(tmp_path / "r.xlsx", sheet, [None])


def test_results_go_next_to_the_source_unless_that_is_the_apps_own_folder_or_read_only(tmp_path):
    from noojee_desktop import resources_path
    from noojee_desktop.core.sheet.results import export_folder

    docs = tmp_path / "Documents"
    mine = tmp_path / "mine"
    mine.mkdir()
    assert export_folder(mine / "leads.csv", documents=docs) == mine.resolve()
    # the sample file lives in the installation: never write there
    sample = resources_path("sample-leads.csv")
    assert export_folder(sample, documents=docs) == docs
    assert default_results_path(sample).parent != sample.parent
    # a folder that cannot be written (a share, a CD, another user's)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):      # (root can write anywhere)
            assert export_folder(locked / "leads.csv", documents=docs) == docs
    finally:
        locked.chmod(0o700)
    # by default: the user's own Documents folder (the OS's, made if missing)
    import platformdirs

    assert default_results_path(sample).parent == Path(platformdirs.user_documents_dir())
