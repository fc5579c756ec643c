"""The "Teach fields" dialog: tell Lead Loader a template's fields, once per server and template.

The dialler has no way to list a template's fields, so the user gives them: types or pastes
the names (a pasted header row splits on tabs and commas), takes them from the header row of a
file exported from Noojee (only its headings are used), or accepts the headings of the file
being imported. Each name is a line in a list; ticked names are phone fields (guessed from
the names at first; the user confirms). :func:`teach` opens it for the session's template and
saves what the user accepts (``Session.teach_fields``), which maps the file and the form onto
the fields at once.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
    QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from noojee_desktop.core.sheet import SYSTEM_FIELDS, guess_phone_fields
from noojee_desktop.ui.errors import describe_exception, show_error
from noojee_desktop.ui.widgets import name

log = logging.getLogger(__name__)

_SPLIT_RE = re.compile(r"[\t,;\r\n]+")


def split_names(text: str) -> list[str]:
    """Field names from typed or pasted text: one per line, or a pasted header row (tabs, commas)."""
    names = [n.strip().strip('"').strip() for n in _SPLIT_RE.split(text)]
    return [n for n in dict.fromkeys(names) if n and n not in SYSTEM_FIELDS]


class TeachFieldsDialog(QDialog):
    """Emits ``taught(fields, phone fields)`` when the user saves; ``headers`` are the headings of
    the file being imported (None: no file), offered as one button."""

    taught = Signal(list, set)

    def __init__(self, template_name: str, fields: list[str], phones: set[str], headers: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "teachFieldsDialog")
        self.setWindowTitle("Teach the template's fields")
        self._ticked = {f: f in phones for f in fields}    # every name seen: is it a phone field
        self._headers = list(headers or [])
        self._job = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"The dialler does not say which fields the template <b>{_html(template_name) or 'chosen'}</b> has, "
            "so tell Lead Loader once (it keeps them for this dialler). Columns are then matched to these "
            "fields, and a lead is sent only with a phone number in one of its phone fields.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        sources = QHBoxLayout()
        self.from_export = QPushButton("From a Noojee &export\u2026")
        name(self.from_export, "fieldsFromExportButton")
        self.from_export.setToolTip("Use the header row of a file exported from this template in Noojee "
                                    "(only its headings are read)")
        self.from_export.clicked.connect(self._choose_export)
        self.from_headers = QPushButton("Use this &file's headings")
        name(self.from_headers, "fieldsFromHeadersButton")
        self.from_headers.setToolTip("Take the headings of the file being imported as the template's fields")
        self.from_headers.setEnabled(bool(self._headers))
        self.from_headers.clicked.connect(lambda: self.set_names(self._headers))
        sources.addWidget(self.from_export)
        sources.addWidget(self.from_headers)
        sources.addStretch(1)
        layout.addLayout(sources)
        names_label = QLabel("Field &names, exactly as spelt in the template (one per line, or paste a header row):")
        names_label.setWordWrap(True)
        layout.addWidget(names_label)
        self.edit = QPlainTextEdit("\n".join(fields))
        name(self.edit, "fieldNamesEdit")
        self.edit.setPlaceholderText("Name\nStreetAddress\nCity\nPostCode\nFirstPhone\nSecondPhone")
        names_label.setBuddy(self.edit)
        self.edit.textChanged.connect(self._names_edited)
        layout.addWidget(self.edit, 1)
        phones_label = QLabel("Tick the &phone fields (the dialler needs a number in at least one):")
        phones_label.setWordWrap(True)
        layout.addWidget(phones_label)
        self.list = QListWidget()
        name(self.list, "phoneFieldsList")
        phones_label.setBuddy(self.list)
        self.list.itemChanged.connect(self._show_state)
        layout.addWidget(self.list, 1)
        self.status = QLabel("")
        name(self.status, "teachStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        name(self.save_button, "saveFieldsButton")
        self.save_button.setText("&Save fields")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 560)
        self._names_edited()

    # what the user gives -----------------------------------------------------------------
    def set_names(self, names: list[str]) -> None:
        """Put these names in the box (replacing what it had); phones guessed for new names."""
        self.edit.setPlainText("\n".join(split_names("\n".join(names))))

    def names(self) -> list[str]:
        return split_names(self.edit.toPlainText())

    def phones(self) -> set[str]:
        return {self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked}

    @Slot()
    def _names_edited(self) -> None:
        """Rebuild the tick list: names already seen keep their tick, new ones are guessed."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            self._ticked[item.text()] = item.checkState() == Qt.CheckState.Checked
        names = self.names()
        guessed = guess_phone_fields(n for n in names if n not in self._ticked)
        self.list.blockSignals(True)
        self.list.clear()
        for n in names:
            item = QListWidgetItem(n)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = self._ticked.get(n, n in guessed)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._show_state()

    @Slot()
    def _show_state(self, *_args) -> None:
        names, phones = self.names(), self.phones()
        self.save_button.setEnabled(bool(names) and bool(phones))
        if not names:
            text = "No field names yet."
        elif not phones:
            text = "Tick at least one phone field."
        else:
            text = f"{len(names)} field(s), phone: {', '.join(sorted(phones))}."
        self.status.setText(text)

    @Slot()
    def _choose_export(self) -> None:
        from noojee_desktop.core.sheet import SUPPORTED

        patterns = " ".join(f"*{ext}" for ext in sorted(SUPPORTED))
        path, _ = QFileDialog.getOpenFileName(self, "A file exported from the template in Noojee", "",
                                              f"Spreadsheets ({patterns});;All files (*)")
        if path:
            self.load_header_row(Path(path))

    def load_header_row(self, path: Path):
        """Read ``path`` on a pool thread and put its headings in the box (a read problem is said
        in the dialog). Returns the background job (tests await it)."""
        from noojee_desktop.core.sheet import read_sheet
        from noojee_desktop.ui.workers import run_in_background

        self.status.setText(f"Reading the header row of {path.name}\u2026")

        def failed(exc: BaseException) -> None:
            self.status.setText(f"\u26a0 {describe_exception(exc)[0]}")

        self._job = run_in_background(lambda _p, cancel: read_sheet(path, cancel=cancel).headers,
                                      on_success=self.set_names, on_failure=failed, parent=self)
        return self._job

    @Slot()
    def _save(self) -> None:
        names, phones = self.names(), self.phones()
        if names and phones:
            self.taught.emit(names, phones & set(names))
            self.accept()

    def done(self, result: int) -> None:  # noqa: D102 (Qt)
        if self._job is not None:
            self._job.cancel()
        super().done(result)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teach(parent: QWidget, session, headers: list[str] | None = None) -> TeachFieldsDialog | None:
    """Open the dialog for the session's chosen template (None when none is chosen); what the
    user saves is kept for this server and template, and the screens follow it."""
    template = session.ids[0]
    if template is None:
        show_error(parent, "Choose a template", "Choose the template first: fields belong to a template.")
        return None
    tf = session.template_fields(template)
    dialog = TeachFieldsDialog(session.names[0], tf.fields, tf.phone_fields, headers, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def taught(fields: list, phones: set) -> None:
        try:
            session.teach_fields(template, fields, phones)
        except OSError as exc:
            message, details = describe_exception(exc)
            show_error(parent, "Fields not saved", f"The fields could not be saved: {message}", details)

    dialog.taught.connect(taught)
    dialog.open()
    return dialog
