"""Coloured bars across the top of the import screen: the sandbox's sample-file offer, the
interrupted-upload offer (the resume banner), the offer of the unsaved fixes of a file
opened again (the fixes banner), and the template's-fields-unknown warning (the fields banner)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from noojee_desktop.ui.widgets import name


class Banner(QFrame):
    """A hidden coloured bar; ``row`` is its horizontal layout."""

    def __init__(self, object_name: str, background: str, border: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, object_name)
        self.setStyleSheet(f"#{object_name} {{ background: {background}; border: 1px solid {border};"
                           " border-radius: 4px; }")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 4, 8, 4)
        self.hide()

    def add_button(self, text: str, object_name: str, tip: str, signal) -> QPushButton:
        """A button at the right end of the bar that emits ``signal`` when clicked."""
        button = QPushButton(text)
        name(button, object_name)
        button.setToolTip(tip)
        button.clicked.connect(signal)
        self.row.addWidget(button)
        return button


class SampleBanner(Banner):
    """Sandbox: "try it with the sample lead file". Emits ``openRequested(path)``."""

    openRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("sampleBar", "#fff0e0", "#e66100", parent)
        self._path = None
        self.row.addWidget(QLabel("Sandbox: try it with the sample lead file."), 1)
        self.button = QPushButton("Open sample leads")
        name(self.button, "openSampleButton")
        self.button.clicked.connect(lambda: self._path is not None and self.openRequested.emit(self._path))
        self.row.addWidget(self.button)

    def offer(self, path) -> None:
        self._path = path
        self.show()


class FieldsBanner(Banner):
    """"The dialler does not say which fields this template has": shown before anything is sent
    while the chosen template's phone fields are unknown. Emits ``teachRequested``."""

    teachRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("fieldsBar", "#fff4cc", "#c99a00", parent)
        self.label = QLabel("")
        name(self.label, "fieldsBarLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.row.addWidget(self.label, 1)
        self.button = self.add_button("Teach fields\u2026", "teachFieldsButton",
                                      "Tell Lead Loader this template's fields and phone fields (once for this dialler)",
                                      self.teachRequested)

    def show_check(self, unknown: str | None, template_name: str) -> None:
        """``unknown``: core.sheet.phone_check's sentence (None: the phone fields are known: hidden)."""
        if unknown is None:
            self.hide()
            return
        self.label.setText(
            f"\u26a0 Lead Loader does not know the fields of the template '{template_name or 'chosen'}' "
            "(the dialler cannot list them), so it cannot check that these rows will be accepted: each "
            "column is sent under its own heading, and the dialler refuses a lead without one of the "
            "template's phone fields. Teach its fields once: type them, or take them from a Noojee export.")
        self.show()


class ResumeBanner(Banner):
    """"A previous upload was interrupted: resume?" Emits ``resumeRequested`` and
    ``discardRequested``; shows a job (``offer``), progress (``working``) or a problem (``failed``)."""

    resumeRequested = Signal()
    discardRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("resumeBar", "#e8f1fb", "#3d7cc9", parent)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.title = QLabel("A previous upload was interrupted: resume?")
        name(self.title, "resumeTitle")
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.label = QLabel("")
        name(self.label, "resumeLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        texts.addWidget(self.title)
        texts.addWidget(self.label)
        self.row.addLayout(texts, 1)
        self.resume_button = self.add_button("Resume", "resumeInterruptedButton",
                                             "Reopen the file and send only the rows that have no answer yet",
                                             self.resumeRequested)
        self.discard_button = self.add_button("Discard", "discardInterruptedButton",
                                              "Forget this upload; the rows it did send stay in the dialler",
                                              self.discardRequested)

    def _buttons(self, on: bool) -> None:
        self.resume_button.setEnabled(on)
        self.discard_button.setEnabled(on)

    def offer(self, job) -> None:
        what = "update" if (job.settings or {}).get("mode") == "update" else "upload"
        self.title.setText(f"A previous {what} was interrupted: resume?")
        self.label.setText(f"{job.describe()}. Resume sends only the rows without an answer.")
        self.label.setStyleSheet("")
        self._buttons(True)
        self.show()

    def working(self, text: str) -> None:
        self._buttons(False)
        self.label.setStyleSheet("")
        self.label.setText(text)

    def failed(self, text: str) -> None:
        self.label.setText(text)
        self.label.setStyleSheet("color: #8a1c1c;")
        self._buttons(True)


class FixesBanner(Banner):
    """"You fixed 4 cells of this file before without saving a corrected copy." Emits
    ``applyRequested`` and ``discardRequested``."""

    applyRequested = Signal()
    discardRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("fixesBar", "#eef6e8", "#4d8a2a", parent)
        self.label = QLabel("")
        name(self.label, "fixesLabel")
        self.label.setWordWrap(True)
        self.row.addWidget(self.label, 1)
        self.apply_button = self.add_button("Apply the fixes", "applyFixesButton",
                                            "Put those fixes back into the table (Ctrl+Z takes them out again)",
                                            self.applyRequested)
        self.discard_button = self.add_button("Discard", "discardFixesButton",
                                              "Forget those fixes; the file is shown as it is", self.discardRequested)

    def offer(self, count: int, saved) -> None:
        cells = "1 cell" if count == 1 else f"{count:,} cells"
        when = f" on {saved.day} {saved:%b} at {saved:%H:%M}" if saved is not None else ""
        self.label.setText(f"\u270e You fixed {cells} of this file{when} without saving a corrected copy. "
                           "Apply those fixes again?")
        self.show()
