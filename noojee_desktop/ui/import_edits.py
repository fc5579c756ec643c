"""Fixing cells of the import table in place: the editing half of ``ImportModel``.

``EditableRows`` (a base of ImportModel) accepts edits through Qt's ``EditRole`` (``setData``),
so keyboard editing, tests and accessibility tools take one path, and ``write_cells`` for
several cells at once (a bulk fill, undo/redo). Each edit is written into the sheet
(``core.sheet.fixes.Fixes``) and its rows are checked again at once by validate's own rules
(``RowChecker``: phones, dates, priorities, contact hours, duplicates within the file); the
marks, message, result and counts of exactly those rows change. More than
``SYNC_RECHECK_CELLS`` cells at once (a bulk fill, its undo) are written and the file checked
again on a pool thread instead (``bulkEdit``: the controller runs it), so the GUI thread never
stalls.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from noojee_desktop.core.codes import Category
from noojee_desktop.core.sheet.fixes import RowChecker, can_fix
from noojee_desktop.ui.table_columns import FIXED, MESSAGE, contiguous_runs

#: above this many cells at once, writing and checking them runs on a pool thread (``bulkEdit``)
SYNC_RECHECK_CELLS = 1000


def show_row(view, r: int, prep, sent: bool) -> None:
    """Row ``r`` of the RowsView ``view`` was checked again (an edit): its marks, message,
    category and the counts. ``sent``: the row has an outcome (its shown category, and so the
    counts, stay)."""
    view.prepared[r] = prep
    width = max(view.columns_of.values(), default=FIXED - 1) + 1
    for c in range(MESSAGE, width):
        view.cell_issues.pop((r, c), None)
    view.row_messages.pop(r, None)
    old = view.base[r]
    new, cells, message = _row_marks(r, prep.issues, view.columns_of)
    view.cell_issues.update(cells)
    if message:
        view.row_messages[r] = message
    view.base[r] = new
    if old is not new and not sent:
        view.counts[old] -= 1
        if view.counts[old] <= 0:
            del view.counts[old]
        view.counts[new] += 1
        view.unsent_sendable += 1 if new is Category.PENDING else -1


def _row_marks(r: int, issues, columns_of: dict[str, int]):
    """(category before sending, {(row, column): (is error, tooltip)}, the row's message) of a row."""
    if not issues:
        return Category.PENDING, {}, ""
    by_cell: dict[tuple[int, int], list] = {}
    error = False
    for issue in issues:
        col = issue.column
        c = columns_of.get(col) if col else None
        by_cell.setdefault((r, c if c is not None else MESSAGE), []).append(issue)
        if issue.severity == "error":
            error = True
    cells = {key: (any(i.severity == "error" for i in found),
                   "\n".join(("\u2716 " if i.severity == "error" else "\u26a0 ") + i.message for i in found))
             for key, found in by_cell.items()}
    return (Category.INVALID if error else Category.PENDING), cells, "; ".join(i.message for i in issues)


class Edits:
    """``count`` edits ``(row, column, value)`` made by ``make()`` only where they are written:
    a fill of 100,000 cells is handed to the pool thread without building them on the GUI thread."""

    def __init__(self, count: int, make) -> None:
        self.count = count
        self._make = make

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self._make())


