"""The import table's header: the column's name above a dropdown choosing its field.

Ignored columns are greyed (the model greys their cells too), phone columns are marked with
a handset. Right-click a column to mark or unmark its field as a phone field.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHeaderView, QMenu, QWidget

from noojee_desktop.ui.import_model import FIXED

IGNORE = "(ignore)"
PHONE_MARK = "\u260e"


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
                    system_fields: list[tuple[str, str]]) -> None:
        """(Re)build one dropdown per file column."""
        for combo in self._combos.values():
            combo.deleteLater()
        self._combos.clear()
        self._headers = list(headers)
        self._phones = set(phones)
        choices = list(dict.fromkeys([f for f in fields] + [f for f in columns.values() if f]))
        system_names = {f for f, _ in system_fields}
        choices = [f for f in choices if f not in system_names]
        for i, header in enumerate(headers):
            combo = QComboBox(self)
            combo.setObjectName(f"mapCombo_{i}")
            combo.setAccessibleName(f"Field for column {header}")
            combo.setToolTip(f"Which field of the template the column '{header}' goes to")
            combo.addItem(IGNORE, None)
            for f in choices:
                combo.addItem(f"{PHONE_MARK} {f}" if f in phones else f, f)
            combo.insertSeparator(combo.count())
            for f, label in system_fields:
                combo.addItem(label, f)
            current = columns.get(header)
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
            combo.currentIndexChanged.connect(lambda _i, h=header, c=combo: self.mappingEdited.emit(h, c.currentData()))
            combo.show()
            self._combos[FIXED + i] = combo
        self._schedule()

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
        QTimer.singleShot(0, self, self.reposition)     # (not once the header is gone)

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
