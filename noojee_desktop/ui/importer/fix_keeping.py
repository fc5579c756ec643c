"""Keeping the fixes made in the table beyond the table.

* Unsaved fixes are kept per file (``core.sheet.fixes.FixStore``, by the file's fingerprint) a
  moment after each edit, on a pool thread; opening the same file again offers them
  (``offered(count, saved_at)``: the fixes banner, Apply / Discard).
* "Save corrected copy": the file with the fixes applied, next to the original (same format
  for .xlsx and .csv; .xls/.ods/.xlsb become .xlsx; never over the original). A folder that
  cannot be written falls back to the Documents folder, and the status line says so. Once a
  copy is saved the kept fixes are forgotten (they are in the copy).
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton

from noojee_desktop.core.sheet.fixes import FixStore, corrected_copy_path, write_corrected
from noojee_desktop.ui.widgets import name
from noojee_desktop.ui.workers import run_in_background

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 800      # fixes are kept this long after the last edit


def write_copy(sheet) -> tuple[Path, str]:
    """Write the corrected copy of ``sheet``: next to its file or, when that folder cannot be
    written, in the Documents folder. Returns where, and what to say when not next to the file."""
    source = Path(sheet.path)
    try:
        return write_corrected(corrected_copy_path(source), sheet), ""
    except OSError as exc:
        if isinstance(exc, FileExistsError) or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
    import platformdirs

    folder = Path(platformdirs.user_documents_dir())
    folder.mkdir(parents=True, exist_ok=True)
    path = write_corrected(corrected_copy_path(source, folder), sheet)
    return path, f"The folder of {source.name} cannot be written, so the copy is in {folder}."


class FixKeeping(QObject):
    """Keeps ``model``'s fixes in ``store``, offers them again, saves corrected copies."""

    offered = Signal(int, object)      # unsaved fixes of this file from before: (cells, when saved)
    cleared = Signal()                 # nothing to offer any more
    copySaved = Signal(object)         # the corrected copy written (Path)
    problem = Signal(str, object)      # (title, exception) for a box

    def __init__(self, model, store: FixStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.store = store if store is not None else FixStore()
        self._offer: list[tuple[int, int, str]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.keep_now)
        model.fixesChanged.connect(self._edited)

        self.save_button = QPushButton("Save corrected copy")
        name(self.save_button, "saveCorrectedButton")
        self.save_button.setToolTip("Write the file with your fixes next to the original (the original is "
                                    "not changed), so the fixes can go back into the source system")
        self.save_button.clicked.connect(self.save_copy)
        self.save_button.setEnabled(False)
        self.status = QLabel("")
        name(self.status, "correctedCopyStatus")
        self.status.setOpenExternalLinks(True)
        self.status.hide()
        self.last_copy: Path | None = None

    # keeping -------------------------------------------------------------------------------
    def _edited(self) -> None:
        self.save_button.setEnabled(len(self.model.fixes) > 0)
        if self._offer and all(self.model.sheet.rows[r][c] == v for r, c, v in self._offer):
            self._drop_offer()          # (they are in the table now)
        self._timer.start()

    def keep_now(self):
        """Keep the fixes of the file shown (on a pool thread); returns the job."""
        self._timer.stop()
        fixes = self.model.fixes
        if fixes.sheet is None:
            return None
        snapshot = fixes.snapshot()
        store = self.store

        def failed(exc) -> None:
            log.warning("could not keep the fixes of %s: %s", fixes.sheet.path.name, exc)

        return run_in_background(lambda _p, _c: store.save(snapshot), on_failure=failed, parent=self)

    def file_opened(self, sheet) -> None:
        """A file is shown: offer the fixes kept for it, if any."""
        self._timer.stop()
        self.save_button.setEnabled(False)
        self.status.hide()
        cells, saved = self.store.load(sheet)
        self._offer = cells
        if cells:
            self.offered.emit(len(cells), saved)
        else:
            self.cleared.emit()

    def apply_offer(self) -> None:
        """Apply: the kept fixes go into the table (one undo step) and are checked."""
        cells, self._offer = self._offer, []
        if cells and self.model.sheet is not None:
            self.model.write_cells(cells)
        self.cleared.emit()

    def discard_offer(self) -> None:
        if self.model.sheet is not None:
            self.store.discard(self.model.sheet)
        self._drop_offer()

    def _drop_offer(self) -> None:
        self._offer = []
        self.cleared.emit()

    # a corrected copy ----------------------------------------------------------------------
    def save_copy(self):
        """Write the corrected copy on a pool thread; returns the job (None: nothing to write)."""
        sheet = self.model.sheet
        if sheet is None:
            return None
        snapshot = self.model.fixes.snapshot().sheet
        self.save_button.setEnabled(False)

        def done(result) -> None:
            path, note = result
            self.last_copy = path
            self.status.setText(f"Corrected copy saved as <a href='{path.as_uri()}'>{path.name}</a>"
                                + (f". {note}" if note else ""))
            self.status.setToolTip(str(path))
            self.status.show()
            self.save_button.setEnabled(True)
            self.store.discard(sheet)       # the fixes are in the copy now
            self._drop_offer()
            self.copySaved.emit(path)

        def failed(exc) -> None:
            self.save_button.setEnabled(True)
            self.problem.emit("Corrected copy not saved", exc)

        return run_in_background(lambda _p, _c: write_copy(snapshot), on_success=done,
                                 on_failure=failed, parent=self)
