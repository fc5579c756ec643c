"""Writing the outcome of an upload next to the source file.

* Results workbook (xlsx, openpyxl write-only: fast and small in memory): the original
  columns and values, then Result, Code, Message, Attempts, Sent at, Warnings (what the check
  changed or doubted, e.g. "leading 0 put back"); Code and Attempts are numbers; each row
  filled with its result colour (``Category.colour``, the GUI's palette); a Summary sheet with
  where the rows went (server, template, campaign, allocation, when, app version) and counts.
* Results as CSV (UTF-8 with BOM, so Excel reads accents) as an alternative.
* "Failed rows only": the input's own columns, nothing added, ready to fix and load again.

Every value is written as text. A cell that starts with ``=``, ``+``, ``-`` or ``@`` can
never become a formula: in xlsx it is a string cell; in CSV it gets a leading apostrophe
(Excel's own "this is text" mark), which the phone cleaner ignores when the file is loaded again.
Nothing is written over an existing file unless the caller says ``overwrite=True``.

Where (``export_folder``): next to the source file, unless that folder cannot be written or
is inside the app's own installation (the sample file lives there): then the user's Documents.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from noojee_desktop.core.codes import FAILED_CATEGORIES, REJECTION_CATEGORIES, Category
from noojee_desktop.core.outcome import RowOutcome

from .reader import Sheet

RESULT_COLUMNS = ("Result", "Code", "Message", "Attempts", "Sent at", "Warnings")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def app_folders() -> list[Path]:
    """Where this app is installed: the package (the sample file's folder is in it) and, in a
    frozen bundle, the bundle and the program's folder. Nothing of a user's is written there."""
    import sys

    from noojee_desktop import resources_path

    folders = [Path(__file__).resolve().parents[2], resources_path().resolve()]   # the package, its resources
    if getattr(sys, "frozen", False):
        folders.append(Path(sys.executable).resolve().parent)
        if getattr(sys, "_MEIPASS", None):
            folders.append(Path(sys._MEIPASS).resolve())
    return folders


def documents_folder() -> Path:
    """The user's Documents folder (platformdirs: the OS's own; made when missing)."""
    import platformdirs

    folder = Path(platformdirs.user_documents_dir())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _writable(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".~noojee-"):
            return True
    except OSError:
        return False


def export_folder(source: str | os.PathLike, *, app_dirs: Sequence[Path] | None = None,
                  documents: Path | None = None) -> Path:
    """The folder results of ``source`` go to: its own folder, or the user's Documents when that
    cannot be written or is inside the app (``app_dirs``, default ``app_folders()``)."""
    folder = Path(source).resolve().parent
    inside_app = any(folder == d or d in folder.parents for d in (app_dirs if app_dirs is not None else app_folders()))
    if not inside_app and folder.is_dir() and _writable(folder):
        return folder
    return documents if documents is not None else documents_folder()


def default_results_path(source: str | os.PathLike, kind: str = "results", *, suffix: str = ".xlsx",
                         now: datetime | None = None, folder: str | os.PathLike | None = None) -> Path:
    """``<folder>/<name> - results 2025-03-04 0930.xlsx``; a free name (adds " (2)"...). The
    folder: ``export_folder(source)`` unless given."""
    if kind not in ("results", "failed"):
        raise ValueError("kind must be 'results' or 'failed'")
    source = Path(source)
    where = Path(folder) if folder is not None else export_folder(source)
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H%M")
    label = "results" if kind == "results" else "failed rows"
    base = f"{source.stem} - {label} {stamp}"
    candidate = where / (base + suffix)
    n = 2
    while candidate.exists():
        candidate = where / f"{base} ({n}){suffix}"
        n += 1
    return candidate


def about_rows(server: str, places: Sequence[tuple[int | None, str]], when: str) -> list[tuple[str, str]]:
    """The Summary sheet's where, when and by what: Server, Template, Campaign, Allocation (each
    "name (id N)"), Uploaded, App version -- for ``write_results(about=...)``."""
    from noojee_desktop import __version__
    from noojee_desktop.core.journal import server_id

    try:
        server = server_id(server)      # scheme://host:port, as the journal names it
    except ValueError:
        pass
    rows = [("Server", server)]
    for label, (pid, pname) in zip(("Template", "Campaign", "Allocation"), places):
        rows.append((label, f"{pname} (id {pid})" if pname and pid is not None else str(pname or pid or "")))
    return rows + [("Uploaded", when), ("App version", __version__)]


def _wanted(outcome: RowOutcome | None, include_rejections: bool) -> bool:
    if outcome is None:
        return True  # never sent: still to be loaded
    if outcome.category in FAILED_CATEGORIES or outcome.category is Category.PENDING:
        return True
    return include_rejections and outcome.category in REJECTION_CATEGORIES


def _result_cells(outcome: RowOutcome | None, warning: str = "") -> list:
    """Result, Code (int or ""), Message, Attempts (int), Sent at, Warnings."""
    if outcome is None:
        return [Category.PENDING.label, "", "", 0, "", warning]
    message = outcome.message + (f" ({outcome.note})" if outcome.note else "")
    return [
        outcome.category.label,
        "" if outcome.code is None else outcome.code,
        message,
        outcome.attempts,
        outcome.sent_at.strftime("%Y/%m/%d %H:%M:%S") if outcome.sent_at else "",
        warning,
    ]


def _target(path: str | os.PathLike, overwrite: bool) -> Path:
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"'{path.name}' already exists; choose another name or allow replacing it.")
    return path


def _atomic_write(path: Path, write, overwrite: bool) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".~" + path.stem[:40], suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if someone created the file meanwhile: never clobber
            except FileExistsError:
                raise FileExistsError(f"'{path.name}' already exists; choose another name.") from None
            except OSError:
                if path.exists():
                    raise FileExistsError(f"'{path.name}' already exists; choose another name.") from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_results(
    path: str | os.PathLike,
    sheet: Sheet,
    results: Sequence[RowOutcome | None],
    *,
    failed_only: bool = False,
    include_rejections: bool = False,
    overwrite: bool = False,
    warnings: Mapping[int, str] | None = None,
    about: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write results (or, with ``failed_only``, the rows still to load) to ``path``.

    ``results[i]`` belongs to ``sheet.rows[i]`` (None: not sent); ``warnings[i]`` is what the
    check said of that row without refusing it ("leading 0 put back"); ``about``: (label,
    value) pairs for the Summary sheet (server, template, campaign, allocation, time, app
    version). The format follows the suffix: ``.csv`` or ``.xlsx``. Returns the path written.
    Raises FileExistsError when ``path`` exists and ``overwrite`` is False.
    """
    if len(results) != len(sheet.rows):
        raise ValueError(f"{len(results)} results for {len(sheet.rows)} rows")
    path = _target(path, overwrite)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError("results are written as .xlsx or .csv")
    if failed_only:
        indexes = [i for i, r in enumerate(results) if _wanted(r, include_rejections)]
    else:
        indexes = range(len(sheet.rows))

    notes = warnings or {}

    def write(tmp: str) -> None:
        if suffix == ".csv":
            _write_csv(tmp, sheet, results, indexes, failed_only, notes)
        else:
            _write_xlsx(tmp, sheet, results, indexes, failed_only, notes, about)

    _atomic_write(path, write, overwrite)
    return path


