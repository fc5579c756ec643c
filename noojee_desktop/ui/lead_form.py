"""The Single lead tab: a form of the chosen template's fields plus the system fields.

The fields are the template's as Lead Loader knows them (taught, or the built-in sandbox's),
never another template's; with none known the form says so and offers to teach them
(``teachRequested``: the window opens the teach dialog). Phone fields are marked; the form
checks itself before sending (a phone number is needed, numbers must look like numbers); the reply is shown in words and colour, and the leads sent
this session are listed underneath.

Two modes: add a new lead (insertLeadFast), or update an existing one (updateLeadFast): the
lead is found by its external id (needed), gets the disposition typed, and only the fields
filled in change; every empty one is sent as ``<No Change>``.
"""

from __future__ import annotations

import logging
from datetime import datetime

import qasync
from PySide6.QtCore import QDateTime, QTime, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QDateTimeEdit, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QRadioButton, QSpinBox,
    QVBoxLayout, QWidget, QScrollArea, QSplitter,
)
from PySide6.QtGui import QColor

from noojee_desktop.ui.symbols import result_text
from noojee_desktop.core.codes import Category
from noojee_desktop.core.sheet import ERROR, normalise_phone
from noojee_desktop.ui.errors import describe_exception
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.widgets import name

log = logging.getLogger(__name__)

CALLBACK_FORMAT = "yyyy/MM/dd HH:mm"
PHONE_MARK = "\u260e"
MAX_HISTORY = 50
FORM_102 = ("None of this form's fields is one of the template's phone fields, as the dialler knows them: "
            "check the \u260e fields' names with 'Edit fields\u2026' (they must be spelt as in the template).")
MIN_FIELDS_SHOWN = 4
NO_CHANGE = "<No Change>"


def check_phone(value: str) -> tuple[str | None, str | None, bool]:
    """``(number to send, message, blocks sending)`` for a typed phone, by the same rule as a
    spreadsheet row (core.sheet.normalise_phone), so both ways in accept and fix the same numbers."""
    number, problem, severity = normalise_phone(value)
    if problem is None:
        return number, None, False
    if severity == ERROR:
        return None, problem, True
    if number is not None and number != value.strip() and number.lstrip("0") == value.strip().lstrip("0"):
        # a restored leading 0: the core's wording speaks of spreadsheets
        return number, f"The leading 0 was missing; it will be sent as {number}.", False
    return number, problem, False


