"""Run phiscrub end to end on the benchmark sets and write docs/BENCHMARKS.md.

    python -m benchmarks.run [--smoke] [--seed N] [--n N] [--engine rapidocr]
                             [--all-text-for-icdar | --no-all-text-for-icdar]

Sets: the seeded synthetic ward photos (generated once into benchmarks/_work/,
reused while the generator is unchanged), ICDAR 2015 (every legible word,
scanned in all-text mode by default), dlib's face photos and the DICOM
burn-in set (both in the default PHI mode).

Each set runs in a fresh worker process (`--worker`), so its timings include
nothing but phiscrub (load, scan, redact, export to a temp folder) and its
peak RSS is phiscrub's alone. Model loading is timed separately as startup.
`--smoke` runs a tiny subset in well under two minutes, for CI, and writes its
report under benchmarks/_work/ instead of docs/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import datasets, score, synth

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "_work"

SMOKE = {
    "synthetic": 3,
    "synthetic_mp": (2.0, 2.0),
    "icdar2015": 5,
    "faces_dlib": 3,
    "dicom_burnin": 5,
    "speed12": 2,
    "engines": 0,
}
FULL = {
    "speed12": 12,
    "synthetic": 40,
    "synthetic_mp": (6.0, 12.0),
    "icdar2015": None,
    "faces_dlib": None,
    "dicom_burnin": None,
    "engines": 6,
}


# --------------------------------------------------------------------------- worker (child process)


def worker(job_file: Path) -> None:
    """Process the images of one job with phiscrub and write regions, timings and RSS."""
    from phiscrub.imageio import load_image, output_format, save_clean
    from phiscrub.redact import Style, redact
    from phiscrub.report import region_to_dict
    from phiscrub.scan import Scanner

    job = json.loads(job_file.read_text(encoding="utf-8"))
    t = time.perf_counter()
    scanner = Scanner(engine=job["engine"], all_text=job["all_text"])
    if hasattr(scanner, "warm_up"):
        scanner.warm_up()
    startup = time.perf_counter() - t
    results = []
    with tempfile.TemporaryDirectory(prefix="phiscrub-bench-") as tmp:
        for i, image in enumerate(job["images"]):
            t = time.perf_counter()
            try:
                loaded = load_image(image)
                t_scan = time.perf_counter()
                scan = scanner.scan(loaded.pixels)
                scan_seconds = time.perf_counter() - t_scan
                regions = scan.regions()
                clean = redact(loaded.pixels, regions, Style.SOLID)
                fmt = output_format(loaded.format)
                out = save_clean(clean, Path(tmp) / f"{i:05d}.{fmt.lower()}", fmt, source=Path(image))
                out.unlink(missing_ok=True)
                results.append(
                    {
                        "image": image,
                        "status": "ok",
                        "seconds": time.perf_counter() - t,
                        "timings": {k: round(v, 4) for k, v in scan.timings.items()},
                        "scan_seconds": round(scan_seconds, 4),
                        "regions": [region_to_dict(r) for r in regions],
                    }
                )
            except Exception as exc:  # a failure is a result: it is scored as covering nothing
                results.append(
                    {
                        "image": image,
                        "status": "error",
                        "error": f"{type(exc).__name__}: {exc}",
                        "seconds": time.perf_counter() - t,
                        "regions": [],
                    }
                )
    out = {
        "startup_seconds": startup,
        "results": results,
        "maxrss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    Path(job["out"]).write_text(json.dumps(out), encoding="utf-8")


def throughput_worker(job_file: Path) -> None:
    """Redact a folder the way `phiscrub redact --jobs N` does, timing each result."""
    from phiscrub.batch import collect_inputs, process
    from phiscrub.scan import Scanner

    job = json.loads(job_file.read_text(encoding="utf-8"))
    scanner = Scanner(engine=job["engine"])
    inputs = collect_inputs([Path(p) for p in job["images"]])
    done = []
    with tempfile.TemporaryDirectory(prefix="phiscrub-bench-") as tmp:
        t0 = time.perf_counter()
        for result in process(inputs, scanner, out_dir=Path(tmp), workers=job["workers"]):
            done.append((time.perf_counter() - t0, result.status))
    out = {
        "done": done,
        "maxrss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    Path(job["out"]).write_text(json.dumps(out), encoding="utf-8")


def run_throughput(images: list[Path], engine: str, workers: int, work: Path) -> dict:
    """Wall time of a whole batch over `workers` processes, model loading included,
    and the steady rate once every worker has its models loaded."""
    job = {
        "images": [str(p) for p in images],
        "engine": engine,
        "workers": workers,
        "out": str(work / f"throughput-{workers}.json"),
    }
    job_file = work / f"throughput-{workers}.job.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    print(f"[throughput] {len(images)} photos over {workers} worker processes", flush=True)
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--throughput-worker", str(job_file)], cwd=REPO, check=True
    )
    wall = time.perf_counter() - t
    raw = json.loads(Path(job["out"]).read_text(encoding="utf-8"))
    stamps = [d[0] for d in raw["done"]]
    # Steady state: from the first result of each worker to the last result.
    steady = (stamps[-1] - stamps[workers - 1]) / (len(stamps) - workers) if len(stamps) > workers else None
    out = {
        "workers": workers,
        "photos": len(stamps),
        "errors": sum(d[1] != "ok" for d in raw["done"]),
        "wall_seconds": wall,
        "seconds_per_photo_overall": wall / len(stamps),
        "seconds_per_photo_steady": steady,
        "maxrss_worker_mb": raw["maxrss_children_kb"] / 1024,
    }
    print(f"[throughput] {out}", flush=True)
    return out


def run_set(name: str, samples: list[datasets.Sample], engine: str, all_text: bool, work: Path) -> dict:
    """Run a worker over `samples`, score its regions, return the set's numbers."""
    work.mkdir(parents=True, exist_ok=True)
    job = {
        "images": [str(s.image) for s in samples],
        "engine": engine,
        "all_text": all_text,
        "out": str(work / f"{name}.regions.json"),
    }
    job_file = work / f"{name}.job.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    print(f"[{name}] {len(samples)} images, engine={engine}, all_text={all_text}", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks.run", "--worker", str(job_file)], cwd=REPO, check=True)
    wall = time.perf_counter() - t
    raw = json.loads(Path(job["out"]).read_text(encoding="utf-8"))
    per_image = []
    scores = []
    for sample, res in zip(samples, raw["results"], strict=True):
        s = score.score_image(sample.gt, res["regions"])
        scores.append(s)
        per_image.append(
            {
                "image": sample.image.name,
                "status": res["status"],
                "error": res.get("error"),
                "seconds": round(res["seconds"], 3),
                "timings": res.get("timings", {}),
                "regions": len(res["regions"]),
                "score": s.to_dict(),
            }
        )
    secs = [r["seconds"] for r in raw["results"]]
    summary = score.summarize(scores)
    summary.update(
        {
            "set": name,
            "engine": engine,
            "all_text": all_text,
            "errors": sum(r["status"] != "ok" for r in raw["results"]),
            "seconds_median": statistics.median(secs) if secs else None,
            "seconds_p90": _percentile(secs, 90),
            "seconds_first": secs[0] if secs else None,
            "startup_seconds": raw["startup_seconds"],
            "wall_seconds": wall,
            "megapixels_median": statistics.median(s.gt["width"] * s.gt["height"] / 1e6 for s in samples)
            if samples
            else None,
            "maxrss_self_mb": raw["maxrss_self_kb"] / 1024,
            "maxrss_children_mb": raw["maxrss_children_kb"] / 1024,
            "stage_seconds_median": stage_medians(raw["results"]),
            "per_image": per_image,
        }
    )
    print(_one_line(summary), flush=True)
    return summary


