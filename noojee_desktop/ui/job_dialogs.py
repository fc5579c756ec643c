"""The questions and refusals of an upload job (the rules are core.jobs'; these only ask and tell).

* :func:`show_busy`: "This list is being uploaded in another window (since 10:14)." -- another
  process (or window) holds the job; nothing is sent.
* :func:`ask_already_loaded`: "312 of these rows were inserted into Solar VIC on 2 Dec at 10:14":
  Skip them (recommended) / Send them again / Cancel. Resolves a future, never blocks the loop.
* :func:`show_journal_problem`: the journal (data folder) cannot be written; nothing is sent.
* :func:`ask_unknown_phones`: the template's phone fields are not known: Teach fields / Send
  anyway / Cancel.
* :func:`ask_allocation_size`: the allocation would pass the vendor's advised 10,000 leads:
  Choose another allocation (recommended) / Send anyway / Cancel.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from noojee_desktop.ui.widgets import fit_title, name

SKIP = "skip"
SEND_AGAIN = "send"
TEACH = "teach"


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
    return fit_title(box)


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


def ask_allocation_size(parent: QWidget | None, sentence: str) -> asyncio.Future:
    """A future resolved with True (send anyway), False or None (nothing sent: choose another allocation)."""
    box = _box(parent, "allocationSizeBox", QMessageBox.Icon.Warning, "A large allocation", sentence,
               "Nothing has been sent yet. To use another allocation, choose it at the top and press Upload "
               "again.")
    return _ask(box, ("Choose another allocation (recommended)", QMessageBox.ButtonRole.RejectRole,
                      "chooseOtherAllocationButton", False),
                ("Send anyway", QMessageBox.ButtonRole.DestructiveRole, "sendAnywayButton", True))


def ask_already_loaded(parent: QWidget | None, sentence: str) -> asyncio.Future:
    """A future resolved with SKIP, SEND_AGAIN or None (cancelled, nothing is sent)."""
    box = _box(parent, "alreadyLoadedBox", QMessageBox.Icon.Question, "Already loaded", sentence,
               "Skipping them is recommended: sending them again puts the same leads in the campaign a "
               "second time (or gets them refused as duplicates). Skipped rows show as Already loaded.")
    return _ask(box, ("Skip them (recommended)", QMessageBox.ButtonRole.AcceptRole, "skipAlreadyLoadedButton", SKIP),
                ("Send them again", QMessageBox.ButtonRole.DestructiveRole, "sendAgainButton", SEND_AGAIN))


def ask_unknown_phones(parent: QWidget | None, sentence: str) -> asyncio.Future:
    """Before sending to a template whose phone fields are not known: a future resolved with
    TEACH (open the teach dialog; nothing is sent), SEND_AGAIN (send anyway) or None (cancel)."""
    box = _box(parent, "unknownPhonesBox", QMessageBox.Icon.Warning, "The template's fields are not known",
               "Lead Loader does not know this template's fields, so it cannot tell whether the dialler "
               f"will accept these rows ({sentence}).",
               "The dialler refuses a lead none of whose fields is one of the template's phone fields (code 102). "
               "If it does, the upload pauses after a few rows. Teaching the template's fields first is "
               "recommended: type them, or take them from a file exported from Noojee.")
    return _ask(box, ("Teach fields\u2026 (recommended)", QMessageBox.ButtonRole.AcceptRole, "teachFirstButton", TEACH),
                ("Send anyway", QMessageBox.ButtonRole.DestructiveRole, "sendAnywayButton", SEND_AGAIN))


def _ask(box: QMessageBox, *choices: tuple) -> asyncio.Future:
    """Add the ``(text, role, object name, answer)`` buttons and Cancel to ``box``, open it, and
    return a future of the answer of the button clicked (None: Cancel, or the box closed)."""
    fut = asyncio.get_running_loop().create_future()
    answers = {}
    for text, role, object_name, answer in choices:
        button = box.addButton(text, role)
        name(button, object_name)
        answers[button] = answer
        if len(answers) == 1:
            box.setDefaultButton(button)
    box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Cancel))

    def clicked(button) -> None:
        if not fut.done():
            fut.set_result(answers.get(button))

    def gone(*_args) -> None:
        if not fut.done():
            fut.set_result(None)

    box.buttonClicked.connect(clicked)
    box.finished.connect(gone)
    box.open()
    return fut
