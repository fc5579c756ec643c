"""Python's cyclic garbage collection, run on the GUI thread only.

A reference cycle that holds a Qt object is freed by whichever thread happens to trigger a
collection. The app runs Python on other threads too (reading a file, the upload engine), and
a QObject destroyed there breaks Qt's rule that objects die in their own thread ("Timers
cannot be stopped from another thread", or worse). So, as Anki does, automatic collection is
switched off and the same generational schedule is run from a timer on the GUI thread.

A burst of new objects -- a 100,000-row file read and checked on a pool thread makes about a
million -- is not walked at all: collecting them on the GUI thread took 130 ms twice in a row
(a young and then a middle-generation pass) while the table filled, and a later full pass
walked them again. They are what the table shows and live as long as it does, so they are
moved to the permanent generation (``gc.freeze()``, as the gc docs advise for long-lived
data) where no pass looks at them; rows dropped later are still freed by reference counting.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000
#: more new objects than this since the last pass: a burst of long-lived data, frozen not walked
FREEZE_OVER = 50_000


class GuiGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> int:
        """Collect the generations Python itself would have collected by now; returns how many
        objects were freed."""
        l0, l1, l2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if l0 > FREEZE_OVER:
            gc.freeze()     # O(1): the generations' lists are moved, not walked
            return 0
        freed = 0
        if l0 > t0:
            freed += gc.collect(0)
            if l1 > t1:
                freed += gc.collect(1)
                if l2 > t2:
                    freed += gc.collect(2)
        return freed

    def stop(self) -> None:
        """Hand collection back to Python (as it was before)."""
        self.timer.stop()
        if self._was_enabled:
            gc.enable()
