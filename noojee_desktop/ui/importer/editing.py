"""Fixing rows in the import table, the way a spreadsheet does it.

* Undo / redo of every fix (Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y) with a ``QUndoStack``: each
  ``cellsEdited`` of the model becomes one command, so a fill of 10,000 cells undoes at once.
* Typing into several selected cells of one column fills them all (``FillDelegate``).
* A marked cell's menu: "Set every cell with this problem to..." and "Empty every cell with this
  problem" (``same_problem``), for example a Contact Hours column left empty, or a column of
  notes mapped as phones.
* Enter (after an edit too) goes to the next row that needs fixing.

The part owns the bar above the table (undo, redo, how many cells are fixed) and gets the
model and the view handed in; what it writes goes through ``ImportModel.write_cells``.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QHBoxLayout, QInputDialog, QLabel, QMenu, QStyledItemDelegate,
    QToolButton, QWidget,
)

from noojee_desktop.core.sheet.fixes import NEEDS_FIXING
from noojee_desktop.ui.import_edits import Edits
from noojee_desktop.ui.table_columns import FIXED
from noojee_desktop.ui.widgets import name

_VALUE = re.compile(r"'[^']*'|\u2018[^\u2019]*\u2019|\d+")


def problem_key(tooltip: str) -> str:
    """A cell's problem without the values in it: "'98765' has 5 digits" and "'1234' has 4
    digits" are the same problem."""
    return _VALUE.sub("#", tooltip)


class EditCommand(QUndoCommand):
    """Cells already written (``changes``: row, column, before, after); undo writes ``before``."""

    def __init__(self, write, changes: list) -> None:
        n = len(changes)
        super().__init__("fix of 1 cell" if n == 1 else f"fix of {n:,} cells")
        self._write = write
        self._changes = changes
        self._skip = True          # pushed after it was done: the first redo() does nothing

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        changes = self._changes
        self._write(Edits(len(changes), lambda: [(r, c, after) for r, c, _before, after in changes]))

    def undo(self) -> None:
        changes = self._changes
        self._write(Edits(len(changes), lambda: [(r, c, before) for r, c, before, _after in changes]))


