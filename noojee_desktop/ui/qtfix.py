"""Work around a reference-counting bug of PySide6 6.12.0 on Python 3.11.

Measured here (PySide6-Essentials 6.12.0, CPython 3.11): every ``SignalInstance.emit()`` from
Python returns ``True`` without taking a reference, and every Qt call that hands back an
empty QVariant (``QComboBox.currentData()`` of an item without data, ``QModelIndex.data()``
for a role a model does not answer...) returns ``None`` the same way. Each such call lowers
the refcount of True/None by one; after a few thousand the interpreter aborts with
"Fatal Python error: bool_dealloc / none_dealloc". Python 3.12+ has immortal singletons and
is not affected.

:func:`install` detects both faults at start-up and, only if present, holds a reserve of a
million references to True and to None, so the leaks cannot reach zero in any realistic
session (the GUI emits a few per batch of results, not per row). The proper fix is another PySide6
version (or Python 3.12+); this keeps the app alive until then.
"""

from __future__ import annotations

import os
import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_installed = False
_RESERVE: list = []
RESERVE = 1_000_000     # 8 MB of pointers each: a million leaked references before any risk


def _emit_leaks() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def _variant_none_leaks() -> bool:
    from PySide6.QtCore import QModelIndex

    index = QModelIndex()
    before = sys.getrefcount(None)
    for _ in range(8):
        index.data()
    return sys.getrefcount(None) < before


def install() -> None:
    global _installed
    if _installed or sys.version_info >= (3, 12) or os.environ.get("NOOJEE_NO_QTFIX"):
        return
    _installed = True
    # Wrapping emit() to take the missing reference was tried and made Qt crash in event
    # processing, so both faults get a reserve of references instead (8 bytes each).
    if _emit_leaks():
        _RESERVE.extend([True] * RESERVE)
        log.info("PySide6 emit() refcount reserve installed")
    if _variant_none_leaks():
        _RESERVE.extend([None] * RESERVE)
        log.info("PySide6 empty-QVariant refcount reserve installed")
    if _RESERVE:
        # Never free the reserve, not even at interpreter exit: the leaked references are gone
        # for good, so giving the reserve back would take True/None below zero then.
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_RESERVE))
