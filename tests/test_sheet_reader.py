"""Reading lead lists: workbooks, CSV as Excel writes it, cell types, sheets, headers, progress."""

from __future__ import annotations

import codecs
import datetime as dt
import threading

import pytest

from noojee_desktop.core.sheet import ReadCancelled, SpreadsheetError, cell_text, read_sheet

from hostile_files import write_ods, write_raw_xlsx


def test_xlsx_values_read_as_a_user_means_them(make_xlsx):
    path = make_xlsx([
        ["Name", "FirstPhone", "njCallBackDate", "Flag", "Score", "Big"],
        ["Ann Lee", 383218199, dt.datetime(2025, 3, 4, 9, 30), True, 0.5, 12345678901234],
        ["Bob", 3.8321819e8, dt.date(2025, 3, 4), False, 7.0, None],
    ])
    s = read_sheet(path)
    assert s.headers == ["Name", "FirstPhone", "njCallBackDate", "Flag", "Score", "Big"]
    assert s.rows[0] == ["Ann Lee", "383218199", "2025/03/04 09:30", "TRUE", "0.5", "12345678901234"]
    assert s.rows[1] == ["Bob", "383218190", "2025/03/04", "FALSE", "7", ""]
    assert s.row_numbers == [2, 3]
    assert s.sheet_name == "Leads" and s.sheet_names == ["Leads"]
    assert len(s.fingerprint) == 64


def test_formula_gives_its_cached_value(tmp_path):
    # openpyxl cannot store cached values, so write the XML the way Excel does
    path = tmp_path / "f.xlsx"
    write_raw_xlsx(path, [["Name", "FirstPhone"], ["Ann", "0383218199"]])
    import zipfile

    src = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    src = src.replace('<c r="B2" t="inlineStr"><is><t>0383218199</t></is></c>',
                      '<c r="B2" t="str"><f>"0"&amp;"383218199"</f><v>0383218199</v></c>')
    out = tmp_path / "formula.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = src.encode() if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
            zout.writestr(info.filename, data)
    assert read_sheet(out).rows == [["Ann", "0383218199"]]


def test_cell_text_conversions():
    assert cell_text(383218199.0) == "383218199"
    assert cell_text(-2.0) == "-2"
    assert cell_text(0.1) == "0.1"
    assert cell_text(None) == ""
    assert cell_text(dt.time(14, 5)) == "14:05"
    assert cell_text(dt.timedelta(hours=26, minutes=3)) == "26:03"
    assert cell_text(True) == "TRUE"


def test_first_visible_sheet_with_data_is_the_default(make_xlsx):
    path = make_xlsx(sheets={
        "hidden:Secret": [["Name", "FirstPhone"], ["Hidden", "0400000001"]],
        "Empty": [],
        "Leads": [["Name", "FirstPhone"], ["Ann", "0383218199"]],
        "Other": [["X"], ["y"]],
    })
    s = read_sheet(path)
    assert s.sheet_name == "Leads"
    assert s.sheet_names == ["Empty", "Leads", "Other"]  # hidden sheets are not offered
    assert read_sheet(path, "Other").rows == [["y"]]
    with pytest.raises(SpreadsheetError, match="no sheet called 'Nope'.*Leads"):
        read_sheet(path, "Nope")


def test_header_is_first_non_empty_row_and_blank_rows_are_skipped(make_xlsx):
    path = make_xlsx([
        [], [None, None],
        [None, "Name", "Phone", "Phone", None, "Email"],
        [None, "Ann", "0383218199", "0412345678", "x", "a@b.au"],
        [],
        [None, "Bob", "0299998888", None, None, None],
    ])
    s = read_sheet(path)
    assert s.headers == ["Name", "Phone", "Phone (2)", "Column E", "Email"]
    assert s.source_headers == ["Name", "Phone", "Phone", "", "Email"]
    assert s.rows == [["Ann", "0383218199", "0412345678", "x", "a@b.au"], ["Bob", "0299998888", "", "", ""]]
    assert s.row_numbers == [4, 6]
    assert any("'Phone' appears more than once" in n and "'Phone (2)'" in n for n in s.notes)
    assert any("Column E has no heading" in n for n in s.notes)
    assert any("1 empty row skipped" in n for n in s.notes)


def test_ods_read(tmp_path):
    path = write_ods(tmp_path / "leads.ods", [["Name", "FirstPhone"], ["Ann", 383218199], ["Bob", "0412 345 678"]])
    s = read_sheet(path)
    assert s.rows == [["Ann", "383218199"], ["Bob", "0412 345 678"]]