class EditableRows:
    """The editing methods of ImportModel (which declares ``cellsEdited`` and ``bulkEdit``)."""

    def can_edit(self, row: int, column: int) -> bool:
        """Whether the cell (source row, table column) may be fixed now: a file column of a row
        not sent, or one whose result can still be fixed (core.sheet.fixes.FIXABLE)."""
        return (self.editing_enabled and self.sheet is not None and column >= FIXED
                and 0 <= row < len(self.outcomes) and can_fix(self.outcomes[row]))

    def flags(self, index: QModelIndex):
        f = super().flags(index)
        if index.isValid() and self.can_edit(self.source_row(index.row()), index.column()):
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802 (Qt)
        """A cell typed in (or set by a test or an accessibility tool): written, the row checked again."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        r, c = self.source_row(index.row()), index.column()
        if not self.can_edit(r, c):
            return False
        self.write_cells([(r, c - FIXED, "" if value is None else str(value))])
        return True

    def write_cells(self, edits, record: bool = True) -> list[tuple[int, int, str, str]]:
        """Write ``(source row, sheet column, value)`` cells (values trimmed) and check the rows again.

        Rows with a result get it cleared (they are sent again). Returns the changes made,
        ``(row, column, before, after)``, also emitted as ``cellsEdited`` when ``record``.
        More than ``SYNC_RECHECK_CELLS`` cells are handed on as ``bulkEdit(edits, record)`` (the
        controller writes and checks them on a pool thread, then calls ``finish_bulk``): [] now."""
        if not isinstance(edits, (list, Edits)):
            edits = list(edits)
        if len(edits) > SYNC_RECHECK_CELLS and self.mapping is not None:
            if self.editing_enabled and self.sheet is not None:
                self.bulkEdit.emit(edits, record)
            return []
        edits = [(r, k, v) for r, k, v in edits if self.can_edit(r, k + FIXED)]
        previous, before = self.fixes.write(edits)
        if not previous:
            return []
        rows = self.sheet.rows
        self.edit_count += len(previous)
        changes = [(r, k, old, rows[r][k]) for r, k, old in previous]
        sent = [r for r in before if self.outcomes[r] is not None]
        if sent:
            self.apply_outcomes((r, None) for r in sent)
        if self.v.search_text is not None:
            for r in before:
                self.v.search_text[r] = "\x1f".join(rows[r]).casefold()
        if self.mapping is not None:
            self.show_checked(self._row_checker().recheck(before))
        self._changed(before)
        if record:
            self.cellsEdited.emit(changes)
        self.fixesChanged.emit()
        return changes

    def begin_bulk(self, edits) -> list:
        """Before a bulk edit runs on a pool thread: the edited rows' fixable results are cleared
        (they will be sent again); returns a copy of the results for the check."""
        outcomes = self.outcomes
        if self.has_outcomes:          # (before any upload, nothing to clear: the edits stay unbuilt)
            n = len(outcomes)
            sent = {r for r, _k, _v in edits if 0 <= r < n and outcomes[r] is not None and can_fix(outcomes[r])}
            if sent:
                self.apply_outcomes((r, None) for r in sent)
        return list(outcomes)

    def finish_bulk(self, changes: list, view, record: bool) -> None:
        """A bulk edit was written and the whole sheet checked again (``view``: its RowsView)."""
        self.edit_count += len(changes)
        self.set_prepared(view, self.mapping)
        if record and changes:
            self.cellsEdited.emit(changes)
        self.fixesChanged.emit()

    def fill_edits(self, view_rows, column: int, value: str) -> Edits:
        """The edits that put ``value`` in table ``column`` of these view rows (built when written)."""
        order = self._order
        k = column - FIXED
        if order is None:
            return Edits(len(view_rows), lambda: [(r, k, value) for r in view_rows])
        return Edits(len(view_rows), lambda: [(order[v], k, value) for v in view_rows])

    def write_cells_quietly(self, edits) -> None:
        """``write_cells`` without ``cellsEdited`` (undo and redo write this way)."""
        self.write_cells(edits, record=False)

    # problems, for "fix all rows with this problem" and "next row to fix" -----------------------
    def cell_problem(self, row: int, column: int) -> str | None:
        """The problems of the cell (source row, table column) as its tooltip shows them; None: none."""
        found = self.v.cell_issues.get((row, column))
        return found[1] if found is not None else None

    def problems_in(self, column: int):
        """(source row, problems) of every cell of ``column`` that has one."""
        return [(r, tip) for (r, c), (_error, tip) in self.v.cell_issues.items() if c == column]

    def next_needing_fix(self, view_row: int, categories) -> tuple[int, int] | None:
        """(view row, column) of the first problem cell of the next row (after ``view_row``,
        wrapping round) whose result is one of ``categories``; None when there is none."""
        n = self.rowCount()
        cells = self.v.cell_issues
        width = self.columnCount()
        for step in range(1, n + 1):
            v = (view_row + step) % n
            r = self.source_row(v)
            if self.category(r) in categories:
                marked = [c for c in range(FIXED, width) if (r, c) in cells]
                errors = [c for c in marked if cells[(r, c)][0]]
                return v, (errors or marked or [FIXED])[0]
        return None

    def show_checked(self, rows: dict) -> None:
        """Rows checked again (``{source row: PreparedRow}``): their marks, results and the counts."""
        v, outcomes = self.v, self.outcomes
        for r, prep in rows.items():
            show_row(v, r, prep, outcomes[r] is not None)
        self._changed(rows)

    def _row_checker(self) -> RowChecker:
        if self._checker is None:
            make = self.make_checker or RowChecker
            self._checker = make(self.sheet, self.mapping)
        return self._checker

    def _changed(self, rows) -> None:
        if self._order is not None:
            pos = self._pos
            rows = [pos[r] for r in rows if r in pos]
        last = self.columnCount() - 1
        for first, end in contiguous_runs(rows):
            self.dataChanged.emit(self.index(first, 0), self.index(end, last))
