"""Loaders for the real evaluation sets in the shared data folder.

Each loader returns a list of `Sample(image, gt)` where `gt` has the same
shape as the synthetic ground truth (see benchmarks/synth.py), so one scorer
serves every set. The data are read in place and never copied into the repo;
`PHISCRUB_SHARED_DATA` overrides the folder.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from benchmarks.synth import shared_data_dir

# dicom_burnin annotation keys -> scored kinds. Institution, age and sex are not
# among the identifiers phiscrub promises to find, so they are not scored.
DICOM_KINDS = {
    "Name": "name",
    "Patient Name": "name",
    "DOB": "date",
    "Patient Birth Date": "date",
    "Study Date": "date",
    "Series Date": "date",
    "Acquisition Date": "date",
    "Patient ID": "id",
    "Accession Number": "id",
    "Institution Name": "either",
    "Age": "either",
    "Patient Age": "either",
    "Patient Sex": "either",
}


@dataclass(frozen=True)
class Sample:
    image: Path
    gt: dict


def _quad(x1: float, y1: float, x2: float, y2: float) -> list[list[float]]:
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def load_icdar2015(data_dir: Path | None = None, limit: int | None = None) -> list[Sample]:
    """ICDAR 2015 incidental scene text: every legible word is kind "text";
    "###" (illegible) words are "either" (don't care)."""
    root = (data_dir or shared_data_dir()) / "icdar2015"
    gt_files = sorted((root / "gt").glob("gt_img_*.txt"), key=lambda p: int(re.findall(r"\d+", p.stem)[0]))
    samples = []
    for gt_file in gt_files[:limit]:
        number = re.findall(r"\d+", gt_file.stem)[0]
        image = root / "images" / f"img_{number}.jpg"
        if not image.is_file():
            continue
        words = []
        for line in gt_file.read_text(encoding="utf-8-sig").splitlines():
            parts = line.strip().split(",", 8)
            if len(parts) < 9:
                continue
            xy = [float(v) for v in parts[:8]]
            text = parts[8]
            words.append(
                {
                    "text": text,
                    "polygon": [[xy[i], xy[i + 1]] for i in range(0, 8, 2)],
                    "kind": "either" if text == "###" else "text",
                }
            )
        width, height = _image_size(image)
        samples.append(
            Sample(image, {"width": width, "height": height, "words": words, "faces": [], "barcodes": []})
        )
    return samples


def load_faces_dlib(data_dir: Path | None = None, limit: int | None = None) -> list[Sample]:
    """dlib's annotated face photos (imglab XML), plus dogs.jpg as a photo with no face.
    Photos in the folder without annotations are skipped: their faces are unknown."""
    root = (data_dir or shared_data_dir()) / "faces_dlib"
    samples = []
    for name in ("training.xml", "testing.xml"):
        xml = root / name
        if not xml.is_file():
            continue
        for el in ET.parse(xml).getroot().iter("image"):
            image = root / el.get("file", "")
            if not image.is_file():
                continue
            faces = [
                {
                    "box": [
                        float(b.get("left")),
                        float(b.get("top")),
                        float(b.get("width")),
                        float(b.get("height")),
                    ]
                }
                for b in el.iter("box")
                if b.get("ignore") not in ("1", "true")
            ]
            width, height = _image_size(image)
            samples.append(
                Sample(image, {"width": width, "height": height, "words": [], "faces": faces, "barcodes": []})
            )
    negative = root / "dogs.jpg"
    if negative.is_file():
        width, height = _image_size(negative)
        samples.append(
            Sample(negative, {"width": width, "height": height, "words": [], "faces": [], "barcodes": []})
        )
    return samples[:limit]


def load_dicom_burnin(data_dir: Path | None = None, limit: int | None = None) -> list[Sample]:
    """Burned-in text on medical images. Each annotated value is one ground-truth item
    (the set gives one box per value, e.g. a whole name); boxes not inside the image are skipped."""
    root = (data_dir or shared_data_dir()) / "dicom_burnin"
    samples = []
    for js in sorted(root.glob("*.json"))[:limit]:
        image = js.with_suffix(".jpg")
        if not image.is_file():
            continue
        width, height = _image_size(image)
        words = []
        for ann in json.loads(js.read_text(encoding="utf-8")).get("annotation", []):
            key = ann.get("key", {}).get("text", "")
            value = ann.get("value", {})
            bbox = value.get("bbox")
            if not bbox or len(bbox) != 4:
                continue
            x1, y1, x2, y2 = (float(v) for v in bbox)
            if x1 < 0 or y1 < 0 or x2 > width or y2 > height or x2 <= x1 or y2 <= y1:
                continue
            words.append(
                {
                    "text": value.get("text", ""),
                    "polygon": _quad(x1, y1, x2, y2),
                    "kind": DICOM_KINDS.get(key, "either"),
                    "field": key,
                }
            )
        samples.append(
            Sample(image, {"width": width, "height": height, "words": words, "faces": [], "barcodes": []})
        )
    return samples


def load_synthetic(folder: Path) -> list[Sample]:
    """A folder written by benchmarks.synth.generate."""
    return [
        Sample(jpg, json.loads(jpg.with_suffix(".json").read_text(encoding="utf-8")))
        for jpg in sorted(Path(folder).glob("*.jpg"))
        if jpg.with_suffix(".json").is_file()
    ]
