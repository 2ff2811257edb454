"""Review projects: what a person decided about each photo of a folder, kept between sessions.

A project file records, per photo, the regions the scan found, the regions after
review (toggled, drawn, moved), whether the photo was marked reviewed, where
its clean copy went and what verifying that copy found (counts by kind). It
holds geometry, kinds, counts, detector names and file names only: never
recognised text, and not even the findings' `reason` strings (they are meant to
be PHI-free, but the file outlives the session, so it keeps the least it can).

Project files live in a folder the user chooses (by default the app's own data
folder), named after the photo folder plus a hash of its full path, so two folders
called "ward" never share one; nothing is written beside the originals unless the
user points the project folder there. Each photo is matched to its entry by name
and by size and modification time, so a photo replaced since the last session is
scanned afresh instead of getting someone else's regions.

`export_reviewed` is the export half of a batch for regions a person already
reviewed: the same load → redact → save_clean path as `batch.process`, but with
the given regions instead of a fresh scan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from phiscrub import __version__
from phiscrub.batch import FileResult, InputFile
from phiscrub.imageio import ExportError, ImageLoadError, format_for_suffix, load_image, save_clean
from phiscrub.models import Box, Kind, Polygon, Region
from phiscrub.redact import Style, redact
from phiscrub.report import write_text_atomic
from phiscrub.review import (
    Consent,
    Decision,
    ExportRefused,
    PhotoReview,
    require_reviewed,
    review_from_regions,
)
from phiscrub.verify import VerificationSummary

log = logging.getLogger(__name__)

FORMAT = "phiscrub-project"
FORMAT_VERSION = 1
SUFFIX = ".phiscrub-project.json"


class ProjectError(Exception):
    """A project file that cannot be read or is not one (a sentence for the user)."""


@dataclass(frozen=True)
class PhotoState:
    """One photo's review state. `name` is the path relative to the project folder
    (with "/"); `size` and `mtime_ns` identify the file the state belongs to."""

    name: str
    size: int
    mtime_ns: int
    status: str = "ok"  # "ok" (scanned) or "error"
    error: str | None = None
    width: int | None = None
    height: int | None = None
    found: tuple[Region, ...] = ()  # as the scan found them
    regions: tuple[Region, ...] = ()  # after review
    reviewed: bool = False
    exported_to: str | None = None
    # Parallel to `regions` when set: each region's decision and consent reference.
    # Empty means "the redacted flags decide" (projects saved before decisions).
    decisions: tuple[Decision, ...] = ()
    consents: tuple[Consent | None, ...] = ()
    #: What verification found in the export at `exported_to` (counts by kind; None:
    #: not verified, or never exported).
    verification: VerificationSummary | None = None

    def review(self) -> PhotoReview:
        """The review of this photo: decisions per region, reviewed flag. A photo
        saved as reviewed with a "check me" region left is not reviewed."""
        if self.decisions and len(self.decisions) != len(self.regions):
            return PhotoReview.of(self.regions)  # out of step: decide again
        return review_from_regions(self.regions, self.decisions, self.consents, self.reviewed)

    def with_review(self, review: PhotoReview) -> PhotoState:
        """This state carrying `review` (regions, decisions, consents, reviewed)."""
        return replace(
            self,
            regions=review.regions(),
            decisions=tuple(i.decision for i in review.items),
            consents=tuple(i.consent for i in review.items),
            reviewed=review.reviewed,
        )


@dataclass
class Project:
    """The review state of the photos of one folder."""

    folder: Path
    photos: dict[str, PhotoState] = field(default_factory=dict)

    def key(self, path: Path) -> str:
        """The entry name of `path`: relative to the folder when inside it, else absolute."""
        path = Path(path)
        try:
            return path.relative_to(self.folder).as_posix()
        except ValueError:
            return path.as_posix()

    def get(self, path: Path) -> PhotoState | None:
        """The saved state of `path`, or None when there is none or the file changed since."""
        state = self.photos.get(self.key(path))
        if state is None:
            return None
        try:
            size, mtime_ns = fingerprint(path)
        except OSError:
            return None
        if (size, mtime_ns) != (state.size, state.mtime_ns):
            return None
        return state

    def put(self, state: PhotoState) -> None:
        self.photos[state.name] = state

    def state_for(self, path: Path, **values: Any) -> PhotoState | None:
        """A PhotoState for `path` with `values`, fingerprinted now; None if the file is gone."""
        try:
            size, mtime_ns = fingerprint(path)
        except OSError:
            return None
        return PhotoState(name=self.key(path), size=size, mtime_ns=mtime_ns, **values)


def fingerprint(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def project_path(folder: Path, store: Path) -> Path:
    """Where the project of photo folder `folder` is kept inside `store`."""
    folder = Path(folder).resolve()
    digest = hashlib.sha256(os.fsencode(str(folder))).hexdigest()[:16]
    # Only a tame part of the folder's name, for people browsing the store; the hash is the key.
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.name)[:40] or "root"
    return Path(store) / f"{label}-{digest}{SUFFIX}"


# ---------------------------------------------------------------------- (de)serialising


def _region_to_json(region: Region) -> dict[str, Any]:
    # float(): detectors may hand over numpy scalars, which JSON does not take.
    out: dict[str, Any] = {
        "kind": region.kind.value,
        "box": [float(region.box.x), float(region.box.y), float(region.box.w), float(region.box.h)],
        "score": float(region.score),
        "detector": str(region.detector),
        "redacted": bool(region.redacted),
    }
    if region.polygon is not None:
        out["polygon"] = [[float(x), float(y)] for x, y in region.polygon.points]
    return out


def _region_from_json(data: Any) -> Region:
    if not isinstance(data, dict):
        raise ValueError("a region is not an object")
    box = [float(v) for v in data["box"]]
    if len(box) != 4:
        raise ValueError("a box needs four numbers")
    polygon = data.get("polygon")
    return Region(
        kind=Kind(data["kind"]),
        box=Box(*box),
        polygon=Polygon.of(polygon) if polygon is not None else None,
        score=float(data.get("score", 1.0)),
        detector=str(data.get("detector", "manual")),
        redacted=bool(data.get("redacted", True)),
    )


def _photo_to_json(state: PhotoState) -> dict[str, Any]:
    regions = [_region_to_json(r) for r in state.regions]
    if state.decisions and len(state.decisions) == len(regions):
        consents = state.consents or (None,) * len(regions)
        for entry, decision, consent in zip(regions, state.decisions, consents, strict=True):
            entry["decision"] = Decision(decision).value
            if consent is not None:
                entry["consent"] = consent.to_json()
    return {
        "name": state.name,
        "size": state.size,
        "mtime_ns": state.mtime_ns,
        "status": state.status,
        "error": state.error,
        "width": state.width,
        "height": state.height,
        "found": [_region_to_json(r) for r in state.found],
        "regions": regions,
        "reviewed": state.reviewed,
        "exported_to": state.exported_to,
        "verification": state.verification.to_json() if state.verification is not None else None,
    }


def _photo_from_json(data: Any) -> PhotoState:
    if not isinstance(data, dict):
        raise ValueError("a photo entry is not an object")
    status = data.get("status", "ok")
    if status not in ("ok", "error"):
        raise ValueError(f"unknown status {status!r}")
    raw_regions = list(data.get("regions", ()))
    decisions: tuple[Decision, ...] = ()
    consents: tuple[Consent | None, ...] = ()
    if raw_regions and all(isinstance(r, dict) and "decision" in r for r in raw_regions):
        decisions = tuple(Decision(r["decision"]) for r in raw_regions)
        consents = tuple(
            Consent.from_json(r["consent"]) if r.get("consent") is not None else None for r in raw_regions
        )
    return PhotoState(
        name=str(data["name"]),
        size=int(data["size"]),
        mtime_ns=int(data["mtime_ns"]),
        status=status,
        error=None if data.get("error") is None else str(data["error"]),
        width=None if data.get("width") is None else int(data["width"]),
        height=None if data.get("height") is None else int(data["height"]),
        found=tuple(_region_from_json(r) for r in data.get("found", ())),
        regions=tuple(_region_from_json(r) for r in raw_regions),
        reviewed=bool(data.get("reviewed", False)),
        exported_to=None if data.get("exported_to") is None else str(data["exported_to"]),
        decisions=decisions,
        consents=consents,
        verification=None
        if data.get("verification") is None
        else VerificationSummary.from_json(data["verification"]),
    )


def load_project(path: Path, folder: Path) -> Project:
    """The project stored at `path`, or an empty one for `folder` when there is no file yet."""
    folder = Path(folder).resolve()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Project(folder)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectError(f"the review project {Path(path).name} cannot be read ({exc})") from exc
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a phiscrub project file")
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"project format version {data.get('format_version')!r} is not supported")
        photos = [_photo_from_json(p) for p in data.get("photos", ())]
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectError(f"the review project {Path(path).name} is damaged ({exc})") from exc
    project = Project(folder)
    for state in photos:
        project.put(state)
    return project


def save_project(project: Project, path: Path) -> Path:
    """Write atomically: temp file beside the target, fsync, then rename, so a crash
    mid-save leaves the previous project intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "folder": str(project.folder),
        "saved": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "photos": [_photo_to_json(s) for _name, s in sorted(project.photos.items())],
    }
    return write_text_atomic(path, json.dumps(data, indent=1) + "\n", prefix=".phiscrub-project-")


