"""The audit report: who signed off an export, when, with which tool and settings,
and per photo what was covered, what was kept visible (and under which consent
reference), and what the verification pass still found.

It is the report JSON of docs/DESIGN.md with more fields, so one file serves
both. Like every report it never holds recognised text, and it never names a
patient: a consent is recorded by its form reference and date only. The HTML
page shows thumbnails of the exported clean images only (embedded as data
URIs, so the page is one self-contained file); an original is never read here.
"""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from phiscrub.report import build_report, entry_for_result, region_to_dict, write_text_atomic
from phiscrub.review import PhotoReview

THUMBNAIL_PX = 320
_MAX_REVIEWER = 64


class SignOffError(ValueError):
    """A reviewer name that cannot be recorded."""


@dataclass(frozen=True)
class SignOff:
    """The person accountable for an export (name or initials) and when they signed."""

    reviewer: str
    signed_at: str

    @classmethod
    def now(cls, reviewer: str) -> SignOff:
        name = " ".join(str(reviewer).split())
        if not name:
            raise SignOffError("the reviewer's name or initials are needed to sign off an export")
        if len(name) > _MAX_REVIEWER or not name.isprintable():
            raise SignOffError(f"a reviewer's name or initials take at most {_MAX_REVIEWER} characters")
        return cls(name, time.strftime("%Y-%m-%dT%H:%M:%S%z"))


GATE_REVIEWED = "reviewed"
GATE_TRUSTED = "unreviewed, exported by explicit trust"
GATE_REFUSED = "refused: not reviewed"


def audit_entry(
    result: Any,
    *,
    review: PhotoReview | None,
    gate: str,
    verification: Any = None,
) -> dict[str, Any]:
    """One photo's entry: the report fields of `result` (a batch.FileResult) plus its
    review (decisions, counts by kind covered / kept / kept by consent, consent
    references), the gate's verdict and the verification pass."""
    if review is None:
        review = PhotoReview.of(result.regions)
    entry = entry_for_result(result)
    entry["regions"] = [region_to_dict(i.effective, i.decision.value) for i in review.items]
    entry["review"] = {"gate": gate, "marked_reviewed": review.reviewed, **review.summary()}
    if verification is not None:
        entry["verification"] = verification.to_json()
    return entry


def build_audit(
    entries: list[dict[str, Any]],
    *,
    signoff: SignOff | None,
    settings: Mapping[str, Any],
    command: str = "redact",
) -> dict[str, Any]:
    """The whole report: tool, version, sign-off, settings, totals, photos."""
    totals: dict[str, Any] = {
        "photos": len(entries),
        "exported": 0,
        "failed": 0,
        "refused": 0,
        "covered": 0,
        "kept": 0,
        "kept_by_consent": 0,
        "verification_warnings": 0,
    }
    for e in entries:
        review = e.get("review", {})
        if review.get("gate") == GATE_REFUSED:
            totals["refused"] += 1
        elif e["status"] != "ok":
            totals["failed"] += 1
        elif e.get("output"):
            totals["exported"] += 1
        for key in ("covered", "kept", "kept_by_consent"):
            totals[key] += sum(review.get(key, {}).values())
        totals["verification_warnings"] += len(e.get("verification", {}).get("warnings", ()))
    return build_report(
        entries,
        command=command,
        reviewer=signoff.reviewer if signoff else None,
        signed_at=signoff.signed_at if signoff else None,
        generated_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        settings=dict(settings),
        totals=totals,
    )


# ---------------------------------------------------------------------- HTML


def thumbnail_data_uri(path: str | Path, size: int = THUMBNAIL_PX) -> str:
    """A small JPEG of an exported clean file, as a data URI (fresh pixels, no metadata)."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail((size, size))
        buf = io.BytesIO()
        clean = Image.frombytes("RGB", im.size, im.tobytes())  # drops every info entry
        clean.save(buf, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>phiscrub export report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
table.meta td { padding: 2px 12px 2px 0; vertical-align: top; }
.photo { display: flex; gap: 1.2em; border-top: 1px solid #ccc; padding: 1em 0; page-break-inside: avoid; }
.photo img { width: ${thumb}px; max-width: 40vw; height: auto; border: 1px solid #999; }
.noimg { width: ${thumb}px; height: 120px; background: #eee; display: flex; align-items: center;
         justify-content: center; color: #666; }
.warn { color: #a40000; font-weight: bold; }
.ok { color: #1e6b33; }
.unsigned { color: #a40000; }
ul { margin: 0.3em 0; padding-left: 1.2em; }
</style>
</head>
<body>
<h1>phiscrub export report</h1>
<table class="meta">
<tr><td>Signed off by</td><td>${reviewer}</td></tr>
<tr><td>Signed at</td><td>${signed_at}</td></tr>
<tr><td>Generated</td><td>${generated_at}</td></tr>
<tr><td>Tool</td><td>${tool} ${version}</td></tr>
<tr><td>Settings</td><td>${settings}</td></tr>
<tr><td>Totals</td><td>${totals}</td></tr>
</table>
<p>Thumbnails show the exported clean copies only. This report holds no text read
from the photos and names no patient; consent is recorded by form reference.</p>
${photos}
</body>
</html>
""")