def _csv_safe(v: str) -> str:
    return "'" + v if v and v.startswith(_FORMULA_START) else v


def _write_csv(tmp: str, sheet: Sheet, results, indexes, failed_only: bool, notes) -> None:
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        if failed_only:
            w.writerow([_csv_safe(h) for h in sheet.source_headers])
            for i in indexes:
                w.writerow([_csv_safe(v) for v in sheet.rows[i]])
        else:
            w.writerow([_csv_safe(h) for h in sheet.headers] + list(RESULT_COLUMNS))
            for i in indexes:
                w.writerow([_csv_safe(v) for v in sheet.rows[i]]
                           + [_csv_safe(str(c)) for c in _result_cells(results[i], notes.get(i, ""))])


def _write_xlsx(tmp: str, sheet: Sheet, results, indexes, failed_only: bool, notes, about) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Failed rows" if failed_only else "Results")
    bold = Font(bold=True)

    def text_cell(value: str | int, fill=None, font=None):
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value and value[0] in "=+-@":
            c.data_type = "s"  # a string cell: Excel shows it, never evaluates it
        if fill is not None:
            c.fill = fill
        if font is not None:
            c.font = font
        return c

    def plain(value: str):
        # the common case needs no cell object (much faster); formula-looking text does
        return text_cell(value) if value and value[0] in "=+-@" else value

    headers = list(sheet.source_headers if failed_only else sheet.headers)
    if not failed_only:
        headers += RESULT_COLUMNS
    ws.append([text_cell(h, font=bold) for h in headers])
    fills = {c: PatternFill("solid", start_color=c.colour[1:].upper(), end_color=c.colour[1:].upper())
             for c in Category}
    rows = sheet.rows
    if failed_only:
        for i in indexes:
            ws.append([plain(v) for v in rows[i]])
    else:
        for i in indexes:
            r = results[i]
            fill = fills[r.category if r is not None else Category.PENDING]
            cells = [text_cell(v, fill) for v in rows[i]]
            cells += [text_cell(v, fill) for v in _result_cells(r, notes.get(i, ""))]
            ws.append(cells)
        _write_summary(wb, sheet, results, fills, bold, about)
    wb.save(tmp)


def _write_summary(wb, sheet: Sheet, results, fills, bold, about=()) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet("Summary")
    counts = Counter(r.category if r is not None else Category.PENDING for r in results)

    def cell(v, fill=None, font=None):
        c = WriteOnlyCell(ws, value=v)
        if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
            c.data_type = "s"
        if fill is not None:
            c.fill = fill
        if font is not None:
            c.font = font
        return c

    ws.append([cell("Source file", font=bold), cell(sheet.path.name)])
    if sheet.sheet_name:
        ws.append([cell("Sheet", font=bold), cell(sheet.sheet_name)])
    for label, value in about:
        ws.append([cell(label, font=bold), cell(value)])
    ws.append([cell("Written", font=bold), cell(datetime.now().strftime("%Y/%m/%d %H:%M"))])
    ws.append([])
    ws.append([cell("Result", font=bold), cell("Rows", font=bold)])
    for cat in Category:
        if counts.get(cat):
            ws.append([cell(cat.label, fills[cat]), cell(counts[cat], fills[cat])])
    ws.append([cell("Total", font=bold), cell(len(results), font=bold)])
