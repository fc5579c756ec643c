"""A bulk edit (a fill of many cells, "fix all rows with this problem", their undo): written
into the sheet and the whole file checked again on a pool thread, so the window stays smooth
with 100,000 cells (``bench/ui_stall.py``). The controller runs it; the model takes the result
(``ImportModel.finish_bulk``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from noojee_desktop.core.sheet.fixes import can_fix
from noojee_desktop.core.sheet.reader import bulk_allocation
from noojee_desktop.ui.import_model import prepare_rows
from noojee_desktop.ui.importer.options import check_rows
from noojee_desktop.ui.workers import run_in_background


def bulk_work(model, edits, how):
    """``fn(progress, cancel)`` for ``run_in_background``: writes ``edits`` ((row, column, value);
    rows whose result can no longer be fixed are left alone), checks the file as ``how`` says and
    returns ``(changes, RowsView)``. Call on the GUI thread (the edited rows' results are cleared
    now); editing must wait until it is done."""
    sheet, mapping, fixes = model.sheet, model.mapping, model.fixes
    outcomes = model.begin_bulk(edits)
    n, width = len(sheet.rows), len(sheet.headers)

    def work(_progress, _cancel):
        with bulk_allocation():
            allowed = [(r, k, v) for r, k, v in edits if 0 <= r < n and 0 <= k < width and can_fix(outcomes[r])]
            previous, _before = fixes.write(allowed, keep_before=False)
            rows = sheet.rows
            changes = [(r, k, old, rows[r][k]) for r, k, old in previous]
        return changes, prepare_rows(sheet, check_rows(sheet, mapping, how), mapping, outcomes)

    return work


class BulkEdits(QObject):
    """Runs the bulk edits ``model`` asks for (``bulkEdit``), one at a time, on a pool thread, checked
    as ``check_with()`` says. ``busy`` meanwhile (the controller's LOADING: no editing, no upload);
    ``ended(how)`` once the model shows the result (None: it failed, ``failed(exc)`` says why).
    ``then(fn)``: call ``fn`` when the edit running now has ended (a mapping change meanwhile)."""

    started = Signal()
    ended = Signal(object, object)      # (the CheckWith it was checked with, None) or (None, exception)

    def __init__(self, model, check_with, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._check_with = check_with
        self._job = None
        self._then: list = []
        model.bulkEdit.connect(self.start)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def then(self, fn) -> None:
        self._then.append(fn)

    def start(self, edits, record: bool) -> None:
        model, how = self.model, self._check_with()
        if self._job is not None or model.sheet is None or not model.editing_enabled:
            return
        sheet = model.sheet

        def done(result) -> None:
            self._job = None
            if model.sheet is sheet:        # (not when another file was opened meanwhile)
                model.finish_bulk(*result, record)
            self._ended(how, None)

        def failed(exc) -> None:
            self._job = None
            self._ended(None, exc)

        self._job = run_in_background(bulk_work(model, edits, how), on_success=done, on_failure=failed, parent=self)
        self.started.emit()

    def _ended(self, how, exc) -> None:
        self.ended.emit(how, exc)
        todo, self._then = self._then, []
        for fn in todo:
            fn()
