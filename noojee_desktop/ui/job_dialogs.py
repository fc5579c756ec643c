"""The questions and refusals of an upload job (the rules are core.jobs'; these only ask and tell).

* :func:`show_busy`: "This list is being uploaded in another window (since 10:14)." -- another
  process (or window) holds the job; nothing is sent.
* :func:`ask_already_loaded`: "312 of these rows were inserted into Solar VIC on 2 Dec at 10:14":
  Skip them (recommended) / Send them again / Cancel. Resolves a future, never blocks the loop.
* :func:`show_journal_problem`: the journal (data folder) cannot be written; nothing is sent.
* :func:`ask_allocation_size`: the allocation would pass the vendor's advised 10,000 leads:
  Choose another allocation (recommended) / Send anyway.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from noojee_desktop.ui.widgets import name

SKIP = "skip"
SEND_AGAIN = "send"


def _box(parent: QWidget | None, object_name: str, icon: QMessageBox.Icon, title: str, text: str,
         info: str = "") -> QMessageBox:
    box = QMessageBox(parent)
    name(box, object_name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    if info:
        box.setInformativeText(info)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def show_busy(parent: QWidget | None, sentence: str) -> QMessageBox:
    box = _box(parent, "jobBusyBox", QMessageBox.Icon.Information, "Upload already running", sentence,
               "Nothing was sent from here. Let that upload finish (or stop it there), then try again: "
               "the rows it sent show as Already loaded.")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def show_journal_problem(parent: QWidget | None, sentence: str) -> QMessageBox:
    box = _box(parent, "journalProblemBox", QMessageBox.Icon.Warning, "Cannot keep track of the upload",
               sentence, "Nothing was sent: without its journal the upload could not be resumed safely "
               "after a crash. Fix this, then press Upload again.")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.open()
    return box


def _answer(box: QMessageBox, fut: asyncio.Future, answer, closed) -> asyncio.Future:
    """Open ``box``; ``fut`` gets ``answer(the button clicked)``, or ``closed`` when it closes otherwise."""
    def clicked(button) -> None:
        if not fut.done():
            fut.set_result(answer(button))

    def gone(*_args) -> None:
        if not fut.done():
            fut.set_result(closed)

    box.buttonClicked.connect(clicked)
    box.finished.connect(gone)
    box.open()
    return fut


def ask_allocation_size(parent: QWidget | None, sentence: str) -> asyncio.Future:
    """A future resolved with True (send anyway) or False (nothing sent: choose another allocation)."""
    fut = asyncio.get_running_loop().create_future()
    box = _box(parent, "allocationSizeBox", QMessageBox.Icon.Warning, "A large allocation", sentence,
               "Nothing has been sent yet. To use another allocation, choose it at the top and press Upload "
               "again.")
    other = box.addButton("Choose another allocation", QMessageBox.ButtonRole.RejectRole)
    name(other, "chooseOtherAllocationButton")
    anyway = box.addButton("Send anyway", QMessageBox.ButtonRole.AcceptRole)
    name(anyway, "sendAnywayButton")
    box.setDefaultButton(other)
    box.setEscapeButton(other)
    return _answer(box, fut, lambda button: button is anyway, False)


def ask_already_loaded(parent: QWidget | None, sentence: str) -> asyncio.Future:
    """A future resolved with SKIP, SEND_AGAIN or None (cancelled, nothing is sent)."""
    fut = asyncio.get_running_loop().create_future()
    box = _box(parent, "alreadyLoadedBox", QMessageBox.Icon.Question, "Already loaded", sentence,
               "Skipping them is recommended: sending them again puts the same leads in the campaign a "
               "second time (or gets them refused as duplicates). Skipped rows show as Already loaded.")
    skip = box.addButton("Skip them (recommended)", QMessageBox.ButtonRole.AcceptRole)
    name(skip, "skipAlreadyLoadedButton")
    again = box.addButton("Send them again", QMessageBox.ButtonRole.DestructiveRole)
    name(again, "sendAgainButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(skip)
    box.setEscapeButton(cancel)
    return _answer(box, fut, lambda button: SKIP if button is skip else SEND_AGAIN if button is again else None,
                   None)
