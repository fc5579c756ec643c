"""Work around a reference-counting bug of PySide6 6.12.0 on Python 3.11.

Measured here (PySide6-Essentials 6.12.0, CPython 3.11): every ``SignalInstance.emit()`` from
Python returns ``True`` without taking a reference, and every Qt call that hands back an
empty QVariant (``QComboBox.currentData()`` of an item without data, ``QModelIndex.data()``
for a role a model does not answer...) returns ``None`` the same way. Each such call lowers
the refcount of True/None by one; after a few thousand the interpreter aborts with
"Fatal Python error: bool_dealloc / none_dealloc". Python 3.12+ has immortal singletons and
is not affected.

:func:`install` detects both faults at start-up and, only if present, (1) wraps ``emit`` to
take the missing reference, (2) holds a large reserve of references to None so that the
remaining leaks cannot reach zero in any realistic session. The proper fix is another PySide6
version (or Python 3.12+); this keeps the app alive until then.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_installed = False
_NONE_RESERVE: list = []
RESERVE = 2_000_000     # 16 MB of pointers: two million leaked None returns before any risk


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
    if _installed or sys.version_info >= (3, 12):
        return
    _installed = True
    from PySide6.QtCore import SignalInstance

    if _emit_leaks():
        original = SignalInstance.emit
        incref = ctypes.pythonapi.Py_IncRef
        incref.argtypes = [ctypes.py_object]
        incref.restype = None

        def emit(self, *args):
            result = original(self, *args)
            incref(result)   # the reference PySide forgot to take
            return result

        emit.__doc__ = original.__doc__
        SignalInstance.emit = emit
        log.info("PySide6 emit() refcount fix installed")
    if _variant_none_leaks():
        _NONE_RESERVE.extend([None] * RESERVE)
        log.info("PySide6 empty-QVariant refcount reserve installed")
