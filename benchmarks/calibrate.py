"""Measure the activation ranges phiscrub's int8 detector is built from.

    python -m benchmarks.calibrate

runs the float detector the way a scan does (main pass, turned passes,
zoomed areas, second looks) over the first 8 photos of two 12 MP synthetic
sets (seeds 1011 and 1012, which no report of record uses), records every
input it is given, and writes the minimum and maximum of every activation
over them to phiscrub/data/int8-ranges-det.json (phiscrub/int8.py builds
the int8 model from it on the user's machine). Re-run it when the detector
model or the recipe in phiscrub/int8.py changes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks import datasets
from benchmarks.run import synthetic_set
from phiscrub import int8
from phiscrub.imageio import load_image
from phiscrub.ocr import rapid
from phiscrub.ort import with_fused_hardswish

SEEDS = (1011, 1012)
PHOTOS_PER_SEED = 8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=int8.ranges_path("det"))
    args = parser.parse_args(argv)

    engine = rapid.RapidOcrEngine(int8=False)
    with tempfile.TemporaryDirectory(prefix="phiscrub-calibrate-") as tmp:
        saved: list[Path] = []
        detector = engine._det

        def recording(blob: np.ndarray) -> np.ndarray:
            path = Path(tmp) / f"{len(saved):05d}.npy"
            np.save(path, blob)
            saved.append(path)
            return detector(blob)

        engine._det = recording
        for seed in SEEDS:
            folder = synthetic_set(seed, 12, (12.0, 12.0))
            for sample in list(datasets.load_synthetic(folder))[:PHOTOS_PER_SEED]:
                engine.read(load_image(sample.image).pixels)
        print(f"{len(saved)} detector inputs recorded", flush=True)
        model = with_fused_hardswish(rapid._model_path(rapid._DET_MODEL))
        model = model if isinstance(model, bytes) else Path(model).read_bytes()
        name = detector.session.get_inputs()[0].name
        int8.calibrate(model, ({name: np.load(p)} for p in saved), args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
