"""Python's cyclic garbage collection, run on the GUI thread only.

A reference cycle that holds a Qt object is freed by whichever thread happens to trigger a
collection. The app runs Python on other threads too (reading a file, the upload engine), and
a QObject destroyed there breaks Qt's rule that objects die in their own thread ("Timers
cannot be stopped from another thread", or worse). So, as Anki does, automatic collection is
switched off and the same generational schedule is run from a timer on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


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
