"""phiscrub.ort: the shared session setup and the hard-swish rewrite of PP-OCR."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from phiscrub.ocr.rapid import _DET_MODEL, _REC_MODEL, _model_path
from phiscrub.ort import cpu_session, session_options, with_fused_hardswish


@pytest.mark.parametrize("model, shape", [(_REC_MODEL, (2, 3, 48, 320)), (_DET_MODEL, (1, 3, 320, 480))])
def test_the_rewritten_model_computes_the_same(model, shape):
    path = _model_path(model)
    fused = with_fused_hardswish(path)
    assert isinstance(fused, bytes)
    ops = [node.op_type for node in onnx.load_from_string(fused).graph.node]
    assert "Clip" not in ops and ops.count("HardSigmoid") >= 20
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    plain, rewritten = cpu_session(path, session_options(1)), cpu_session(fused, session_options(1))
    name = plain.get_inputs()[0].name
    a, b = plain.run(None, {name: x})[0], rewritten.run(None, {name: x})[0]
    assert np.allclose(a, b, atol=1e-4)


def test_a_model_without_the_pattern_is_returned_as_it_was(tmp_path):
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    path = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph), str(path))
    assert with_fused_hardswish(str(path)) == str(path)