class LeadForm(QWidget):
    """The Single lead tab."""

    teachRequested = Signal()          # the user wants to teach (or edit) the template's fields
    leadSent = Signal(object)          # the reply (LeadReply) of a sent lead

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = TaskSet()
        self._client = None
        self._ids: tuple[int | None, int | None, int | None] = (None, None, None)
        self._fields: list[str] = []
        self._phones: set[str] = set()
        self.edits: dict[str, QLineEdit] = {}
        self._errors: dict[str, QLabel] = {}

        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        mode_row = QHBoxLayout()
        self.add_radio = QRadioButton("Add a ne&w lead")
        name(self.add_radio, "leadAddRadio")
        self.update_radio = QRadioButton("Update an e&xisting lead")
        name(self.update_radio, "leadUpdateRadio")
        self.update_radio.setToolTip("Change a lead already in the dialler, found by its external id: only the "
                                     "fields you fill in change; the others are sent as <No Change>.")
        self.add_radio.setChecked(True)
        self.update_radio.toggled.connect(self._mode_changed)
        mode_row.addWidget(self.add_radio)
        mode_row.addWidget(self.update_radio)
        mode_row.addStretch(1)
        left_layout.addLayout(mode_row)
        fields_box = QGroupBox("Lead")
        fields_box_layout = QVBoxLayout(fields_box)
        self.form_widget = QWidget()
        name(self.form_widget, "leadForm")
        self.form = QFormLayout(self.form_widget)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form_widget)
        name(scroll, "leadFieldsScroll")
        # at least a few fields in view: on a small screen the window scrolls instead
        scroll.setMinimumHeight(MIN_FIELDS_SHOWN * (QLineEdit().sizeHint().height() + 8))
        scroll.viewport().setAutoFillBackground(False)
        self.form_widget.setAutoFillBackground(False)
        fields_box_layout.addWidget(scroll)
        self.unknown_note = QLabel("")
        name(self.unknown_note, "unknownFieldsNote")
        self.unknown_note.setWordWrap(True)
        self.unknown_note.setStyleSheet("QLabel { background: #fff4cc; border: 1px solid #c99a00;"
                                        " border-radius: 4px; padding: 6px; }")
        self.unknown_note.hide()
        fields_box_layout.insertWidget(0, self.unknown_note)     # (above the empty form)
        self.edit_fields = self.edit_fields_button = QPushButton("Edit fields\u2026")
        name(self.edit_fields, "editFieldsButton")
        self.edit_fields.setToolTip("Teach or correct the template's fields and phone fields")
        self.edit_fields.clicked.connect(self.teachRequested)
        hint = QLabel(f"{PHONE_MARK} = phone field (at least one is needed)")
        hint.setStyleSheet("color: palette(mid);")
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.edit_fields)
        fields_box_layout.addLayout(row)
        left_layout.addWidget(fields_box, 1)

        system = QGroupBox("Dialling")
        sform = QFormLayout(system)
        self.external_id = QLineEdit()
        name(self.external_id, "externalIdEdit")
        self.external_id.setPlaceholderText("your reference, unique in the campaign (optional)")
        self.callback_check = QCheckBox("Call back at")
        name(self.callback_check, "callbackCheck")
        self.callback = QDateTimeEdit()
        name(self.callback, "callbackEdit")
        self.callback.setDisplayFormat(CALLBACK_FORMAT)
        self.callback.setCalendarPopup(True)
        now = QDateTime.currentDateTime()
        self.callback.setDateTime(QDateTime(now.date().addDays(1), QTime(9, 0)))
        self.callback.setEnabled(False)
        self.callback_check.toggled.connect(self.callback.setEnabled)
        cb_row = QHBoxLayout()
        cb_row.addWidget(self.callback_check)
        cb_row.addWidget(self.callback, 1)
        self.priority = QSpinBox()
        name(self.priority, "prioritySpin")
        self.priority.setRange(0, 100)
        self.priority.setValue(10)
        self.priority.setToolTip("0 to 100; lower numbers are dialled sooner. Default 10.")
        self.contact_hours = QLineEdit()
        name(self.contact_hours, "contactHoursEdit")
        self.contact_hours.setPlaceholderText("the template's default")
        self.disposition = QLineEdit()
        name(self.disposition, "leadDispositionEdit")
        self.disposition.setPlaceholderText("empty: <No Change>")
        self.disposition.setToolTip("The disposition the lead gets, exactly as spelt in the template; its "
                                    "actions fire on the dialler as if an agent had set it.")
        self.disposition_label = QLabel("Dispositi&on:")
        self.disposition_label.setBuddy(self.disposition)
        sform.addRow("External id:", self.external_id)
        sform.addRow(self.disposition_label, self.disposition)
        sform.addRow("Callback:", cb_row)
        sform.addRow("Priority:", self.priority)
        sform.addRow("Contact Hours:", self.contact_hours)
        left_layout.addWidget(system)

        send_row = QHBoxLayout()
        self.keep_values = QCheckBox("Keep values after sending")
        name(self.keep_values, "keepValuesCheck")
        self.send_button = QPushButton("Se&nd lead")
        name(self.send_button, "sendLeadButton")
        self.send_button.setToolTip("Send this lead to the chosen allocation (Ctrl+Enter)")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        # not remembered: each session starts refusing duplicates
        self.allow_duplicates = QCheckBox("Allow duplicate phone number")
        name(self.allow_duplicates, "leadAllowDuplicatesCheck")
        self.allow_duplicates.setToolTip("Insert this lead even if its phone number is already in the "
                                         "campaign. Off: the dialler refuses it as a duplicate.")
        send_row.addWidget(self.keep_values)
        send_row.addWidget(self.allow_duplicates)
        send_row.addStretch(1)
        send_row.addWidget(self.send_button)
        left_layout.addLayout(send_row)
        self.result_label = QLabel("")
        name(self.result_label, "leadResult")
        self.result_label.setWordWrap(True)
        self.result_label.setMinimumHeight(44)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left_layout.addWidget(self.result_label)
        splitter.addWidget(left)

        right = QGroupBox("Sent this session")
        rl = QVBoxLayout(right)
        self.history = QListWidget()
        name(self.history, "leadHistory")
        # whole entries: a long one wraps onto a second line instead of being cut off
        self.history.setWordWrap(True)
        self.history.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rl.addWidget(self.history)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self._mode_changed(False)
        self._update_enabled()

    # mode ------------------------------------------------------------------------------
    @property
    def updating(self) -> bool:
        return self.update_radio.isChecked()

    @Slot(bool)
    def _mode_changed(self, update: bool) -> None:
        """Updating: external id needed, a disposition, empty fields kept as they are."""
        self.disposition_label.setVisible(update)
        self.disposition.setVisible(update)
        self.allow_duplicates.setVisible(not update)
        self.external_id.setPlaceholderText("the lead's external id (needed: it is how the dialler finds it)"
                                            if update else "your reference, unique in the campaign (optional)")
        self.priority.setMinimum(-1 if update else 0)
        self.priority.setSpecialValueText(NO_CHANGE if update else "")
        if update:
            self.priority.setValue(-1)
        elif self.priority.value() < 0:
            self.priority.setValue(10)
        for edit in self.edits.values():
            edit.setPlaceholderText(NO_CHANGE if update else self._placeholder(edit))
        self.send_button.setText("Se&nd update" if update else "Se&nd lead")
        self._update_enabled()

    def _placeholder(self, edit: QLineEdit) -> str:
        field = next((f for f, e in self.edits.items() if e is edit), "")
        return "with area code, e.g. 0383218199" if field in self._phones else ""

    # wiring from the window ------------------------------------------------------------
    def set_client(self, client) -> None:
        self._client = client
        self._update_enabled()

    def set_ids(self, template: int | None, campaign: int | None, allocation: int | None) -> None:
        self._ids = (template, campaign, allocation)
        self._update_enabled()

    def set_fields(self, fields: list[str], phones: set[str], template_name: str | None = None) -> None:
        """Show these fields (the chosen template's known ones). None known: ``template_name`` is
        the template they are unknown for ("" or None: no template chosen)."""
        self._show_unknown(not fields, template_name)
        values = {f: e.text() for f, e in self.edits.items()}
        while self.form.rowCount():
            self.form.removeRow(0)
        self.edits.clear()
        self._errors.clear()
        self._fields = list(fields)
        self._phones = set(phones)
        for field in fields:
            edit = QLineEdit(values.get(field, ""))
            name(edit, f"field_{field}", field)
            is_phone = field in phones
            if self.updating:
                edit.setPlaceholderText(NO_CHANGE)
            elif is_phone:
                edit.setPlaceholderText("with area code, e.g. 0383218199")
            err = QLabel()
            name(err, f"fieldError_{field}")     # the field's problem, under its box
            err.setWordWrap(True)
            err.hide()
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(edit)
            box.addWidget(err)
            label = f"{PHONE_MARK} {field}:" if is_phone else f"{field}:"
            self.form.addRow(label, box)
            edit.textChanged.connect(self._clear_field_error)
            self.edits[field] = edit
            self._errors[field] = err
        self._order_tabs()

    def _order_tabs(self) -> None:
        """Tab goes through the form as it is laid out: the fields (made anew for each template),
        then the dialling options, then Send lead."""
        chain = [self.add_radio, self.update_radio, *self.edits.values(), self.edit_fields_button, self.external_id,
                 self.disposition, self.callback_check, self.callback, self.priority, self.contact_hours,
                 self.keep_values, self.allow_duplicates, self.send_button, self.history]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def _show_unknown(self, unknown: bool, template_name: str | None) -> None:
        self.edit_fields.setText("Teach fields\u2026" if unknown else "Edit fields\u2026")
        if unknown and template_name:
            self.unknown_note.setText(
                f"Lead Loader does not know the fields of the template '{template_name}': the dialler cannot "
                "list them. Teach them once (type them, or take them from a file exported from Noojee) and "
                "this form shows them.")
        elif unknown:
            self.unknown_note.setText("Choose a template: the form shows its fields.")
        self.unknown_note.setVisible(unknown)

    def _update_enabled(self) -> None:
        ready = self._client is not None and all(i is not None for i in self._ids)
        self.send_button.setEnabled(ready)
        if self._client is None:
            self.send_button.setToolTip("Connect to a dialler first")
        elif not ready:
            self.send_button.setToolTip("Choose a template, campaign and allocation first")
        elif self.updating:
            self.send_button.setToolTip("Update the lead with this external id (Ctrl+Enter)")
        else:
            self.send_button.setToolTip("Send this lead to the chosen allocation (Ctrl+Enter)")

    # validation ------------------------------------------------------------------------
    @Slot()
    def _clear_field_error(self) -> None:
        for field, edit in self.edits.items():
            if edit is self.sender():
                self._set_error(field, None)

    def _set_error(self, field: str, message: str | None, *, warning: bool = False) -> None:
        """Show ``message`` under the field: red for what stops sending, amber for a warning."""
        err = self._errors.get(field)
        edit = self.edits.get(field)
        if err is None or edit is None:
            return
        colour = "#8a4b00" if warning else "#a61b1b"
        err.setStyleSheet(f"color: {colour};")
        err.setText(("\u26a0 " if warning else "") + (message or ""))
        err.setVisible(bool(message))
        border = "#d08a00" if warning else "#c62828"
        edit.setStyleSheet(f"QLineEdit {{ border: 1px solid {border}; }}" if message else "")

    def lead(self) -> dict[str, str]:
        lead = {f: e.text().strip() for f, e in self.edits.items() if e.text().strip()}
        for f in self._phones:
            if f in lead:
                number, _problem, _blocks = check_phone(lead[f])
                lead[f] = number or lead[f]      # spaces out, +61 -> 0, a lost 0 put back
        if self.external_id.text().strip():
            lead["njExternalLeadId"] = self.external_id.text().strip()
        if self.callback_check.isChecked():
            lead["njCallBackDate"] = self.callback.dateTime().toString(CALLBACK_FORMAT)
        lead["njPriority"] = str(self.priority.value())
        if self.contact_hours.text().strip():
            lead["njContactHours"] = self.contact_hours.text().strip()
        if self.updating:     # what is left empty stays as it is in the dialler
            for f in [*self._fields, "njCallBackDate", "njContactHours"]:
                lead.setdefault(f, NO_CHANGE)
            if self.priority.value() < 0:
                lead["njPriority"] = NO_CHANGE
            lead["njDisposition"] = self.disposition.text().strip() or NO_CHANGE
        return lead

    def validate(self) -> list[str]:
        """Mark problems beside the fields; returns them (empty: ready to send)."""
        problems: list[str] = []
        for field in self.edits:
            self._set_error(field, None)
        phones_given = [f for f in self._phones if f in self.edits and self.edits[f].text().strip()]
        if not self._fields:
            problems.append("Lead Loader does not know this template's fields: use 'Teach fields\u2026' first.")
        elif self.updating:     # an empty phone is sent as <No Change>, which counts as the phone
            if not self.external_id.text().strip():
                problems.append("Enter the lead's external id: it is how the dialler finds the lead to update.")
        elif not self._phones:
            problems.append("This template has no phone field listed: use 'Edit fields\u2026' to mark one.")
        elif not phones_given:
            for f in self._phones:
                self._set_error(f, "Enter at least one phone number.")
            problems.append("Enter at least one phone number.")
        for f in phones_given:
            _number, problem, blocks = check_phone(self.edits[f].text())
            self._set_error(f, problem, warning=not blocks)   # a warning does not stop sending
            if blocks:
                problems.append(f"{f}: {problem}")
        return problems

    # sending ---------------------------------------------------------------------------
    @qasync.asyncSlot()
    async def send(self) -> None:
        if not self.send_button.isEnabled():
            return
        problems = self.validate()
        if problems:
            self._show_result("\u270e " + " ".join(problems), Category.INVALID.colour)
            return
        client = self._client
        t, c, a = self._ids
        lead = self.lead()
        self.send_button.setEnabled(False)
        self._show_result("Sending\u2026", "#ffffff")
        try:
            updating = self.updating
            if updating:
                reply = await client.update_lead(t, c, a, lead)
            else:
                reply = await client.insert_lead(t, c, a, lead, allow_duplicates=self.allow_duplicates.isChecked())
        except Exception as exc:
            message, details = describe_exception(exc)
            log.warning("sending a lead failed: %s\n%s", message, details)
            category = Category.UNCERTAIN if getattr(exc, "may_have_landed", False) else Category.SERVER_ERROR
            self._show_result(f"{result_text(category)}: {message}", category.colour)
            self._add_history(lead, result_text(category), category.colour)
        else:
            cat = Category.UPDATED if updating and reply.ok else reply.info.category
            code = "" if reply.code is None else f" (code {reply.code}"
            code += f", {reply.message})" if code and reply.message else (")" if code else "")
            meaning = "The dialler changed the lead." if cat is Category.UPDATED else reply.info.meaning
            meaning = FORM_102 if reply.code == 102 else meaning
            self._show_result(f"{result_text(cat)}{code}\n{meaning}", cat.colour)
            self._add_history(lead, result_text(cat), cat.colour)
            if reply.ok and not self.keep_values.isChecked():
                self.clear()
            self.leadSent.emit(reply)
        finally:
            self._update_enabled()

    def clear(self) -> None:
        for edit in self.edits.values():
            edit.clear()
        self.external_id.clear()

    def _show_result(self, text: str, colour: str) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(
            f"QLabel {{ background: {colour}; color: black; padding: 6px; border-radius: 4px;"
            " border: 1px solid rgba(0,0,0,40); }")

    def _add_history(self, lead: dict[str, str], outcome: str, colour: str) -> None:
        given = {k: v for k, v in lead.items() if v != NO_CHANGE}
        who = next((given[f] for f in self._fields if f in given and f not in self._phones), "")
        phone = next((given[f] for f in self._fields if f in given and f in self._phones), "")
        if self.updating and given.get("njExternalLeadId"):
            who = f"update of external id {given['njExternalLeadId']}"
        text = f"{datetime.now():%H:%M}  {who or '(no name)'}  {phone}  \u2192 {outcome}"
        item = QListWidgetItem(text)
        item.setToolTip(text)
        item.setBackground(QColor(colour))
        item.setForeground(QColor("black"))
        self.history.insertItem(0, item)
        while self.history.count() > MAX_HISTORY:
            self.history.takeItem(self.history.count() - 1)
