"""phiscrub.int8: the int8 detector built from the shipped ranges, cached, and
never the cause of a failure (the float model takes over)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest

from phiscrub import int8
from phiscrub.ocr.rapid import _DET_MODEL, RapidOcrEngine, _model_path
from phiscrub.ort import cpu_session, session_options, with_fused_hardswish
from tests.conftest import draw_card


@pytest.fixture(scope="module")
def det_model() -> bytes:
    model = with_fused_hardswish(_model_path(_DET_MODEL))
    assert isinstance(model, bytes)
    return model


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PHISCRUB_CACHE_DIR", str(folder))
    return folder


def test_the_int8_detector_is_built_once_and_then_read_from_the_cache(det_model, cache, monkeypatch):
    built = int8.int8_model("det", det_model)
    assert built is not None
    (cached,) = cache.glob("det-int8-*.onnx")
    assert cached.read_bytes() == built

    ops = [node.op_type for node in onnx.load_from_string(built).graph.node]
    float_ops = [node.op_type for node in onnx.load_from_string(det_model).graph.node]
    assert ops.count("Conv") == float_ops.count("Conv") > 50
    assert ops.count("DequantizeLinear") > ops.count("Conv")  # weights and activations both

    def no_build(*args):
        raise AssertionError("built again")

    monkeypatch.setattr(int8, "_build", no_build)
    assert int8.int8_model("det", det_model) == built


def test_building_says_nothing_on_the_console_and_leaves_logging_as_it_was(tmp_path):
    # A fresh process, as the CLI's first scan: the quantiser's notes go to the
    # root logger with logging.warning, which would also set up console logging.
    code = (
        "import logging, sys\n"
        "from phiscrub import int8\n"
        "from phiscrub.ocr.rapid import _DET_MODEL, _model_path\n"
        "from phiscrub.ort import with_fused_hardswish\n"
        "assert int8.int8_model('det', with_fused_hardswish(_model_path(_DET_MODEL))) is not None\n"
        "print(len(logging.getLogger().handlers), len(logging.getLogger().filters))\n"
    )
    env = {**os.environ, "PHISCRUB_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]
    assert "out-of-range" not in done.stderr and "WARNING" not in done.stderr, done.stderr
    assert list((tmp_path / "cache").glob("det-int8-*.onnx"))


def test_the_quiet_build_lets_other_root_records_through(caplog):
    with caplog.at_level(logging.WARNING), int8._quantiser_quiet():
        logging.warning("from phiscrub")
    assert [r.getMessage() for r in caplog.records] == ["from phiscrub"]


def test_the_int8_detector_finds_text_where_the_float_one_does(det_model, cache):
    # Print of several sizes on a card, in BGR normalised as the engine does.
    lines = ["Patient: Joan Bond", "DOB 03/14/1962", "MRN 00482913", "Rm 12B  Dr. Okafor"]
    image = draw_card(lines, size=28, canvas=(960, 640))[..., ::-1].astype(np.float32)
    blob = ((image - 127.5) / 127.5).transpose(2, 0, 1)[None].copy()
    maps = []
    for model in (det_model, int8.int8_model("det", det_model)):
        session = cpu_session(model, session_options(1))
        maps.append(session.run(None, {session.get_inputs()[0].name: blob})[0][0, 0] > 0.3)
    plain, quantised = maps
    assert plain.sum() > 5000
    assert (plain & quantised).sum() / (plain | quantised).sum() > 0.9


def test_ranges_that_do_not_fit_the_model_leave_the_float_model_in_use(
    det_model, cache, tmp_path, monkeypatch, caplog
):
    ranges = json.loads(int8.ranges_path("det").read_text(encoding="utf-8"))
    del ranges["data"][sorted(ranges["data"])[5]]
    bad = tmp_path / "ranges.json"
    bad.write_text(json.dumps(ranges), encoding="utf-8")
    monkeypatch.setattr(int8, "ranges_path", lambda name: bad)
    with caplog.at_level(logging.WARNING, logger="phiscrub.int8"):
        assert int8.int8_model("det", det_model) is None
    assert "using the float model" in caplog.text
    assert not list(cache.glob("*.onnx"))

    engine = RapidOcrEngine(int8=True)
    assert not engine.int8
    assert engine._float_detector() is engine._det


def test_missing_ranges_leave_the_float_model_in_use(det_model, cache, tmp_path, monkeypatch):
    monkeypatch.setattr(int8, "ranges_path", lambda name: tmp_path / "nowhere.json")
    assert int8.int8_model("det", det_model) is None


def test_a_cache_folder_that_cannot_be_written_still_gives_the_model(det_model, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("PHISCRUB_CACHE_DIR", str(blocked / "cache"))
    assert int8.int8_model("det", det_model) is not None
    assert blocked.read_text() == "not a folder"


def test_the_engine_detects_with_the_int8_model_where_preferred(cache, monkeypatch):
    assert RapidOcrEngine(int8=True).int8
    assert not RapidOcrEngine(int8=False).int8
    monkeypatch.setenv("PHISCRUB_INT8", "1")
    assert RapidOcrEngine().int8
    monkeypatch.setenv("PHISCRUB_INT8", "0")
    assert not RapidOcrEngine().int8


def test_int8_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("PHISCRUB_INT8", raising=False)
    assert not int8.preferred()
    assert not RapidOcrEngine().int8
    monkeypatch.setenv("PHISCRUB_INT8", "1")
    assert int8.preferred()
    monkeypatch.setenv("PHISCRUB_INT8", "yes")  # not a setting
    assert not int8.preferred()


def test_the_cache_key_follows_the_model_and_the_ranges(det_model):
    ranges = int8.ranges_path("det").read_bytes()
    key = int8._key(det_model, ranges)
    assert key == int8._key(det_model, ranges)
    assert key != int8._key(det_model + b"\0", ranges)
    assert key != int8._key(det_model, ranges + b" ")


def test_the_cache_folder_follows_the_platform(monkeypatch, tmp_path):
    monkeypatch.delenv("PHISCRUB_CACHE_DIR", raising=False)
    monkeypatch.setattr(int8.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert int8.cache_dir() == tmp_path / "phiscrub"
    monkeypatch.setattr(int8.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert int8.cache_dir() == tmp_path / "phiscrub" / "Cache"