def _counts(counts: Mapping[str, int]) -> str:
    if not counts:
        return "none"
    return ", ".join(f"{n} {html.escape(k)}" for k, n in counts.items())


def _photo_html(entry: Mapping[str, Any], thumb: int) -> str:
    e = html.escape
    review = entry.get("review", {})
    output = entry.get("output")
    if entry.get("status") == "ok" and output and Path(output).is_file():
        img = f'<img alt="clean export of {e(Path(output).name)}" src="{thumbnail_data_uri(output, thumb)}">'
    else:
        img = '<div class="noimg">not exported</div>'
    rows = [f"<b>{e(str(entry.get('source')))}</b>"]
    if output:
        rows.append(f"exported to {e(str(output))}")
    if entry.get("status") != "ok":
        rows.append(f'<span class="warn">{e(str(entry.get("error")))}</span>')
    if review:
        rows.append(f"review: {e(str(review.get('gate')))}")
        rows.append(f"covered: {_counts(review.get('covered', {}))}")
        rows.append(f"kept visible: {_counts(review.get('kept', {}))}")
        consents = review.get("consents", [])
        if consents:
            items = "".join(
                f"<li>{e(c['kind'])} at {e(str(c['box']))}: consent {e(c['reference'])}"
                f"{', signed ' + e(c['date']) if c.get('date') else ''}</li>"
                for c in consents
            )
            rows.append(f"kept by consent:<ul>{items}</ul>")
        if review.get("check_me_left"):
            rows.append(f'{review["check_me_left"]} "check me" region(s) were left undecided (covered)')
    verification = entry.get("verification")
    if verification is not None:
        engines = ", ".join(verification.get("engines", [])) or "detectors only"
        warnings = verification.get("warnings", [])
        if verification.get("error"):
            rows.append(f'<span class="warn">verification failed: {e(verification["error"])}</span>')
        elif warnings:
            items = "".join(
                f"<li>{e(w['detector'])} still finds a {e(w['kind'])} at {e(str(w['box']))}</li>"
                for w in warnings
            )
            rows.append(
                f'<span class="warn">verification ({e(engines)}): check before posting</span><ul>{items}</ul>'
            )
        else:
            rows.append(f'<span class="ok">verification ({e(engines)}): nothing found</span>')
    details = "<br>\n".join(rows)
    return f'<div class="photo">{img}<div>{details}</div></div>'


def render_html(report: Mapping[str, Any], *, thumbnail_px: int = THUMBNAIL_PX) -> str:
    """The audit report as one self-contained HTML page (print it to PDF from a browser)."""
    e = html.escape
    settings = ", ".join(
        f"{e(str(k))}: {e(', '.join(map(str, v)) if isinstance(v, list) else str(v))}"
        for k, v in report.get("settings", {}).items()
    )
    totals = ", ".join(f"{e(str(k))}: {e(str(v))}" for k, v in report.get("totals", {}).items())
    reviewer = report.get("reviewer")
    return _PAGE.substitute(
        thumb=int(thumbnail_px),
        reviewer=e(reviewer) if reviewer else '<span class="unsigned">not signed off</span>',
        signed_at=e(str(report.get("signed_at") or "—")),
        generated_at=e(str(report.get("generated_at") or "—")),
        tool=e(str(report.get("tool"))),
        version=e(str(report.get("version"))),
        settings=settings or "—",
        totals=totals or "—",
        photos="\n".join(_photo_html(p, thumbnail_px) for p in report.get("images", [])),
    )


def write_html(path: str | Path, report: Mapping[str, Any], *, thumbnail_px: int = THUMBNAIL_PX) -> Path:
    """Render and write atomically (temp file beside the target, then rename)."""
    path = Path(path)
    page = render_html(report, thumbnail_px=thumbnail_px)
    return write_text_atomic(path, page, prefix=".phiscrub-audit-")


def photo_entries(outcomes: Iterable[Any], gate_for_unreviewed: str = GATE_TRUSTED) -> list[dict[str, Any]]:
    """Audit entries for ExportOutcomes of `project.export_gated`."""
    entries = []
    for o in outcomes:
        if o.refused:
            gate = GATE_REFUSED
        elif o.review is not None and o.review.reviewed:
            gate = GATE_REVIEWED
        else:
            gate = gate_for_unreviewed
        entries.append(audit_entry(o.result, review=o.review, gate=gate, verification=o.verification))
    return entries
