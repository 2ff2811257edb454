"""Command line: `phiscrub scan` and `phiscrub redact` over files and folders, and
`phiscrub check-text` for the caption that goes with a photo.

Exit status: 0 when every file succeeded, 1 when any failed (the rest are still
processed), 2 on usage errors. `redact` goes through the review gate: it exports
photos a person marked reviewed in the app (`--project FILE`) and refuses to run
(exit 2) unless `--trust-unreviewed` says unreviewed photos may go out with
everything found covered; with `--verify`, a clean copy in which any engine still
finds something also makes the exit status 1. `check-text` exits 0 when the text
is clean, 1 when anything is flagged, 2 on usage errors.
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
    from phiscrub.verify import FAST_ENGINES

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
    gate = redact.add_argument_group("review gate and sign-off")
    gate.add_argument(
        "--project", type=Path, metavar="FILE",
        help="a review project saved by the app: photos marked reviewed there are exported with the "
        "regions as reviewed (kept, consent and covered); the others are refused",
    )
    gate.add_argument(
        "--trust-unreviewed", action="store_true",
        help="export photos nobody reviewed, with everything found covered (trusted batch use; "
        "the report says so). Without it and without --project, redact refuses to run",
    )
    gate.add_argument(
        "--reviewer", metavar="NAME",
        help="name or initials of the person signing off this export, recorded in the report "
        "(required with --project)",
    )
    gate.add_argument(
        "--check-me-below", type=float, default=None, metavar="SCORE",
        help="detector hits scoring below this are 'check me' regions (default: %(default)s → 0.7)",
    )
    gate.add_argument(
        "--audit-html", type=Path, metavar="FILE",
        help="also write the report as an HTML page with thumbnails of the clean exports",
    )
    gate.add_argument(
        "--verify", action="store_true",
        help="scan every clean copy again and warn about anything still found",
    )
    gate.add_argument(
        "--verify-engines", default=",".join(FAST_ENGINES), metavar="LIST",
        help="OCR engines for --verify, comma-separated, or 'all' for every installed one "
        "(EasyOCR takes about 48 s per 6 MP photo on 2 cores; default: %(default)s)",
    )

    check = sub.add_parser(
        "check-text",
        help="check a caption or reply for names, dates, IDs and phrases that reveal a patient",
        description="Check the text to be posted with a photo (a file, or - for standard input) with "
        "the same classifiers as the photos, plus phrases that reveal someone is a patient. Prints "
        "what it flags and safe wording to use instead. Exit 0: clean; 1: something flagged; "
        "2: usage error.",
    )
    check.add_argument("file", metavar="FILE|-", help="text file to check, or - to read standard input")
    check.add_argument("--phrases", type=Path, metavar="FILE", help="your own phrase list (category: regex)")
    check.add_argument("--templates", type=Path, metavar="FILE", help="your own safe-wording templates (INI)")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
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


GATE_MESSAGE = (
    "phiscrub: refusing to export photos nobody reviewed. Review them in the app (phiscrub-gui) "
    "and pass the review project with --project FILE, or pass --trust-unreviewed to export every "
    "photo with everything found covered (the report records that nobody reviewed them)."
)


def _check_text(args: argparse.Namespace) -> int:
    import json

    from phiscrub.caption import check_caption, format_check, load_phrases, load_templates

    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            text = Path(args.file).read_text(encoding="utf-8")
        phrases = load_phrases(args.phrases) if args.phrases else None
        templates = load_templates(args.templates) if args.templates else None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"phiscrub: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = check_caption(text, phrases=phrases, templates=templates)
    if args.json:
        data = {
            "clean": result.clean,
            "flags": [
                {"kind": f.kind, "start": f.start, "end": f.end, "text": f.text, "reason": f.reason,
                 "category": f.category}
                for f in result.flags
            ],
            "suggestions": [{"key": t.key, "title": t.title, "text": t.text} for t in result.suggestions],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(format_check(result))
    return EXIT_OK if result.clean else EXIT_FAILED


def _verify_engines(spec: str) -> list[str] | None:
    from phiscrub.ocr import ENGINE_NAMES

    if spec.strip().lower() == "all":
        return None
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINE_NAMES]
    if unknown:
        raise ValueError(
            f"unknown engine {unknown[0]!r} for --verify-engines; choose from {', '.join(ENGINE_NAMES)}"
        )
    return names


def _load_project_file(path: Path):
    import json

    from phiscrub.project import ProjectError, load_project

    try:
        folder = json.loads(path.read_text(encoding="utf-8")).get("folder")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise ProjectError(f"the review project {path.name} cannot be read ({exc})") from exc
    if not folder:
        raise ProjectError(f"the review project {path.name} names no photo folder")
    return load_project(path, Path(folder))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "check-text":
        return _check_text(args)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )

    from tqdm import tqdm

    from phiscrub.audit import SignOff, SignOffError, audit_entry, build_audit, write_html
    from phiscrub.batch import collect_inputs, default_workers
    from phiscrub.ocr import EngineUnavailable
    from phiscrub.redact import Style
    from phiscrub.report import build_report, entry_for_result, write_report
    from phiscrub.review import CHECK_ME_BELOW
    from phiscrub.scan import Scanner

    redacting = args.command == "redact"
    out_dir: Path | None = getattr(args, "out", None)
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        parser.error(f"--out {out_dir} exists and is not a folder")
    if args.jobs < 0:
        parser.error("--jobs takes a positive number")

    project = signoff = verifier = None
    check_me_below = CHECK_ME_BELOW
    if redacting:
        if not args.project and not args.trust_unreviewed:
            print(GATE_MESSAGE, file=sys.stderr)
            return EXIT_USAGE
        if args.project and not args.reviewer:
            parser.error("--project exports reviewed photos: sign off with --reviewer NAME")
        if args.check_me_below is not None:
            if not 0.0 <= args.check_me_below <= 1.0:
                parser.error("--check-me-below takes a score between 0 and 1")
            check_me_below = args.check_me_below
        try:
            signoff = SignOff.now(args.reviewer) if args.reviewer is not None else None
        except SignOffError as exc:
            parser.error(str(exc))
        if args.project:
            from phiscrub.project import ProjectError

            try:
                project = _load_project_file(args.project)
            except ProjectError as exc:
                print(f"phiscrub: {exc}", file=sys.stderr)
                return EXIT_USAGE
        if args.verify:
            from phiscrub.verify import Verifier

            try:
                engines = _verify_engines(args.verify_engines)
            except ValueError as exc:
                parser.error(str(exc))
            verifier = Verifier(engines, faces=not args.no_faces, codes=not args.no_codes)
            if verifier.skipped:
                print(f"phiscrub: --verify: not installed here, skipped: {', '.join(verifier.skipped)}",
                      file=sys.stderr)

    inputs = collect_inputs(args.paths, recursive=args.recursive, exclude=[out_dir] if out_dir else [])
    if not inputs:
        print("phiscrub: no image files found in the given paths", file=sys.stderr)
        return EXIT_FAILED

    scanner = Scanner(
        args.engine, faces=not args.no_faces, codes=not args.no_codes, all_text=args.all_text
    )
    needs_scan = not redacting or args.trust_unreviewed
    try:
        if needs_scan:
            scanner.warm_up()
    except EngineUnavailable as exc:
        print(f"phiscrub: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)

    style = Style(getattr(args, "style", Style.SOLID.value))
    workers = args.jobs or default_workers()
    if project is not None:
        outcomes = _project_outcomes(inputs, project, scanner, out_dir, style, args.trust_unreviewed,
                                     check_me_below, verifier)
    else:
        outcomes = _batch_outcomes(inputs, scanner, out_dir, style, workers, check_me_below, verifier)

    entries, failed, covered, warned = [], 0, 0, 0
    bar = tqdm(total=len(inputs), unit="photo", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)
    for result, review, gate, verification in outcomes:
        bar.update(1)
        if redacting:
            entries.append(audit_entry(result, review=review, gate=gate, verification=verification))
        else:
            entries.append(entry_for_result(result))
        name = _shown(result.input.display)
        if result.ok:
            covered += sum(1 for r in result.regions if r.redacted)
            line = f"{name}: {_summary_of(result.regions)}"
            kept = sum(1 for r in result.regions if not r.redacted)
            if kept:
                line += f", {kept} kept visible"
            if result.output:
                line += f" -> {_shown(result.output)}"
        else:
            failed += 1
            line = f"{name}: ERROR: {result.error}"
        if not args.quiet or not result.ok:
            bar.write(line, file=sys.stderr if not result.ok else sys.stdout)
        if verification is not None and not verification.ok:
            warned += 1
            problems = [w.describe() for w in verification.warnings]
            if verification.error:
                problems.append(verification.error)
            for problem in problems:
                bar.write(f"{name}: WARNING after export: {problem}; check before posting", file=sys.stderr)
    bar.close()

    if redacting:
        settings = {
            "style": style.value,
            "engine": args.engine,
            "faces": not args.no_faces,
            "codes": not args.no_codes,
            "all_text": args.all_text,
            "review_gate": "project" if project is not None else "trust-unreviewed",
            "trust_unreviewed": bool(args.trust_unreviewed),
            "check_me_below": check_me_below,
            "verify_engines": list(verifier.engines) if verifier is not None else None,
        }
        report = build_audit(entries, signoff=signoff, settings=settings, command=args.command)
    else:
        report = build_report(entries, command=args.command, engine=args.engine)
    if args.report:
        write_report(args.report, report)
    if redacting and args.audit_html:
        write_html(args.audit_html, report)
    done = len(inputs) - failed
    verb = "redacted and exported" if out_dir is not None else "scanned"
    summary = f"{done} of {len(inputs)} photos {verb}, {covered} regions found"
    if failed:
        summary += f", {failed} failed"
    if warned:
        summary += f", {warned} with warnings after export"
    if args.report:
        summary += f"; report: {args.report}"
    if redacting and args.audit_html:
        summary += f"; audit page: {args.audit_html}"
    if redacting and signoff is None:
        summary += "; not signed off (no --reviewer)"
    print(summary, file=sys.stderr)
    return EXIT_FAILED if failed or warned else EXIT_OK


def _batch_outcomes(inputs, scanner, out_dir, style, workers, check_me_below, verifier):
    """(result, review, gate, verification) per input from a fresh scan (scan, or a
    trusted unreviewed redact)."""
    from phiscrub.audit import GATE_TRUSTED
    from phiscrub.batch import process
    from phiscrub.review import PhotoReview

    for result in process(inputs, scanner, out_dir=out_dir, style=style, workers=workers):
        review = PhotoReview.of(result.regions, check_me_below) if result.ok else None
        verification = None
        if verifier is not None and result.ok and result.output is not None:
            verification = verifier.verify(result.output, result.regions)
        yield result, review, GATE_TRUSTED, verification


def _project_outcomes(inputs, project, scanner, out_dir, style, trust, check_me_below, verifier):
    """(result, review, gate, verification) per input: photos marked reviewed in the
    project are exported as reviewed; the others are scanned and exported when
    trusted, else refused by the gate."""
    from phiscrub.audit import GATE_REFUSED, GATE_REVIEWED, GATE_TRUSTED
    from phiscrub.batch import FileResult, _plan, process
    from phiscrub.project import ExportJob, export_gated
    from phiscrub.review import PhotoReview

    plan = _plan(inputs, out_dir)
    reserved = frozenset(dest for _, dest in plan if dest is not None)
    for item, dest in plan:
        state = project.get(item.path.resolve())
        review = state.review() if state is not None and state.status == "ok" else None
        if review is None or not review.reviewed:
            if not trust:
                why = "not marked reviewed in the review project" if state is not None else (
                    "not in the review project, or changed since it was reviewed")
                yield FileResult(item, "error", error=f"not exported: {why}"), None, GATE_REFUSED, None
                continue
            scanned = next(process([item], scanner))
            if not scanned.ok:
                yield scanned, None, GATE_TRUSTED, None
                continue
            review = PhotoReview.of(scanned.regions, check_me_below)
        if dest is None:
            yield FileResult(item, "error", error="cannot tell this image's format from its name; "
                             "rename it with an image extension"), review, GATE_REFUSED, None
            continue
        for outcome in export_gated([ExportJob.of(item, review, dest)], style, allow_unreviewed=trust,
                                    verifier=verifier, reserved=reserved):
            gate = GATE_REVIEWED if review.reviewed else GATE_TRUSTED
            yield outcome.result, review, gate, outcome.verification


if __name__ == "__main__":
    sys.exit(main())
