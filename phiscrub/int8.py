"""int8 copies of phiscrub's float models, built on the user's machine.

No model weights ship with phiscrub (they come from the packages that own
them), so an int8 model cannot ship either. What ships is small: the range
of every activation of a model, measured once on the benchmark's synthetic
12 MP photos (`benchmarks/calibrate.py`) and kept in `phiscrub/data/`. From
those ranges and the packaged float model, onnxruntime's own quantiser
builds the int8 model (static, QDQ, weights per channel) the first time it
is needed; the result is cached under the user's cache folder, keyed by the
float model, the ranges and the onnx and onnxruntime versions, so it is
built once per install and rebuilt when any of them changes.

Weights are 8-bit and signed, activations 8-bit unsigned. On x86 CPUs
without VNNI onnxruntime multiplies those with an instruction that saturates
pairs of products at 16 bits, and the ways around it cost what int8 saves
(measured: unsigned weights ran the detector in 0.294 s against 0.203 s and
0.349 s in float) or recall (over eight synthetic sets the float detector
covered 11,499 PHI words, 8-bit weights 11,503 and 7-bit ones 11,480). So
the int8 model is meant for x86-64 CPUs with VNNI, where it was measured;
it runs only when asked for (`preferred` says why). Anything that goes wrong
while building (an onnxruntime too old for stored ranges, a model the ranges do
not fit) leaves the float model in use and says so in the log: a slower
scan, never a different kind of failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Bump when the steps below change, so caches built the old way are not reused.
_RECIPE = 1
_OPSET = 17  # the quantiser's per-channel QDQ needs opset 13+; 17 is what was measured
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where built int8 models are kept: $PHISCRUB_CACHE_DIR, else the platform's
    per-user cache folder."""
    env = os.environ.get("PHISCRUB_CACHE_DIR")
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "phiscrub" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "phiscrub"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "phiscrub"


def preferred() -> bool:
    """Whether to run int8 models when the caller does not say: only when
    $PHISCRUB_INT8 is "1". Off by default: with it on, the benchmark's real
    CT frames with burned-in text (dicom_burnin) lost 5 of the 190 PHI words
    the float detector covers (184 against 189), and its small white print
    on black is nothing like the synthetic photos the ranges were measured
    on. On x86 CPUs without VNNI int8 was not measured at all.
    benchmarks/NOTES.md, sessions 15 and 16."""
    return os.environ.get("PHISCRUB_INT8", "").strip() == "1"


def ranges_path(name: str) -> Path:
    """The shipped activation ranges of model `name` (e.g. "det")."""
    return Path(str(resources.files("phiscrub") / "data" / f"int8-ranges-{name}.json"))


def _settings() -> dict[str, Any]:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

    return {
        "quant_format": QuantFormat.QDQ,
        "per_channel": True,
        "reduce_range": False,
        "activation_type": QuantType.QUInt8,
        "weight_type": QuantType.QInt8,
        "calibrate_method": CalibrationMethod.MinMax,
    }


