"""Reading a lead list from a spreadsheet or text file into plain strings.

Workbooks (xlsx, xlsm, xlsb, xls, ods) go through python-calamine; csv and txt through the
standard library. Every value becomes the string a user sees in Excel, without leading or trailing spaces:

* whole numbers stored as floats lose the ``.0`` (a phone 383218199.0 -> ``383218199``);
  other numbers keep their shortest exact form (``0.5``);
* date-times -> ``yyyy/MM/dd HH:mm`` (the dialler's callback format), dates -> ``yyyy/MM/dd``
  (no invented time: validation turns a date-only callback into 00:00 and says so),
  times -> ``HH:mm``;
* booleans -> ``TRUE`` / ``FALSE`` as Excel shows them; empty cells -> ``""``;
* formulas -> their cached value (what Excel last showed; empty if never calculated).

Broken or hostile files raise :class:`SpreadsheetError`, whose text says what is wrong and
what to do, in bounded time and memory: the zip directory of a workbook is checked before
anything is expanded, and sizes are capped (:data:`MAX_ROWS`, :data:`MAX_COLUMNS`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import gc
import hashlib
import io
import os
import re
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: Data rows a sheet may have (Lead Loader keeps them all in memory for the table).
MAX_ROWS = 250_000
#: Columns a lead list may have (a Noojee template has a few dozen fields at most).
MAX_COLUMNS = 1_000
#: Uncompressed size of all entries of a workbook, checked before expanding anything.
MAX_UNCOMPRESSED = 1 << 30  # 1 GiB
#: Compression ratio above which an entry bigger than RATIO_MIN_SIZE is treated as a zip bomb.
MAX_RATIO = 200
RATIO_MIN_SIZE = 1 << 20
#: Text files bigger than this are refused (a 250,000-row lead list is a few tens of MB).
MAX_TEXT_BYTES = 512 << 20
PROGRESS_EVERY = 1000

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
SUPPORTED = sorted(WORKBOOK_SUFFIXES | TEXT_SUFFIXES)

Progress = Callable[[int, int], None]


class SpreadsheetError(Exception):
    """A file that cannot be read. ``str()`` is a plain message for a team leader."""

    def __init__(self, message: str, *, details: str = ""):
        super().__init__(message)
        self.user_message = message
        self.details = details


class ReadCancelled(Exception):
    """The user cancelled reading."""


@dataclass(slots=True)
class Sheet:
    """One sheet of a file, as strings. ``rows[i]`` has ``len(headers)`` cells."""

    path: Path
    sheet_name: str                 # "" for a text file
    sheet_names: list[str]          # the visible sheets of the workbook (empty for a text file)
    headers: list[str]              # unique and non-empty: what the user sees and maps
    source_headers: list[str]       # as in the file (may be empty or repeated)
    rows: list[list[str]]
    row_numbers: list[int]          # 1-based row of each data row in the file, as Excel shows it
    notes: list[str] = field(default_factory=list)   # things the user should know (renamed headers...)
    fingerprint: str = ""           # sha256 of the file's bytes
    encoding: str = ""              # text files: the encoding used
    delimiter: str = ""             # text files: the delimiter used

    def __len__(self) -> int:
        return len(self.rows)


# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def bulk_allocation():
    """Pause the cyclic garbage collector while building many long-lived small objects.

    Building 100k row lists or PreparedRows otherwise triggers repeated collections that
    walk everything already built (about half the time of a load). Nothing built here
    forms reference cycles, so nothing is lost by pausing; the previous state is restored.

    On the way out, whatever the collector tracks is moved to its oldest generation
    (``gc.freeze()`` then ``gc.unfreeze()``, as documented) instead of being walked by the
    young-generation collections that would otherwise follow: the table's rows live as long
    as the table, and the next full collection still looks at them (and finds any cyclic
    garbage of the moment) as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():  # never release what someone else froze
                gc.freeze()
                gc.unfreeze()
            gc.enable()


# --------------------------------------------------------------------------------------
# cell values -> strings


def _float_text(v: float) -> str:
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def cell_text(v: object) -> str:
    """The string a user means by a cell value (see the module docstring)."""
    t = v.__class__
    if t is str:
        return v  # type: ignore[return-value]
    if t is float:
        return _float_text(v)  # type: ignore[arg-type]
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if v is None:
        return ""
    if t is _dt.datetime:
        return v.strftime("%Y/%m/%d %H:%M")  # type: ignore[union-attr]
    if t is _dt.date:
        return v.strftime("%Y/%m/%d")  # type: ignore[union-attr]
    if t is _dt.time:
        return v.strftime("%H:%M")  # type: ignore[union-attr]
    if t is _dt.timedelta:
        total = int(v.total_seconds())  # type: ignore[union-attr]
        return f"{total // 3600}:{total % 3600 // 60:02d}"
    return str(v)