def stage_medians(results: list[dict]) -> dict[str, float]:
    """Median seconds per stage over the photos scanned without error: the scan's
    own timings (faces and codes run on a thread beside the OCR, so stages
    overlap) and `outside_scan`, the rest of a photo's time (load, redaction,
    export). A stage a photo did not run counts as 0 for it."""
    ok = [r for r in results if r.get("status") == "ok" and "timings" in r]
    if not ok:
        return {}
    stages = sorted({k for r in ok for k in r["timings"]})
    out = {k: statistics.median(r["timings"].get(k, 0.0) for r in ok) for k in stages}
    if all("scan_seconds" in r for r in ok):
        out["outside_scan"] = statistics.median(r["seconds"] - r["scan_seconds"] for r in ok)
    return out


def _stage_lines(report: dict) -> list[str]:
    """Where a 12 MP photo's time goes, from the speed12 set's stage medians."""
    stages = next((s.get("stage_seconds_median") for s in report["sets"] if s["set"] == "speed12"), None)
    if not stages or "ocr" not in stages:
        return []
    beside = [f"{key} {stages[key]:.2f} s" for key in ("faces", "codes") if key in stages]
    text = (
        "Where a 12 MP photo's time goes (speed12, the median of each stage over its photos; "
        "the medians do not add up to the photo's): "
        f"OCR {stages['ocr']:.2f} s, classify {stages.get('classify', 0.0):.2f} s"
    )
    if beside:
        text += ", and on a thread beside the OCR, sharing the cores with it, " + " and ".join(beside)
    if "outside_scan" in stages:
        text += f"; loading, redaction and export {stages['outside_scan']:.2f} s"
    return ["", text + "."]


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _one_line(s: dict) -> str:
    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f}%"

    return (
        f"[{s['set']}] phi words {pct(s['phi_word_recall'])}, text {pct(s['text_word_recall'])}, "
        f"faces {pct(s['face_recall'])}, barcodes {pct(s['barcode_recall'])}, "
        f"clean {pct(s['clean_image_rate'])}, false redactions {s['neutral_false_redactions']}, "
        f"median {s['seconds_median'] or 0:.2f} s/photo, errors {s['errors']}"
    )