def test_xls_from_old_excel_read_as_a_user_means_them(tmp_path):
    xlwt = pytest.importorskip("xlwt")   # a test dependency: writes real Excel 97-2003 files
    book = xlwt.Workbook()
    hidden = book.add_sheet("Old")
    hidden.write(0, 0, "ignored")
    hidden.visibility = 1                # hidden: not the default sheet
    sheet = book.add_sheet("Leads")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for c, v in enumerate(["Name", "FirstPhone", "njCallBackDate", "njPriority"]):
        sheet.write(0, c, v)
    sheet.write(1, 0, "Ann Lee")
    sheet.write(1, 1, 383218199)         # a phone Excel stored as a number
    sheet.write(1, 2, dt.datetime(2025, 3, 4, 9, 30), when)
    sheet.write(1, 3, 5)
    sheet.write(2, 0, "Bob")
    sheet.write(2, 1, "0412 345 678")
    path = tmp_path / "leads.xls"
    book.save(str(path))
    s = read_sheet(path)
    assert s.sheet_names == ["Leads"] and s.sheet_name == "Leads"   # hidden sheets are not offered
    assert s.headers == ["Name", "FirstPhone", "njCallBackDate", "njPriority"]
    assert s.rows == [["Ann Lee", "383218199", "2025/03/04 09:30", "5"], ["Bob", "0412 345 678", "", ""]]


# --- CSV as Excel writes it -----------------------------------------------------------

ROWS = 'Name,FirstPhone,Note\r\nZoë Müller,0383218199,"line one\r\nline two"\r\n"Smith, J",0412345678,café\r\n'


@pytest.mark.parametrize("encoding,prefix", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp1252", b""),
])
def test_csv_encodings(tmp_path, encoding, prefix):
    path = tmp_path / "l.csv"
    path.write_bytes(prefix + ROWS.encode(encoding))
    s = read_sheet(path)
    assert s.headers == ["Name", "FirstPhone", "Note"]
    assert s.rows[0] == ["Zoë Müller", "0383218199", "line one\r\nline two"]
    assert s.rows[1] == ["Smith, J", "0412345678", "café"]
    assert s.row_numbers == [2, 3]  # a quoted newline does not make a new row


def test_csv_utf16_tab_separated_unicode_text(make_csv):
    # Excel's "Unicode Text" save: UTF-16 LE with BOM, tab-separated
    text = "Name\tFirstPhone\r\nZoë\t0383218199\r\n"
    path = make_csv(text, name="unicode.txt", encoding="utf-16")
    s = read_sheet(path)
    assert s.delimiter == "\t"
    assert s.rows == [["Zoë", "0383218199"]]


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_csv_delimiters_detected(make_csv, delim):
    text = delim.join(["Name", "FirstPhone", "City"]) + "\n" + delim.join(["Ann, Jr", "0383218199", "Perth"]) + "\n"
    s = read_sheet(make_csv(text))
    assert s.rows == [["Ann, Jr", "0383218199", "Perth"]]


def test_csv_single_column(make_csv):
    s = read_sheet(make_csv("FirstPhone\n0383218199\n0412345678\n"))
    assert s.headers == ["FirstPhone"] and len(s.rows) == 2


def test_csv_short_rows_padded(make_csv):
    s = read_sheet(make_csv("Name,FirstPhone,City\nAnn,0383218199\nBob,0412345678,Perth,extra\n"))
    assert s.headers == ["Name", "FirstPhone", "City", "Column D"]
    assert s.rows[0] == ["Ann", "0383218199", "", ""]


def test_progress_and_cancel(make_csv):
    body = "".join(f"Lead {i},04{i:08d}\n" for i in range(5000))
    path = make_csv("Name,FirstPhone\n" + body)
    calls = []
    s = read_sheet(path, progress=lambda d, t: calls.append((d, t)))
    assert len(s.rows) == 5000
    assert 4 <= len(calls) <= 10 and calls[-1][0] == calls[-1][1]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ReadCancelled):
        read_sheet(path, cancel=cancel)


def test_progress_and_cancel_workbook(tmp_path):
    path = write_raw_xlsx(tmp_path / "big.xlsx", [["Name", "FirstPhone"]] + [[f"L{i}", "0383218199"] for i in range(3000)])
    calls = []
    assert len(read_sheet(path, progress=lambda d, t: calls.append((d, t))).rows) == 3000
    assert calls and calls[-1] == (3001, 3001)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ReadCancelled):
        read_sheet(path, cancel=cancel)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(SpreadsheetError, match="not found"):
        read_sheet(tmp_path / "gone.xlsx")
    (tmp_path / "leads.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(SpreadsheetError, match="not a file type"):
        read_sheet(tmp_path / "leads.pdf")
