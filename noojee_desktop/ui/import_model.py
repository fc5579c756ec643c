"""The import table: one QAbstractTableModel over the prepared rows, with its own filter and sort.

Columns: Row (the line in the file), Result (symbol + words), Code, Message, then the file's
own columns. Each row's background is its result category's colour (the palette shared with
the results workbook); cells with validation problems get a tint, an icon and a tooltip.

Smoothness on 100k rows (``bench/ui_stall.py``):

* Everything per row -- row labels, which cell each validation problem belongs to and its
  tooltip, the row's category before sending, the counts, the search text -- is worked out
  by :func:`prepare_rows` on the pool thread that read the file. The GUI thread swaps the
  result in with one ``beginResetModel``/``endResetModel``; ``data()`` then only looks up.
* No QSortFilterProxyModel (its reset calls a Python ``filterAcceptsRow`` per row, and its
  sort a Python ``lessThan`` per comparison): filter, search and sort are one Python pass
  over plain lists (``sorted`` with a key), run only when the user changes them.
* Engine results arrive in batches and are applied with one ``dataChanged`` per contiguous
  run of visible rows; counts are updated per changed row, never recounted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle

from noojee_desktop.core.codes import FAILED_CATEGORIES, REJECTION_CATEGORIES, Category, never_resend
from noojee_desktop.core.sheet.fixes import Fixes
from noojee_desktop.ui.import_edits import EditableRows
from noojee_desktop.ui.symbols import result_text
from noojee_desktop.ui.table_columns import (  # noqa: F401 (the model's columns, imported from here too)
    CODE, FIXED, FIXED_HEADERS, MESSAGE, RESULT, ROW, contiguous_runs,
)


SortRole = Qt.ItemDataRole.UserRole + 1
CategoryRole = Qt.ItemDataRole.UserRole + 2

ERROR_TINT = QColor("#f19c9c")
WARNING_TINT = QColor("#ffe08a")
IGNORED_TEXT = QColor("#8c8c8c")
TEXT = QColor("black")
EDITED_TEXT = QColor("#1a4f9c")     # a fixed cell: blue italic, its file value in the tooltip

#: outcomes a "Retry failed rows" sends again (what UploadEngine.retry_failed sends by default)
RETRY_CATEGORIES = frozenset((set(FAILED_CATEGORIES) - {Category.INVALID}) | {Category.PENDING})


@dataclass
class RowsView:
    """Everything the table shows per row before any result, built off the GUI thread."""

    prepared: list
    row_labels: list[str]
    row_numbers: list[int]
    base: list[Category]                                   # PENDING (sendable) or INVALID
    cell_issues: dict[tuple[int, int], tuple[bool, str]]   # (row, column) -> (is error, tooltip)
    row_messages: dict[int, str]                           # row -> its problems in one line
    counts: Counter                                        # categories shown, outcomes included
    outcome_counts: Counter                                # categories of rows that have an outcome
    unsent_sendable: int                                   # sendable rows without an outcome
    ignored_columns: frozenset[int] = field(default_factory=frozenset)
    search_text: list[str] | None = None                   # casefolded row text, built on first search
    columns_of: dict[str, int] = field(default_factory=dict)   # heading or field -> table column


def prepare_rows(sheet, prepared: Sequence, mapping, outcomes: Sequence | None = None) -> RowsView:
    """Per-row display data for :class:`ImportModel` (pure Python: call it on a worker thread).

    ``outcomes`` (a copy of the results so far) keeps the counts right after a mapping change."""
    prepared = list(prepared)
    headers = sheet.headers if sheet is not None else []
    col_of_header = {h: i for i, h in enumerate(headers)}
    col_of_field: dict[str, int] = {}
    ignored: set[int] = set()
    if mapping is not None:
        for h, f in mapping.columns.items():
            if f and h in col_of_header:
                col_of_field.setdefault(f, col_of_header[h])
        ignored = {FIXED + i for i, h in enumerate(headers) if not mapping.columns.get(h)}
    columns_of = {f: FIXED + c for f, c in col_of_field.items()} | {h: FIXED + c for h, c in col_of_header.items()}
    numbers = list(sheet.row_numbers) if sheet is not None and sheet.row_numbers else \
        list(range(1, len(prepared) + 1))
    labels = [str(n) for n in numbers]
    base: list[Category] = []
    cell_issues: dict[tuple[int, int], list] = {}
    row_messages: dict[int, str] = {}
    pending, invalid = Category.PENDING, Category.INVALID
    append = base.append
    for r, prep in enumerate(prepared):
        issues = prep.issues
        if not issues:
            append(pending)
            continue
        error = False
        for issue in issues:
            col = issue.column
            c = col_of_header.get(col, col_of_field.get(col)) if col else None
            key = (r, FIXED + c) if c is not None else (r, MESSAGE)
            cell_issues.setdefault(key, []).append(issue)
            if issue.severity == "error":
                error = True
        append(invalid if error else pending)
        row_messages[r] = "; ".join(i.message for i in issues)
    cells = {key: (any(i.severity == "error" for i in issues),
                   "\n".join(("\u2716 " if i.severity == "error" else "\u26a0 ") + i.message for i in issues))
             for key, issues in cell_issues.items()}
    counts: Counter = Counter(base)
    outcome_counts: Counter = Counter()
    unsent = counts[pending]
    if outcomes:
        for r, o in enumerate(outcomes):
            if o is not None and r < len(base):
                counts[base[r]] -= 1
                counts[o.category] += 1
                outcome_counts[o.category] += 1
                if base[r] is pending:
                    unsent -= 1
    counts = Counter({k: v for k, v in counts.items() if v > 0})
    return RowsView(prepared, labels, numbers, base, cells, row_messages, counts, outcome_counts, unsent,
                    frozenset(ignored), columns_of=columns_of)


class ImportModel(EditableRows, QAbstractTableModel):
    """Public for editing: ``fixes`` (core Fixes of the sheet shown), ``editing_enabled`` (set by the
    controller: not while reading or uploading), ``make_checker`` (set by the controller: what checks
    edited rows by the rules the file was checked with), ``setData``/``write_cells``; signals
    ``cellsEdited``, ``bulkEdit`` and ``fixesChanged``."""

    #: cells changed by ``setData``/``write_cells(record=True)``: [(row, sheet column, before, after)]
    cellsEdited = Signal(object)
    #: so many cells at once (edits, record) that they are written and checked on a pool thread
    #: (the controller does it, then calls ``finish_bulk``)
    bulkEdit = Signal(object, bool)
    #: after any write into the sheet (undo and redo too): ``fixes`` changed
    fixesChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sheet = None
        self.mapping = None
        self.fixes = Fixes(None)
        self.make_checker = None            # (sheet, mapping) -> core RowChecker, as the rows were checked
        self.editing_enabled = True
        self.edit_count = 0                 # cells written so far (any file): "fixed since the upload?"
        self._checker = None
        self.phone_fields: set[str] = set()
        self.outcomes: list = []
        self.v = prepare_rows(None, [], None)
        self._brushes = {c: QBrush(QColor(c.colour)) for c in Category}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._icons = None
        # filter / search / sort: None = every row in file order
        self._categories: set[Category] | None = None
        self._needle = ""
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)
        self._order: list[int] | None = None     # visible source rows, in view order
        self._pos: dict[int, int] = {}           # source row -> view row (only while _order is set)

    # loading ---------------------------------------------------------------------------
    @property
    def prepared(self) -> list:
        return self.v.prepared

    @property
    def counts(self) -> Counter:
        return self.v.counts

    def set_data(self, sheet, view: RowsView, mapping) -> None:
        """A new file (``view`` from :func:`prepare_rows`): one model reset, no per-row work."""
        self.beginResetModel()
        self.sheet = sheet
        self.mapping = mapping
        self.phone_fields = set(mapping.phone_fields) if mapping is not None else set()
        self.outcomes = [None] * len(view.prepared)
        self.v = view
        self.fixes = Fixes(sheet)
        self._checker = None
        self._order = None
        self._pos = {}
        self._compute_order()
        self.endResetModel()

    def set_prepared(self, view: RowsView, mapping) -> None:
        """New validation after a mapping change; keeps the outcomes already received."""
        self.mapping = mapping
        self.phone_fields = set(mapping.phone_fields)
        self._checker = None
        if self._order is not None:
            self.beginResetModel()
            self.v = view
            self._compute_order()
            self.endResetModel()
        else:
            self.v = view
            if self.rowCount():
                self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, self.columnCount() - 1))

    # results ---------------------------------------------------------------------------
    def apply_outcomes(self, batch: Iterable[tuple[int, object]]) -> list[tuple[int, int]]:
        """Store engine results; one dataChanged per contiguous run of visible rows.

        Work is proportional to the batch, never to the file. Returns the runs (view rows)."""
        v = self.v
        counts, done, base = v.counts, v.outcome_counts, v.base
        outcomes = self.outcomes
        pending = Category.PENDING
        n = len(outcomes)
        changed = []
        for index, outcome in batch:
            if not 0 <= index < n:
                continue
            old = outcomes[index]
            old_cat = old.category if old is not None else base[index]
            new_cat = outcome.category if outcome is not None else base[index]
            if old is not None:
                done[old.category] -= 1
            elif base[index] is pending:
                v.unsent_sendable -= 1
            if outcome is not None:
                done[outcome.category] += 1
            elif base[index] is pending:
                v.unsent_sendable += 1
            if old_cat is not new_cat:
                counts[old_cat] -= 1
                if counts[old_cat] <= 0:
                    del counts[old_cat]
                counts[new_cat] += 1
            outcomes[index] = outcome
            changed.append(index)
        if self._order is not None:
            pos = self._pos
            changed = [pos[i] for i in changed if i in pos]
        runs = contiguous_runs(changed)
        last = self.columnCount() - 1
        for first, end in runs:
            self.dataChanged.emit(self.index(first, 0), self.index(end, last))
        return runs

    def reset_outcomes(self, rows: Iterable[int]) -> None:
        self.apply_outcomes((r, None) for r in list(rows))

    def category(self, row: int) -> Category:
        """The category of source row ``row`` (its result, or pending/invalid before sending)."""
        outcome = self.outcomes[row] if row < len(self.outcomes) else None
        if outcome is not None:
            return outcome.category
        base = self.v.base
        return base[row] if row < len(base) else Category.PENDING

    def rows_in(self, categories: set[Category]) -> list[int]:
        return [r for r in range(len(self.outcomes)) if self.category(r) in categories]

    def failed_rows(self, include_rejections: bool = False) -> list[int]:
        """Rows a retry would send again: failed or unsent outcomes (not invalid rows); rejections
        (DNC, duplicate...) only when ``include_rejections``; never a lead someone was editing
        (110: ``codes.never_resend``), whose resend would overwrite that person's work."""
        wanted = RETRY_CATEGORIES | REJECTION_CATEGORIES if include_rejections else RETRY_CATEGORIES
        return [r for r, o in enumerate(self.outcomes)
                if o is not None and o.category in wanted and not never_resend(o.code)]

    @property
    def has_rejections(self) -> bool:
        done = self.v.outcome_counts
        return any(done.get(c, 0) > 0 for c in REJECTION_CATEGORIES)

    @property
    def has_failed(self) -> bool:
        done = self.v.outcome_counts
        return any(done.get(c, 0) > 0 for c in RETRY_CATEGORIES)

    @property
    def has_outcomes(self) -> bool:
        return any(n > 0 for n in self.v.outcome_counts.values())

    @property
    def unsent_sendable(self) -> int:
        return self.v.unsent_sendable

    def source_row(self, view_row: int) -> int:
        return self._order[view_row] if self._order is not None else view_row

    # filter, search, sort -----------------------------------------------------------------
    @property
    def filtering(self) -> bool:
        return self._categories is not None or bool(self._needle)

    @property
    def sorted(self) -> bool:
        """True while the rows are shown sorted by a column (not in file order)."""
        return self._sort[0] >= 0

    def set_categories(self, categories: set[Category] | None) -> None:
        self._categories = set(categories) if categories else None
        self.refilter()

    def set_search(self, text: str) -> None:
        self._needle = text.strip().casefold()
        self.refilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # noqa: D401 (Qt)
        self._sort = (column, order)
        self.refilter()

    def refilter(self) -> None:
        """Apply the filter, search and sort again (a user action, or the end of an upload)."""
        self.beginResetModel()
        self._compute_order()
        self.endResetModel()

    def _compute_order(self) -> None:
        n = len(self.outcomes)
        column, order = self._sort
        if not self.filtering and column < 0:
            self._order = None
            self._pos = {}
            return
        rows: Iterable[int] = range(n)
        cats = self._categories
        if cats is not None:
            outcomes, base = self.outcomes, self.v.base
            rows = [r for r in rows
                    if (outcomes[r].category if outcomes[r] is not None else base[r]) in cats]
        if self._needle:
            needle = self._needle
            text = self._search_text()
            rows = [r for r in rows if needle in text[r] or needle in self._message(r).casefold()]
        rows = list(rows)
        if column >= 0:
            rows.sort(key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        self._order = rows
        self._pos = {r: i for i, r in enumerate(rows)}

    def _search_text(self) -> list[str]:
        if self.v.search_text is None:
            rows = self.sheet.rows if self.sheet is not None else []
            self.v.search_text = ["\x1f".join(row).casefold() for row in rows]
        return self.v.search_text

    def _sort_key(self, column: int):
        outcomes = self.outcomes
        if column == ROW:
            numbers = self.v.row_numbers
            return lambda r: numbers[r]
        if column == RESULT:
            return lambda r: self.category(r).label
        if column == CODE:
            return lambda r: -1 if outcomes[r] is None or outcomes[r].code is None else outcomes[r].code
        if column == MESSAGE:
            return lambda r: self._message(r).casefold()
        k = column - FIXED
        rows = self.sheet.rows
        return lambda r: rows[r][k].casefold() if k < len(rows[r]) else ""

    # Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid() or self.sheet is None:
            return 0
        return len(self._order) if self._order is not None else len(self.outcomes)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid() or self.sheet is None:
            return 0
        return FIXED + len(self.sheet.headers)

    def header_name(self, column: int) -> str:
        if column < FIXED:
            return FIXED_HEADERS[column]
        return self.sheet.headers[column - FIXED]

    def field_of(self, column: int) -> str | None:
        if column < FIXED or self.mapping is None:
            return None
        return self.mapping.columns.get(self.sheet.headers[column - FIXED])

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or self.sheet is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.header_name(section)
        if role == Qt.ItemDataRole.ToolTipRole and section >= FIXED:
            f = self.field_of(section)
            if not f:
                return f"'{self.header_name(section)}' is not sent (ignored)"
            phone = " (a phone field)" if f in self.phone_fields else ""
            return f"'{self.header_name(section)}' goes to the field '{f}'{phone}"
        return None

    def _issue_icon(self, error: bool):
        if self._icons is None:
            style = QApplication.style()
            self._icons = (style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                           style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical))
        return self._icons[1 if error else 0]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        c = index.column()
        r = index.row()
        if self._order is not None:
            r = self._order[r]
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.EditRole:
            return self._text(r, c)
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.outcomes[r] is None:
                issue = self.v.cell_issues.get((r, c))
                if issue is not None:
                    return ERROR_TINT if issue[0] else WARNING_TINT
            return self._brushes[self.category(r)]
        if role == Qt.ItemDataRole.ForegroundRole:
            if c >= FIXED and (r, c - FIXED) in self.fixes:
                return EDITED_TEXT
            return IGNORED_TEXT if c in self.v.ignored_columns else TEXT
        if role == Qt.ItemDataRole.ToolTipRole:
            issue = self.v.cell_issues.get((r, c))
            tip = issue[1] if issue is not None else None
            if tip is None and c in (RESULT, CODE, MESSAGE):
                return self._result_tooltip(r)
            if c == ROW:    # where the row's contact hours come from (when set by state)
                return getattr(self.v.prepared[r], "hours_note", None) if r < len(self.v.prepared) else None
            if c >= FIXED:
                original = self.fixes.original(r, c - FIXED)
                if original is not None:
                    fixed = f"Fixed here; the file has \u2018{original}\u2019." if original else \
                        "Fixed here; empty in the file."
                    tip = f"{tip}\n{fixed}" if tip else fixed
            return tip
        if role == Qt.ItemDataRole.FontRole and c >= FIXED and (r, c - FIXED) in self.fixes:
            return self._italic
        if role == Qt.ItemDataRole.DecorationRole:
            if c >= FIXED:
                issue = self.v.cell_issues.get((r, c))
                if issue is not None:
                    return self._issue_icon(issue[0])
            return None
        if role == Qt.ItemDataRole.FontRole and c == RESULT:
            return self._bold
        if role == SortRole:
            return self._sort_key(c)(r)
        if role == CategoryRole:
            return self.category(r)
        if role == Qt.ItemDataRole.AccessibleTextRole and c == RESULT:
            return self.category(r).label
        return None

    def _message(self, r: int) -> str:
        o = self.outcomes[r]
        if o is not None:
            return f"{o.message} \u2014 {o.note}" if o.note else o.message
        return self.v.row_messages.get(r, "")

    def _text(self, r: int, c: int) -> str:
        if c == ROW:
            return self.v.row_labels[r]
        if c == RESULT:
            cat = self.category(r)
            return result_text(cat)
        if c == CODE:
            o = self.outcomes[r]
            return "" if o is None or o.code is None else str(o.code)
        if c == MESSAGE:
            return self._message(r)
        row = self.sheet.rows[r]
        k = c - FIXED
        return row[k] if k < len(row) else ""

    def _result_tooltip(self, r: int) -> str | None:
        o = self.outcomes[r]
        if o is None:
            return self.category(r).label
        parts = [result_text(o.category)]
        if o.code is not None:
            parts.append(f"code {o.code}")
        if o.attempts:
            parts.append(f"{o.attempts} attempt(s)")
        return ", ".join(parts) + (f"\n{o.message}" if o.message else "")