# ---------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportJob:
    """One reviewed photo to export: its regions as reviewed and its reserved destination.
    `review` carries the decisions (for the gate, consent and the audit report); when
    given, its regions are the ones drawn and `regions` is ignored."""

    input: InputFile
    regions: tuple[Region, ...]
    dest: Path
    review: PhotoReview | None = None

    @classmethod
    def of(cls, input: InputFile, review: PhotoReview, dest: Path) -> ExportJob:
        return cls(input, review.regions(), dest, review)


def export_reviewed(
    jobs: Sequence[ExportJob], style: Style = Style.SOLID, *, reserved: Collection[Path] | None = None
) -> Iterator[FileResult]:
    """Export each job's photo with its reviewed regions covered; one FileResult per job,
    in order, whose `output` is the file written (beside `dest` when that name holds a
    file phiscrub may not replace, never on a name in `reserved`: by default the
    jobs' own destinations). A failure yields an error result and the rest go on;
    closing the generator stops before the next photo."""
    taken = frozenset(j.dest for j in jobs) if reserved is None else frozenset(reserved)
    for job in jobs:
        start = time.perf_counter()
        try:
            image = load_image(job.input.path)
            regions = job.review.regions() if job.review is not None else job.regions
            height, width = image.pixels.shape[:2]
            clean = redact(image.pixels, regions, style)
            del image
            try:
                job.dest.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ExportError(f"cannot create the output folder ({exc.strerror})") from exc
            output = save_clean(
                clean, job.dest, format_for_suffix(job.dest.suffix), source=job.input.path, taken=taken
            )
            result = FileResult(job.input, "ok", width=width, height=height, regions=regions, output=output)
        except (ImageLoadError, ExportError) as exc:
            result = FileResult(job.input, "error", error=str(exc), regions=job.regions)
        except MemoryError:
            result = FileResult(job.input, "error", error="not enough memory to process this image")
        except Exception as exc:  # one bad file must never stop the export of the rest
            log.debug("unexpected export error on %s", job.input.display, exc_info=True)
            result = FileResult(
                job.input, "error", error=f"internal error ({type(exc).__name__}); please report it"
            )
        yield replace(result, seconds=time.perf_counter() - start)


