"""The batch generator shared by the CLI and the app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from phiscrub.batch import collect_inputs, process
from phiscrub.scan import Scanner
from tests.conftest import draw_card


def _folder(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    card = Image.fromarray(draw_card(["MRN: 00482913"], canvas=(600, 400)))
    card.save(src / "a.jpg")
    card.save(src / "a.png")
    card.save(src / "A.JPEG")
    card.save(src / "sub" / "a.jpg")
    (src / "bad.jpg").write_bytes(b"")
    (src / "notes.txt").write_text("not a photo")
    return src


def test_folder_collects_images_only_and_recursive_is_opt_in(tmp_path):
    src = _folder(tmp_path)
    flat = [i.path.name for i in collect_inputs([src])]
    assert sorted(flat) == ["A.JPEG", "a.jpg", "a.png", "bad.jpg"]
    deep = collect_inputs([src], recursive=True)
    assert any(i.subdir == Path("sub") for i in deep)


def test_output_folder_inside_the_input_is_not_rescanned(tmp_path):
    src = _folder(tmp_path)
    (src / "clean").mkdir()
    Image.new("RGB", (10, 10)).save(src / "clean" / "old.jpg")
    found = collect_inputs([src], recursive=True, exclude=[src / "clean"])
    assert all("clean" not in i.path.parts for i in found)


def test_same_stem_files_and_case_twins_never_overwrite_each_other(tmp_path):
    src = _folder(tmp_path)
    out = tmp_path / "out"
    scanner = Scanner(None, faces=False, codes=False)
    results = list(process(collect_inputs([src], recursive=True), scanner, out_dir=out))
    outputs = [r.output for r in results if r.ok]
    assert len(outputs) == 4
    assert len({str(p).lower() for p in outputs}) == 4
    assert all(p.is_file() for p in outputs)
    bad = [r for r in results if not r.ok]
    assert [r.input.path.name for r in bad] == ["bad.jpg"] and bad[0].error


def test_two_workers_give_the_same_results_in_input_order(tmp_path):
    src = _folder(tmp_path)
    inputs = collect_inputs([src], recursive=True)
    scanner = Scanner("rapidocr", faces=False, codes=False)
    one = list(process(inputs, scanner, out_dir=tmp_path / "one"))
    two = list(process(inputs, scanner, out_dir=tmp_path / "two", workers=2))
    assert [r.input for r in one] == [r.input for r in two]
    assert [r.status for r in one] == [r.status for r in two]
    assert [len(r.regions) for r in one] == [len(r.regions) for r in two]
    assert any(r.regions for r in two)
    for a, b in zip(one, two, strict=True):
        if a.ok:
            pa = np.asarray(Image.open(a.output))
            pb = np.asarray(Image.open(b.output))
            assert pa.shape == pb.shape and np.abs(pa.astype(int) - pb.astype(int)).mean() < 1.0


def test_closing_the_generator_early_shuts_the_workers_down_cleanly(tmp_path):
    src = _folder(tmp_path)
    inputs = collect_inputs([src], recursive=True)
    gen = process(inputs, Scanner(None, faces=False, codes=False), out_dir=tmp_path / "out", workers=2)
    first = next(gen)
    gen.close()
    assert first.input == inputs[0]
