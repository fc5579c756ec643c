"""Background jobs of the GUI (file reading and checking)."""

import threading

import pytest

from noojee_desktop.core.sheet import ReadCancelled
from noojee_desktop.ui.workers import run_in_background


def test_a_cancelled_job_reports_nothing_so_a_newer_one_is_not_undone(qtbot):
    started = threading.Event()
    calls: list[str] = []

    def slow(progress, cancel):
        started.set()
        cancel.wait(10)
        raise ReadCancelled()          # what read_sheet raises when told to stop

    first = run_in_background(slow, on_success=lambda r: calls.append("ok 1"),
                              on_failure=lambda e: calls.append("failed 1"))
    assert started.wait(5)
    first.cancel()                    # the user opened another file meanwhile
    second = run_in_background(lambda progress, cancel: "B", on_success=lambda r: calls.append(f"ok {r}"),
                               on_failure=lambda e: calls.append("failed 2"))
    assert first.finished.wait(5) and second.finished.wait(5)
    qtbot.waitUntil(lambda: "ok B" in calls, timeout=2000)
    qtbot.wait(50)                    # let any queued signal of the first job arrive
    assert calls == ["ok B"]


def test_a_failing_job_that_was_not_cancelled_reports_its_error(qtbot):
    errors: list[BaseException] = []

    def broken(progress, cancel):
        raise ValueError("not a spreadsheet")

    job = run_in_background(broken, on_success=lambda r: None, on_failure=errors.append)
    assert job.finished.wait(5)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=2000)
    assert str(errors[0]) == "not a spreadsheet"


def test_cycles_holding_qt_objects_are_collected_on_the_gui_thread(qtbot):
    import gc
    import threading

    from PySide6.QtCore import QTimer

    from noojee_desktop.ui.gc_guard import GuiGarbageCollector

    collector = GuiGarbageCollector(interval_ms=10)
    try:
        assert not gc.isenabled()        # no collection may start on another thread
        died_on: list[str] = []

        class Holder:
            def __init__(self):
                self.me = self           # a cycle: only the cyclic collector frees it
                self.timer = QTimer()
                self.timer.destroyed.connect(lambda: died_on.append(threading.current_thread().name))
                self.timer.start(1000)

        Holder()
        # garbage made on a worker thread (as the upload engine makes) must not collect it there
        worker = threading.Thread(target=lambda: [[] for _ in range(50_000)], name="worker")
        worker.start()
        worker.join()
        assert died_on == []
        # enough live new objects for a collection to be due (the count is allocations minus frees)
        keep = [[] for _ in range(gc.get_threshold()[0] + 1)]
        qtbot.waitUntil(lambda: bool(died_on), timeout=3000)
        assert died_on == [threading.main_thread().name]
        del keep
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled()


def test_a_job_can_be_awaited_for_its_result_its_error_or_its_cancellation(qtbot, qloop):
    """The GUI's one way to run blocking work: ``await run_in_background(...)`` on the GUI loop."""
    import asyncio

    import pytest

    release = threading.Event()

    async def scenario():
        assert await run_in_background(lambda progress, cancel: 6 * 7) == 42
        with pytest.raises(ValueError, match="not a spreadsheet"):
            await run_in_background(lambda progress, cancel: (_ for _ in ()).throw(ValueError("not a spreadsheet")))
        slow = run_in_background(lambda progress, cancel: release.wait(10))

        async def wait_for_slow():
            return await slow

        waiter = asyncio.ensure_future(wait_for_slow())
        await asyncio.sleep(0)            # the waiter is waiting now
        slow.cancel()                     # e.g. the user pressed Stop reading
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return "done"

    task = asyncio.ensure_future(scenario())
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() == "done"


def test_a_burst_of_new_long_lived_objects_is_frozen_not_walked_on_the_gui_thread(qtbot):
    """A big file's rows (built on a pool thread) would cost the GUI thread a long young-generation
    pass; the collector moves them to the permanent generation instead, and collects as usual
    afterwards."""
    import gc

    from noojee_desktop.ui.gc_guard import FREEZE_OVER, GuiGarbageCollector

    if gc.get_freeze_count():
        pytest.skip("something else froze objects already")
    collector = GuiGarbageCollector(interval_ms=10)
    walked: list[int] = []

    def count_passes(phase, info):
        if phase == "stop":
            walked.append(info["generation"])

    gc.callbacks.append(count_passes)
    try:
        rows = [[f"Lead {i}", "Melbourne"] for i in range(FREEZE_OVER + 10_000)]    # what a load keeps
        qtbot.waitUntil(lambda: gc.get_freeze_count() >= len(rows), timeout=3000)
        assert walked == []                  # frozen in one step, never walked
        assert len(rows[-1]) == 2            # (and of course still there)
    finally:
        gc.callbacks.remove(count_passes)
        collector.stop()
        collector.deleteLater()
        gc.unfreeze()
