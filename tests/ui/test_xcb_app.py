"""The installed `phiscrub-gui` starts on a real X server (xcb platform, under Xvfb),
opens a photo from the command line, scans it and saves a screenshot.

Offscreen tests cannot catch a broken xcb plugin (missing libxcb-* packages, or
opencv-python's bundled Qt plugins taking over), so this runs the real thing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
GUI = Path(sys.executable).parent / "phiscrub-gui"


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
@pytest.mark.skipif(not GUI.exists(), reason="phiscrub-gui is not installed (pip install -e .)")
def test_gui_starts_on_xcb_scans_and_saves_a_screenshot(tmp_path):
    shot = tmp_path / "shot.png"
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="xcb",
        PHISCRUB_SCREENSHOT=str(shot),
        PHISCRUB_CONFIG_DIR=str(tmp_path / "config"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),  # QSettings (geometry) stays out of the real home
    )
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    out = run_gui(env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "could not load the Qt platform plugin" not in out.stderr.lower()
    assert shot.exists(), out.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[0] > 500 and pixels.shape[1] > 800
    assert pixels.std() > 20  # a real picture, not a blank window
    # Region outlines in the kinds' colours are on screen (name = #e6194b).
    red = (np.abs(pixels.astype(int) - (0xE6, 0x19, 0x4B)).sum(axis=2) < 40).sum()
    assert red > 500

    # Opened again, the photo's review comes back from its project and nothing is
    # scanned: the screenshot is taken all the same (it used to wait for a scan).
    shot.unlink()
    again = run_gui(env, timeout=60)
    assert again.returncode == 0 and shot.exists(), again.stderr[-2000:]


def run_gui(env: dict[str, str], timeout: float = 150) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1600x1000x24",
            str(GUI),
            str(ROOT / "sample_images" / "nurses_station.jpg"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
