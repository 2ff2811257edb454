"""Why was something missed? Attribute every uncovered ground-truth item of a
benchmark run to a stage, so work goes where recall is lost.

    python -m benchmarks.diagnose [--set synthetic] [--crops DIR]
    python -m benchmarks.diagnose --set speed12 --seed 1025

Reads the regions a run left in benchmarks/_work/run/<set>.regions.json, re-runs
OCR on the images with a miss, and sorts each missed PHI word into:
- ocr-missed: no OCR word overlaps it (the engine never saw it);
- not-flagged: OCR read it, no finding touches it (a classifier said no);
- partly-covered: a finding touches it but covers < 85% of it (geometry).
Faces and barcodes are reported by size and coverage. Prints counts only;
`--crops` saves an image of each miss for a person to look at (the synthetic
sets hold no real PHI).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from benchmarks import datasets, score
from benchmarks.run import WORK

_LOADERS = {
    "icdar2015": datasets.load_icdar2015,
    "faces_dlib": datasets.load_faces_dlib,
    "dicom_burnin": datasets.load_dicom_burnin,
}


def _samples(name: str, seed: int) -> dict[str, datasets.Sample]:
    if name in ("synthetic", "speed12"):
        # speed12 is generated as synthetic-seed<1000 + seed>-n12-*; pass that seed.
        count = 40 if name == "synthetic" else 12
        folders = sorted(WORK.glob(f"synthetic-seed{seed}-n{count}-*"), key=lambda p: p.stat().st_mtime)
        samples = datasets.load_synthetic(folders[-1])
    else:
        samples = _LOADERS[name]()
    return {str(s.image): s for s in samples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="synthetic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run", type=Path, default=WORK / "run")
    parser.add_argument("--crops", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="images to re-OCR (0: all with a miss)")
    args = parser.parse_args(argv)

    from phiscrub.imageio import load_image
    from phiscrub.ocr import get_engine

    run = json.loads((args.run / f"{args.set}.regions.json").read_text())
    samples = _samples(args.set, args.seed)
    engine = get_engine("rapidocr")
    causes: dict[str, Counter] = defaultdict(Counter)
    faces = Counter()
    examples: list[tuple[str, str, float, str]] = []
    done = 0
    for result in run["results"]:
        sample = samples.get(result["image"])
        if sample is None:
            continue
        gt = sample.gt
        regions = [r for r in result.get("regions", []) if r.get("redacted", True)]
        cov = score.Coverage(regions, int(gt["width"]), int(gt["height"]))
        missed = [
            w
            for w in gt.get("words", ())
            if w["kind"] in score.SCORED_KINDS and cov.fraction(w["polygon"]) < score.WORD_COVERED
        ]
        for face in gt.get("faces", ()):
            f = cov.fraction(score.box_points(face["box"]))
            size = "small(<60px)" if min(face["box"][2:]) < 60 else "large"
            faces[(size, "covered" if f >= score.FACE_COVERED else ("partly" if f > 0 else "missed"))] += 1
        if not missed or (args.limit and done >= args.limit):
            continue
        done += 1
        image = load_image(result["image"]).pixels
        lines = engine.read(image)
        word_cov = score.Coverage(
            [
                {"polygon": [list(p) for p in w.polygon.points], "redacted": True}
                for ln in lines
                for w in ln.words
            ],
            int(gt["width"]),
            int(gt["height"]),
        )
        for w in missed:
            f = cov.fraction(w["polygon"])
            seen = word_cov.fraction(w["polygon"])
            cause = "partly-covered" if f > 0.05 else ("ocr-missed" if seen < 0.3 else "not-flagged")
            causes[w["kind"]][cause] += 1
            height = float(np.ptp(np.asarray(w["polygon"])[:, 1]))
            examples.append((w["kind"], cause, f, f"{Path(result['image']).name} h={height:.0f}"))
            if args.crops:
                _save_crop(args.crops, image, w, len(examples), cause)

    print("missed PHI words by kind and cause:")
    for kind, counter in sorted(causes.items()):
        print(f"  {kind:8s} " + ", ".join(f"{c}={n}" for c, n in counter.most_common()))
    total = sum((c for c in causes.values()), Counter())
    print("  total    " + ", ".join(f"{c}={n}" for c, n in total.most_common()))
    print("faces:", ", ".join(f"{k[0]} {k[1]}={n}" for k, n in sorted(faces.items())))
    return 0


def _save_crop(folder: Path, image: np.ndarray, word: dict, index: int, cause: str) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    pts = np.asarray(word["polygon"])
    x0, y0 = np.maximum(pts.min(axis=0).astype(int) - 40, 0)
    x1, y1 = pts.max(axis=0).astype(int) + 40
    Image.fromarray(image[y0:y1, x0:x1]).save(folder / f"{index:04d}-{word['kind']}-{cause}.png")


if __name__ == "__main__":
    raise SystemExit(main())