@dataclass(frozen=True)
class ExportOutcome:
    """One photo through the gated export: the file result, the review it was exported
    under (None for a trusted, unreviewed one with no review), whether the gate refused
    it, and the verification of the export when one was asked for."""

    result: FileResult
    review: PhotoReview | None
    refused: bool = False
    verification: Any = None  # phiscrub.verify.Verification


def export_gated(
    jobs: Sequence[ExportJob],
    style: Style = Style.SOLID,
    *,
    allow_unreviewed: bool = False,
    verifier: Any = None,
    reserved: Collection[Path] | None = None,
) -> Iterator[ExportOutcome]:
    """Export through the review gate: a job whose review is missing or not marked
    reviewed is refused (an error result naming why, nothing written) unless
    `allow_unreviewed`. Regions decided visible (kept, consent) stay visible;
    "check me" ones are covered. With a `verifier` (phiscrub.verify.Verifier) each
    export is scanned again and the warnings come with the outcome. `reserved` is
    as for export_reviewed."""
    taken = frozenset(j.dest for j in jobs) if reserved is None else frozenset(reserved)
    for job in jobs:
        try:
            require_reviewed(job.review, allow_unreviewed=allow_unreviewed)
        except ExportRefused as exc:
            yield ExportOutcome(
                FileResult(job.input, "error", error=str(exc), regions=job.regions), job.review, refused=True
            )
            continue
        review = job.review if job.review is not None else review_from_regions(job.regions)
        for result in export_reviewed([ExportJob.of(job.input, review, job.dest)], style, reserved=taken):
            verification = None
            if verifier is not None and result.ok and result.output is not None:
                verification = verifier.verify(result.output, result.regions)
            yield ExportOutcome(result, job.review, verification=verification)
