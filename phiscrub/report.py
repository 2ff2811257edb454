"""The report JSON (see docs/DESIGN.md "Report JSON"). It never holds recognised text."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from phiscrub import __version__
from phiscrub.models import Region


def region_to_dict(region: Region, decision: str | None = None) -> dict[str, Any]:
    """One region as the report holds it (no text, no reason strings with content);
    with `decision`, the review decision (cover, keep, consent, check)."""
    out: dict[str, Any] = {"kind": region.kind.value, "box": region.box.to_list()}
    if region.polygon is not None:
        out["polygon"] = region.polygon.to_list()
    out["score"] = round(float(region.score), 3)
    out["detector"] = region.detector
    out["redacted"] = bool(region.redacted)
    if decision is not None:
        out["decision"] = decision
    return out


def image_entry(
    source: str,
    *,
    output: str | None,
    status: str,
    error: str | None,
    width: int | None,
    height: int | None,
    regions: Iterable[Region],
    seconds: float | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "source": source,
        "output": output,
        "status": status,
        "error": error,
        "width": width,
        "height": height,
        "regions": [region_to_dict(r) for r in regions],
    }
    if seconds is not None:
        entry["seconds"] = round(seconds, 3)
    return entry


def entry_for_result(result: Any) -> dict[str, Any]:
    """The report entry of one `batch.FileResult` (its regions as exported)."""
    return image_entry(
        result.input.display,
        output=str(result.output) if result.output else None,
        status=result.status,
        error=result.error,
        width=result.width,
        height=result.height,
        regions=result.regions,
        seconds=result.seconds,
    )


def build_report(images: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    report: dict[str, Any] = {"tool": "phiscrub", "version": __version__}
    report.update(extra)
    report["images"] = images
    return report


def write_report(path: str | Path, report: dict[str, Any]) -> Path:
    """Write atomically so an interrupted run never leaves a half-written report
    over a good one."""
    return write_text_atomic(path, json.dumps(report, indent=2) + "\n", prefix=".phiscrub-report-")


def write_text_atomic(path: str | Path, text: str, *, prefix: str = ".phiscrub-") -> Path:
    """Write `text` to `path` through a temp file beside it, fsynced, then renamed
    over it: a crash mid-write leaves the previous file whole and no temp file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