# --------------------------------------------------------------------------- synthetic cache


def synthetic_set(seed: int, n: int, megapixels: tuple[float, float]) -> Path:
    """Generate the synthetic set once; reuse it while the generator's source is unchanged."""
    source = Path(synth.__file__).read_bytes()
    digest = hashlib.sha256(source + repr((seed, n, megapixels)).encode()).hexdigest()[:12]
    folder = WORK / f"synthetic-seed{seed}-n{n}-mp{megapixels[0]:g}-{megapixels[1]:g}-{digest}"
    stamp = folder / ".complete"
    if not stamp.is_file():
        print(f"[synthetic] generating {n} photos into {folder.relative_to(REPO)}", flush=True)
        synth.generate(seed, n, folder, megapixels)
        stamp.write_text("ok\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- report


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(ram_gb, 1) if ram_gb else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def model_speed() -> dict:
    """Seconds the OCR models take on fixed inputs on this machine right now: one
    detector pass on a 1600x1216 copy and recognition per 48x320 line (batches of
    8). Figures from different runs or machines can then be set side by side:
    the same commit ran the speed12 set of seed 10 at 0.97 s per photo on a
    2-CPU AMD EPYC machine in one session and at 1.61 s on a 2-CPU Intel Xeon
    machine in another. The float detector, whichever the scans use, so that
    runs before and after the int8 detector stay comparable."""
    import numpy as np

    from phiscrub.ocr.rapid import RapidOcrEngine

    engine = RapidOcrEngine(int8=False)
    rng = np.random.default_rng(0)
    det_in = rng.standard_normal((1, 3, 1216, 1600), dtype=np.float32)
    rec_in = rng.standard_normal((8, 3, 48, 320), dtype=np.float32)

    def best(run, repeat: int) -> float:
        run()  # the first run sizes the buffers
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        return min(times)

    return {
        "det_1600_s": round(best(lambda: engine._det(det_in), 3), 3),
        "rec_line_ms": round(1000 * best(lambda: engine._rec(rec_in), 5) / len(rec_in), 1),
    }


def _int8_detector() -> bool:
    """Whether the scans ran the int8 text detector (phiscrub/int8.py) on this machine:
    asked for, and built (from the cache the scans filled) without loading an engine."""
    from phiscrub import int8
    from phiscrub.ocr.rapid import _DET_MODEL, _model_path
    from phiscrub.ort import with_fused_hardswish

    if not int8.preferred():
        return False
    return int8.int8_model("det", with_fused_hardswish(_model_path(_DET_MODEL))) is not None


def _model_speed_lines(speed: dict | None) -> list[str]:
    if not speed:
        return []
    b, a = speed["before"], speed["after"]
    return [
        "Model speed on this machine (`model_speed` in benchmarks/run.py; lower is faster; time on one "
        "machine varies from day to day, so compare runs by these too): text detector on a 1600x1216 "
        f"copy {b['det_1600_s']:.3f} s before the sets and {a['det_1600_s']:.3f} s after; recogniser "
        f"{b['rec_line_ms']:.1f} / {a['rec_line_ms']:.1f} ms per line.",
        "",
    ]


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _frac(covered: int, total: int) -> str:
    return f"{covered}/{total}" if total else "–"


# The figures the benchmark issue asks of the default mode: (label, set, key, target,
# True when higher is better). Recall keys are fractions; seconds and MB are raw.
TARGETS = (
    ("PHI-word recall", "synthetic", "phi_word_recall", 0.99, True),
    ("face recall", "synthetic", "face_recall", 0.99, True),
    ("barcode recall", "synthetic", "barcode_recall", 1.0, True),
    ("clean-image rate", "synthetic", "clean_image_rate", 0.95, True),
    ("neutral signage covered", "synthetic", "neutral_rate", 0.10, False),
    ("median s per 12 MP photo", "speed12", "seconds_median", 1.0, False),
    ("peak RSS (MB)", "speed12", "maxrss_self_mb", 1536, False),
    ("ICDAR words covered (all text)", "icdar2015", "text_word_recall", 0.95, True),
    ("ICDAR words covered, thorough mode", "icdar2015-thorough", "text_word_recall", 0.95, True),
    ("dicom_burnin PHI recall", "dicom_burnin", "phi_word_recall", 0.99, True),
    ("faces_dlib face recall", "faces_dlib", "face_recall", 1.0, True),
)


def _targets(report: dict) -> list[str]:
    """A table of each target against what this run measured, and by how much it is missed."""
    by_name = {s["set"]: s for s in report["sets"]}
    rows = []
    for label, set_name, key, target, higher in TARGETS:
        s = by_name.get(set_name)
        if s is None:
            continue
        if key == "neutral_rate":
            value = s["neutral_false_redactions"] / s["neutral_words"] if s["neutral_words"] else None
        else:
            value = s.get(key)
        if value is None:
            continue
        met = value >= target if higher else value <= target
        fraction = key.endswith(("recall", "rate"))

        def shown(v: float, fraction: bool = fraction) -> str:
            if fraction:
                return f"{100 * v:.1f}%"
            return f"{v:.2f}" if v < 100 else f"{v:.0f}"

        if met:
            gap = "met"
        elif fraction:
            gap = f"missed by {100 * abs(value - target):.1f} points"
        else:
            gap = f"missed by {abs(value - target) / target:.0%}"
        rows.append(f"| {label} | {set_name} | {shown(target)} | {shown(value)} | {gap} |")
    if not rows:
        return []
    return [
        "",
        "## Targets",
        "",
        "The default mode against the figures the benchmark issue asks for (tuned on the seeds "
        "before it, listed in benchmarks/NOTES.md; "
        "the report of record uses a seed that was never tuned on), and the thorough mode's "
        "ICDAR figure beside the default's. Why a figure is missed: `benchmarks/NOTES.md`.",
        "",
        "| figure | set | target | measured | |",
        "|---|---|---|---|---|",
        *rows,
    ]


def render_markdown(report: dict) -> str:
    sets = report["sets"]
    m = report["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{report['command']}` on {report['date']} (synthetic seed {report['seed']}, "
        f"engine `{report['engine']}`{', smoke subset' if report['smoke'] else ''}).",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, "
        f"Python {m['python']}, {m['platform']}.",
        "",
        *(
            [f"Text detector: {'int8 (phiscrub/int8.py)' if report['int8_detector'] else 'float'}.", ""]
            if "int8_detector" in report
            else []
        ),
        *_model_speed_lines(report.get("model_speed")),
        'Scoring (DESIGN.md, "How recall is measured"): a ground-truth PHI word is covered when ≥ 85% of its '
        "polygon lies under regions with `redacted: true`, a face when ≥ 80% of its box does, a barcode when "
        "≥ 85% of its polygon does; a neutral word (signage) is a false redaction when ≥ 50% of it "
        "is covered. "
        "An image is clean when every scored item in it is covered; the clean-image rate counts only images "
        'that have something to cover. Labels ("DOB:"), staff names and room numbers are not scored.',
        "",
        "## Recall",
        "",
        "| set | images | PHI words | all text | faces | barcodes | clean images | false redactions "
        "| errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sets:
        lines.append(
            f"| {s['set']}{' (all text)' if s['all_text'] else ''} | {s['images']} "
            f"| {_pct(s['phi_word_recall'])} ({_frac(**s['phi_words'])}) "
            f"| {_pct(s['text_word_recall'])} "
            f"| {_pct(s['face_recall'])} ({_frac(**s['faces'])}) "
            f"| {_pct(s['barcode_recall'])} ({_frac(**s['barcodes'])}) "
            f"| {_pct(s['clean_image_rate'])} ({s['clean_images']}/{s['images_with_scored_items']}) "
            f"| {s['neutral_false_redactions']}/{s['neutral_words']} "
            f"| {s['errors']} |"
        )
    kinds = sorted({k for s in sets for k in s["recall_by_kind"]})
    lines += [
        "",
        "## Recall per kind",
        "",
        "| set | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 1) + "|",
    ]
    for s in sets:
        cells = []
        for k in kinds:
            v = s["recall_by_kind"].get(k)
            cells.append(f"{_pct(v['recall'])} ({v['covered']}/{v['total']})" if v else "–")
        lines.append(f"| {s['set']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Speed and memory",
        "",
        "Seconds per photo are end to end (load, scan, redact, export), one worker process per set, "
        "models loaded before the first photo (startup).",
        "",
        "| set | median MP | median s/photo | p90 s/photo | first photo s | startup s | peak RSS (self) | "
        "peak RSS (children) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in sets:
        lines.append(
            f"| {s['set']} | {s['megapixels_median']:.1f} | {s['seconds_median']:.2f} "
            f"| {s['seconds_p90']:.2f} "
            f"| {s['seconds_first']:.2f} | {s['startup_seconds']:.1f} | {s['maxrss_self_mb']:.0f} MB "
            f"| {s['maxrss_children_mb']:.0f} MB |"
        )
    t = report.get("throughput")
    if t:
        lines += [
            "",
            f"Batch throughput (`phiscrub redact --jobs {t['workers']}`, one process per core, "
            f"{t['photos']} photos of 12 MP from the speed12 set): "
            f"{t['seconds_per_photo_overall']:.2f} s per photo over the whole run including model loading "
            f"({t['wall_seconds']:.1f} s wall), "
            + (
                f"{t['seconds_per_photo_steady']:.2f} s per photo once the workers are warm, "
                if t["seconds_per_photo_steady"] is not None
                else ""
            )
            + f"peak RSS per worker {t['maxrss_worker_mb']:.0f} MB, errors {t['errors']}.",
        ]
    lines += _stage_lines(report)
    lines += _targets(report)
    lines += [
        "",
        "## Sets",
        "",
        "- **synthetic**: `benchmarks/synth.py`, seeded ward photos (wristbands with Code128, chart labels, "
        "handwritten whiteboards, light and dark EHR screens, signage, badges, room signs, real faces), "
        "rotated and in perspective, some turned 90°/180°, blurred, noisy, unevenly lit, JPEG q70–95.",
        "- **speed12**: photos from the same generator at exactly 12 MP (seed + 1000), for timing; "
        "scored like the synthetic set.",
        "- **icdar2015**: ICDAR 2015 incidental scene text (test images 1–250); every legible word is "
        "scored as kind `text`, `###` words are ignored. Measures how much real scene text "
        "the OCR stage finds. **icdar2015-thorough** is the same set read by the `thorough` engine "
        "(RapidOCR and EasyOCR together).",
        "- **faces_dlib**: dlib's annotated PASCAL VOC photos (43 faces) plus `dogs.jpg` as a negative.",
        "- **dicom_burnin**: burned-in text on CT/MR/XR frames; names, dates (DOB, study date) and "
        "patient IDs are scored, one box per value as the set annotates them; institution, age "
        "and sex are not.",
        "",
        f"Raw numbers, per image: `{report['json_name']}`.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a tiny subset for CI (< 2 min)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=None, help="synthetic photos (default 40, smoke 3)")
    ap.add_argument("--engine", default="rapidocr")
    ap.add_argument(
        "--all-text-for-icdar",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="scan ICDAR in all-text mode, scoring every legible word (default on)",
    )
    ap.add_argument(
        "--sets",
        default="speed12,synthetic,icdar2015,icdar2015-thorough,faces_dlib,dicom_burnin,engines",
        help="comma-separated sets to run",
    )
    ap.add_argument("--out", type=Path, default=None, help="markdown report (default docs/BENCHMARKS.md)")
    ap.add_argument("--run-dir", type=Path, default=None, help="per-set regions folder")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--throughput-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if args.throughput_worker:
        throughput_worker(args.throughput_worker)
        return 0

    plan = SMOKE if args.smoke else FULL
    n = args.n if args.n is not None else plan["synthetic"]
    out_md = args.out or (WORK / "smoke" / "BENCHMARKS.md" if args.smoke else REPO / "docs" / "BENCHMARKS.md")
    out_json = out_md.with_name(out_md.stem.lower() + ".json")
    run_dir = args.run_dir or WORK / ("smoke-run" if args.smoke else "run")
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]

    speed_before = model_speed()
    sets = []
    throughput = None
    for name in wanted:
        if name == "speed12":
            # Timing at exactly 12 MP on photos of their own (seed + 1000), scored too.
            folder = synthetic_set(args.seed + 1000, plan["speed12"], (12.0, 12.0))
            samples = datasets.load_synthetic(folder)
            sets.append(run_set(name, samples, args.engine, False, run_dir))
            throughput = run_throughput([s.image for s in samples], args.engine, 2, run_dir)
            continue
        if name == "synthetic":
            samples = datasets.load_synthetic(synthetic_set(args.seed, n, plan["synthetic_mp"]))
            sets.append(run_set(name, samples, args.engine, False, run_dir))
            continue
        if name == "engines":
            # Every OCR engine on the same first photos of the synthetic set, so a
            # user can weigh recall against time (EasyOCR takes tens of seconds each).
            from phiscrub.ocr import ENGINE_NAMES

            samples = datasets.load_synthetic(synthetic_set(args.seed, n, plan["synthetic_mp"]))
            for engine in ENGINE_NAMES:
                subset = samples[: plan["engines"]]
                if subset:
                    sets.append(run_set(f"engine-{engine}", subset, engine, False, run_dir))
            continue
        if name == "icdar2015-thorough":
            # The same set read by RapidOCR and EasyOCR together (the "thorough" engine),
            # so a user can see what the slower mode buys on real scene text.
            samples = datasets.load_icdar2015(limit=plan["icdar2015"])
            if samples:
                sets.append(run_set(name, samples, "thorough", args.all_text_for_icdar, run_dir))
            continue
        loader = {
            "icdar2015": datasets.load_icdar2015,
            "faces_dlib": datasets.load_faces_dlib,
            "dicom_burnin": datasets.load_dicom_burnin,
        }.get(name)
        if loader is None:
            ap.error(f"unknown set {name!r}")
        samples = loader(limit=plan[name])
        if not samples:
            print(f"[{name}] not found under {synth.shared_data_dir()}; skipped", flush=True)
            continue
        all_text = args.all_text_for_icdar and name == "icdar2015"
        sets.append(run_set(name, samples, args.engine, all_text, run_dir))

    command = "python -m benchmarks.run " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    report = {
        "command": command.strip(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "seed": args.seed,
        "engine": args.engine,
        "smoke": args.smoke,
        "machine": machine(),
        "int8_detector": _int8_detector(),
        "model_speed": {"before": speed_before, "after": model_speed()},
        "json_name": os.path.relpath(out_json, out_md.parent),
        "sets": sets,
        "throughput": throughput,
    }
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    out_md.write_text(render_markdown(report), encoding="utf-8")
    print(f"wrote {out_md} and {out_json}")
    failed = [s["set"] for s in sets if s["errors"]]
    if failed:
        print(f"errors in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
