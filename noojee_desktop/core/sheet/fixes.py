"""Fixing rows where they are shown, not in Excel (Qt-free).

* :class:`Fixes`: the user's corrections on top of a :class:`Sheet`, ``{(row_index, column):
  value}``. ``write`` puts values into ``sheet.rows`` (each changed row is replaced by a new
  list, so a copy of ``sheet.rows`` taken before stays as it was) and keeps the file's value of
  every edited cell. From then on the fixed values are the row: what is checked, sent, written
  to the results file and the failed-rows export. ``to_json``/``from_json`` and
  :class:`FixStore` keep unsaved fixes per file (by its fingerprint) for the next session; the
  journal keeps a job's fixes so a resume sends the fixed values.
* :class:`RowChecker`: checks edited rows again by the very rules of :func:`validate` (it calls
  it, on just the rows that matter), duplicates within the file included: a phone number or
  external id is a duplicate when an earlier row of the file has it, so the rows re-checked are
  the edited ones plus those sharing a value the edit took away or brought, each checked
  together with the first row holding each of its values.
* :func:`corrected_copy_path`, :func:`write_corrected`: "Save corrected copy..." (never over the
  original; .xlsx and .csv keep their format, .xls/.ods/.xlsb become .xlsx).
* :data:`FIXABLE`: the results after which a row may still be fixed and sent (nothing that may
  be in the dialler already).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from noojee_desktop.core.codes import Category

from .fields import EXTERNAL_ID, Mapping
from .reader import Sheet
from .results import _atomic_write, _csv_safe
from .validate import _EXCEL_ERRORS, PreparedRow, normalise_phone, phone_numbers, validate

#: results after which a row can be fixed and sent again: never sent, stopped by our checks, refused
#: for its data, or not applied. Not: inserted, updated, already loaded, unknown if it landed, DNC.
FIXABLE = frozenset({Category.PENDING, Category.INVALID, Category.DATA_ERROR, Category.DUPLICATE,
                     Category.REJECTED, Category.RETRYABLE, Category.CANCELLED})

#: results that mean "fix this row": our own checks stopped it, or the dialler refused its data
NEEDS_FIXING = frozenset({Category.INVALID, Category.DATA_ERROR})

Cell = tuple[int, int]        # (row index in Sheet.rows, column index in Sheet.headers)


def can_fix(outcome) -> bool:
    """Whether a row with this outcome (None: not sent) may be edited."""
    return outcome is None or outcome.category in FIXABLE


class Fixes:
    """The user's corrections to one sheet. ``len()``: cells edited; ``original(r, c)``: the
    file's value of an edited cell (None: not edited)."""

    def __init__(self, sheet: Sheet | None) -> None:
        self.sheet = sheet
        self._original: dict[Cell, str] = {}

    def __len__(self) -> int:
        return len(self._original)

    def __contains__(self, cell: object) -> bool:
        return cell in self._original

    def original(self, row: int, column: int) -> str | None:
        return self._original.get((row, column))

    def cells(self) -> dict[Cell, str]:
        """Every edited cell and its value now."""
        rows = self.sheet.rows
        return {(r, c): rows[r][c] for r, c in self._original}

    def edits(self) -> list[tuple[int, int, str]]:
        """Every edited cell as ``(row, column, value now)``, in row order: what ``write`` takes
        to put them on the same file read again (and what a job journals)."""
        return [(r, c, v) for (r, c), v in sorted(self.cells().items())]

    def snapshot(self) -> Fixes:
        """A copy that later edits do not change (the sheet's rows list is copied, not the rows:
        ``write`` replaces a row rather than changing it), to keep or write on another thread."""
        import dataclasses

        copy = Fixes(dataclasses.replace(self.sheet, rows=list(self.sheet.rows)) if self.sheet is not None else None)
        copy._original = dict(self._original)
        return copy

    def rows(self) -> set[int]:
        return {r for r, _ in self._original}

    def write(self, edits: Iterable[tuple[int, int, str]], keep_before: bool = True
              ) -> tuple[list[tuple[int, int, str]], dict[int, list[str]]]:
        """Put ``(row, column, value)`` into the sheet (values are trimmed, as the reader trims).

        Returns ``(previous, before)``: ``(row, column, previous value)`` of each cell that changed
        (what undo writes back) and each changed row as it was before (for :meth:`RowChecker.recheck`;
        left empty without ``keep_before``)."""
        rows = self.sheet.rows
        original = self._original
        previous: list[tuple[int, int, str]] = []
        before: dict[int, list[str]] = {}
        trimmed: dict = {}
        for r, c, value in edits:
            v = trimmed.get(value)
            if v is None:
                v = trimmed[value] = str(value).strip()
            value = v
            row = rows[r]
            old = row[c]
            if old == value:
                continue
            if keep_before and r not in before:
                before[r] = row
            new = list(row)
            new[c] = value
            rows[r] = new
            previous.append((r, c, old))
            cell = (r, c)
            if cell not in original:
                original[cell] = old
            elif original[cell] == value:
                del original[cell]      # back to the file's value: no longer a fix
        return previous, before

    # keeping them ------------------------------------------------------------------------
    def to_json(self) -> dict:
        sheet = self.sheet
        return {"fingerprint": sheet.fingerprint, "sheet": sheet.sheet_name, "headers": list(sheet.headers),
                "cells": [list(e) for e in self.edits()]}

    @staticmethod
    def cells_from_json(data: dict, sheet: Sheet) -> list[tuple[int, int, str]]:
        """The ``(row, column, value)`` edits of ``to_json`` output, if they belong to ``sheet``
        (same file content, sheet and headings); [] otherwise or for anything malformed."""
        try:
            if (data.get("fingerprint") != sheet.fingerprint or data.get("sheet", "") != sheet.sheet_name
                    or list(data.get("headers", [])) != list(sheet.headers)):
                return []
            n, width = len(sheet.rows), len(sheet.headers)
            out = [(int(r), int(c), str(v)) for r, c, v in data.get("cells", [])]
        except (TypeError, ValueError, AttributeError):
            return []
        return [(r, c, v) for r, c, v in out if 0 <= r < n and 0 <= c < width]


