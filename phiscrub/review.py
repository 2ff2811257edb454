"""The review gate: what a person decided about each region of a photo, and whether
the photo may be exported.

Every region gets a `Decision`: covered, kept (not PHI, e.g. a sign), kept because
the person in it gave written consent (with a `Consent` reference: a form number
and a date, never a name), or "check me" — a detector hit below the confidence
threshold that a person must decide before the photo can be marked reviewed.
Until then a "check me" region is covered, so a trusted batch export never shows
something nobody looked at.

A `PhotoReview` is immutable: each decision returns a new one, and any change
after "reviewed" takes the mark away again (what was signed off is what is
exported). `require_reviewed` is the gate every export goes through; only an
explicit `allow_unreviewed=True` (the CLI's `--trust-unreviewed`) passes a photo
nobody marked reviewed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from phiscrub.models import Kind, Region

#: Detector hits scoring below this are shown as "check me" and must be decided.
CHECK_ME_BELOW = 0.7


class Decision(str, Enum):
    COVER = "cover"  # redacted in the export
    KEEP = "keep"  # left visible: not PHI (a sign, a staff badge the user cleared)
    CONSENT = "consent"  # left visible: written consent on file, see the Consent reference
    CHECK = "check"  # "check me": unsure, not yet decided (covered until it is)

    @property
    def visible(self) -> bool:
        """Whether the region is left visible in the export."""
        return self in (Decision.KEEP, Decision.CONSENT)


class ReviewError(ValueError):
    """A review step that is not allowed (a sentence for the user)."""


class ConsentError(ReviewError):
    """A consent reference that cannot be recorded (e.g. it looks like a person's name)."""


class ExportRefused(ReviewError):
    """The gate refused to export a photo (not reviewed, or undecided regions)."""


_MAX_REFERENCE = 80
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Kinds that would put a person into the report if a consent reference held them.
_PERSONAL_KINDS = {Kind.NAME, Kind.EMAIL, Kind.PHONE, Kind.SSN, Kind.ADDRESS}


@dataclass(frozen=True)
class Consent:
    """Written consent on file for a region: the form's reference (number or code)
    and the date it was signed (ISO, YYYY-MM-DD). Recorded in the report; it must
    never name the person, so a reference that reads like a name, email, phone
    number, SSN or address is refused."""

    reference: str
    date: str | None = None

    def __post_init__(self) -> None:
        ref = " ".join(str(self.reference).split())
        if not ref:
            raise ConsentError("a consent reference is needed (the form number)")
        if len(ref) > _MAX_REFERENCE or not ref.isprintable():
            raise ConsentError(f"a consent reference is a form number of at most {_MAX_REFERENCE} characters")
        if self.date is not None and not _DATE.match(str(self.date)):
            raise ConsentError("the consent date is written YYYY-MM-DD")
        from phiscrub.caption import identifying_kinds

        if identifying_kinds(ref) & _PERSONAL_KINDS:
            raise ConsentError(
                "a consent reference holds the form number and date only, never the person's name "
                "or contact details"
            )
        object.__setattr__(self, "reference", ref)

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "date": self.date}

    @classmethod
    def from_json(cls, data: Any) -> Consent:
        if not isinstance(data, dict):
            raise ValueError("a consent entry is not an object")
        date = data.get("date")
        return cls(str(data["reference"]), None if date is None else str(date))


@dataclass(frozen=True)
class ReviewedRegion:
    """A region with the decision a person (or the threshold) made about it."""

    region: Region
    decision: Decision
    consent: Consent | None = None

    def __post_init__(self) -> None:
        if (self.decision is Decision.CONSENT) != (self.consent is not None):
            raise ReviewError("a region is kept by consent exactly when it has a consent reference")

    @property
    def effective(self) -> Region:
        """The region as the export uses it: covered unless decided visible."""
        return self.region.with_redacted(not self.decision.visible)


def initial_decision(region: Region, check_me_below: float = CHECK_ME_BELOW) -> Decision:
    """COVER for a confident detector hit or a drawn region, CHECK below the threshold,
    KEEP for a region already marked kept."""
    if not region.redacted:
        return Decision.KEEP
    if region.kind is not Kind.MANUAL and region.detector != "manual" and region.score < check_me_below:
        return Decision.CHECK
    return Decision.COVER


