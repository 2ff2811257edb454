"""A folder as a review queue: batch scan with badges, review, export all, cancel, reopen."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from phiscrub.models import Kind
from phiscrub.redact import SOLID_COLOUR
from phiscrub.ui.batch_view import BadgeRole
from phiscrub.ui.document import State
from tests.ui.conftest import SCAN_TIMEOUT_MS
from tests.ui.fakes import RED, FakeScanner, make_photos


def badges(window) -> dict[str, str]:
    model = window.photo_model
    return {doc.path.name: model.index(row).data(BadgeRole)[1] for row, doc in enumerate(model.docs)}


def open_folder_and_wait(qtbot, window, folder: Path, timeout=SCAN_TIMEOUT_MS):
    with qtbot.waitSignal(window.batch_finished, timeout=timeout) as blocker:
        window.open_paths([folder])
    assert blocker.args == [False]
    qtbot.wait(1)


def test_folder_batch_review_two_export_all_then_reopen_restores_the_review(
    qtbot, make_window, tmp_path
):
    folder = tmp_path / "event"
    photos = make_photos(folder, 5, corrupt=("broken.jpg",))
    before = sorted(p.name for p in folder.iterdir())
    # Two worker processes: the core's spawn path, with the light scanner.
    window = make_window(scanner_override=FakeScanner(), batch_workers=2)

    started = time.perf_counter()
    with qtbot.waitSignal(window.batch_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([folder])
        # The strip is there at once, every photo queued or scanning.
        assert window.photo_model.rowCount() == 6 and window.file_list.isVisible()
        assert set(badges(window).values()) <= {"queued", "scanning…", "error"}
        assert window.batch_bar.isVisible() and window.cancel_button.isEnabled()
    print(f"6 photos through 2 spawned workers in {time.perf_counter() - started:.1f} s")
    qtbot.waitUntil(lambda: all(window.photo_model.has_thumbnail(p) for p in photos), timeout=10_000)
    assert not window.batch_bar.isVisible()

    shown = badges(window)
    assert shown["broken.jpg"] == "error"
    assert all(shown[p.name] == "1 finding" for p in photos)
    broken = window.docs[(folder / "broken.jpg").resolve()]
    assert broken.state is State.FAILED and broken.error
    tip = window.photo_model.index(window.photo_model.row_of(broken.path)).data(Qt.ItemDataRole.ToolTipRole)
    assert broken.error in tip

    # Review two: the first as scanned, the second with its finding kept (not covered).
    window.show_photo(photos[0].resolve())
    qtbot.waitUntil(lambda: window.doc.pixels is not None, timeout=5_000)
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    second = window.doc
    assert second.path == photos[1].resolve() and window.docs[photos[0].resolve()].reviewed
    qtbot.waitUntil(lambda: second.pixels is not None, timeout=5_000)
    assert window.docs[photos[0].resolve()].pixels is None  # only the photo on screen is in memory
    second.set_redacted([0], False)
    window.mark_reviewed_and_next()
    assert badges(window)[photos[0].name] == "reviewed" and badges(window)[photos[1].name] == "reviewed"

    with qtbot.waitSignal(window.export_all_finished, timeout=30_000) as blocker:
        window.export_all_button.click()
    summary = blocker.args[0]
    out = folder / "redacted"
    assert summary.exported == [out / photos[0].name, out / photos[1].name]
    assert sorted(n for n, _ in summary.skipped) == sorted(["broken.jpg"] + [p.name for p in photos[2:]])
    assert dict(summary.skipped)["broken.jpg"].startswith("could not be scanned")
    assert summary.failed == []
    assert "Exported: 2" in window.summary_box.text() and "Skipped: 4" in window.summary_box.text()

    first = np.asarray(Image.open(out / photos[0].name).convert("RGB"))
    red = np.all(np.asarray(Image.open(photos[0]).convert("RGB")) == RED, axis=2)
    assert (first[red] == SOLID_COLOUR).all()  # covered
    kept = np.asarray(Image.open(out / photos[1].name).convert("RGB"))
    red = np.all(np.asarray(Image.open(photos[1]).convert("RGB")) == RED, axis=2)
    assert (kept[red] == RED).all()  # the region the reviewer kept is untouched

    report = json.loads(summary.report.read_text())
    assert summary.report.parent == out
    assert report["tool"] == "phiscrub" and report["skipped"] == 4
    # The audit: the two exports, and the three scanned photos the gate refused (nothing written).
    images = report["images"]
    assert [e["status"] for e in images] == ["ok", "ok", "error", "error", "error"]
    assert [e["review"]["gate"] for e in images] == ["reviewed"] * 2 + ["refused: not reviewed"] * 3
    assert [Path(e["output"]).name for e in images[:2]] == [photos[0].name, photos[1].name]
    assert all(e["output"] is None for e in images[2:])
    assert [r["redacted"] for r in images[1]["regions"]] == [False]
    assert images[1]["review"]["kept"] == {"name": 1}
    assert report["reviewer"] == "T.E." and report["totals"]["refused"] == 3
    assert {"source", "output", "status", "error", "width", "height", "regions"} <= set(images[0])
    assert summary.html.parent == out and summary.html.read_text().startswith("<!DOCTYPE html>")
    assert badges(window)[photos[0].name] == "exported"

    # Nothing was written beside the originals except the chosen output folder.
    assert sorted(p.name for p in folder.iterdir()) == sorted(before + ["redacted"])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [photos[0].name, photos[1].name, summary.report.name, summary.html.name, ".phiscrub-exports.json"]
    )
    window.close()

    # Reopen: regions, edits, reviewed and exported flags come back without a rescan.
    again = make_window(scanner_override=FakeScanner(), batch_workers=2)
    again.open_paths([folder])
    assert not again.batch_running()
    docs = {d.path.name: d for d in again.photo_model.docs}
    assert docs[photos[0].name].reviewed and docs[photos[1].name].reviewed
    assert not docs[photos[2].name].reviewed and docs[photos[2].name].state is State.READY
    assert docs[photos[1].name].regions[0].redacted is False
    assert docs[photos[1].name].regions[0].kind is Kind.NAME
    assert docs["broken.jpg"].state is State.FAILED
    assert badges(again)[photos[0].name] == "exported"
    stored = list((tmp_path / "config" / "projects").glob("*.json"))
    assert len(stored) == 1 and "photo_0000" in stored[0].read_text()


def test_cancel_stops_promptly_keeps_what_is_done_and_scans_a_photo_when_shown(
    qtbot, make_window, tmp_path
):
    folder = tmp_path / "many"
    make_photos(folder, 30)
    window = make_window(scanner_override=FakeScanner(delay=0.1), batch_workers=1)
    window.open_paths([folder])
    qtbot.waitUntil(lambda: window.queue_progress.value() >= 3, timeout=20_000)
    start = time.perf_counter()
    with qtbot.waitSignal(window.batch_finished, timeout=2_000) as blocker:
        window.cancel_button.click()
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: window._runner is None, timeout=2_000)  # the thread ended too
    assert time.perf_counter() - start < 1.0

    states = [d.state for d in window.photo_model.docs]
    done = states.count(State.READY)
    assert 3 <= done < 30
    assert states.count(State.CANCELLED) == 30 - done
    assert not window.batch_bar.isVisible()
    assert set(badges(window).values()) == {"1 finding", "not scanned"}
    qtbot.wait(300)  # nothing more arrives
    assert [d.state for d in window.photo_model.docs].count(State.READY) == done

    # A cancelled photo the user opens gets scanned on its own.
    later = window.photo_model.docs[-1]
    with qtbot.waitSignal(window.scan_finished, timeout=10_000) as blocker:
        window.show_photo(later.path)
    assert blocker.args[0] is later and later.state is State.READY


def test_needs_review_first_filter_and_keyboard_steps_follow_it(qtbot, make_window, tmp_path):
    folder = tmp_path / "mixed"
    photos = make_photos(folder, 3)
    plain = folder / "plain.png"
    Image.fromarray(np.full((60, 80, 3), 128, np.uint8)).save(plain)
    window = make_window(scanner_override=FakeScanner())
    open_folder_and_wait(qtbot, window, folder)
    window.docs[photos[0].resolve()].set_reviewed(True)

    window.set_filter("review_first")
    order = [p.name for p in window.visible_paths()]
    # Findings to check first, then the clean-looking one, then what is done.
    assert order == [photos[1].name, photos[2].name, "plain.png", photos[0].name]

    window.set_filter("review_only")
    assert [p.name for p in window.visible_paths()] == [photos[1].name, photos[2].name, "plain.png"]
    window.show_photo(photos[1].resolve())
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_PageDown)
    assert window.doc.path.name == photos[2].name
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_PageDown)
    assert window.doc.path.name == "plain.png"
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_PageUp)
    assert window.doc.path.name == photos[2].name

    window.set_filter("all")
    assert [p.name for p in window.visible_paths()] == [p.name for p in photos] + ["plain.png"]


def test_real_scanner_batch_flags_the_card_and_clears_the_blank_wall(
    qtbot, window, card_photo, blank_photo
):
    open_folder_and_wait(qtbot, window, card_photo.parent)
    card = window.docs[card_photo.resolve()]
    wall = window.docs[blank_photo.resolve()]
    assert {Kind.NAME, Kind.DATE, Kind.ID} <= {r.kind for r in card.regions}
    assert wall.state is State.READY and wall.regions == ()
    shown = badges(window)
    assert shown["wall.png"] == "nothing found"
    assert shown["card.jpg"].endswith("findings")


def test_damaged_review_project_is_set_aside_and_the_folder_scanned_afresh(qtbot, make_window, tmp_path):
    from phiscrub.project import project_path

    folder = tmp_path / "ward"
    make_photos(folder, 2)
    window = make_window(scanner_override=FakeScanner())
    where = project_path(folder, tmp_path / "config" / "projects")
    where.parent.mkdir(parents=True)
    where.write_text("{ damaged")
    with qtbot.waitSignal(window.error_shown, timeout=5_000) as blocker:
        with qtbot.waitSignal(window.batch_finished, timeout=SCAN_TIMEOUT_MS):
            window.open_paths([folder])
    assert "cannot be read" in blocker.args[0]
    assert list(where.parent.glob("*.damaged-*"))
    assert all(d.state is State.READY for d in window.photo_model.docs)
    with qtbot.waitSignal(window.project_saved, timeout=5_000):
        window.save_projects() if window._dirty_projects else window.project_saved.emit(where)
    assert json.loads(where.read_text())["format"] == "phiscrub-project"


def test_thumbnails_of_the_photo_on_screen_and_the_rows_in_view_come_first(
    qtbot, make_window, tmp_path, monkeypatch
):
    from phiscrub.ui import batch_view

    made = batch_view.make_thumbnail

    def slow(path, *args):
        time.sleep(0.02)  # about 4 s for the folder: the order shows
        return made(path, *args)

    monkeypatch.setattr(batch_view, "make_thumbnail", slow)
    folder = tmp_path / "big"
    photos = make_photos(folder, 200, size=(64, 48))
    window = make_window(scanner_override=FakeScanner())
    order: list[Path] = []
    window.thumbnail_ready.connect(order.append)

    window.open_paths([folder])
    qtbot.waitUntil(lambda: window.strip.verticalScrollBar().maximum() > 150, timeout=5_000)
    # The user scrolls far down the strip at once and clicks a photo there.
    target = photos[170].resolve()
    index = window.photo_filter.index(170, 0)
    window.strip.scrollTo(index)
    qtbot.waitUntil(lambda: target in window.strip_rows_in_view(), timeout=5_000)
    begun = len(order)  # made in folder order before the user got there (a handful)
    qtbot.mouseClick(
        window.strip.viewport(), Qt.MouseButton.LeftButton, pos=window.strip.visualRect(index).center()
    )
    assert window.doc.path == target
    in_view = window.strip_rows_in_view()
    assert 5 <= len(in_view) < 40 and photos[0].resolve() not in in_view
    qtbot.waitUntil(lambda: all(window.photo_model.has_thumbnail(p) for p in in_view), timeout=10_000)
    # Next after those come the photo clicked and the rows in view (a few in flight aside).
    assert begun < 60
    assert order.index(target) < begun + len(in_view) + 5
    assert max(order.index(p) for p in in_view) < begun + len(in_view) + 5
    assert window._thumbnails.pending() > 100  # the rest are still to come

    # Scrolling back to the top: those rows come next, before the ones in between.
    window.strip.scrollToTop()
    qtbot.waitUntil(lambda: photos[0].resolve() in window.strip_rows_in_view(), timeout=5_000)
    top = window.strip_rows_in_view()
    done = len(order)
    qtbot.waitUntil(lambda: all(window.photo_model.has_thumbnail(p) for p in top), timeout=10_000)
    assert len(order) - done <= len(top) + 3


def test_strip_keeps_its_scroll_position_while_the_folder_is_scanned(qtbot, make_window, tmp_path):
    folder = tmp_path / "big"
    make_photos(folder, 300, size=(64, 48))
    window = make_window(scanner_override=FakeScanner(delay=0.005))
    bar = window.strip.verticalScrollBar()
    with qtbot.waitSignal(window.batch_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([folder])
        qtbot.waitUntil(lambda: bar.maximum() > 250, timeout=5_000)
        window.strip.scrollToBottom()  # the user looks at the end of the list meanwhile
        where = bar.value()
        assert where > 250
    qtbot.waitUntil(lambda: window._thumbnails.pending() == 0, timeout=10_000)
    qtbot.wait(50)
    assert bar.value() == where
    assert window.photo_model.docs[-1].path in window.strip_rows_in_view()
