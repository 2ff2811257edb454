"""Fixtures for the app's tests: a real window with its settings in tmp_path,
one warmed-up Scanner shared by the whole session (models load once, ~5 s), and
photos the tests draw themselves."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)  # opencv-python may point it at its own plugins

from tests.conftest import draw_card  # noqa: E402

CARD_LINES = ["SMITH, JOHN A", "DOB: 03/14/1962", "MRN: 00482913"]
SCAN_TIMEOUT_MS = 60_000  # the first scan of the session loads the models


@pytest.fixture(scope="session", autouse=True)
def gui_thread_garbage_collector(qapp):
    """As in the app: cyclic garbage is collected on the GUI thread only."""
    from phiscrub.ui.gc_guard import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(scope="session")
def scanner():
    from phiscrub.scan import Scanner

    return Scanner()


@pytest.fixture
def card_photo(tmp_path: Path) -> Path:
    path = tmp_path / "photos" / "card.jpg"
    path.parent.mkdir()
    Image.fromarray(draw_card(CARD_LINES)).save(path, quality=95)
    return path


@pytest.fixture
def blank_photo(tmp_path: Path) -> Path:
    path = tmp_path / "photos" / "wall.png"
    path.parent.mkdir(exist_ok=True)
    Image.fromarray(np.full((480, 640, 3), (120, 128, 135), np.uint8)).save(path)
    return path


class Prompts:
    """Stands in for the sign-off dialog: `asked` grows by one per prompt; `answers`
    are given in order (None cancels), then "T.E."."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answers: list[str | None] = []

    def __call__(self, parent, current: str = "") -> str | None:
        self.asked.append(current)
        return self.answers.pop(0) if self.answers else "T.E."


@pytest.fixture
def reviewer_prompts(monkeypatch) -> Prompts:
    from phiscrub.ui import compliance

    prompts = Prompts()
    monkeypatch.setattr(compliance, "ask_reviewer", prompts)
    return prompts


@pytest.fixture
def make_window(qtbot, tmp_path: Path, scanner, reviewer_prompts):
    """Build MainWindows whose QSettings and preferences live in tmp_path. The sign-off
    prompt is answered by `reviewer_prompts`; verification is off unless a test passes
    a verifier (it is what tests/ui/test_compliance.py is about)."""
    from PySide6.QtCore import QSettings

    from phiscrub.ui.main_window import MainWindow

    windows = []

    def make(scanner_override=None, **kwargs):
        # One worker process per batch unless a test asks for more: spawning a
        # process per core (each loading the models) costs seconds a test rarely needs.
        kwargs.setdefault("batch_workers", 1)
        kwargs.setdefault("verifier", False)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            scanner=scanner_override or scanner,
            settings=settings,
            prefs_path=tmp_path / "config" / "preferences.toml",
            **kwargs,
        )
        window.confirm_close = False
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.workers.shutdown()


@pytest.fixture
def window(make_window):
    return make_window()
