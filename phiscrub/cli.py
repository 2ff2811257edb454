"""Command line: `phiscrub scan` and `phiscrub redact` over files and folders.

Exit status: 0 when every file succeeded, 1 when any failed (the rest are still
processed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from phiscrub import __version__

log = logging.getLogger("phiscrub")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from phiscrub.ocr import ENGINE_NAMES
    from phiscrub.redact import Style

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="photo files or folders")
    common.add_argument(
        "--report", type=Path, metavar="FILE", help="write a JSON report (no PHI text in it)"
    )
    common.add_argument(
        "--engine", choices=ENGINE_NAMES, default="rapidocr", help="OCR engine (default: %(default)s)"
    )
    common.add_argument(
        "--all-text", action="store_true", help="flag every piece of text, not only what looks like PHI"
    )
    common.add_argument("--recursive", "-r", action="store_true", help="descend into subfolders")
    common.add_argument("--no-faces", action="store_true", help="do not look for faces")
    common.add_argument("--no-codes", action="store_true", help="do not look for barcodes and QR codes")
    common.add_argument(
        "--jobs", "-j", type=int, default=0, metavar="N",
        help="photos processed at once, one process each (default: one per CPU core, up to 4)",
    )
    common.add_argument("--quiet", "-q", action="store_true", help="no progress bar or per-file lines")
    common.add_argument("--verbose", "-v", action="store_true", help="log progress (never the text found)")

    parser = argparse.ArgumentParser(
        prog="phiscrub", description="Find and cover protected health information in photos."
    )
    parser.add_argument("--version", action="version", version=f"phiscrub {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "scan",
        parents=[common],
        help="find PHI and report it; writes no images",
        description="Find PHI in photos and report what was found. No image is written.",
    )
    redact = sub.add_parser(
        "redact",
        parents=[common],
        help="cover PHI and export clean copies into --out",
        description="Cover PHI and export clean, metadata-free copies into --out. "
        "Originals are never touched.",
    )
    redact.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the clean copies")
    redact.add_argument(
        "--style", choices=[s.value for s in Style], default=Style.SOLID.value,
        help="how regions are covered (all styles keep nothing of the original pixels; default: %(default)s)",
    )
    return parser


def _summary_of(regions: Sequence) -> str:
    counts = Counter(r.kind.label for r in regions if r.redacted)
    if not counts:
        return "nothing found"
    return ", ".join(f"{n} {label.lower()}" for label, n in counts.most_common())


def _shown(name: object) -> str:
    """A file name as printed: control characters (a name could hold terminal escape
    sequences) and undecodable bytes are escaped, so a hostile name shows as text."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )

    from tqdm import tqdm

    from phiscrub.batch import collect_inputs, default_workers, process
    from phiscrub.ocr import EngineUnavailable
    from phiscrub.redact import Style
    from phiscrub.report import build_report, image_entry, write_report
    from phiscrub.scan import Scanner

    out_dir: Path | None = getattr(args, "out", None)
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        parser.error(f"--out {out_dir} exists and is not a folder")
    inputs = collect_inputs(args.paths, recursive=args.recursive, exclude=[out_dir] if out_dir else [])
    if not inputs:
        print("phiscrub: no image files found in the given paths", file=sys.stderr)
        return EXIT_FAILED

    scanner = Scanner(
        args.engine, faces=not args.no_faces, codes=not args.no_codes, all_text=args.all_text
    )
    try:
        scanner.warm_up()
    except EngineUnavailable as exc:
        print(f"phiscrub: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)

    style = Style(getattr(args, "style", Style.SOLID.value))
    entries, failed, covered = [], 0, 0
    bar = tqdm(total=len(inputs), unit="photo", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)
    if args.jobs < 0:
        parser.error("--jobs takes a positive number")
    workers = args.jobs or default_workers()
    for result in process(inputs, scanner, out_dir=out_dir, style=style, workers=workers):
        bar.update(1)
        entries.append(
            image_entry(
                result.input.display,
                output=str(result.output) if result.output else None,
                status=result.status,
                error=result.error,
                width=result.width,
                height=result.height,
                regions=result.regions,
                seconds=result.seconds,
            )
        )
        if result.ok:
            covered += sum(1 for r in result.regions if r.redacted)
            line = f"{_shown(result.input.display)}: {_summary_of(result.regions)}"
            if result.output:
                line += f" -> {_shown(result.output)}"
        else:
            failed += 1
            line = f"{_shown(result.input.display)}: ERROR: {result.error}"
        if not args.quiet or not result.ok:
            bar.write(line, file=sys.stderr if not result.ok else sys.stdout)
    bar.close()

    if args.report:
        write_report(args.report, build_report(entries, command=args.command, engine=args.engine))
    done = len(inputs) - failed
    verb = "redacted and exported" if out_dir is not None else "scanned"
    summary = f"{done} of {len(inputs)} photos {verb}, {covered} regions found"
    if failed:
        summary += f", {failed} failed"
    if args.report:
        summary += f"; report: {args.report}"
    print(summary, file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