class FixStore:
    """Unsaved fixes per file, in the user data folder (``fixes/<fingerprint>.json``), so that
    opening the same file again can offer them. Failures to write are the caller's to report."""

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        if folder is None:
            import platformdirs

            folder = Path(platformdirs.user_data_dir("noojee-desktop", appauthor=False)) / "fixes"
        self.folder = Path(folder)

    def _path(self, sheet: Sheet) -> Path:
        key = hashlib.sha256(f"{sheet.fingerprint}\x1f{sheet.sheet_name}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.json"

    def save(self, fixes: Fixes) -> None:
        """Keep ``fixes`` for their sheet (none left: forget the file's entry)."""
        path = self._path(fixes.sheet)
        if not len(fixes):
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = fixes.to_json()
        data["saved"] = datetime.now().isoformat(timespec="seconds")
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, path)

    def load(self, sheet: Sheet) -> tuple[list[tuple[int, int, str]], datetime | None]:
        """The fixes kept for ``sheet`` (and when they were saved); ([], None) when none."""
        if not sheet.fingerprint:
            return [], None
        try:
            data = json.loads(self._path(sheet).read_text("utf-8"))
            saved = datetime.fromisoformat(data["saved"]) if data.get("saved") else None
        except (OSError, ValueError, TypeError, AttributeError):
            return [], None
        cells = Fixes.cells_from_json(data, sheet) if isinstance(data, dict) else []
        return cells, saved if cells else None

    def discard(self, sheet: Sheet) -> None:
        try:
            self._path(sheet).unlink(missing_ok=True)
        except OSError:
            pass


