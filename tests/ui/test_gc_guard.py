"""Cyclic garbage is collected on the GUI thread, never on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref


class _Node:
    pass


def _cycle() -> weakref.ref:
    node = _Node()
    node.me = node
    return weakref.ref(node)


def test_a_worker_thread_allocating_does_not_collect_and_the_gui_thread_does(gui_thread_garbage_collector):
    assert not gc.isenabled()
    gc.collect()
    ref = _cycle()
    kept: list[list] = []

    def allocate() -> None:  # as a scan would: far past the first generation's threshold
        kept.extend([] for _ in range(20 * gui_thread_garbage_collector.threshold[0]))

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert ref() is not None  # the worker thread did not collect it
    assert gui_thread_garbage_collector.check() >= 1
    assert ref() is None


def test_the_timer_collects_while_the_event_loop_runs(qtbot, gui_thread_garbage_collector):
    ref = _cycle()
    kept = [[] for _ in range(2 * gui_thread_garbage_collector.threshold[0])]
    qtbot.waitUntil(lambda: ref() is None, timeout=5000)
    assert kept
