"""EasyOCR engine: weights are checked before torch.load ever sees them."""

from __future__ import annotations

import shutil
import sys

import pytest
from ocr_synth import missed, name_card_image

from phiscrub.ocr import EngineUnavailable, get_engine

easy = pytest.importorskip("phiscrub.ocr.easy")
try:
    WEIGHTS = easy.default_weights_dir()
    EXPECTED = easy.expected_weights()
except EngineUnavailable:  # pragma: no cover - the optional extra is not installed
    pytest.skip("easyocr or its offline weights are not installed", allow_module_level=True)


def _copy_weights(tmp_path):
    for name in EXPECTED:
        shutil.copyfile(WEIGHTS / name, tmp_path / name)
    return tmp_path


def test_published_md5_sums_are_read_from_easyocr_config():
    assert EXPECTED["craft_mlt_25k.pth"].startswith("2f8227d2")
    assert EXPECTED["english_g2.pth"].startswith("5864788e")


def test_packaged_weights_match_the_published_sums():
    easy.verify_weights(WEIGHTS)


@pytest.mark.parametrize("filename", ["english_g2.pth", "craft_mlt_25k.pth"])
def test_a_tampered_weight_file_is_refused_before_it_is_loaded(tmp_path, monkeypatch, filename):
    weights = _copy_weights(tmp_path)
    with (weights / filename).open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    # Nothing may unpickle the file: fail loudly if anything reaches torch.load.
    torch = pytest.importorskip("torch")

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load called on unverified weights")

    monkeypatch.setattr(torch, "load", forbidden)
    with pytest.raises(EngineUnavailable, match="md5"):
        easy.EasyOcrEngine(weights_dir=weights)


def test_a_missing_weight_file_is_refused(tmp_path):
    weights = _copy_weights(tmp_path)
    (weights / "english_g2.pth").unlink()
    with pytest.raises(EngineUnavailable, match="missing"):
        get_engine("easyocr", weights_dir=str(weights))


def test_easyocr_and_torch_are_not_imported_by_the_registry():
    import subprocess

    code = (
        "import sys; from phiscrub.ocr import get_engine, ENGINE_NAMES; "
        "get_engine('rapidocr'); "
        "assert 'torch' not in sys.modules and 'easyocr' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_reads_the_name_card_offline():
    engine = get_engine("easyocr")
    image, drawn = name_card_image(0, size=28, canvas=(640, 300))
    lines = engine.read(image)
    key = [d for d in drawn if d.text in {"SMITH,", "JOHN", "00482913"}]
    assert missed(lines, key, min_cover=0.7) == []
    assert all(w.engine == "easyocr" for line in lines for w in line.words)
