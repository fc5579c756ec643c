"""The import screen's questions (window-modal boxes; each answer calls back)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from noojee_desktop.ui.widgets import fit_title, name


def _box(parent: QWidget, object_name: str, icon: QMessageBox.Icon, title: str, text: str, info: str) -> QMessageBox:
    box = QMessageBox(parent)
    name(box, object_name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(info)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return fit_title(box)


def ask_stop_then(parent: QWidget, on_stop: Callable[[], None]) -> QMessageBox:
    """"An upload is still running. Stop it and close?" ``on_stop()`` on "Stop and close"."""
    box = _box(parent, "confirmCloseBox", QMessageBox.Icon.Question, "Upload running",
               "An upload is still running. Stop it and close?",
               "Rows not sent yet can be sent later: the upload can be resumed next time.")
    stop = box.addButton("Stop and close", QMessageBox.ButtonRole.AcceptRole)
    name(stop, "stopAndCloseButton")
    keep = box.addButton("Keep uploading", QMessageBox.ButtonRole.RejectRole)
    name(keep, "keepUploadingButton")
    box.setDefaultButton(keep)
    box.buttonClicked.connect(lambda button: button is stop and on_stop())
    box.open()
    return box


def ask_resume(parent: QWidget, job, on_resume: Callable[[], None], on_fresh: Callable[[], None]) -> QMessageBox:
    """"A previous upload of this file was interrupted. Resume it?" Resume / Start again / Cancel."""
    box = _box(parent, "resumeBox", QMessageBox.Icon.Question, "Resume upload?",
               "A previous upload of this file was interrupted. Resume it?",
               job.describe() + ".\n\nResuming sends only the rows that have no answer yet.")
    resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
    name(resume, "resumeButton")
    fresh = box.addButton("Start again", QMessageBox.ButtonRole.DestructiveRole)
    name(fresh, "startAgainButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(resume)

    def clicked(button) -> None:
        if button is resume:
            on_resume()
        elif button is fresh:
            on_fresh()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def ask_retry_rejections(parent: QWidget, rejected: int, on_go: Callable[[], None]) -> QMessageBox:
    """"Send refused rows again?" before "Retry incl. DNC/duplicates"."""
    rows = "1 row" if rejected == 1 else f"{rejected:,} rows"
    box = _box(
        parent, "retryRejectionsBox", QMessageBox.Icon.Warning, "Send refused rows again?",
        f"Send again the {rows} the dialler refused (Do Not Call, duplicate or other "
        "rejection), together with the rows that failed?",
        "The dialler checks them again: a number still on the Do Not Call list is refused again. "
        "Only do this if something changed, for example a number was taken off the Do Not Call "
        "list or a duplicate was removed from the campaign. With \"Allow duplicate phone numbers\" "
        "on, a lead refused as a duplicate is inserted this time, so the number is dialled twice.")
    go = box.addButton("Send them again", QMessageBox.ButtonRole.AcceptRole)
    name(go, "retryRejectionsConfirmButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda button: button is go and on_go())
    box.open()
    return box
