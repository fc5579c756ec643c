"""The table part: the import table with its mapping header, the search box and result
filter, and the notice above the table (renamed headings, mapping problems, rows to fix).

``TablePart`` makes the widgets (the screen places them) and forwards the header's edits as
``mappingEdited(header, field)`` and ``phoneToggled(field, on)``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLabel, QLineEdit, QTableView

from noojee_desktop.core.codes import FAILED_CATEGORIES, REJECTION_CATEGORIES, Category
from noojee_desktop.core.sheet import phone_check
from noojee_desktop.core.sheet.fixes import NEEDS_FIXING
from noojee_desktop.ui.mapping_header import MappingHeader
from noojee_desktop.ui.symbols import result_text
from noojee_desktop.ui.upload_thread import gui_painting
from noojee_desktop.ui.widgets import name


def result_filters() -> list[tuple[str, set[Category] | None]]:
    return [
        ("All rows", None),
        ("Needs fixing", set(NEEDS_FIXING)),
        ("Failed or not sent", set(FAILED_CATEGORIES) | {Category.PENDING}),
        ("Rejected (duplicate, DNC, other)", set(REJECTION_CATEGORIES)),
    ] + [(result_text(c), {c}) for c in Category]


class ImportTable(QTableView):
    """The import table; empty, it says what to do instead of showing a blank grid."""

    PLACEHOLDER = "Open a lead list (Ctrl+O), pick a recent one, or drop the file here."

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        with gui_painting():         # the upload thread pauses between iterations meanwhile
            super().paintEvent(event)
        model = self.model()
        if model is not None and getattr(model, "sheet", None) is None:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.PLACEHOLDER)
            painter.end()


class TablePart(QObject):
    mappingEdited = Signal(str, object)    # (column heading, field or None: ignored)
    phoneToggled = Signal(str, bool)       # (field, is a phone field)

    def __init__(self, model, store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._store = store                # the template fields the header offers
        self.table = ImportTable()
        name(self.table, "importTable")
        self.header = MappingHeader(self.table)
        self.table.setHorizontalHeader(self.header)
        self.table.horizontalScrollBar().valueChanged.connect(self.header.follow_scroll)
        self.table.setModel(model)
        # cells are fixed in place, as in a spreadsheet: double-click, F2 or just typing
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        triggers = QAbstractItemView.EditTrigger
        self.table.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed | triggers.AnyKeyPressed)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.header.mappingEdited.connect(self.mappingEdited)
        self.header.phoneToggled.connect(self.phoneToggled)

        self.search_edit = QLineEdit()
        name(self.search_edit, "searchEdit")
        self.search_edit.setPlaceholderText("Search\u2026 (Ctrl+F)")
        self.search_edit.setMinimumWidth(self.search_edit.fontMetrics().horizontalAdvance(
            self.search_edit.placeholderText()) + 40)      # the whole hint, and the clear button
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaximumWidth(220)
        self.search_edit.textChanged.connect(model.set_search)
        self.filter_combo = QComboBox()
        name(self.filter_combo, "resultFilterCombo")
        self.filter_combo.setToolTip("Show only rows with this result")
        self.filter_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.filter_combo.setMinimumContentsLength(14)
        for label, cats in result_filters():
            self.filter_combo.addItem(label, cats)
        self.filter_combo.currentIndexChanged.connect(
            lambda i: model.set_categories(self.filter_combo.itemData(i)))

        self._update = (False, "")      # (updating, the disposition for every row)
        self.notice = QLabel("")
        name(self.notice, "importNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()

    # showing ----------------------------------------------------------------------------
    def show_sheet(self, _sheet) -> None:
        """A new file: the fixed columns' widths."""
        fm = self.table.fontMetrics()
        self.table.setColumnWidth(0, max(48, fm.horizontalAdvance("99999") + 16))
        self.table.setColumnWidth(1, fm.horizontalAdvance("\u2714 Unknown if inserted") + 30)
        self.table.setColumnWidth(2, max(52, fm.horizontalAdvance("Code") + 24))
        self.table.setColumnWidth(3, 200)

    def show_checked(self, mapping, template, rebuild_header: bool) -> None:
        """The rows were checked with ``mapping`` (for ``template``, None: none chosen)."""
        if rebuild_header:
            from noojee_desktop.core.sheet import SYSTEM_FIELD_LABELS, SYSTEM_FIELDS

            sheet = self.model.sheet
            tf = self._store.get(template)
            system = [(f, f"{SYSTEM_FIELD_LABELS.get(f, f)} ({f})") for f in SYSTEM_FIELDS]
            self.header.set_mapping(sheet.headers, list(tf.fields), dict(mapping.columns), set(mapping.phone_fields),
                                    system, tf.known)
            self.header.updateGeometry()
            self.table.updateGeometries()
        else:
            self.header.set_phone_fields(set(mapping.phone_fields))
        self.update_notice()

    def show_mode(self, mode: str, disposition: str) -> None:
        """Updating (``mode`` "update") is checked by other rules: the notice says which."""
        self._update = (mode == "update", disposition)
        self.update_notice()

    def update_notice(self) -> None:
        sheet, model = self.model.sheet, self.model
        if sheet is None:
            return
        update, disposition = self._update
        problems = model.mapping.problems(sheet.headers, update=update) if model.mapping is not None else []
        if update and disposition:   # one disposition for every row: no column needed
            problems = [p for p in problems if "(njDisposition)" not in p]
        invalid = model.counts.get(Category.INVALID, 0)
        lines = list(sheet.notes[:3]) + problems
        if invalid:
            one = invalid == 1
            it, they_are = ("it", "it is") if one else ("they", "they are")
            rows = "1 row needs" if one else f"{invalid:,} rows need"
            if model.has_outcomes:
                them = "it" if one else "them"
                lines.append(f"\u270e {rows} fixing and {'was' if one else 'were'} not sent: fix {them} right "
                             "here (double-click a red cell, or select it and type), then press Upload to send "
                             f"{them}.")
            else:
                lines.append(f"\u270e {rows} fixing before {it} can be sent; {they_are} marked in red (hover a "
                             "cell to see why). Fix a cell right here: double-click it, or select it and type; "
                             "Enter goes to the next row to fix. The other rows can be uploaded as they are.")
        unknown = phone_check(model.mapping) if not update else None
        if unknown:         # never "can be sent" when the dialler may refuse every row
            lines = [ln.replace(" The other rows can be uploaded as they are.", "") for ln in lines]
            lines.append(f"\u26a0 Whether the dialler accepts these rows: {unknown}.")
        self.notice.setText("\n".join(lines))
        self.notice.setStyleSheet("color: #8a1c1c;" if problems or invalid else "")
        self.notice.setVisible(bool(lines))