class RowChecker:
    """Re-checks edited rows of ``sheet`` with the rules of :func:`validate` (same arguments), or
    of ``check(part)``, which checks a part of the sheet (a Sheet) the way the whole was checked
    (an update: ``validate_update``). ``update``: duplicates within the file do not matter."""

    def __init__(self, sheet: Sheet, mapping: Mapping, *, update: bool = False, allow_duplicates: bool = False,
                 now: datetime | None = None, check: Callable[[Sheet], list[PreparedRow]] | None = None) -> None:
        self.sheet = sheet
        self.mapping = mapping
        self._check = check or (lambda part: validate(part, mapping, update=update,
                                                      allow_duplicates=allow_duplicates, now=now))
        mapped = mapping.mapped(sheet.headers)
        self._phone_cols = [] if update else [ci for ci, f in mapped if f in mapping.phone_fields]
        self._ext_col = None if update else next((ci for ci, f in mapped if f == EXTERNAL_ID), None)
        self._index: dict[str, set[int]] | None = None   # value key -> rows holding it

    def _keys(self, row: Sequence[str]) -> set[str]:
        """What makes a row a duplicate of another: its phone numbers (as cleaned) and external id."""
        keys = set()
        for ci in self._phone_cols:
            v = row[ci]
            if v and v not in _EXCEL_ERRORS:
                num = normalise_phone(v)[0]
                if num:
                    keys.add("p" + num)
        if self._ext_col is not None and row[self._ext_col]:
            keys.add("x" + row[self._ext_col])
        return keys

    def _build_index(self) -> dict[str, set[int]]:
        rows = self.sheet.rows
        index: dict[str, set[int]] = {}
        columns = [(ci, "p", phone_numbers([row[ci] for row in rows])) for ci in self._phone_cols]
        if self._ext_col is not None:
            columns.append((self._ext_col, "x", [row[self._ext_col] for row in rows]))
        for _ci, kind, values in columns:
            for i, v in enumerate(values):
                if v:
                    k = kind + v
                    got = index.get(k)
                    if got is None:
                        index[k] = {i}
                    else:
                        got.add(i)
        return index

    def recheck(self, before: dict[int, Sequence[str]]) -> dict[int, PreparedRow]:
        """The rows to show anew after the rows in ``before`` (row index -> the row before the edit)
        changed in ``sheet.rows``: the edited rows and those whose duplicates changed."""
        index = self._index
        if index is None:
            # built from the sheet as it is now, edits included: what follows changes nothing
            # in it, and finds the rows that share an old or a new value all the same
            index = self._index = self._build_index()
        rows = self.sheet.rows
        touched = set(before)
        for r, old in before.items():
            old_keys, new_keys = self._keys(old), self._keys(rows[r])
            for k in old_keys - new_keys:
                holders = index.get(k)
                if holders is not None:
                    holders.discard(r)
                    touched |= holders
                    if not holders:
                        del index[k]
            for k in new_keys - old_keys:
                holders = index.setdefault(k, set())
                holders.add(r)
                touched |= holders
        return self.check(touched)

    def check(self, wanted: Iterable[int]) -> dict[int, PreparedRow]:
        """Check rows ``wanted`` (each with the first row holding each of its values) by validate."""
        index = self._index if self._index is not None else self._build_index()
        self._index = index
        rows, numbers = self.sheet.rows, self.sheet.row_numbers
        wanted = set(wanted)
        chosen = set(wanted)
        for r in wanted:
            for k in self._keys(rows[r]):
                holders = index.get(k)
                if holders:
                    chosen.add(min(holders))
        order = sorted(chosen)
        s = self.sheet
        part = Sheet(path=s.path, sheet_name=s.sheet_name, sheet_names=s.sheet_names, headers=s.headers,
                     source_headers=s.source_headers, rows=[rows[i] for i in order],
                     row_numbers=[numbers[i] for i in order], fingerprint=s.fingerprint)
        checked = self._check(part)
        return {i: PreparedRow(i, p.row_number, dict(p.lead), p.issues)
                for i, p in zip(order, checked) if i in wanted}


# -- a corrected copy ------------------------------------------------------------------------------
def corrected_copy_path(source: str | os.PathLike, folder: str | os.PathLike | None = None) -> Path:
    """``<name> - corrected.xlsx`` (or .csv for a text file) next to ``source`` (or in ``folder``);
    a free name (adds " (2)"...), never the source itself."""
    source = Path(source)
    suffix = ".csv" if source.suffix.lower() in (".csv", ".txt") else ".xlsx"
    where = Path(folder) if folder is not None else source.parent
    base = f"{source.stem} - corrected"
    candidate = where / (base + suffix)
    n = 2
    while candidate.exists() or candidate == source:
        candidate = where / f"{base} ({n}){suffix}"
        n += 1
    return candidate


def write_corrected(path: str | os.PathLike, sheet: Sheet) -> Path:
    """The sheet as it is now (fixes applied): the file's headings, then every row, all as text.
    A text file keeps its delimiter and encoding; a workbook becomes one .xlsx sheet. Never
    replaces an existing file (FileExistsError)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"'{path.name}' already exists; choose another name.")
    if path.resolve() == Path(sheet.path).resolve():
        raise FileExistsError("The corrected copy cannot replace the original file; choose another name.")
    suffix = path.suffix.lower()
    headers = list(sheet.source_headers) if len(sheet.source_headers) == len(sheet.headers) else list(sheet.headers)

    def write(tmp: str) -> None:
        if suffix in (".csv", ".txt"):
            enc = sheet.encoding or "utf-8-sig"
            with open(tmp, "w", encoding=enc, newline="", errors="replace") as fh:
                w = csv.writer(fh, delimiter=sheet.delimiter or ",")
                w.writerow([_csv_safe(h) for h in headers])
                w.writerows([_csv_safe(v) for v in row] for row in sheet.rows)
        else:
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell

            wb = Workbook(write_only=True)
            ws = wb.create_sheet((sheet.sheet_name or "Leads")[:31])

            def cell(v: str):
                if v and v[0] in "=+-@":
                    c = WriteOnlyCell(ws, value=v)
                    c.data_type = "s"    # text, never a formula
                    return c
                return v

            ws.append([cell(h) for h in headers])
            for row in sheet.rows:
                ws.append([cell(v) for v in row])
            wb.save(tmp)

    _atomic_write(path, write, False)
    return path
