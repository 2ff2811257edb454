"""A light stand-in for the Scanner, for tests about the queue rather than detection.

It flags each pure-red square as a name (score 0.9) and each pure-blue square as a
face it is unsure of (score 0.5: "check me"). It is picklable and imports no Qt, so the
core's batch can send it to spawned worker processes like the real Scanner.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image

from phiscrub.models import Box, Finding, Kind, ScanResult

RED = (230, 20, 20)
BLUE = (20, 20, 230)


class FakeScanner:
    engine_name = "fake"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    def with_threads(self, _threads):
        return self

    def warm_up(self) -> None:
        pass

    def scan(self, pixels: np.ndarray) -> ScanResult:
        time.sleep(self.delay)
        red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
        blue = (pixels[..., 2] > 200) & (pixels[..., 0] < 60) & (pixels[..., 1] < 60)
        findings = []
        for mask, kind, score in ((red, Kind.NAME, 0.9), (blue, Kind.FACE, 0.5)):
            if mask.any():
                ys, xs = np.nonzero(mask)
                box = Box.from_corners(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
                findings.append(Finding(kind, box.to_polygon(), score, "fake"))
        h, w = pixels.shape[:2]
        return ScanResult(width=w, height=h, findings=tuple(findings))


def two_squares(path: Path) -> Path:
    """A photo with a sure finding (red: a name at 0.9) and an unsure one (blue: a face at 0.5)."""
    img = np.full((120, 160, 3), (100, 110, 120), np.uint8)
    img[10:34, 10:42] = RED
    img[60:90, 90:130] = BLUE
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)
    return path


def make_photos(folder: Path, n: int, *, size=(160, 120), corrupt: tuple[str, ...] = ()) -> list[Path]:
    """`n` small photos, each a grey field with a red square somewhere, plus corrupt files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    paths = []
    w, h = size
    for i in range(n):
        pixels = np.full((h, w, 3), (90 + i % 50, 110, 120), np.uint8)
        x, y = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 30))
        pixels[y : y + 24, x : x + 32] = RED
        path = folder / f"photo_{i:04d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    for name in corrupt:
        (folder / name).write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    return paths


class FakeVerifier:
    """Stands in for phiscrub.verify.Verifier, for tests about what the app does with a
    verification rather than about detection. It re-reads each export in full (so a
    half-written file would fail), takes `delay` seconds, and still "finds" `count`
    findings of `kind` in exports whose file name contains a key of `warn`."""

    engines = ("fake",)

    def __init__(self, delay: float = 0.0, warn: dict[str, tuple[str, int]] | None = None) -> None:
        self.delay = delay
        self.warn = warn or {}
        self.verified: list[Path] = []

    def verify(self, path, regions=()):
        from phiscrub.imageio import load_image
        from phiscrub.models import Box
        from phiscrub.verify import Verification, VerifyWarning

        time.sleep(self.delay)
        load_image(path)
        self.verified.append(Path(path))
        found = next((v for k, v in self.warn.items() if k in Path(path).name), None)
        if found is None:
            return Verification(self.engines)
        kind, count = found
        warnings = tuple(VerifyWarning(kind, Box(5 + 10 * i, 5, 8, 8), "fake", 0.9) for i in range(count))
        return Verification(self.engines, warnings)
