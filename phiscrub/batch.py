"""Batch work over many files: one generator shared by the CLI and the app.

Each input yields exactly one `FileResult`, in input order; a file that fails
yields an error result with a sentence a person can act on, and the batch goes
on. Callers cancel by simply not asking for the next result.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from phiscrub.imageio import (
    SUPPORTED_SUFFIXES,
    ExportError,
    ImageLoadError,
    export_path,
    load_image,
    output_format,
    save_clean,
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


def _is_candidate(path: Path) -> bool:
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and not path.name.startswith(".")
        and path.is_file()
    )


def collect_inputs(
    paths: Iterable[str | Path], *, recursive: bool = False, exclude: Sequence[Path] = ()
) -> list[InputFile]:
    """Expand files and folders into input files, in a stable order.

    A file named explicitly is always taken (the loader says if it is no image);
    a folder contributes its image files (by extension), descending into
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
        walker = os.walk(root) if recursive else [(str(root), [], os.listdir(root))]
        for folder, dirs, files in walker:
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and _resolved(Path(folder) / d) not in excluded
            )
            if _resolved(Path(folder)) in excluded:
                continue
            for name in sorted(files):
                path = Path(folder) / name
                if _is_candidate(path):
                    add(InputFile(path, str(path), path.parent.relative_to(root)))
    return found


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def process(
    inputs: Sequence[InputFile],
    scanner: Scanner,
    *,
    out_dir: Path | None = None,
    style: Style = Style.SOLID,
) -> Iterator[FileResult]:
    """Scan each input and, with `out_dir`, export a redacted clean copy into it.

    Yields one FileResult per input, in order. Outputs go only into `out_dir`
    (mirroring subfolders); an input is never written to.
    """
    taken: set[Path] = set()
    for item in inputs:
        start = time.perf_counter()
        try:
            result = _process_one(item, scanner, out_dir, style, taken)
        except (ImageLoadError, ExportError) as exc:
            result = FileResult(item, "error", error=str(exc))
        except MemoryError:
            result = FileResult(item, "error", error="not enough memory to process this image")
        except Exception as exc:  # one bad file must never stop a batch
            # The message of an unexpected error may quote internals; the type is enough for the user.
            log.debug("unexpected error on %s", item.display, exc_info=True)
            result = FileResult(item, "error", error=f"internal error ({type(exc).__name__}); please report it")
        yield _with_seconds(result, time.perf_counter() - start)


def _with_seconds(result: FileResult, seconds: float) -> FileResult:
    from dataclasses import replace

    return replace(result, seconds=seconds)


def _process_one(
    item: InputFile, scanner: Scanner, out_dir: Path | None, style: Style, taken: set[Path]
) -> FileResult:
    image = load_image(item.path)
    scan = scanner.scan(image.pixels)
    regions = scan.regions()
    height, width = image.pixels.shape[:2]
    output = None
    timings = dict(scan.timings)
    if out_dir is not None:
        t = time.perf_counter()
        clean = redact(image.pixels, regions, style)
        fmt = output_format(image.format)
        dest_dir = out_dir / item.subdir
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = export_path(item.path, dest_dir, fmt, taken)
        taken.add(dest)
        output = save_clean(clean, dest, fmt, source=item.path)
        timings["export"] = time.perf_counter() - t
    return FileResult(
        item, "ok", width=width, height=height, regions=regions, output=output, timings=timings
    )
