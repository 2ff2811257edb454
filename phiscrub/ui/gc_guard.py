"""Python's cyclic garbage collection on the GUI thread only.

The collector runs on whichever thread happens to allocate when a generation
fills up. While a scan runs on a worker thread (allocating a great deal), that
thread may collect a closed photo's document or another Qt object left in a
reference cycle, and so delete a QObject living on the GUI thread while the GUI
thread delivers a queued event to it. That is the likely cause of the crash the
test suite showed: a segfault in `QObject::event` under `sendPostedEvents`,
Python's fault handler saying "Garbage-collecting", in 3 of 7 runs of
`tests/ui`; with this collector, none in 6.

So automatic collection is turned off while the app runs, and a timer on the GUI
thread collects with the same thresholds (the approach of pyqtgraph's
`GarbageCollector`). Reference counting, which frees almost everything a scan
allocates, is not affected.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadGarbageCollector(QObject):
    """Create on the GUI thread; `stop` collects once more and turns automatic
    collection back on if it was on."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self.threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> int:
        """Collect the generations whose counts passed their thresholds, as the
        automatic collector would have; the number of objects found unreachable."""
        found = 0
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            found += gc.collect(0)
            if count1 > self.threshold[1]:
                found += gc.collect(1)
                if count2 > self.threshold[2]:
                    found += gc.collect(2)
        return found

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
