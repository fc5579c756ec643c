"""Contact hours by state, in the import screen: which Contact Hours set each state's leads get.

A button above the table (by the column mapping) says what is set ("Contact hours by state: 3 of 8"; nothing
set: every lead gets the template's default) and opens :class:`ContactHoursDialog`: one editable box per state or
territory, each offering the names typed before (the dialler has no list of them). OK emits
``edited({state: name})``; whoever owns the import screen saves it per template and has the
rows checked again (each row's tooltip then says where its hours came from).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
    QVBoxLayout, QWidget,
)

from noojee_desktop.core.hours import STATE_NAMES, STATES


def summary_text(names: dict[str, str]) -> str:
    if not names:
        return "Contact hours &by state\u2026"
    return f"Contact hours &by state: {len(names)} of {len(STATES)}"


def summary_tip(names: dict[str, str]) -> str:
    if not names:
        return ("Every lead gets the template's default Contact Hours (unless the file has a Contact Hours "
                "column). Click to give each state its own, so that each lead is called in its local hours.")
    lines = [f"{s}: {names[s]}" if s in names else f"{s}: the template's default" for s in STATES]
    return "Each lead gets the Contact Hours set of its state:\n" + "\n".join(lines)


class ContactHoursDialog(QDialog):
    """One editable box per state (object names ``contactHours_WA`` ...); ``names()`` what is typed."""

    def __init__(self, names: dict[str, str], remembered: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactHoursDialog")
        self.setWindowTitle("Contact hours by state")
        intro = QLabel("Type the name of the dialler's Contact Hours set for each state's leads, exactly as it "
                       "is in Noojee (an unknown name is refused by the dialler). Leave a state empty for the "
                       "template's default. Each lead's state comes from its Contact Hours cell, its State "
                       "column, its postcode or its landline; a lead whose state is not known keeps the "
                       "template's default and is marked with a warning.")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.boxes: dict[str, QComboBox] = {}
        for state in STATES:
            box = QComboBox()
            box.setObjectName(f"contactHours_{state}")
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.addItem("")
            box.addItems(remembered)
            completer = QCompleter(remembered, box)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            box.setCompleter(completer)
            box.setEditText(names.get(state, ""))
            box.lineEdit().setPlaceholderText("the template's default")
            box.setMinimumContentsLength(24)
            label = QLabel(f"{STATE_NAMES[state]} ({state}):")
            label.setBuddy(box)
            form.addRow(label, box)
            self.boxes[state] = box
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("contactHoursButtons")
        self.clear_button = QPushButton("&Clear all")
        self.clear_button.setObjectName("contactHoursClear")
        buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.clear_button.clicked.connect(self.clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def clear(self) -> None:
        for box in self.boxes.values():
            box.setEditText("")

    def names(self) -> dict[str, str]:
        return {s: box.currentText().strip() for s, box in self.boxes.items() if box.currentText().strip()}


class ContactHoursPart(QWidget):
    """The button showing the current setting; ``edited(dict)`` when the user changed it."""

    edited = Signal(object)

    def __init__(self, remembered: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._remembered = remembered
        self._names: dict[str, str] = {}
        self.dialog: ContactHoursDialog | None = None
        self.button = QPushButton(summary_text({}))
        self.button.setObjectName("contactHoursButton")
        self.button.clicked.connect(self.open_editor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        self.show_setting({})

    @property
    def names(self) -> dict[str, str]:
        return dict(self._names)

    def show_setting(self, names: dict[str, str]) -> None:
        self._names = dict(names)
        self.button.setText(summary_text(self._names))
        self.button.setToolTip(summary_tip(self._names))

    def open_editor(self) -> ContactHoursDialog:
        """The editor, open (not blocking); OK emits ``edited`` when something changed."""
        dialog = self.dialog = ContactHoursDialog(self._names, self._remembered(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            names = dialog.names()
            if names != self._names:
                self.show_setting(names)
                self.edited.emit(names)

        dialog.accepted.connect(accepted)
        dialog.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        dialog.open()
        return dialog
