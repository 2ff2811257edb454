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
