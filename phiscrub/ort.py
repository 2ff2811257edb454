"""onnxruntime sessions set up the same way for every model phiscrub runs.

Every model (RapidOCR's detector, classifier and recogniser, and CenterFace)
runs on onnxruntime's CPU provider with:
- one process-wide memory arena shared by all sessions, growing by what is
  asked for rather than doubling (`kSameAsRequested`). Each session's own
  arena held on to the largest blocks it ever needed, so the peaks of the
  detector, the recogniser and the face net added up;
- no memory pattern planning: it pre-allocates one block per input shape it
  has seen, and the photos, crops and second looks phiscrub feeds come in
  many shapes;
- worker threads that sleep instead of spinning while they wait, which
  matters on a 2-core machine shared with other processes.

Measured on 12 photos of 12 MP (seed 1001) on this 2-core machine: OCR alone
peaked at 1,046 MB with per-session arenas and memory patterns, 763 MB
without patterns, 695 MB with the shared arena as well; the time per photo
did not change beyond noise.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_registered = False
_lock = threading.Lock()


def _share_arena(onnxruntime: Any) -> bool:
    """Register the process-wide CPU arena once; False when this build cannot."""
    global _registered
    with _lock:
        if _registered:
            return True
        try:
            info = onnxruntime.OrtMemoryInfo(
                "Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, onnxruntime.OrtMemType.DEFAULT
            )
            # max memory 0 (no cap), strategy 1 = kSameAsRequested, defaults for the rest.
            onnxruntime.create_and_register_allocator(info, onnxruntime.OrtArenaCfg(0, 1, -1, -1))
        except Exception:  # an older or stripped build: fall back to per-session arenas
            return False
        _registered = True
        return True


def session_options(threads: int | None = None) -> Any:
    """SessionOptions for one of phiscrub's models (see the module docstring)."""
    import onnxruntime

    if threads is None:
        threads = max(1, min(4, os.cpu_count() or 1))
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1  # one graph runs at a time
    # Measured on a busy 2-core machine: spinning worker threads fight the
    # other processes (det 0.4 -> 0.27 s without), and running without any
    # arena re-allocates every run (det 1.3 -> 0.5 s with one).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.enable_cpu_mem_arena = True
    opts.enable_mem_pattern = False
    if _share_arena(onnxruntime):
        opts.add_session_config_entry("session.use_env_allocators", "1")
    opts.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return opts


def cpu_session(model: str | bytes, opts: Any) -> Any:
    """An InferenceSession on the CPU provider for a model path or serialized model."""
    import onnxruntime

    return onnxruntime.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])


def with_fused_hardswish(path: str) -> bytes | str:
    """The model at `path` with each hard-swish written out as Add, Clip, Mul and Div
    (x * clip(x + 3, 0, 6) / 6, as Paddle2ONNX exports it) replaced by HardSigmoid and
    Mul, which compute the same (alpha 1/6, beta 0.5) in two passes over the tensor
    instead of four. onnxruntime does not fuse this pattern itself, and in PP-OCRv4
    these element-wise ops took about 40% of the time. Measured on this 2-core
    machine: recogniser 119-124 -> 109 ms per batch of 8 lines at 480 px, detector
    232-252 -> 215-246 ms on a 1600 x 1216 copy; outputs differ by under 2e-6.

    Returns the path unchanged when `onnx` is missing or nothing matches."""
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        return path
    import numpy as np

    model = onnx.load(path)
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    initializers = {init.name: init for init in graph.initializer}

    def scalar(name: str) -> float | None:
        if name in initializers:
            value = numpy_helper.to_array(initializers[name])
        else:
            node = producer.get(name)
            if node is None or node.op_type != "Constant" or not node.attribute:
                return None
            value = numpy_helper.to_array(node.attribute[0].t)
        return float(np.ravel(value)[0]) if np.size(value) == 1 else None

    replaced: dict[int, list] = {}
    dropped: set[int] = set()
    for clip in graph.node:
        if clip.op_type != "Clip" or len(clip.input) != 3:
            continue
        add = producer.get(clip.input[0])
        if add is None or add.op_type != "Add" or len(consumers.get(add.output[0], ())) != 1:
            continue
        x = add.input[0]
        if (scalar(add.input[1]), scalar(clip.input[1]), scalar(clip.input[2])) != (3.0, 0.0, 6.0):
            continue
        muls = consumers.get(clip.output[0], [])
        if len(muls) != 1 or muls[0].op_type != "Mul" or set(muls[0].input) != {x, clip.output[0]}:
            continue
        divs = consumers.get(muls[0].output[0], [])
        if len(divs) != 1 or divs[0].op_type != "Div" or scalar(divs[0].input[1]) != 6.0:
            continue
        div = divs[0]
        gate = div.output[0] + "/hardsigmoid"
        replaced[id(div)] = [
            helper.make_node("HardSigmoid", [x], [gate], name=gate, alpha=1 / 6, beta=0.5),
            helper.make_node("Mul", [x, gate], [div.output[0]], name=div.output[0] + "/hardswish"),
        ]
        dropped |= {id(add), id(clip), id(muls[0])}
    if not replaced:
        return path
    nodes = []
    for node in graph.node:
        if id(node) in replaced:
            nodes.extend(replaced[id(node)])
        elif id(node) not in dropped:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model.SerializeToString()
