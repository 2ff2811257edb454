"""Write the five synthetic workplace photos in sample_images/ (deterministic).

    .venv/bin/python scripts/make_sample_images.py

They come from benchmarks/synth.py with fake (Faker) patients and the only face
that may ship with the repo: Eileen Collins in skimage.data.astronaut(), a
public-domain NASA photo. `ward_sideways.jpg` is stored sideways with EXIF
Orientation=6 and a GPS position, to show that phiscrub turns it upright and
strips the metadata. Each photo's ground truth is written next to it as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import synth  # noqa: E402 - needs the repo on sys.path first

OUT = REPO / "sample_images"
QUALITY = 85
# name, seed, (width, height), elements
SAMPLES = (
    ("nurses_station.jpg", 101, (2000, 1500), ("whiteboard", "sign", "badge", "room", "face")),
    ("bedside_wristband.jpg", 102, (1800, 1350), ("wristband", "label", "sign", "face")),
    ("ehr_screen_dark.jpg", 103, (2200, 1650), ("ehr", "sign", "label")),
    ("chart_labels.jpg", 104, (1600, 1200), ("label", "label", "wristband", "room")),
    ("ward_sideways.jpg", 105, (2000, 1500), ("ehr", "whiteboard", "badge", "sign")),
)
SIDEWAYS = "ward_sideways.jpg"
# A made-up position (a park in Boston), degrees/minutes/seconds as EXIF rationals.
GPS = {1: "N", 2: (42.0, 21.0, 18.0), 3: "W", 4: (71.0, 3.0, 54.0)}


def _exif_sideways() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "phiscrub sample"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update(GPS)
    return exif.tobytes()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    faces = synth.FaceBank.astronaut_only()
    for name, seed, (w, h), elements in SAMPLES:
        options = synth.Options(turn=0, noise_max=2.5, min_font=16, elements=elements)
        if name == "ehr_screen_dark.jpg":
            seed = _seed_with_dark_screen(seed, w, h, faces, options)
        photo = synth.generate_photo(seed, w, h, faces, options)
        dest = OUT / name
        if name == SIDEWAYS:
            # Stored turned 90° counter-clockwise; Orientation=6 tells viewers to turn it back.
            stored = np.ascontiguousarray(np.rot90(photo.pixels, 1))
            Image.fromarray(stored).save(dest, quality=QUALITY, exif=_exif_sideways())
        else:
            Image.fromarray(photo.pixels).save(dest, quality=QUALITY, optimize=True)
        gt = dict(photo.gt, exif_orientation=6 if name == SIDEWAYS else None)
        dest.with_suffix(".json").write_text(json.dumps(gt, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"{dest.relative_to(REPO)}: {dest.stat().st_size // 1024} KB")


def _seed_with_dark_screen(seed: int, w: int, h: int, faces: synth.FaceBank, options: synth.Options) -> int:
    """The first seed from `seed` on whose EHR screen is in dark mode (deterministic)."""
    for s in range(seed, seed + 50):
        if "ehr_dark" in synth.generate_photo(s, w, h, faces, options).gt["elements"]:
            return s
    return seed


if __name__ == "__main__":
    main()
