"""The import table: one QAbstractTableModel over the prepared rows, plus the filter proxy.

Columns: Row (the line in the file), Result (symbol + words), Code, Message, then the file's
own columns. Each row's background is its result category's colour (the palette shared with
the results workbook); cells with validation problems get a tint, an icon and a tooltip.
Engine results arrive in batches and are applied with one ``dataChanged`` per contiguous run
of rows, never one signal per cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle

from noojee_desktop.ui.symbols import symbol
from noojee_desktop.core.codes import FAILED_CATEGORIES, Category

ROW, RESULT, CODE, MESSAGE = range(4)
FIXED_HEADERS = ["Row", "Result", "Code", "Message"]
FIXED = len(FIXED_HEADERS)

SortRole = Qt.ItemDataRole.UserRole + 1
CategoryRole = Qt.ItemDataRole.UserRole + 2

ERROR_TINT = QColor("#f19c9c")
WARNING_TINT = QColor("#ffe08a")
IGNORED_TEXT = QColor("#8c8c8c")


def contiguous_runs(indexes: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, merged (first, last) runs of row indexes: [3,1,2,7] -> [(1,3),(7,7)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indexes)):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class ImportModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sheet = None
        self.prepared: list = []
        self.outcomes: list = []
        self.mapping = None
        self.phone_fields: set[str] = set()
        self._cell_issues: dict[tuple[int, int], list] = {}
        self._row_state: list[Category] = []   # category shown before any outcome
        self.counts: Counter = Counter()
        self._brushes = {c: QBrush(QColor(c.colour)) for c in Category}
        self._bold = QFont()
        self._bold.setBold(True)
        self._icons = None

    # loading ---------------------------------------------------------------------------
    def set_data(self, sheet, prepared: Sequence, mapping) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self.mapping = mapping
        self.phone_fields = set(mapping.phone_fields) if mapping is not None else set()
        self.outcomes = [None] * len(sheet.rows) if sheet is not None else []
        self._set_prepared(prepared)
        self.endResetModel()

    def set_prepared(self, prepared: Sequence, mapping) -> None:
        """New validation after a mapping change; keeps the outcomes already received."""
        self.mapping = mapping
        self.phone_fields = set(mapping.phone_fields)
        self._set_prepared(prepared)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    def _set_prepared(self, prepared: Sequence) -> None:
        self.prepared = list(prepared)
        self._cell_issues = {}
        headers = self.sheet.headers if self.sheet is not None else []
        col_of_header = {h: i for i, h in enumerate(headers)}
        col_of_field: dict[str, int] = {}
        if self.mapping is not None:
            for h, f in self.mapping.columns.items():
                if f and h in col_of_header:
                    col_of_field.setdefault(f, col_of_header[h])
        self._row_state = []
        for r, prep in enumerate(self.prepared):
            issues = list(getattr(prep, "issues", []) or [])
            state = Category.PENDING if getattr(prep, "sendable", True) else Category.INVALID
            self._row_state.append(state)
            for issue in issues:
                col = issue.column
                c = col_of_header.get(col, col_of_field.get(col)) if col else None
                key = (r, FIXED + c) if c is not None else (r, MESSAGE)
                self._cell_issues.setdefault(key, []).append(issue)
        self._recount()

    def _recount(self) -> None:
        self.counts = Counter(self.category(r) for r in range(len(self.prepared)))

    # results ---------------------------------------------------------------------------
    def apply_outcomes(self, batch: Iterable[tuple[int, object]]) -> list[tuple[int, int]]:
        """Store engine results; one dataChanged per contiguous run. Returns the runs."""
        rows = []
        n = len(self.outcomes)
        for index, outcome in batch:
            if 0 <= index < n:
                old = self.category(index)
                self.outcomes[index] = outcome
                new = self.category(index)
                if old is not new:
                    self.counts[old] -= 1
                    self.counts[new] += 1
                rows.append(index)
        runs = contiguous_runs(rows)
        last = self.columnCount() - 1
        for first, end in runs:
            self.dataChanged.emit(self.index(first, 0), self.index(end, last))
        return runs

    def reset_outcomes(self, rows: Iterable[int]) -> None:
        self.apply_outcomes((r, None) for r in list(rows))

    def category(self, row: int) -> Category:
        outcome = self.outcomes[row] if row < len(self.outcomes) else None
        if outcome is not None:
            return outcome.category
        return self._row_state[row] if row < len(self._row_state) else Category.PENDING

    def rows_in(self, categories: set[Category]) -> list[int]:
        return [r for r in range(len(self.prepared)) if self.category(r) in categories]

    def failed_rows(self) -> list[int]:
        """Rows a retry would send again: failed outcomes (not never-sent or invalid rows)."""
        return [r for r, o in enumerate(self.outcomes)
                if o is not None and o.category in FAILED_CATEGORIES and o.category is not Category.INVALID]

    # Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid() or self.sheet is None:
            return 0
        return len(self.sheet.rows)

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

    def _issue_icon(self, severity: str):
        if self._icons is None:
            style = QApplication.style()
            self._icons = {
                "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
            }
        return self._icons.get(severity, self._icons["warning"])

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.EditRole:
            return self._text(r, c)
        if role == Qt.ItemDataRole.BackgroundRole:
            issues = self._cell_issues.get((r, c))
            if issues and self.outcomes[r] is None:
                return ERROR_TINT if any(i.severity == "error" for i in issues) else WARNING_TINT
            return self._brushes[self.category(r)]
        if role == Qt.ItemDataRole.ForegroundRole:
            if c >= FIXED and not self.field_of(c):
                return IGNORED_TEXT
            return QColor("black")
        if role == Qt.ItemDataRole.ToolTipRole:
            issues = self._cell_issues.get((r, c))
            if issues:
                return "\n".join(("\u2716 " if i.severity == "error" else "\u26a0 ") + i.message for i in issues)
            if c in (RESULT, CODE, MESSAGE):
                return self._result_tooltip(r)
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            issues = self._cell_issues.get((r, c))
            if issues and c >= FIXED:
                return self._issue_icon("error" if any(i.severity == "error" for i in issues) else "warning")
            return None
        if role == Qt.ItemDataRole.FontRole and c == RESULT:
            return self._bold
        if role == SortRole:
            if c == ROW:
                return self.sheet.row_numbers[r] if self.sheet.row_numbers else r
            if c == CODE:
                o = self.outcomes[r]
                return -1 if o is None or o.code is None else o.code
            return self._text(r, c)
        if role == CategoryRole:
            return self.category(r)
        if role == Qt.ItemDataRole.AccessibleTextRole and c == RESULT:
            return self.category(r).label
        return None

    def _text(self, r: int, c: int) -> str:
        if c == ROW:
            return str(self.sheet.row_numbers[r]) if self.sheet.row_numbers else str(r + 1)
        if c == RESULT:
            cat = self.category(r)
            return f"{symbol(cat)} {cat.label}"
        if c == CODE:
            o = self.outcomes[r]
            return "" if o is None or o.code is None else str(o.code)
        if c == MESSAGE:
            o = self.outcomes[r]
            if o is not None:
                return f"{o.message} \u2014 {o.note}" if o.note else o.message
            issues = getattr(self.prepared[r], "issues", None) if r < len(self.prepared) else None
            if issues:
                return "; ".join(i.message for i in issues)
            return ""
        row = self.sheet.rows[r]
        k = c - FIXED
        return row[k] if k < len(row) else ""

    def _result_tooltip(self, r: int) -> str | None:
        o = self.outcomes[r]
        if o is None:
            return self.category(r).label
        parts = [f"{symbol(o.category)} {o.category.label}"]
        if o.code is not None:
            parts.append(f"code {o.code}")
        if o.attempts:
            parts.append(f"{o.attempts} attempt(s)")
        return ", ".join(parts) + (f"\n{o.message}" if o.message else "")


class ImportFilterProxy(QSortFilterProxyModel):
    """Filter by result category (one, a group, or all) and by search text; sort by any column."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._categories: set[Category] | None = None
        self._needle = ""
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def set_categories(self, categories: set[Category] | None) -> None:
        self.beginFilterChange()
        self._categories = set(categories) if categories else None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802
        model: ImportModel = self.sourceModel()
        if self._categories is not None and model.category(source_row) not in self._categories:
            return False
        if self._needle:
            row = model.sheet.rows[source_row]
            if not any(self._needle in cell.casefold() for cell in row):
                msg = model._text(source_row, MESSAGE).casefold()
                return self._needle in msg
        return True

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802
        a = left.data(SortRole)
        b = right.data(SortRole)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)