@dataclass(frozen=True)
class PhotoReview:
    """The decisions about one photo's regions and whether it was marked reviewed."""

    items: tuple[ReviewedRegion, ...] = ()
    reviewed: bool = False

    @classmethod
    def of(cls, regions: Iterable[Region], check_me_below: float = CHECK_ME_BELOW) -> PhotoReview:
        """A fresh review of scanned regions: weak hits become "check me"."""
        return cls(tuple(ReviewedRegion(r, initial_decision(r, check_me_below)) for r in regions))

    @property
    def check_me(self) -> tuple[int, ...]:
        """Indices of the regions still to decide."""
        return tuple(i for i, item in enumerate(self.items) if item.decision is Decision.CHECK)

    def decide(self, index: int, decision: Decision | str, consent: Consent | None = None) -> PhotoReview:
        """Decide region `index`. CONSENT needs a `consent`; the others take none.
        Any change un-marks the photo reviewed."""
        decision = Decision(decision)
        if decision is Decision.CONSENT and consent is None:
            raise ConsentError("keeping a region by consent needs the consent reference")
        if decision is not Decision.CONSENT:
            consent = None
        items = list(self.items)
        items[index] = ReviewedRegion(items[index].region, decision, consent)
        return PhotoReview(tuple(items), reviewed=False)

    def add(self, region: Region, decision: Decision | str = Decision.COVER) -> PhotoReview:
        """A drawn region, covered by default."""
        item = ReviewedRegion(region, Decision(decision))
        return PhotoReview((*self.items, item), reviewed=False)

    def remove(self, index: int) -> PhotoReview:
        items = self.items[:index] + self.items[index + 1 :]
        return PhotoReview(items, reviewed=False)

    def mark_reviewed(self) -> PhotoReview:
        """The same decisions, marked reviewed; refused while any region is "check me"."""
        pending = len(self.check_me)
        if pending:
            raise ReviewError(
                f"{pending} region{'s' if pending != 1 else ''} marked \"check me\" "
                f"must be decided (cover, keep or consent) before the photo is marked reviewed"
            )
        return PhotoReview(self.items, reviewed=True)

    def unmark_reviewed(self) -> PhotoReview:
        return PhotoReview(self.items, reviewed=False)

    def regions(self) -> tuple[Region, ...]:
        """The regions as the export draws them (visible ones with redacted=False)."""
        return tuple(item.effective for item in self.items)

    def summary(self) -> dict[str, Any]:
        """Counts by kind of regions covered, kept and kept by consent, and the consent
        references (kind, box, reference, date): what the audit report records. No text."""
        covered = Counter(i.region.kind.value for i in self.items if not i.decision.visible)
        kept = Counter(i.region.kind.value for i in self.items if i.decision is Decision.KEEP)
        consent = Counter(i.region.kind.value for i in self.items if i.decision is Decision.CONSENT)
        return {
            "covered": dict(sorted(covered.items())),
            "kept": dict(sorted(kept.items())),
            "kept_by_consent": dict(sorted(consent.items())),
            "check_me_left": len(self.check_me),
            "consents": [
                {"kind": i.region.kind.value, "box": i.region.box.to_list(), **i.consent.to_json()}
                for i in self.items
                if i.consent is not None
            ],
        }


def review_from_regions(
    regions: Sequence[Region], decisions: Sequence[Decision | str] = (),
    consents: Sequence[Consent | None] = (), reviewed: bool = False,
) -> PhotoReview:
    """A PhotoReview from parallel sequences (as a project file stores them). Without
    decisions, each region's `redacted` flag decides (True → cover, False → keep)."""
    if not decisions:
        decisions = [Decision.COVER if r.redacted else Decision.KEEP for r in regions]
    if not consents:
        consents = [None] * len(regions)
    if not len(regions) == len(decisions) == len(consents):
        raise ValueError("regions, decisions and consents differ in length")
    items = tuple(
        ReviewedRegion(r, Decision(d), c) for r, d, c in zip(regions, decisions, consents, strict=True)
    )
    review = PhotoReview(items)
    if reviewed and not review.check_me:
        review = review.mark_reviewed()
    return review


def require_reviewed(review: PhotoReview | None, *, allow_unreviewed: bool = False) -> None:
    """The export gate: raise ExportRefused unless the photo was marked reviewed, or
    the caller explicitly allows unreviewed photos (trusted batch use)."""
    if review is not None and review.reviewed:
        return
    if allow_unreviewed:
        return
    if review is not None and review.check_me:
        raise ExportRefused(
            f"not exported: {len(review.check_me)} \"check me\" region(s) undecided and the photo "
            "is not marked reviewed"
        )
    raise ExportRefused("not exported: the photo is not marked reviewed")


def with_decisions(review: PhotoReview, regions: Sequence[Region]) -> PhotoReview:
    """Keep `review`'s decisions for regions that are unchanged and give new ones a
    fresh decision (for an app that edits regions and then asks for the review)."""
    known = {item.region: item for item in review.items}
    items = tuple(known.get(r) or ReviewedRegion(r, initial_decision(r)) for r in regions)
    return replace(review, items=items, reviewed=review.reviewed and items == review.items)