# --------------------------------------------------------------------------------------
# file checks before parsing

_ZIP_MAGIC = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

_PASSWORD_MSG = (
    "This file is password-protected. Open it in Excel, remove the password "
    "(File > Info > Protect Workbook > Encrypt with Password, clear it), save, and load it again."
)


def _size_text(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _check_zip(path: Path, name: str) -> None:
    """A workbook zip: readable directory, no zip bomb, not encrypted."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError(
            f"'{name}' is damaged or incomplete (it may not have finished copying or downloading). "
            "Open it in Excel to check it, save it again, and load the saved copy.",
            details=str(exc),
        ) from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise SpreadsheetError(_PASSWORD_MSG)
        if (
            info.file_size > RATIO_MIN_SIZE
            and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise SpreadsheetError(
                f"'{name}' looks unsafe: part of it would expand {info.file_size // max(info.compress_size, 1):,} "
                "times its stored size (a 'zip bomb'). It was not opened. If you trust the file, open it in "
                "Excel, save it as a new .xlsx, and load that copy.",
                details=f"{info.filename}: {info.compress_size} -> {info.file_size}",
            )
    if total > MAX_UNCOMPRESSED:
        raise SpreadsheetError(
            f"'{name}' is too big to load: it expands to {_size_text(total)} "
            f"(the limit is {_size_text(MAX_UNCOMPRESSED)}). Split the list into smaller files.",
        )
    names = {i.filename for i in infos}
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise SpreadsheetError(_PASSWORD_MSG)
    if not any(n.startswith(("xl/", "content.xml")) for n in names):
        raise SpreadsheetError(
            f"'{name}' is a zip file but not a spreadsheet. Open the list in Excel and save it "
            "as .xlsx or .csv, then load that file."
        )


def _check_ole(path: Path, head: bytes) -> None:
    """An OLE compound file: an .xls, or an encrypted xlsx (which Excel stores this way)."""
    with open(path, "rb") as fh:
        # The directory of a small file sits near its start; an encrypted xlsx names its
        # EncryptionInfo stream there. Look at a bounded prefix only.
        blob = head + fh.read(4 << 20)
    if _ENCRYPTION_INFO in blob:
        raise SpreadsheetError(_PASSWORD_MSG)


def _sniff_kind(path: Path, name: str, suffix: str, head: bytes) -> str:
    """'workbook' or 'text', from the bytes (the name's suffix only breaks ties)."""
    if head.startswith(_OLE_MAGIC):
        _check_ole(path, head)
        if suffix in (".xls",):
            return "workbook"
        raise SpreadsheetError(
            f"'{name}' is an old-style Excel workbook (.xls) with a '{suffix}' name. "
            "Rename it to end in .xls, or open it in Excel and save it as .xlsx, then load it again."
        )
    if head.startswith((_ZIP_MAGIC, _ZIP_EMPTY)):
        _check_zip(path, name)
        if suffix in WORKBOOK_SUFFIXES and suffix != ".xls":
            return "workbook"
        raise SpreadsheetError(
            f"'{name}' is an Excel or OpenDocument workbook with a '{suffix}' name. "
            "Rename it to end in .xlsx (or .ods), or save it again from Excel, then load it."
        )
    if suffix in WORKBOOK_SUFFIXES:
        low = head.lstrip().lower()
        if low.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in low[:512]:
            raise SpreadsheetError(
                f"'{name}' is a web page saved with an Excel name (some systems export lists this way). "
                "Open it in Excel and use Save As > Excel Workbook (.xlsx), then load the saved copy."
            )
        if suffix == ".xls" and (b"\t" in head or b"," in head) and b"\0" not in head:
            return "text"  # a CSV/TSV export named .xls: read it as the text it is
        raise SpreadsheetError(
            f"'{name}' is not a valid {suffix} workbook (the file's contents are not a spreadsheet). "
            "Open it in Excel to check it, save it again, and load the saved copy."
        )
    return "text"


# --------------------------------------------------------------------------------------
# header and row shaping (shared by both readers)


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _unique_headers(raw: list[str], col_offset: int, notes: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(raw):
        h = h.strip()
        name = h or f"Column {_col_letter(i + col_offset)}"
        if not h:
            notes.append(f"Column {_col_letter(i + col_offset)} has no heading; it is shown as '{name}'.")
        key = name.casefold()
        if key in seen:
            n = seen[key] + 1
            while f"{name} ({n})".casefold() in seen:
                n += 1
            new = f"{name} ({n})"
            seen[key] = n
            notes.append(
                f"The heading '{name}' appears more than once; column {_col_letter(i + col_offset)} "
                f"is shown as '{new}'."
            )
            name = new
        seen.setdefault(name.casefold(), 1)
        out.append(name)
    return out


def _too_many_columns(name: str, width: int) -> SpreadsheetError:
    return SpreadsheetError(
        f"'{name}' has {width:,} columns; a lead list can have at most {MAX_COLUMNS:,}. "
        "This is probably not the lead list (or the wrong sheet). Copy the lead columns "
        "into a new sheet or file and load that."
    )


class _TooManyRows(SpreadsheetError):
    pass


def _too_many_rows(name: str, count: int | None, *, exact: bool = True) -> SpreadsheetError:
    found = f"{'' if exact else 'about '}{count:,} rows" if count else f"more than {MAX_ROWS:,} rows"
    return _TooManyRows(
        f"'{name}' has {found}; Lead Loader takes at most {MAX_ROWS:,} at a time. "
        "Split the list into smaller files (the dialler vendor advises under 10,000 leads per "
        "allocation) and load them one after the other."
    )


class _Shaper:
    """Turns raw rows (already strings) into the header + padded data rows of a Sheet."""

    def __init__(self, name: str, col_offset: int, notes: list[str]):
        self.name = name
        self.col_offset = col_offset
        self.notes = notes
        self.header: list[str] | None = None
        self.header_row = 0
        self.rows: list[list[str]] = []
        self.numbers: list[int] = []
        self.blank = 0
        self.width = 0

    def add(self, row: list[str], number: int) -> None:
        """``row``: the cells as stripped strings."""
        # trailing empty cells do not count (Excel often "uses" formatted cells far right)
        n = len(row)
        while n and not row[n - 1]:
            n -= 1
        if n == 0:
            if self.header is not None:
                self.blank += 1
            return
        if n > MAX_COLUMNS:
            raise _too_many_columns(self.name, n)
        if n != len(row):
            del row[n:]
        if self.header is None:
            self.header = row
            self.header_row = number
            self.width = n
            return
        if len(self.rows) >= MAX_ROWS:
            raise _too_many_rows(self.name, None)
        if n > self.width:
            self.width = n
        self.rows.append(row)
        self.numbers.append(number)

    def finish(self, padded: bool = False) -> tuple[list[str], list[str], list[list[str]], list[int]]:
        """``padded``: every row already has ``width`` cells (the column-wise reader)."""
        if self.header is None:
            raise SpreadsheetError(
                f"'{self.name}' is empty: there is nothing in it to load. "
                "Check that you picked the right file (or sheet) and that it was saved."
            )
        if not self.rows:
            raise SpreadsheetError(
                f"'{self.name}' has headings but no leads under them (row {self.header_row} is the "
                "only row with anything in it). Add the leads below the headings, save, and load it again."
            )
        w = self.width
        source = self.header + [""] * (w - len(self.header))
        if not padded:
            for r in self.rows:
                if len(r) < w:
                    r.extend([""] * (w - len(r)))
        headers = _unique_headers(source, self.col_offset, self.notes)
        if self.blank:
            self.notes.append(f"{self.blank:,} empty row{'s' if self.blank != 1 else ''} skipped.")
        return headers, source, self.rows, self.numbers


# --------------------------------------------------------------------------------------
# text files


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    sample = data[:65536]
    if b"\0" in sample:
        # UTF-16 without a byte-order mark: text whose every other byte is NUL
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > 0.3 * half and even < 0.05 * half:
            return data.decode("utf-16-le", errors="replace"), "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * half:
            return data.decode("utf-16-be", errors="replace"), "utf-16-be"
        raise SpreadsheetError(
            f"'{name}' is not a text file (it contains binary data), so it cannot be read as CSV. "
            "Open the list in Excel and save it as CSV (Comma delimited) or as .xlsx, then load that file."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def _pick_delimiter(text: str) -> str:
    sample_lines = []
    size = 0
    for line in io.StringIO(text[: 1 << 16]):
        if line.strip():
            sample_lines.append(line)
            size += len(line)
        if len(sample_lines) >= 30:
            break
    if len(sample_lines) > 1 and len(sample_lines) == 30:
        sample_lines.pop()  # may be cut short
    sample = "".join(sample_lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    first = sample_lines[0] if sample_lines else ""
    counts = {d: first.count(d) for d in ",;\t|"}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _read_text(path: Path, name: str, data: bytes, progress, cancel) -> Sheet:
    text, encoding = _decode(data, name)
    del data
    delimiter = _pick_delimiter(text)
    total = text.count("\n") + 1
    notes: list[str] = []
    shaper = _Shaper(name, 0, notes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for row in reader:
            number += 1
            if number % PROGRESS_EVERY == 0:
                if cancel is not None and cancel.is_set():
                    raise ReadCancelled()
                if progress is not None:
                    progress(min(number, total), total)
            shaper.add([c.strip() for c in row], number)
    except _TooManyRows:
        raise _too_many_rows(name, total - 2 if text.endswith("\n") else total - 1, exact=False) from None
    except csv.Error as exc:
        raise SpreadsheetError(
            f"'{name}' could not be read as a CSV file near row {number + 1:,}: one cell is far too long "
            "or the quoting is broken. Open it in Excel, check it, and save it as CSV again.",
            details=str(exc),
        ) from None
    headers, source, rows, numbers = shaper.finish()
    if progress is not None:
        progress(total, total)
    if encoding == "cp1252":
        notes.append("The file is not UTF-8; it was read as Windows (cp1252) text.")
    return Sheet(path, "", [], headers, source, rows, numbers, notes,
                 encoding=encoding, delimiter=delimiter)


# --------------------------------------------------------------------------------------
# workbooks


def _calamine_error(name: str, exc: Exception) -> SpreadsheetError:
    import python_calamine as pc

    if isinstance(exc, pc.PasswordError) or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return SpreadsheetError(_PASSWORD_MSG, details=str(exc))
    return SpreadsheetError(
        f"'{name}' could not be read: it seems to be damaged or not really a spreadsheet. "
        "Open it in Excel to check it, save it again (as .xlsx), and load the saved copy.",
        details=f"{type(exc).__name__}: {exc}",
    )


_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _precheck_xlsx_dimension(path: Path, name: str) -> None:
    """Refuse an oversized xlsx sheet from its declared dimension before calamine loads it."""
    try:
        with zipfile.ZipFile(path) as zf:
            # only refuse when this is the only sheet; otherwise another may be the list
            sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/sheet")]
            if len(sheets) != 1 or not sheets[0].filename.endswith(".xml"):
                return
            with zf.open(sheets[0]) as fh:
                head = fh.read(4096)
        m = _DIMENSION_RE.search(head)
        if m and int(m.group(2)) - 1 > MAX_ROWS:
            raise _too_many_rows(name, int(m.group(2)) - 1)
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, zlib.error):
        return  # calamine reports a damaged file in its own words


def _read_workbook(path: Path, name: str, sheet: str | None, progress, cancel) -> Sheet:
    import python_calamine as pc

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _precheck_xlsx_dimension(path, name)
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several of its own types; all mean "cannot read"
        raise _calamine_error(name, exc) from None
    try:
        meta = wb.sheets_metadata
        visible = [m.name for m in meta if m.visible == pc.SheetVisibleEnum.Visible
                   and m.typ == pc.SheetTypeEnum.WorkSheet]
        if sheet is not None:
            if sheet not in wb.sheet_names:
                raise SpreadsheetError(
                    f"'{name}' has no sheet called '{sheet}'. Its sheets are: {', '.join(visible) or 'none'}."
                )
            candidates = [sheet]
        else:
            candidates = visible or [m.name for m in meta if m.typ == pc.SheetTypeEnum.WorkSheet]
        if not candidates:
            raise SpreadsheetError(f"'{name}' has no worksheets with data in it.")
        chosen = None
        for cand in candidates:
            try:
                ws = wb.get_sheet_by_name(cand)
            except Exception as exc:
                raise _calamine_error(name, exc) from None
            if ws.height and ws.width:
                chosen = (cand, ws)
                break
            if sheet is not None:
                chosen = (cand, ws)
        if chosen is None:
            raise SpreadsheetError(
                f"'{name}' is empty: none of its sheets has anything in it. "
                "Check that you picked the right file and that it was saved."
            )
        sheet_name, ws = chosen
        label = f"{name}, sheet '{sheet_name}'" if len(visible) > 1 else name
        height = ws.height
        if height - 1 > MAX_ROWS:
            raise _too_many_rows(label, height - 1)
        start_row, start_col = ws.start if ws.start else (0, 0)
        with bulk_allocation():  # a million cell objects, none of them in a reference cycle
            try:
                raw = ws.to_python(skip_empty_area=True)
            except Exception as exc:
                raise _calamine_error(name, exc) from None
    finally:
        wb.close()

    notes: list[str] = []
    total = len(raw)
    with bulk_allocation():
        if raw and 0 < len(raw[0]) <= MAX_COLUMNS and len(set(map(len, raw))) == 1:
            headers, source, rows, numbers = _shape_columns(raw, label, start_row, start_col, notes,
                                                            progress, cancel)
        else:  # ragged, empty or absurdly wide: row by row, stopping at the first bad row
            headers, source, rows, numbers = _shape_rows(raw, label, start_row, start_col, notes,
                                                         progress, cancel)
        del raw
    if progress is not None:
        progress(total, total)
    return Sheet(path, sheet_name, visible, headers, source, rows, numbers, notes)


def _shape_rows(raw: list, label: str, start_row: int, start_col: int, notes: list[str],
                progress, cancel) -> tuple[list[str], list[str], list[list[str]], list[int]]:
    """Raw calamine rows -> header and data rows, one row at a time (the general case)."""
    shaper = _Shaper(label, start_col, notes)
    total = len(raw)
    conv = cell_text
    add = shaper.add
    # numbers repeat a lot (post codes, priorities): convert each once, share the string
    floats: dict[float, str] = {}
    fget = floats.get

    def fnew(v: float) -> str:
        text = _float_text(v)
        if len(floats) < 50_000:
            floats[v] = text
        return text

    str_ = str
    float_ = float
    for i, row in enumerate(raw):
        if i % PROGRESS_EVERY == 0 and i:
            if cancel is not None and cancel.is_set():
                raise ReadCancelled()
            if progress is not None:
                progress(i, total)
        add([v.strip() if (t := v.__class__) is str_ else (fget(v) or fnew(v)) if t is float_ else conv(v)
             for v in row], start_row + i + 1)
        raw[i] = None  # let the raw row go
    return shaper.finish()


#: Rows converted at a time by the column-wise reader (progress and cancel between chunks).
CHUNK_ROWS = 8192
_TEN_TO_16 = 10 ** 16


def _column_text(col: tuple, shared: dict) -> list[str]:
    """One column of raw calamine values -> the strings a user sees (as :func:`cell_text`,
    strings stripped), with whole-column operations at C speed where the column allows.

    A column whose values repeat (city, state, post code, priority) is converted once per
    distinct value and every cell shares that one string, which also keeps a big sheet small
    in memory; ``shared`` (value -> text, text and float values only) carries the distinct
    values from one chunk of rows to the next. Columns of distinct text or whole numbers
    (phones, e-mails, ids) are mapped in one go; anything else (dates, booleans, mixed
    types) goes cell by cell.
    """
    sample = col[:1024]
    if len(sample) >= 16 and len(set(sample)) * 4 <= len(sample) * 3:
        distinct = set(col)
        # only text and floats: True == 1.0 would otherwise share one dictionary entry
        if set(map(type, distinct)) <= {str, float}:
            texts = {}
            get = shared.get
            room = len(shared) < 200_000
            for v in distinct:
                text = get(v)
                if text is None:
                    text = v.strip() if v.__class__ is str else _float_text(v)
                    if room:
                        shared[v] = text
                texts[v] = text
            return list(map(texts.__getitem__, col))
    try:
        return list(map(str.strip, col))
    except TypeError:  # not all text
        pass
    try:
        if all(map(float.is_integer, col)):
            ints = list(map(int, col))
            if -_TEN_TO_16 < min(ints) and max(ints) < _TEN_TO_16:
                return list(map(str, ints))
    except TypeError:  # not all floats
        pass
    out = []
    append = out.append
    for v in col:
        t = v.__class__
        append(v.strip() if t is str else _float_text(v) if t is float else cell_text(v))
    return out


def _shape_columns(raw: list, label: str, start_row: int, start_col: int, notes: list[str],
                   progress, cancel) -> tuple[list[str], list[str], list[list[str]], list[int]]:
    """Raw calamine rows (all the same width) -> header and data rows, column by column.

    Same result as :func:`_shape_rows` in a fraction of the time: each chunk of rows is
    turned into columns, each column converted by :func:`_column_text`, and the rows rebuilt.
    """
    total = len(raw)
    width = len(raw[0])
    # the first row is often the header (text over number columns): on its own, so that the
    # columns below it are all one type and take the whole-column paths
    first = [cell_text(v).strip() for v in raw[0]]
    raw[0] = None
    filled = [bool(v) for v in first]                       # column has a non-empty cell
    maybe_blank = False                                     # some chunk may have an empty row
    shared: dict = {}                                       # repeated values: one string each
    out_rows: list[list[str]] = [first]
    for start in range(1, total, CHUNK_ROWS):
        if cancel is not None and cancel.is_set():
            raise ReadCancelled()
        if progress is not None and start > 1:
            progress(start - 1, total)
        end = min(start + CHUNK_ROWS, total)
        cols = list(zip(*raw[start:end]))
        raw[start:end] = [None] * (end - start)  # let the raw rows go
        texts = []
        for c, col in enumerate(cols):
            out = _column_text(col, shared)
            cols[c] = None  # type: ignore[call-overload]
            if not filled[c] and any(out):
                filled[c] = True
            texts.append(out)
        del cols
        if not maybe_blank and all("" in t for t in texts):  # (else no row of it is empty)
            maybe_blank = True
        out_rows += map(list, zip(*texts))
        del texts

    # the header is the first row with anything in it; empty rows after it are skipped
    empty = [""] * width
    h = 0
    while h < total and out_rows[h] == empty:
        h += 1
    if h == total:
        return _Shaper(label, start_col, notes).finish()  # the "empty sheet" message
    header = out_rows[h]
    data = out_rows[h + 1:]
    del out_rows
    first_number = start_row + h + 2
    blank = data.count(empty) if maybe_blank else 0
    if blank:
        numbers = [first_number + j for j, r in enumerate(data) if r != empty]
        data = [r for r in data if r != empty]
    else:
        numbers = list(range(first_number, first_number + len(data)))
    if len(data) > MAX_ROWS:
        raise _too_many_rows(label, None)
    w = width
    while w and not filled[w - 1]:
        w -= 1
    if w < width:  # trailing columns with nothing in them (formatted but empty cells)
        del header[w:]
        for r in data:
            del r[w:]
    shaper = _Shaper(label, start_col, notes)
    shaper.header, shaper.header_row, shaper.rows, shaper.numbers = header, start_row + h + 1, data, numbers
    shaper.blank, shaper.width = blank, w
    return shaper.finish(padded=True)


# --------------------------------------------------------------------------------------


def _fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_sheet(
    path: str | os.PathLike,
    sheet: str | None = None,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Sheet:
    """Read one sheet of ``path`` (default: the first visible sheet with data).

    ``progress(done, total)`` is called about every 1,000 rows; ``cancel`` is checked as
    often and raises :class:`ReadCancelled`. Safe to call from a worker thread.
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SpreadsheetError(f"'{name}' was not found. It may have been moved, renamed or deleted.") from None
    except OSError as exc:
        raise SpreadsheetError(f"'{name}' could not be opened: {exc.strerror or exc}.") from None
    if path.is_dir():
        raise SpreadsheetError(f"'{name}' is a folder, not a file. Pick the lead list inside it.")
    if suffix not in WORKBOOK_SUFFIXES and suffix not in TEXT_SUFFIXES:
        raise SpreadsheetError(
            f"'{name}' is not a file type Lead Loader reads. Use an Excel workbook (.xlsx, .xlsm, .xls, .xlsb), "
            "an OpenDocument sheet (.ods), or a CSV or text file (.csv, .txt)."
        )
    if size == 0:
        raise SpreadsheetError(
            f"'{name}' is empty (0 bytes): there is nothing in it to load. "
            "Check that you picked the right file and that it was saved."
        )
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise SpreadsheetError(
            f"'{name}' could not be opened: {exc.strerror or exc}. If it is open in another program, close it and try again."
        ) from None
    kind = _sniff_kind(path, name, suffix, head)
    if kind == "text":
        if size > MAX_TEXT_BYTES:
            raise SpreadsheetError(
                f"'{name}' is too big to load ({_size_text(size)}; the limit is {_size_text(MAX_TEXT_BYTES)}). "
                "Split the list into smaller files."
            )
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        with bulk_allocation():
            result = _read_text(path, name, data, progress, cancel)
        result.fingerprint = digest
        return result
    result = _read_workbook(path, name, sheet, progress, cancel)
    result.fingerprint = _fingerprint(path)
    return result
