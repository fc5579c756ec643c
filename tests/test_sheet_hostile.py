"""Broken and hostile files: each gives a clear message (what is wrong, what to do), never a crash or hang."""

from __future__ import annotations

import pytest

import hostile_files as hf
from noojee_desktop.core.sheet import MAX_ROWS, SpreadsheetError, read_sheet

CASES = {
    # maker: words the user must see
    "not_a_zip": ["not a valid .xlsx workbook", "save it again"],
    "truncated_zip": ["damaged or incomplete", "save it again"],
    "zip_bomb": ["zip bomb", "was not opened"],
    "huge_declared_zip": ["was not opened"],
    "encrypted_ole": ["password-protected", "remove the password"],
    "encrypted_zip": ["password-protected"],
    "empty_file": ["is empty", "right file"],
    "headers_only": ["headings but no leads"],
    "headers_only_xlsx": ["headings but no leads"],
    "binary_junk_csv": ["not a text file", "save it as CSV"],
    "wide_csv": ["16,384 columns", "at most 1,000"],
    "wide_xlsx": ["16,384 columns", "at most 1,000"],
    "html_as_xls": ["web page", "Save As"],
}


@pytest.mark.parametrize("maker", sorted(CASES))
def test_hostile_file_gives_a_clear_message(tmp_path, maker):
    path = hf.MAKERS[maker](tmp_path)
    with pytest.raises(SpreadsheetError) as err:
        read_sheet(path)
    text = str(err.value)
    for words in CASES[maker]:
        assert words in text
    assert "Traceback" not in text and "Error:" not in text


def test_empty_workbook_and_empty_csv_lines(tmp_path, make_xlsx, make_csv):
    with pytest.raises(SpreadsheetError, match="is empty"):
        read_sheet(make_xlsx([]))
    with pytest.raises(SpreadsheetError, match="is empty"):
        read_sheet(make_csv("\r\n\r\n,,\r\n"))
    with pytest.raises(SpreadsheetError, match="is empty"):
        read_sheet(hf.empty_file(tmp_path, "empty.xlsx"))


def test_workbook_with_a_csv_name_and_csv_with_an_xls_name(tmp_path, make_xlsx):
    path = make_xlsx([["Name"], ["Ann"]])
    renamed = path.rename(tmp_path / "leads.csv")
    with pytest.raises(SpreadsheetError, match="Rename it to end in .xlsx"):
        read_sheet(renamed)
    # some CRMs export tab-separated text named .xls; read it as what it is
    fake = tmp_path / "crm.xls"
    fake.write_text("Name\tFirstPhone\r\nAnn\t0383218199\r\n", encoding="utf-8")
    assert read_sheet(fake).rows == [["Ann", "0383218199"]]


def test_huge_cell_in_csv(make_csv):
    with pytest.raises(SpreadsheetError, match="could not be read as a CSV"):
        read_sheet(make_csv('Name,FirstPhone\n"' + "x" * 200_000 + '",0383218199\n'))


@pytest.mark.slow
def test_million_row_csv_refused_in_bounded_time(tmp_path):
    path = hf.million_rows_csv(tmp_path)
    with pytest.raises(SpreadsheetError) as err:
        read_sheet(path)
    assert "about 1,048,575 rows" in str(err.value) and f"at most {MAX_ROWS:,}" in str(err.value)
    assert "Split the list" in str(err.value)


@pytest.mark.slow
def test_million_row_xlsx_refused(tmp_path):
    # declared dimension: refused before calamine loads the sheet
    with pytest.raises(SpreadsheetError, match="1,048,575 rows"):
        read_sheet(hf.million_rows_xlsx(tmp_path))


def test_row_cap_without_declared_dimension(tmp_path, monkeypatch):
    # the same check after parsing, for a sheet without <dimension>; a small cap keeps it quick
    import noojee_desktop.core.sheet.reader as reader

    monkeypatch.setattr(reader, "MAX_ROWS", 1000)
    rows = [["Name", "FirstPhone"]] + [["A", "0383218199"]] * 1500
    path = hf.write_raw_xlsx(tmp_path / "nodim.xlsx", rows)
    with pytest.raises(SpreadsheetError, match="1,500 rows"):
        read_sheet(path)
    csv_path = tmp_path / "many.csv"
    csv_path.write_text("Name,FirstPhone\n" + "A,0383218199\n" * 1500)
    with pytest.raises(SpreadsheetError, match="about 1,500 rows"):
        read_sheet(csv_path)
    ok = tmp_path / "ok.csv"
    ok.write_text("Name,FirstPhone\n" + "A,0383218199\n" * 1000)
    assert len(read_sheet(ok).rows) == 1000


def test_wide_but_mostly_empty_columns_are_fine(tmp_path):
    # Excel often "uses" formatted cells far to the right; trailing empty cells do not count
    rows = [["Name", "FirstPhone"] + [""] * 5000, ["Ann", "0383218199"] + [""] * 5000]
    s = read_sheet(hf.write_raw_xlsx(tmp_path / "w.xlsx", rows))
    assert s.headers == ["Name", "FirstPhone"]
