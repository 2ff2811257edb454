"""The CLI over one folder holding every hostile, odd and dirty file of this suite:
exit 1, one clear error per bad file, clean redacted outputs for all the rest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from phiscrub import manifest
from phiscrub.cli import main
from phiscrub.imageio import verify_clean
from tests.conftest import font
from tests.safety import fixtures as fx
from tests.safety.fixtures import FORBIDDEN
from tests.safety.test_hostile_input import BAD_FILES, MODES, _mode_image


def _label(path: Path) -> Path:
    im = Image.new("RGB", (420, 120), (240, 240, 235))
    ImageDraw.Draw(im).text((16, 36), "MRN: 00482913", fill=(10, 10, 10), font=font(40))
    fx.dirty_jpeg(path, im=im)
    return path


def test_cli_over_a_folder_of_everything(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, (make, _) in BAD_FILES.items():
        make(src / name)
    for name, make in fx.DIRTY_ORIGINALS.items():
        make(src / name)
    for mode, suffix in MODES.items():
        path = src / f"mode-{mode.replace(';', '_')}{suffix}"
        _mode_image(mode).save(path, **({"transparency": 0} if mode == "P" else {}))
    _label(src / "-label.jpg")
    (src / "sub").mkdir()
    fx.photo().save(src / "sub" / "phone.jpg")  # named on its own; same name as a dirty original
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.rglob("*") if p.is_file()}
    good = len(fx.DIRTY_ORIGINALS) + len(MODES) + 2
    out, report = tmp_path / "out", tmp_path / "report.json"

    code = main(
        ["redact", "--trust-unreviewed", "-q", "--no-faces", "-j", "1"]
        + ["--out", str(out), "--report", str(report), str(src)]
        + [str(src / "sub" / "phone.jpg")]
    )

    assert code == 1
    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if ": ERROR: " in line]
    assert len(error_lines) == len(BAD_FILES)
    for name, (_, message) in BAD_FILES.items():
        [line] = [line for line in error_lines if line.startswith(f"{src / name}: ERROR: ")]
        assert message in line
    assert f"{good} of {good + len(BAD_FILES)} photos redacted and exported" in err

    entries = json.loads(report.read_text())["images"]
    outputs = [Path(e["output"]) for e in entries if e["status"] == "ok"]
    assert len(outputs) == good and all(e["output"] is None for e in entries if e["status"] == "error")
    assert sorted(p for p in out.rglob("*") if p.is_file() and p.name != manifest.NAME) == sorted(outputs)
    for path in outputs:
        verify_clean(path)
        data = path.read_bytes()
        assert not [n for n in FORBIDDEN if n in data], path.name
    label = next(e for e in entries if e["source"].endswith("-label.jpg"))
    assert {r["kind"] for r in label["regions"]} == {"id"}
    covered = np.asarray(Image.open(label["output"]).convert("L"))[36:90, 16:400]
    assert (covered < 40).mean() > 0.5  # the number is under the fill
    assert "00482913" not in report.read_text()
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.rglob("*") if p.is_file()}