class FillDelegate(QStyledItemDelegate):
    """Typing into one cell of a selection of several cells in one column fills them all."""

    def __init__(self, view: QAbstractItemView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view

    def setModelData(self, editor, model, index) -> None:  # noqa: N802 (Qt)
        rows = selected_rows(self._view, index.column())
        if len(rows) > 1 and index.row() in rows:
            value = editor.text() if hasattr(editor, "text") else ""
            model.write_cells(model.fill_edits(rows, index.column(), value))
            return
        super().setModelData(editor, model, index)


def selected_rows(view: QAbstractItemView, column: int) -> list[int]:
    """The view rows selected in ``column`` when the whole selection is in that column ([] otherwise);
    from the selection's ranges (cheap for a whole column)."""
    rows: list[int] = []
    for rng in view.selectionModel().selection():
        if rng.left() != column or rng.right() != column:
            return []
        rows.extend(range(rng.top(), rng.bottom() + 1))
    return rows


class EditingPart(QObject):
    """Undo/redo, fills, "same problem" fixes and Enter-to-next for ``view`` showing ``model``."""

    fixedCountChanged = Signal(int)    # cells fixed now

    def __init__(self, model, view: QAbstractItemView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = view
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setObjectName("fixUndoStack")
        self.undo_action = self._action(self.undo_stack.createUndoAction(self, "Undo"), "undoFixAction",
                                        [QKeySequence.StandardKey.Undo])
        self.redo_action = self._action(self.undo_stack.createRedoAction(self, "Redo"), "redoFixAction",
                                        [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.delegate = FillDelegate(view, self)
        view.setItemDelegate(self.delegate)
        self.delegate.closeEditor.connect(self._editor_closed)
        view.installEventFilter(self)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu)
        model.cellsEdited.connect(self._edited)
        model.fixesChanged.connect(self._show_count)
        model.modelReset.connect(self._maybe_new_file)
        self._sheet = None

        self.bar = QWidget()
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        for action in (self.undo_action, self.redo_action):
            button = QToolButton()
            button.setDefaultAction(action)
            name(button, action.objectName().replace("Action", "Button"))
            row.addWidget(button)
        self.count_label = QLabel("")
        name(self.count_label, "fixedCountLabel")
        row.addWidget(self.count_label)

    def _action(self, action: QAction, object_name: str, keys) -> QAction:
        action.setObjectName(object_name)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.view.addAction(action)
        return action

    # what the model did ---------------------------------------------------------------------
    def _edited(self, changes: list) -> None:
        self.undo_stack.push(EditCommand(self.model.write_cells_quietly, changes))

    def _maybe_new_file(self) -> None:
        if self.model.sheet is not self._sheet:       # another file: its fixes start afresh
            self._sheet = self.model.sheet
            self.undo_stack.clear()
        self._show_count()

    def _show_count(self) -> None:
        n = len(self.model.fixes)
        self.count_label.setText("" if not n else "\u270e 1 cell fixed" if n == 1 else f"\u270e {n:,} cells fixed")
        self.fixedCountChanged.emit(n)

    def set_enabled(self, on: bool) -> None:
        """Undo/redo only while the table may be edited (not while reading or uploading)."""
        self.undo_stack.setActive(on)
        self.undo_action.setEnabled(on and self.undo_stack.canUndo())
        self.redo_action.setEnabled(on and self.undo_stack.canRedo())

    def forget_history(self) -> None:
        """An upload started: what it sends can no longer be undone here."""
        self.undo_stack.clear()

    # many cells at once -----------------------------------------------------------------------
    def same_problem(self, view_row: int, column: int) -> list[int]:
        """Source rows whose cell in ``column`` has the same problem as that of ``view_row``."""
        m = self.model
        tip = m.cell_problem(m.source_row(view_row), column)
        if tip is None:
            return []
        key = problem_key(tip)
        return [r for r, text in m.problems_in(column) if problem_key(text) == key]

    def fix_same_problem(self, view_row: int, column: int, value: str) -> int:
        """Write ``value`` into every cell of ``column`` with the problem of ``view_row``'s; how many."""
        rows = self.same_problem(view_row, column)
        self.model.write_cells([(r, column - FIXED, value) for r in rows])
        return len(rows)

    def fill(self, view_rows, column: int, value: str) -> None:
        """Put ``value`` into table ``column`` of these view rows (one undo step)."""
        self.model.write_cells(self.model.fill_edits(view_rows, column, value))

    def _menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self.view)
        for action in self.menu_actions(index.row(), index.column()):
            menu.addAction(action)
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def menu_actions(self, view_row: int, column: int) -> list[QAction]:
        """What a marked cell's menu offers (empty for a cell without a problem)."""
        rows = self.same_problem(view_row, column)
        if not rows or not self.model.can_edit(self.model.source_row(view_row), column):
            return []
        heading = self.model.header_name(column)
        n = len(rows)
        them = "this cell" if n == 1 else f"all {n:,} '{heading}' cells with this problem"
        set_all = QAction(f"Set {them} to\u2026", self)
        set_all.setObjectName("fixSameProblemAction")
        set_all.triggered.connect(lambda: self._ask_value(view_row, column, n, heading))
        empty = QAction(f"Empty {them}", self)
        empty.setObjectName("emptySameProblemAction")
        empty.triggered.connect(lambda: self.fix_same_problem(view_row, column, ""))
        return [set_all, empty]

    def _ask_value(self, view_row: int, column: int, n: int, heading: str) -> None:
        value, ok = QInputDialog.getText(self.view, "Fix all rows with this problem",
                                         f"New value for {n:,} '{heading}' cell(s):",
                                         text=self.model.index(view_row, column).data() or "")
        if ok:
            self.fix_same_problem(view_row, column, value)

    # Enter: the next row to fix ---------------------------------------------------------------
    def next_to_fix(self) -> bool:
        """Select the first problem cell of the next row needing a fix (after the current one,
        wrapping round); False when no row needs fixing."""
        m, view = self.model, self.view
        current = view.currentIndex()
        found = m.next_needing_fix(current.row() if current.isValid() else -1, NEEDS_FIXING)
        if found is None:
            return False
        target = m.index(*found)
        view.selectionModel().setCurrentIndex(target, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.scrollTo(target)
        return True

    def _editor_closed(self, _editor, hint) -> None:
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:   # Enter: on to the next row to fix
            QTimer.singleShot(0, self, self.next_to_fix)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if (obj is self.view and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.view.state() != QAbstractItemView.State.EditingState):
            self.next_to_fix()
            return True
        return super().eventFilter(obj, event)