def _prepare(model: bytes, folder: Path) -> Path:
    """The float model as the quantiser wants it (shapes inferred, graph
    optimised, opset raised), written into `folder`."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization.shape_inference import quant_pre_process

    source = folder / "float.onnx"
    source.write_bytes(model)
    pre = folder / "pre.onnx"
    quant_pre_process(str(source), str(pre), skip_symbolic_shape=True)
    proto = onnx.load(str(pre))
    opset = max((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < _OPSET:
        proto = version_converter.convert_version(proto, _OPSET)
    out = folder / "prepared.onnx"
    onnx.save(proto, str(out))
    return out


def calibrate(model: bytes, inputs: Iterable[dict[str, Any]], out: Path, chunk: int = 8) -> None:
    """Measure the activation ranges of `model` over `inputs` (feeds of the
    model's input name to a float32 array) and write them to `out`.

    The calibrator keeps every activation of every input it is given in
    memory, and its own way of merging ranges as it goes
    (CalibMaxIntermediateOutputs) gave an empty range for the detector's
    output in onnxruntime 1.32; so it sees `chunk` inputs at a time and the
    ranges are merged here."""
    import numpy as np
    from onnxruntime.quantization import CalibrationDataReader, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self, feeds: list[dict[str, Any]]) -> None:
            self._it = iter(feeds)

        def get_next(self) -> dict[str, Any] | None:
            return next(self._it, None)

    merged: dict[str, Any] | None = None
    feeds = iter(inputs)
    with tempfile.TemporaryDirectory(prefix="phiscrub-int8-") as tmp:
        prepared = _prepare(model, Path(tmp))
        while batch := [feed for _, feed in zip(range(chunk), feeds, strict=False)]:
            part = Path(tmp) / "ranges.json"
            part.unlink(missing_ok=True)
            quantize_static(
                str(prepared),
                str(Path(tmp) / "int8.onnx"),
                Reader(batch),
                calibration_cache_path=str(part),
                **_settings(),
            )
            ranges = json.loads(part.read_text(encoding="utf-8"))
            if merged is None:
                merged = ranges
                continue
            for name, found in ranges["data"].items():
                kept = merged["data"][name]
                kept["lowest"]["data"] = np.minimum(kept["lowest"]["data"], found["lowest"]["data"]).tolist()
                kept["highest"]["data"] = np.maximum(
                    kept["highest"]["data"], found["highest"]["data"]
                ).tolist()
    if merged is None:
        raise ValueError("no calibration inputs")
    # Sorted and one value a line, so a re-run diffs cleanly.
    Path(out).write_text(json.dumps(merged, sort_keys=True, indent=0) + "\n", encoding="utf-8")


def _key(model: bytes, ranges: bytes) -> str:
    import onnx
    import onnxruntime

    digest = hashlib.sha256()
    for part in (
        model,
        ranges,
        onnx.__version__.encode(),
        onnxruntime.__version__.encode(),
        bytes([_RECIPE]),
    ):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:20]


def _build(model: bytes, ranges: Path, out: Path) -> None:
    import onnxruntime
    from onnxruntime.quantization import quantize_static

    # The graph optimiser warns of every unused constant in the exported model.
    onnxruntime.set_default_logger_severity(3)
    try:
        with tempfile.TemporaryDirectory(prefix="phiscrub-int8-") as tmp:
            prepared = _prepare(model, Path(tmp))
            # The quantiser reads the ranges as its calibration cache; a copy, so
            # nothing can ever write to the shipped file.
            cache = Path(tmp) / "ranges.json"
            cache.write_bytes(ranges.read_bytes())
            with _quantiser_quiet():
                quantize_static(
                    str(prepared), str(out), None, calibration_cache_path=str(cache), **_settings()
                )
    finally:
        onnxruntime.set_default_logger_severity(2)  # onnxruntime's default
    _check_covered(out)


@contextlib.contextmanager
def _quantiser_quiet() -> Iterator[None]:
    """Keep the quantiser's notes on the weights it leaves per tensor ("Axis 1
    is out-of-range for weight ...") off the user's console. It logs them on
    the root logger with logging.warning, which also calls basicConfig when
    the root logger has no handler, and so would change how the whole app
    logs. Other root records pass; so does everything logged by name."""

    def not_the_quantiser(record: logging.LogRecord) -> bool:
        return "quantization" not in Path(record.pathname).parts

    root = logging.getLogger()
    guard = logging.NullHandler()  # a handler present: no basicConfig
    root.addHandler(guard)
    root.addFilter(not_the_quantiser)
    try:
        yield
    finally:
        root.removeFilter(not_the_quantiser)
        root.removeHandler(guard)


def _check_covered(path: Path) -> None:
    """Raise unless every convolution of the int8 model at `path` runs on
    quantised inputs (a range missing for a tensor leaves its op in float)."""
    import onnx

    proto = onnx.load(str(path))
    producer = {out: node.op_type for node in proto.graph.node for out in node.output}
    floats = [
        node.name
        for node in proto.graph.node
        if node.op_type in ("Conv", "ConvTranspose") and producer.get(node.input[0]) != "DequantizeLinear"
    ]
    if floats:
        raise ValueError(f"{len(floats)} convolutions left in float (first: {floats[0]})")


def int8_model(name: str, model: bytes | str) -> bytes | None:
    """The int8 copy of `model` (its bytes or path) built from the ranges
    shipped for `name`, from the cache when it was built before; None (and a
    log line saying why) when it cannot be built here."""
    try:
        data = model if isinstance(model, bytes) else Path(model).read_bytes()
        ranges = ranges_path(name)
        key = _key(data, ranges.read_bytes())
    except (OSError, ImportError) as exc:
        log.info("int8 %s model not available (%s); using the float model", name, exc)
        return None
    folder = cache_dir()
    cached = folder / f"{name}-int8-{key}.onnx"
    with _lock:
        if cached.is_file():
            try:
                return cached.read_bytes()
            except OSError:
                pass
        try:
            with tempfile.TemporaryDirectory(prefix="phiscrub-int8-") as tmp:
                built = Path(tmp) / "int8.onnx"
                _build(data, ranges, built)
                result = built.read_bytes()
        except Exception as exc:  # the quantiser raises many types; the float model still works
            log.warning(
                "could not build the int8 %s model (%s: %s); using the float model",
                name,
                type(exc).__name__,
                exc,
            )
            return None
        tmp_name = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(result)
            os.replace(tmp_name, cached)
        except OSError as exc:  # a read-only home or a full disk: build again next time
            log.info("could not cache the int8 %s model in %s (%s)", name, folder, exc)
            if tmp_name is not None:
                Path(tmp_name).unlink(missing_ok=True)
        return result
