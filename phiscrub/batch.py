"""Batch work over many files: one generator shared by the CLI and the app.

Each input yields exactly one `FileResult`, in input order; a file that fails
yields an error result with a sentence a person can act on, and the batch goes
on. Callers cancel by simply not asking for the next result.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from phiscrub.imageio import (
    SUPPORTED_SUFFIXES,
    ExportError,
    ImageLoadError,
    export_path,
    format_for_suffix,
    load_image,
    save_clean,
    sniff_format,
)
from phiscrub.models import Region
from phiscrub.redact import Style, redact
from phiscrub.scan import Scanner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputFile:
    """A file to process. `display` is how reports name it (the path as the user
    gave it); `subdir` is its folder relative to the folder the user named, so
    outputs mirror the input tree and same-named files in two folders never clash."""

    path: Path
    display: str
    subdir: Path = Path()


@dataclass(frozen=True)
class FileResult:
    input: InputFile
    status: str  # "ok" or "error"
    error: str | None = None
    width: int | None = None
    height: int | None = None
    regions: tuple[Region, ...] = ()
    output: Path | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


#: Picture files phiscrub does not handle. A folder's files of these kinds are
#: reported as not supported, so none is left out without the user being told.
UNSUPPORTED_SUFFIXES: dict[str, str] = {
    ".gif": "GIF images",
    ".avif": "AVIF images",
    ".jxl": "JPEG XL images",
    ".jp2": "JPEG 2000 images",
    ".psd": "Photoshop files",
    ".svg": "SVG drawings",
    **dict.fromkeys(
        [".dng", ".cr2", ".cr3", ".nef", ".arw", ".orf", ".rw2", ".raf", ".pef", ".srw"], "camera raw files"
    ),
}


def _is_candidate(name: str) -> bool:
    # Anything named like a picture is taken, even a folder, a broken link or a pipe:
    # it then gets an error the user sees instead of silently being left out.
    # Hidden files (temporary exports, macOS "._" resource files) are skipped.
    suffix = Path(name).suffix.lower()
    return (suffix in SUPPORTED_SUFFIXES or suffix in UNSUPPORTED_SUFFIXES) and not name.startswith(".")


def collect_inputs(
    paths: Iterable[str | Path], *, recursive: bool = False, exclude: Sequence[Path] = ()
) -> list[InputFile]:
    """Expand files and folders into input files, in a stable order.

    A file named explicitly is always taken (the loader says if it is no image);
    a folder contributes every entry named like a picture (by extension; one that
    is not a readable, supported image then yields an error), descending into
    subfolders with `recursive`. Folders in `exclude` (e.g. the output folder)
    are skipped so a re-run never scans its own outputs. A path that does not
    exist is kept, so it yields a clear error instead of vanishing.
    """
    excluded = {_resolved(p) for p in exclude}
    found: list[InputFile] = []
    seen: set[Path] = set()

    def add(item: InputFile) -> None:
        key = _resolved(item.path)
        if key not in seen:
            seen.add(key)
            found.append(item)

    for raw in paths:
        root = Path(raw)
        if not root.is_dir():
            add(InputFile(root, str(raw)))
            continue
        # os.walk lists folders apart (and walks them); without `recursive` a folder
        # named like a photo is listed with the files and reported.
        walker = os.walk(root) if recursive else [(str(root), [], os.listdir(root))]
        for folder, dirs, files in walker:
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and _resolved(Path(folder) / d) not in excluded
            )
            if _resolved(Path(folder)) in excluded:
                continue
            for name in sorted(files):
                path = Path(folder) / name
                if _is_candidate(name):
                    add(InputFile(path, str(path), path.parent.relative_to(root)))
    return found


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def default_workers() -> int:
    """One worker process per core, at most 4 (each holds its own models, ~0.5 GB)."""
    return max(1, min(4, os.cpu_count() or 1))


def process(
    inputs: Sequence[InputFile],
    scanner: Scanner,
    *,
    out_dir: Path | None = None,
    style: Style = Style.SOLID,
    workers: int = 1,
) -> Iterator[FileResult]:
    """Scan each input and, with `out_dir`, export a redacted clean copy into it.

    Yields one FileResult per input, in input order. Outputs go only into
    `out_dir` (mirroring subfolders); an input is never written to, nor a file
    there that is not an unchanged earlier export (the export then takes another
    name: each result's `output` is the file actually written). With
    `workers` > 1 the files are spread over that many processes, each running
    single-threaded models (one per core beats one process with threaded models:
    decoding, encoding and Python code do not parallelise inside one photo).
    Closing the generator cancels the files not yet started.
    """
    jobs = _plan(inputs, out_dir)
    reserved = frozenset(dest for _, dest in jobs if dest is not None)
    if workers <= 1 or len(jobs) <= 1:
        for item, dest in jobs:
            yield _run_job(scanner, item, dest, out_dir, style, reserved)
        return

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": a fresh interpreter per worker, never a fork of a process that may
    # hold threads (the GUI, onnxruntime pools).
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(scanner.with_threads(1), out_dir, style, reserved),
    )
    try:
        futures = [pool.submit(_worker_job, item, dest) for item, dest in jobs]
        for (item, _dest), future in zip(jobs, futures, strict=True):
            try:
                yield future.result()
            except Exception as exc:  # the worker process itself died (e.g. killed for memory)
                log.debug("worker failed on %s", item.display, exc_info=True)
                reason = f"the worker processing this file stopped ({type(exc).__name__})"
                yield FileResult(item, "error", error=reason)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _plan(inputs: Sequence[InputFile], out_dir: Path | None) -> list[tuple[InputFile, Path | None]]:
    """Reserve every destination up front, in input order, so parallel workers can
    never pick the same name (a.jpg and a.png, or names differing in case)."""
    if out_dir is None:
        return [(item, None) for item in inputs]
    # Every input is taken from the start: with --out pointing at an input folder,
    # a.heic (exported as JPEG) must not become a.jpg when a.jpg is another input.
    taken: set[Path] = {p for item in inputs for p in (item.path, _resolved(item.path))}
    jobs = []
    for item in inputs:
        try:
            dest = export_path(item.path, out_dir / item.subdir, None, taken)
        except ValueError:  # no image extension: name it by what its first bytes say
            fmt = sniff_format(item.path)
            dest = export_path(item.path, out_dir / item.subdir, fmt, taken) if fmt else None
        jobs.append((item, dest))
    return jobs


_worker: tuple[Scanner, Path | None, Style, frozenset[Path]] | None = None


def _init_worker(scanner: Scanner, out_dir: Path | None, style: Style, reserved: frozenset[Path]) -> None:
    global _worker
    import cv2

    cv2.setNumThreads(1)
    _worker = (scanner, out_dir, style, reserved)


def _worker_job(item: InputFile, dest: Path | None) -> FileResult:
    assert _worker is not None, "worker not initialised"
    scanner, out_dir, style, reserved = _worker
    return _run_job(scanner, item, dest, out_dir, style, reserved)


def _run_job(
    scanner: Scanner,
    item: InputFile,
    dest: Path | None,
    out_dir: Path | None,
    style: Style,
    reserved: frozenset[Path] = frozenset(),
) -> FileResult:
    start = time.perf_counter()
    try:
        result = _process_one(item, scanner, dest, out_dir, style, reserved)
    except (ImageLoadError, ExportError) as exc:
        result = FileResult(item, "error", error=str(exc))
    except MemoryError:
        result = FileResult(item, "error", error="not enough memory to process this image")
    except Exception as exc:  # one bad file must never stop a batch
        # The message of an unexpected error may quote internals; the type is enough for the user.
        log.debug("unexpected error on %s", item.display, exc_info=True)
        result = FileResult(item, "error", error=f"internal error ({type(exc).__name__}); please report it")
    return replace(result, seconds=time.perf_counter() - start)


def _process_one(
    item: InputFile,
    scanner: Scanner,
    dest: Path | None,
    out_dir: Path | None,
    style: Style,
    reserved: frozenset[Path],
) -> FileResult:
    unsupported = UNSUPPORTED_SUFFIXES.get(item.path.suffix.lower())
    if unsupported is not None:
        raise ImageLoadError(f"{unsupported} are not supported")
    image = load_image(item.path)
    scan = scanner.scan(image.pixels)
    regions = scan.regions()
    height, width = image.pixels.shape[:2]
    output = None
    timings = dict(scan.timings)
    if out_dir is not None:
        t = time.perf_counter()
        clean = redact(image.pixels, regions, style)
        if dest is None:
            # Named after loading, outside the plan: it could take a name another
            # file of the batch was given, so it is refused instead.
            raise ExportError(
                "cannot tell this image's format from its name; rename it with an image extension"
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        # `dest` may be taken by now; save_clean then writes beside it, never onto
        # a name reserved for another file of the batch, and returns what it wrote.
        output = save_clean(clean, dest, format_for_suffix(dest.suffix), source=item.path, taken=reserved)
        timings["export"] = time.perf_counter() - t
    return FileResult(
        item, "ok", width=width, height=height, regions=regions, output=output, timings=timings
    )

