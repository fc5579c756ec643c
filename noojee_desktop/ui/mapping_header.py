"""The import table's header: the column's name above a dropdown choosing its field.

Each dropdown offers "(ignore)", the template's known fields (only those, when they are known),
the system fields and "type a field name…". While the template's fields are not known, a column
goes to a field named like its heading, and says so ("as is: Phone Number", and a tooltip). Ignored columns are
greyed (the model greys their cells too), phone columns are marked with a handset. Right-click a
column to mark or unmark its field as a phone field.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHeaderView, QInputDialog, QMenu, QWidget

from noojee_desktop.ui.import_model import FIXED

IGNORE = "(ignore)"
PHONE_MARK = "\u260e"
TYPE_FIELD = "type a field name\u2026"
_TYPE = "\x00type"            # the item data of TYPE_FIELD
OWN_HEADING = "as is"          # (a column sent under its own heading: no known field matched)


class MappingHeader(QHeaderView):
    """Emits :attr:`mappingEdited` (header, field or None) and :attr:`phoneToggled` (field, bool)."""

    mappingEdited = Signal(str, object)
    phoneToggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        self._combos: dict[int, QComboBox] = {}
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("mappingHeader")
        self.setSectionsClickable(True)
        self.setHighlightSections(False)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setDefaultSectionSize(118)
        self.setMinimumSectionSize(60)
        self._combos: dict[int, QComboBox] = {}
        self._headers: list[str] = []
        self._phones: set[str] = set()
        self._known: set[str] = set()
        # One child timer (not QTimer.singleShot): it dies with the header, so a reposition queued
        # just before the table closes can never run on a deleted header.
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.reposition)
        self.sectionResized.connect(self._schedule)
        self.sectionMoved.connect(self._schedule)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def combo(self, header: str) -> QComboBox | None:
        for section, combo in self._combos.items():
            if section - FIXED < len(self._headers) and self._headers[section - FIXED] == header:
                return combo
        return None

    def set_mapping(self, headers: list[str], fields: list[str], columns: dict, phones: set[str],
                    system_fields: list[tuple[str, str]], known: bool = True) -> None:
        """(Re)build one dropdown per file column. ``fields``: the template's known fields
        (``known`` False: none are known, and the columns' own headings are offered instead)."""
        for combo in self._combos.values():
            combo.deleteLater()
        self._combos.clear()
        self._headers = list(headers)
        self._phones = set(phones)
        self._known = set(fields) if known else set()
        system_names = {f for f, _ in system_fields}
        mapped = [f for f in columns.values() if f and f not in system_names]
        choices = list(dict.fromkeys((list(fields) if known else []) + mapped))
        for i, header in enumerate(headers):
            combo = QComboBox(self)
            combo.setObjectName(f"mapCombo_{i}")
            combo.setAccessibleName(f"Field for column {header}")
            combo.addItem(IGNORE, None)
            for f in choices:
                if known or f == header.strip() or f == columns.get(header):
                    self._add_field(combo, f, header)
            combo.insertSeparator(combo.count())
            for f, label in system_fields:
                combo.addItem(label, f)
            combo.insertSeparator(combo.count())
            combo.addItem(TYPE_FIELD, _TYPE)
            current = columns.get(header)
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
            combo.setProperty("previous", combo.currentIndex())
            self._tip(combo, header)
            combo.currentIndexChanged.connect(lambda _i, h=header, c=combo: self._chosen(h, c))
            combo.show()
            self._combos[FIXED + i] = combo
        self._schedule()

    def _add_field(self, combo: QComboBox, f: str, header: str, at: int | None = None) -> None:
        label = f"{OWN_HEADING}: {f}" if f not in self._known and f == header.strip() else f
        label = f"{PHONE_MARK} {label}" if f in self._phones else label
        if at is None:
            combo.addItem(label, f)
        else:
            combo.insertItem(at, label, f)

    def _tip(self, combo: QComboBox, header: str) -> None:
        f = combo.currentData()
        if f and f not in self._known and f == header.strip() and not f.startswith("nj"):
            combo.setToolTip(f"No known field of the template matched '{header}': it is sent as a field named "
                             f"'{f}', which the dialler ignores unless the template has one. Choose a field, or "
                             "teach the template's fields.")
        elif f is None:
            combo.setToolTip(f"The column '{header}' is left out (not sent). Choose the template field it goes "
                             "to, or type a field name.")
        else:
            combo.setToolTip(f"Which field of the template the column '{header}' goes to")

    def _chosen(self, header: str, combo: QComboBox) -> None:
        if combo.currentData() != _TYPE:
            combo.setProperty("previous", combo.currentIndex())
            self._tip(combo, header)
            self.mappingEdited.emit(header, combo.currentData())
            return
        combo.blockSignals(True)
        combo.setCurrentIndex(combo.property("previous") or 0)   # until a name is given
        combo.blockSignals(False)
        dialog = QInputDialog(self)
        dialog.setObjectName("typeFieldDialog")
        dialog.setWindowTitle("Field name")
        dialog.setLabelText(f"The template field the column '{header}' goes to, spelt as in Noojee:")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda text, h=header, c=combo: self._typed(h, c, text.strip()))
        dialog.open()

    def _typed(self, header: str, combo: QComboBox, field: str) -> None:
        if not field:
            return
        index = combo.findData(field)
        if index < 0:
            index = 1
            self._add_field(combo, field, header, at=index)
        combo.setCurrentIndex(index)      # -> _chosen -> mappingEdited

    def set_phone_fields(self, phones: set[str]) -> None:
        """Mark these fields' columns as phone columns (the dropdowns stay as they are)."""
        self._phones = set(phones)
        self.viewport().update()

    @Slot()
    def follow_scroll(self, *args) -> None:
        """Move the dropdowns with the table's horizontal scrolling (QHeaderView.setOffset is
        not virtual, so the table's scroll bar is connected here)."""
        self._schedule()

    def sizeHint(self):  # noqa: N802
        size = super().sizeHint()
        combo_h = QComboBox().sizeHint().height() if self._combos else 0
        size.setHeight(self.fontMetrics().height() + 10 + combo_h)
        return size

    @Slot()
    def _schedule(self, *args) -> None:
        self._later.start()

    def updateGeometries(self) -> None:  # noqa: N802
        super().updateGeometries()
        self.reposition()

    def setOffset(self, offset: int) -> None:  # noqa: N802 (scrolling)
        super().setOffset(offset)
        self.reposition()

    def reposition(self) -> None:
        if not getattr(self, "_combos", None):
            return
        top = self.fontMetrics().height() + 8
        height = self.height() - top - 2
        for section, combo in self._combos.items():
            if section >= self.count():
                combo.hide()
                continue
            x = self.sectionViewportPosition(section)
            w = self.sectionSize(section)
            combo.setGeometry(QRect(x + 2, top, max(10, w - 4), max(10, height)))
            combo.setVisible(not self.isSectionHidden(section))

    def paintSection(self, painter, rect, logical_index) -> None:  # noqa: N802
        super().paintSection(painter, rect, logical_index)
        if logical_index < FIXED or logical_index - FIXED >= len(self._headers):
            return
        combo = self._combos.get(logical_index)
        field = combo.currentData() if combo is not None else None
        if field and field in self._phones:
            painter.save()
            painter.drawText(rect.adjusted(0, 3, -6, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                             PHONE_MARK)
            painter.restore()

    @Slot()
    def _menu(self, pos) -> None:
        section = self.logicalIndexAt(pos)
        combo = self._combos.get(section)
        if combo is None or not combo.currentData():
            return
        field = combo.currentData()
        menu = QMenu(self)
        act = QAction(f"'{field}' is a phone field", menu)
        act.setCheckable(True)
        act.setChecked(field in self._phones)
        act.toggled.connect(lambda on, f=field: self.phoneToggled.emit(f, on))
        menu.addAction(act)
        menu.popup(self.mapToGlobal(pos))
