"""Seeded synthetic hospital workplace photos with word-level ground truth.

Each photo is a wall-and-counter background with flat "elements" placed on it
in rotation and perspective: wristbands with a Code128 barcode, chart labels,
whiteboards in handwriting, EHR screens (light and dark) in a monitor, neutral
signage, staff badges, room signs and real faces. Every element is drawn flat
with PIL, its word boxes recorded as it is drawn, then warped onto the canvas
with one homography that also maps its ground truth. Some photos are then
turned by ±90° or 180°, blurred, made noisy and unevenly lit, and saved as JPEG.

Ground truth (`NNN.json`, upright pixels of the saved `NNN.jpg`)::

    {"width", "height",
     "words": [{"text", "polygon": [[x, y]] * 4, "kind"}],
     "faces": [{"box": [x, y, w, h]}],
     "barcodes": [{"polygon": [[x, y]] * 4, "format"}]}

`kind` is a PHI kind (name, date, id, ssn, phone, email, url, address),
"neutral" (signage that must stay visible) or "either" (labels such as "DOB:",
staff names, room numbers: not scored). One polygon per whitespace token.

Faces come from the dlib face set in the shared data folder (read at run time,
never copied) and from `skimage.data.astronaut()` (a public-domain NASA photo).
The output is deterministic for a seed on a machine with the same fonts
installed (see FONT_PACKAGES).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: Debian packages whose fonts the generator uses (others fall back to DejaVu).
FONT_PACKAGES = (
    "fonts-dejavu-core",
    "fonts-dejavu-extra",
    "fonts-liberation",
    "fonts-urw-base35",
    "fonts-dkg-handwriting",
    "fonts-comic-neue",
    "fonts-breip",
)

_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")

_FONT_FILES = {
    "sans": [
        "LiberationSans-Regular.ttf",
        "DejaVuSans.ttf",
        "NimbusSans-Regular.otf",
        "DejaVuSansCondensed.ttf",
        "LiberationSansNarrow-Regular.ttf",
    ],
    "sans_bold": ["LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf", "NimbusSans-Bold.otf"],
    "mono": ["DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "NimbusMonoPS-Regular.otf"],
    "mono_bold": ["DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf", "NimbusMonoPS-Bold.otf"],
    "serif": ["LiberationSerif-Regular.ttf", "DejaVuSerif.ttf", "NimbusRoman-Regular.otf"],
    "hand": [
        "dkg.ttf",
        "Breip.ttf",
        "ComicNeue-Regular.otf",
        "ComicNeue-Bold.otf",
        "Z003-MediumItalic.otf",
        "URWBookman-LightItalic.otf",
    ],
}

PHI_KINDS = ("name", "date", "id", "ssn", "phone", "email", "url", "address")

LOCALES = (
    "en_US", "en_US", "en_US", "es_ES", "es_MX", "de_DE", "fr_FR", "it_IT", "pl_PL",
    "vi_VN", "en_IN", "pt_BR", "tr_TR", "nl_NL", "en_GB", "ro_RO", "cs_CZ",
)  # fmt: skip

SIGNS = (
    "WASH YOUR HANDS",
    "Nurses Station",
    "Hand Hygiene Saves Lives",
    "Staff Only",
    "EXIT",
    "Authorized Personnel Only",
    "Clean Utility",
    "Soiled Utility",
    "Please Use Hand Sanitizer",
    "No Food or Drink",
    "Fire Extinguisher",
    "Quiet Please",
    "Caution Wet Floor",
    "Medication Room",
    "Visitors Please Check In",
    "Isolation Cart",
    "Keep Door Closed",
    "Oxygen In Use",
)
HOSPITALS = (
    "St. Mary Medical Center",
    "Riverside General Hospital",
    "Mercy Regional Health",
    "Lakeview University Hospital",
    "Hillcrest Community Hospital",
)
GOALS = (
    "walk 3x today",
    "pain < 4",
    "shower",
    "OOB to chair",
    "IS 10x/hr",
    "NPO after midnight",
    "PT eval",
    "fall risk",
    "low salt diet",
    "call don't fall",
)
STAFF_ROLES = ("RN", "LPN", "MD", "PA-C", "NP", "CNA", "RT", "PharmD")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
FACE_DATA_FILES = ("training.xml", "testing.xml")
# Eileen Collins' face in skimage.data.astronaut(), as [x, y, w, h].
ASTRONAUT_FACE = (180, 66, 92, 112)


def shared_data_dir() -> Path:
    """The shared evaluation data folder (env PHISCRUB_SHARED_DATA overrides)."""
    env = os.environ.get("PHISCRUB_SHARED_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", here / ".." / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return here.parent / "shared" / "data"


# --------------------------------------------------------------------------- fonts


@cache
def _font_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for root in _FONT_DIRS:
        for folder, _dirs, files in sorted(os.walk(root)):
            for name in sorted(files):
                index.setdefault(name, os.path.join(folder, name))
    return index


@cache
def font_paths(family: str) -> tuple[str, ...]:
    """Installed font files of a family, in preference order; DejaVu as last resort."""
    index = _font_index()
    found = tuple(index[n] for n in _FONT_FILES[family] if n in index)
    if found:
        return found
    fallback = index.get("DejaVuSans.ttf")
    if fallback is None:
        raise RuntimeError("no fonts found: install " + " ".join(FONT_PACKAGES))
    return (fallback,)


@lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=4096)
def _has_glyphs(path: str, text: str) -> bool:
    font = _font(path, 24)
    notdef = font.getmask("\uffff")
    missing = (notdef.size, bytes(notdef))
    for ch in set(text):
        if ch.isspace() or ord(ch) < 128:
            continue
        mask = font.getmask(ch)
        if (mask.size, bytes(mask)) == missing:
            return False
    return True


def pick_font(rng: random.Random, family: str, size: int, text: str = "") -> ImageFont.FreeTypeFont:
    """A font of `family` that can draw every character of `text`."""
    paths = list(font_paths(family))
    rng.shuffle(paths)
    for path in paths:
        if _has_glyphs(path, text):
            return _font(path, max(6, int(size)))
    return _font(font_paths("sans")[-1] if family != "sans" else "DejaVuSans.ttf", max(6, int(size)))


def _sans_fallback(size: int) -> ImageFont.FreeTypeFont:
    return _font(_font_index().get("DejaVuSans.ttf", font_paths("sans")[0]), max(6, int(size)))


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Person:
    """A fake patient: everything that can appear about them in a photo."""

    given: str
    family: str
    middle: str
    sex: str
    dob: dt.date
    mrn: str
    acct: str
    phone: str
    email: str
    address: str
    ssn: str
    locale: str


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum())


@cache
def _faker(locale: str):
    from faker import Faker

    return Faker(locale)


def make_person(rng: random.Random) -> Person:
    locale = rng.choice(LOCALES)
    fk = _faker(locale)
    fk.seed_instance(rng.getrandbits(32))
    sex = rng.choice("FM")
    given = fk.first_name_female() if sex == "F" else fk.first_name_male()
    family = fk.last_name()
    middle = rng.choice("ABCDEFGHJKLMNPRSTW")
    dob = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 90))
    domain = rng.choice(
        ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "web.de", "orange.fr", "aol.com")
    )
    sep = rng.choice((".", "_", ""))
    number = rng.choice(("", str(rng.randint(1, 99))))
    email = f"{_ascii(given).lower()}{sep}{_ascii(family).lower()}{number}@{domain}"
    address = fk.address().replace("\n", ", ")
    return Person(
        given=given,
        family=family,
        middle=middle,
        sex=sex,
        dob=dob,
        mrn=make_mrn(rng),
        acct=str(rng.randint(10**7, 10**10 - 1)),
        phone=make_phone(rng),
        email=email,
        address=address,
        ssn=make_ssn(rng),
        locale=locale,
    )


def make_mrn(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.6:
        return f"{rng.randint(0, 10**8 - 1):08d}"
    if style < 0.85:
        return f"{rng.choice('ABEHKMRSTV')}{rng.randint(0, 10**7 - 1):07d}"
    return f"MR{rng.randint(0, 10**6 - 1):06d}"


def make_phone(rng: random.Random) -> str:
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice((f"({a}) {b}-{c:04d}", f"{a}.{b}.{c:04d}", f"+1 {a} {b} {c:04d}", f"{a}-{b}-{c:04d}"))


def make_ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def format_date(d: dt.date, style: int) -> str:
    """One date in one of the formats seen on wards (style is an index)."""
    mon = MONTHS[d.month - 1]
    suffix = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
    formats = (
        f"{d.month:02d}/{d.day:02d}/{d.year}",
        f"{d.month}/{d.day}/{d.year % 100:02d}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{mon[:3]} {d.day}, {d.year}",
        f"{d.day:02d} {mon[:3].upper()} {d.year}",
        f"{d.day:02d}-{mon[:3]}-{d.year % 100:02d}",
        f"{mon} {d.day}{suffix} {d.year}",
    )
    return formats[style % len(formats)]


def random_date_text(rng: random.Random, d: dt.date) -> str:
    return format_date(d, rng.randrange(8))


def name_text(rng: random.Random, p: Person) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{p.family.upper()}, {p.given.upper()} {p.middle}"
    if style == 1:
        return f"{p.family}, {p.given}"
    if style == 2:
        return f"{p.given} {p.middle}. {p.family}"
    if style == 3:
        return f"{p.given} {p.family}"
    return f"{p.family.upper()} {p.given.upper()}"


def staff_name(rng: random.Random) -> str:
    fk = _faker(rng.choice(LOCALES))
    fk.seed_instance(rng.getrandbits(32))
    return rng.choice((fk.first_name(), f"{fk.first_name()} {fk.last_name()[0]}."))


def doctor_name(rng: random.Random) -> str:
    fk = _faker(rng.choice(LOCALES))
    fk.seed_instance(rng.getrandbits(32))
    return f"Dr. {fk.last_name()}"


def recent_date(rng: random.Random) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))


def make_url(rng: random.Random, p: Person) -> str:
    host = rng.choice(("ehr.riverside-health.org", "portal.stmarymc.org", "mychart.mercyregional.org"))
    return rng.choice(
        (
            f"https://{host}/patient/{p.mrn}",
            f"{host}/chart?mrn={p.mrn}",
            f"www.caringbridge.org/visit/{_ascii(p.given).lower()}{_ascii(p.family).lower()}",
        )
    )


# --------------------------------------------------------------------------- drawing

Segment = tuple[str, str]  # (text, kind); text may hold several whitespace tokens


@dataclass
class Element:
    """A flat RGBA drawing plus its ground truth in its own pixel coordinates."""

    rgba: np.ndarray
    words: list[tuple[str, str, np.ndarray]] = field(default_factory=list)  # text, kind, 4x2 quad
    faces: list[np.ndarray] = field(default_factory=list)  # 4x2 quad of the face box
    barcodes: list[tuple[np.ndarray, str]] = field(default_factory=list)
    max_angle: float = 35.0
    max_perspective: float = 0.12
    shadow: bool = True
    name: str = ""


class Card:
    """A PIL canvas that records a quad for every word it draws."""

    def __init__(self, w: int, h: int, fill: tuple[int, ...] = (255, 255, 255, 255)):
        self.image = Image.new("RGBA", (int(w), int(h)), fill)
        self.draw = ImageDraw.Draw(self.image)
        self.words: list[tuple[str, str, np.ndarray]] = []
        self.faces: list[np.ndarray] = []
        self.barcodes: list[tuple[np.ndarray, str]] = []

    def line(
        self,
        x: float,
        y: float,
        segments: Sequence[Segment],
        font: ImageFont.FreeTypeFont,
        fill: tuple[int, ...],
        *,
        jitter: Callable[[], float] | None = None,
        record: bool = True,
        stroke: int = 0,
    ) -> float:
        """Draw tokens left to right from (x, y = top of line); return the x after the last."""
        space = font.getlength(" ")
        for text, kind in segments:
            for token in text.split():
                dy = jitter() if jitter else 0.0
                self.draw.text(
                    (x, y + dy), token, font=font, fill=fill, stroke_width=stroke, stroke_fill=fill
                )
                x0, y0, x1, y1 = self.draw.textbbox((x, y + dy), token, font=font, stroke_width=stroke)
                if record:
                    quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
                    self.words.append((token, kind, quad))
                x += font.getlength(token) + space
        return x

    def barcode(self, x: float, y: float, text: str, module: int, height: int) -> tuple[int, int]:
        """Draw a Code128 symbol (bars only recorded, quiet zone left as card); return its size."""
        import zxingcpp

        bars = np.asarray(
            zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_image(
                scale=1, add_quiet_zones=False
            )
        )[:1]
        strip = np.repeat(bars, module, axis=1)
        img = np.repeat(strip, height, axis=0)
        w = img.shape[1]
        self.image.paste(Image.fromarray(img).convert("RGBA"), (int(x), int(y)))
        quad = np.array([[x, y], [x + w, y], [x + w, y + height], [x, y + height]], dtype=np.float64)
        self.barcodes.append((quad, "Code128"))
        return w, height

    def element(self, name: str, **kw) -> Element:
        return Element(np.asarray(self.image).copy(), self.words, self.faces, self.barcodes, name=name, **kw)


def text_width(segments: Sequence[Segment], font: ImageFont.FreeTypeFont) -> float:
    tokens = [t for text, _ in segments for t in text.split()]
    return sum(font.getlength(t) for t in tokens) + font.getlength(" ") * max(0, len(tokens) - 1)


def _line_h(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _all_text(lines: Sequence[Sequence[Segment]]) -> str:
    return " ".join(t for line in lines for t, _ in line)


def _rounded_mask(w: int, h: int, radius: int) -> Image.Image:
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=max(0, radius), fill=255)
    return mask


# --------------------------------------------------------------------------- elements


def wristband(rng: random.Random, f: int, p: Person) -> Element:
    """A patient ID band: name, DOB, MRN (and a Code128 barcode of the MRN) on a strip."""
    text = _all_text([[(p.family + p.given, "")]])
    font = pick_font(rng, rng.choice(("sans", "sans_bold", "mono")), f, text)
    lines: list[list[Segment]] = [[(name_text(rng, p), "name")]]
    dob_line: list[Segment] = [
        (rng.choice(("DOB:", "DOB", "D.O.B.")), "either"),
        (random_date_text(rng, p.dob), "date"),
    ]
    if rng.random() < 0.5:
        dob_line.append((f"{p.sex} {rng.randint(18, 95)}Y", "either"))
    lines.append(dob_line)
    mrn_line: list[Segment] = [(rng.choice(("MRN:", "MRN", "MR#")), "either"), (p.mrn, "id")]
    if rng.random() < 0.4:
        mrn_line += [(rng.choice(("Acct:", "FIN")), "either"), (p.acct, "id")]
    lines.append(mrn_line)
    if rng.random() < 0.4:
        lines.append([("Adm:", "either"), (random_date_text(rng, recent_date(rng)), "date")])
    lh = int(_line_h(font) * 1.1)
    text_w = max(text_width(seg, font) for seg in lines)
    module = max(2, round(f * 0.09))
    bar_h = int(lh * min(len(lines), 3) * 0.9)
    bar_w = 79 * module + 2 * 10 * module
    pad = int(f * 0.6)
    strap = int(f * rng.uniform(2.5, 5))
    label_w = int(pad * 3 + text_w + bar_w)
    band_h = int(pad * 2 + lh * len(lines))
    color = rng.choice(((250, 250, 246), (252, 226, 90), (250, 250, 250), (255, 200, 210), (215, 232, 250)))
    card = Card(label_w + 2 * strap, band_h, (0, 0, 0, 0))
    card.draw.rounded_rectangle(
        (0, band_h * 0.12, label_w + 2 * strap - 1, band_h * 0.88),
        radius=int(band_h * 0.3),
        fill=color + (255,),
    )
    card.draw.rounded_rectangle(
        (strap, 0, strap + label_w, band_h - 1),
        radius=int(f * 0.3),
        fill=(252, 252, 250, 255) if color[0] < 250 or rng.random() < 0.5 else color + (255,),
    )
    for i in range(rng.randint(2, 5)):  # snap holes
        cx = int(strap * (0.2 + 0.15 * i)) if i < 3 else label_w + strap + int(strap * 0.3 * (i - 2))
        r = max(2, int(band_h * 0.06))
        card.draw.ellipse((cx - r, band_h / 2 - r, cx + r, band_h / 2 + r), fill=(200, 200, 200, 255))
    ink = rng.choice(((20, 20, 20, 255), (35, 35, 60, 255)))
    y = pad
    for seg in lines:
        card.line(strap + pad, y, seg, font, ink)
        y += lh
    card.barcode(strap + pad * 2 + text_w + 10 * module, pad, p.mrn, module, bar_h)
    return card.element("wristband", max_angle=40)


def chart_label(rng: random.Random, f: int, p: Person) -> Element:
    """A printed patient sticker (name, DOB, MRN, Acct, phone, physician), sometimes on a folder."""
    font = pick_font(rng, rng.choice(("sans", "mono", "sans", "serif")), f, p.family + p.given)
    bold = pick_font(rng, "sans_bold", f, p.family + p.given)
    lines: list[list[Segment]] = [
        [(name_text(rng, p), "name")] + ([(f"{p.sex}", "either")] if rng.random() < 0.5 else [])
    ]
    lines.append(
        [("DOB:", "either"), (random_date_text(rng, p.dob), "date"), ("MRN:", "either"), (p.mrn, "id")]
    )
    extra: list[list[Segment]] = [
        [(rng.choice(("Acct:", "Acct#", "Enc:")), "either"), (p.acct, "id")],
        [(rng.choice(("Ph:", "Tel:", "Phone:")), "either"), (p.phone, "phone")],
        [(rng.choice(("Attending:", "Dr:", "MD:")), "either"), (doctor_name(rng), "either")],
        [("Adm:", "either"), (random_date_text(rng, recent_date(rng)), "date")],
        [(rng.choice(("SSN:", "SS#")), "either"), (p.ssn, "ssn")],
        [(p.address, "address")],
    ]
    rng.shuffle(extra)
    lines += extra[: rng.randint(1, 4)]
    lh = int(_line_h(font) * 1.15)
    pad = int(f * 0.7)
    w = int(max(text_width(seg, bold if i == 0 else font) for i, seg in enumerate(lines)) + 2 * pad)
    with_code = rng.random() < 0.35
    module = max(2, round(f * 0.08))
    h = pad * 2 + lh * len(lines) + (int(lh * 1.6) + pad if with_code else 0)
    w = max(w, 79 * module + 2 * pad) if with_code else w
    on_folder = rng.random() < 0.45
    margin = int(f * rng.uniform(2, 5)) if on_folder else 0
    card = Card(w + 2 * margin, h + 2 * margin + (int(f * 3) if on_folder else 0), (0, 0, 0, 0))
    if on_folder:
        folder = rng.choice(
            ((214, 190, 140), (120, 160, 210), (200, 90, 90), (130, 180, 120), (240, 240, 235))
        )
        card.draw.rectangle((0, 0, card.image.width, card.image.height), fill=folder + (255,))
    card.draw.rounded_rectangle(
        (margin, margin, margin + w, margin + h),
        radius=int(f * 0.4),
        fill=(255, 255, 252, 255),
        outline=(190, 190, 190, 255),
    )
    y = margin + pad
    ink = (15, 15, 15, 255)
    for i, seg in enumerate(lines):
        card.line(margin + pad, y, seg, bold if i == 0 else font, ink)
        y += lh
    if with_code:
        card.barcode(margin + pad, y + pad // 2, p.mrn, module, int(lh * 1.6))
    return card.element("chart_label", max_angle=35)


def whiteboard(rng: random.Random, f: int, p: Person) -> Element:
    """A room whiteboard: printed headings, handwritten patient name, discharge date, team, goals."""
    hand_text = p.given + p.family
    hand = pick_font(rng, "hand", f, hand_text)
    printed = pick_font(rng, "sans_bold", int(f * 0.7), "")
    room = str(rng.choice((rng.randint(100, 999), rng.randint(1000, 4999))))
    marker = rng.choice(((20, 40, 150), (20, 20, 20), (160, 20, 20), (20, 110, 40)))
    marker_w = round(f * rng.uniform(0.0, 0.04))  # marker strokes are thicker than a font's
    rows: list[tuple[str, list[Segment]]] = [
        (
            "Patient:",
            [
                (
                    rng.choice(
                        (f"{p.given} {p.family}", f"{p.given} {p.family[0]}.", f"{p.family}, {p.given}")
                    ),
                    "name",
                )
            ],
        ),
        ("Room:", [(room, "either")]),
        ("Nurse:", [(staff_name(rng), "either")]),
        ("Doctor:", [(doctor_name(rng), "either")]),
    ]
    dc = recent_date(rng)
    rows.append(
        (
            "Discharge:",
            [(rng.choice(("D/C", "d/c", "DC")), "either"), (f"{dc.month}/{dc.day}", "date")]
            if rng.random() < 0.6
            else [(random_date_text(rng, dc), "date")],
        )
    )
    if rng.random() < 0.4:
        rows.append(("DOB:", [(random_date_text(rng, p.dob), "date")]))
    if rng.random() < 0.5:
        rows.append(("Family:", [(p.phone, "phone")]))
    rows.append(("Goals:", [(g, "either") for g in rng.sample(GOALS, rng.randint(1, 2))]))
    rng.shuffle(rows)
    lh = int(_line_h(hand) * 1.25)
    label_w = max(printed.getlength(lbl) for lbl, _ in rows)
    header = rng.choice((["Welcome"], ["Your", "Care", "Team"], ["Welcome", "to", "your", "room"]))
    hfont = pick_font(rng, "sans_bold", int(f * 1.1), "")
    pad = int(f * 1.2)
    goal_sep = int(f)
    value_w = max(text_width(seg, hand) + goal_sep * (len(seg) - 1) for _, seg in rows)
    w = int(pad * 3 + label_w + value_w + f * 2)
    h = int(pad * 2 + _line_h(hfont) * 1.6 + lh * len(rows))
    frame = max(4, int(f * 0.35))
    card = Card(w + 2 * frame, h + 2 * frame, (170, 172, 175, 255))
    card.draw.rectangle((frame, frame, frame + w, frame + h), fill=(246, 247, 245, 255))
    card.line(frame + pad, frame + pad * 0.6, [(" ".join(header), "neutral")], hfont, (40, 90, 160, 255))
    y = frame + pad * 0.6 + _line_h(hfont) * 1.6
    jit = lambda: rng.uniform(-0.08, 0.08) * f  # noqa: E731 - a one-line jitter source
    for label, seg in rows:
        card.line(frame + pad, y + lh * 0.25, [(label, "either")], printed, (90, 90, 90, 255))
        x = frame + pad * 2 + label_w
        for s in seg:
            x = card.line(x, y, [s], hand, marker + (255,), jitter=jit, stroke=marker_w) + (
                goal_sep if label == "Goals:" else 0
            )
        y += lh
    return card.element("whiteboard", max_angle=20, max_perspective=0.15)


def ehr_screen(rng: random.Random, f: int, people: Sequence[Person], dark: bool) -> Element:
    """An EHR patient list (and sometimes a patient banner and URL bar) in a monitor frame."""
    sample = "".join(q.given + q.family + q.address for q in people)
    font = pick_font(rng, rng.choice(("sans", "sans", "mono")), f, sample)
    bold = pick_font(rng, "sans_bold", f, sample)
    columns = ["Name", "DOB", "MRN", "Phone", "Address", "Email", "SSN"]
    keep = ["Name"] + [c for c in columns[1:] if rng.random() < 0.65]
    date_style = rng.randrange(8)

    def cell(q: Person, col: str) -> Segment:
        return {
            "Name": (f"{q.family}, {q.given}", "name"),
            "DOB": (format_date(q.dob, date_style), "date"),
            "MRN": (q.mrn, "id"),
            "Phone": (q.phone, "phone"),
            "Address": (q.address, "address"),
            "Email": (q.email, "email"),
            "SSN": (q.ssn, "ssn"),
        }[col]

    widths = [
        max([bold.getlength(c)] + [text_width([cell(q, c)], font) for q in people]) + f * 1.5 for c in keep
    ]
    row_h = int(_line_h(font) * 1.5)
    pad = int(f * 0.8)
    table_w = int(sum(widths))
    bg, fg, head_bg, stripe, accent = (
        ((30, 31, 34), (215, 218, 222), (50, 55, 62), (38, 40, 44), (70, 120, 200))
        if dark
        else ((255, 255, 255), (25, 25, 25), (225, 232, 242), (244, 246, 250), (30, 90, 170))
    )
    url = rng.random() < 0.5
    banner = rng.random() < 0.6
    head_h = row_h
    y_extra = (row_h if url else 0) + (int(row_h * 1.3) if banner else 0) + row_h
    sw = max(table_w + 2 * pad, int(f * 40))
    sh = int(y_extra + head_h + row_h * len(people) + pad * 3)
    sh = max(sh, int(sw * rng.uniform(0.36, 0.5)))
    bezel = int(f * rng.uniform(1.0, 2.0))
    chin = int(bezel * rng.uniform(1.0, 2.5))
    card = Card(sw + 2 * bezel, sh + bezel + chin, (28, 28, 30, 255))
    card.draw.rectangle((bezel, bezel, bezel + sw, bezel + sh), fill=bg + (255,))
    x0, y = bezel, bezel
    small = pick_font(rng, "sans", int(f * 0.9), "")
    title = rng.choice(("CareChart", "MedView", "PatientLink", "ClinicOne"))
    card.draw.rectangle((x0, y, x0 + sw, y + row_h), fill=accent + (255,))
    card.line(
        x0 + pad,
        y + row_h * 0.2,
        [
            (f"{title} - Unit {rng.randint(2, 9)} {rng.choice(('West', 'East', 'North'))}", "either"),
            ("- Patient List", "either"),
        ],
        small,
        (255, 255, 255, 255),
    )
    y += row_h
    if url:
        card.draw.rectangle((x0, y, x0 + sw, y + row_h), fill=(stripe if dark else (235, 235, 235)) + (255,))
        card.line(x0 + pad, y + row_h * 0.2, [(make_url(rng, people[0]), "url")], small, fg + (255,))
        y += row_h
    if banner:
        q = people[0]
        card.draw.rectangle((x0, y, x0 + sw, y + int(row_h * 1.3)), fill=head_bg + (255,))
        card.line(
            x0 + pad,
            y + row_h * 0.3,
            [
                (f"{q.family.upper()}, {q.given}", "name"),
                ("DOB:", "either"),
                (random_date_text(rng, q.dob), "date"),
                ("MRN:", "either"),
                (q.mrn, "id"),
                ("Allergies:", "either"),
                (rng.choice(("NKDA", "PCN", "Sulfa")), "either"),
            ],
            bold,
            fg + (255,),
        )
        y += int(row_h * 1.3)
    card.draw.rectangle((x0, y, x0 + sw, y + head_h), fill=head_bg + (255,))
    x = x0 + pad
    for col, wcol in zip(keep, widths, strict=False):
        card.line(x, y + row_h * 0.2, [(col, "either")], bold, fg + (255,))
        x += wcol
    y += head_h
    selected = rng.randrange(len(people))
    for i, q in enumerate(people):
        fill = accent if i == selected and rng.random() < 0.5 else (stripe if i % 2 else bg)
        card.draw.rectangle((x0, y, x0 + sw, y + row_h), fill=fill + (255,))
        ink = (255, 255, 255) if fill == accent else fg
        x = x0 + pad
        for col, wcol in zip(keep, widths, strict=False):
            card.line(x, y + row_h * 0.2, [cell(q, col)], font, ink + (255,))
            x += wcol
        card.draw.line((x0, y + row_h, x0 + sw, y + row_h), fill=head_bg + (255,), width=1)
        y += row_h
    # A faint reflection: screens in photos are never perfectly flat in colour.
    arr = np.asarray(card.image).astype(np.float32)
    gy, gx = np.mgrid[0 : arr.shape[0], 0 : arr.shape[1]]
    glare = np.clip(
        1 - np.hypot(gx / arr.shape[1] - rng.random(), gy / arr.shape[0] - rng.random()) * 1.4, 0, 1
    )
    arr[..., :3] += glare[..., None] * rng.uniform(8, 30)
    out = Element(
        np.clip(arr, 0, 255).astype(np.uint8),
        card.words,
        [],
        [],
        name="ehr_dark" if dark else "ehr_light",
        max_angle=25,
        max_perspective=0.15,
    )
    return out


def signage(rng: random.Random, f: int) -> Element:
    """A neutral sign: every word on it must stay visible."""
    text = rng.choice(SIGNS)
    style = rng.choice(
        (
            ((255, 255, 255), (20, 70, 150)),
            ((20, 20, 20), (250, 250, 250)),
            ((255, 255, 255), (20, 130, 60)),
            ((255, 255, 255), (180, 30, 30)),
            ((20, 20, 20), (250, 210, 40)),
        )
    )
    fg, bg = style
    if text == "EXIT":
        fg, bg = (255, 255, 255), (20, 140, 60)
    font = pick_font(rng, "sans_bold", f, text)
    words = text.split()
    lines = (
        [words]
        if len(words) <= 2 or rng.random() < 0.5
        else [words[: len(words) // 2], words[len(words) // 2 :]]
    )
    lh = int(_line_h(font) * 1.1)
    pad = int(f * 0.8)
    w = int(max(text_width([(" ".join(ln), "neutral")], font) for ln in lines) + 2 * pad)
    h = int(lh * len(lines) + 2 * pad)
    card = Card(w, h, (0, 0, 0, 0))
    card.draw.rounded_rectangle(
        (0, 0, w - 1, h - 1),
        radius=int(f * 0.3),
        fill=bg + (255,),
        outline=(120, 120, 120, 255),
        width=max(1, f // 12),
    )
    y = pad
    for ln in lines:
        lw = text_width([(" ".join(ln), "neutral")], font)
        card.line((w - lw) / 2, y, [(" ".join(ln), "neutral")], font, fg + (255,))
        y += lh
    return card.element("sign", max_angle=15, max_perspective=0.1)


def room_sign(rng: random.Random, f: int) -> Element:
    """A room number plate (not scored: a room number may go either way)."""
    number = str(rng.choice((rng.randint(100, 999), rng.randint(1000, 4999))))
    label = rng.choice(("Room", "Rm", "", "Patient Room"))
    font = pick_font(rng, "sans_bold", f, "")
    segs: list[Segment] = ([(label, "either")] if label else []) + [(number, "either")]
    pad = int(f * 0.6)
    w = int(text_width(segs, font) + 2 * pad)
    h = int(_line_h(font) + 2 * pad)
    card = Card(w, h, (0, 0, 0, 0))
    bg = rng.choice(((60, 60, 65), (30, 70, 120), (230, 230, 225)))
    card.draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=int(f * 0.25), fill=bg + (255,))
    card.line(pad, pad, segs, font, ((255, 255, 255) if bg[0] < 128 else (20, 20, 20)) + (255,))
    return card.element("room_sign", max_angle=15, max_perspective=0.1)


def badge(rng: random.Random, f: int, face: FaceCrop) -> Element:
    """A staff ID badge: photo (a scored face), hospital, staff name and role (not scored)."""
    font = pick_font(rng, "sans_bold", f, "")
    small = pick_font(rng, "sans", int(f * 0.6), "")
    name = staff_name(rng)
    role = rng.choice(STAFF_ROLES)
    hospital = rng.choice(HOSPITALS)
    w = int(max(f * 9, text_width([(hospital, "either")], small) + f))
    photo_w = int(w * 0.6)
    photo_h = int(photo_w * 1.25)
    h = int(f * 1.6 + photo_h + f * 4)
    card = Card(w, h, (0, 0, 0, 0))
    card.draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=int(f * 0.5), fill=(250, 250, 250, 255))
    band = rng.choice(((20, 80, 160), (150, 30, 60), (20, 120, 110)))
    card.draw.rounded_rectangle((0, 0, w - 1, int(f * 1.4)), radius=int(f * 0.5), fill=band + (255,))
    card.line(
        (w - text_width([(hospital, "")], small)) / 2,
        f * 0.35,
        [(hospital, "either")],
        small,
        (255, 255, 255, 255),
    )
    px, py = (w - photo_w) // 2, int(f * 1.6)
    crop, quad = face.fit(photo_w, photo_h)
    card.image.paste(Image.fromarray(crop).convert("RGBA"), (px, py))
    card.faces.append(quad + np.array([px, py]))
    y = py + photo_h + f * 0.4
    nw = text_width([(name, "")], font)
    card.line((w - nw) / 2, y, [(name, "either")], font, (20, 20, 20, 255))
    rw = text_width([(role, "")], font)
    card.line((w - rw) / 2, y + _line_h(font) * 1.1, [(role, "either")], font, band + (255,))
    hole_w = int(f * 1.2)
    card.draw.rounded_rectangle(
        ((w - hole_w) / 2, f * 0.15, (w + hole_w) / 2, f * 0.45), radius=3, fill=(0, 0, 0, 0)
    )
    return card.element("badge", max_angle=25, max_perspective=0.1)


# --------------------------------------------------------------------------- faces


@dataclass(frozen=True)
class FaceCrop:
    """A real face with some context around it; `box` is the face in crop pixels."""

    pixels: np.ndarray
    box: tuple[float, float, float, float]

    def fit(self, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """The crop resized to cover (w, h), centred on the face; returns (pixels, face quad)."""
        bx, by, bw, bh = self.box
        # Aim for the face filling ~55% of the photo width, as on an ID badge.
        s = max(w * 0.55 / bw, h * 0.45 / bh)
        src = cv2.resize(
            self.pixels, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
        )
        cx, cy = (bx + bw / 2) * s, (by + bh / 2) * s
        x0 = int(round(min(max(cx - w / 2, 0), max(src.shape[1] - w, 0))))
        y0 = int(round(min(max(cy - h * 0.45, 0), max(src.shape[0] - h, 0))))
        out = np.full((h, w, 3), 200, np.uint8)
        part = src[y0 : y0 + h, x0 : x0 + w]
        out[: part.shape[0], : part.shape[1]] = part
        fx0, fy0 = max(bx * s - x0, 0), max(by * s - y0, 0)
        fx1, fy1 = min((bx + bw) * s - x0, w), min((by + bh) * s - y0, h)
        quad = np.array([[fx0, fy0], [fx1, fy0], [fx1, fy1], [fx0, fy1]], dtype=np.float64)
        return out, quad


def _astronaut_face() -> FaceCrop:
    from skimage import data

    img = data.astronaut()
    x, y, w, h = ASTRONAUT_FACE
    mx, my = int(w * 0.6), int(h * 0.5)
    x0, y0 = max(x - mx, 0), max(y - my, 0)
    crop = img[y0 : y + h + my, x0 : x + w + mx].copy()
    return FaceCrop(crop, (x - x0, y - y0, w, h))


class FaceBank:
    """Real faces to paste: dlib's annotated faces (read at run time) and the astronaut."""

    def __init__(self, faces: Sequence[FaceCrop]):
        if not faces:
            raise ValueError("FaceBank needs at least one face")
        self.faces = list(faces)

    @classmethod
    def astronaut_only(cls) -> FaceBank:
        return cls([_astronaut_face()])

    @classmethod
    def from_shared_data(cls, data_dir: Path | None = None) -> FaceBank:
        """dlib's faces (skipping any smaller than 36 px) plus the astronaut."""
        folder = (data_dir or shared_data_dir()) / "faces_dlib"
        faces = [_astronaut_face()]
        for name in FACE_DATA_FILES:
            xml = folder / name
            if not xml.is_file():
                continue
            for image_el in ET.parse(xml).getroot().iter("image"):
                img = cv2.imread(str(folder / image_el.get("file", "")), cv2.IMREAD_COLOR)
                if img is None:
                    continue
                img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
                for box in image_el.iter("box"):
                    x, y = int(box.get("left")), int(box.get("top"))
                    w, h = int(box.get("width")), int(box.get("height"))
                    if w < 36:
                        continue
                    m = int(w * 0.35)
                    x0, y0 = max(x - m, 0), max(y - m, 0)
                    x1, y1 = min(x + w + m, img.shape[1]), min(y + h + m, img.shape[0])
                    faces.append(FaceCrop(img[y0:y1, x0:x1].copy(), (x - x0, y - y0, w, h)))
        return cls(faces)

    def pick(self, rng: random.Random) -> FaceCrop:
        return self.faces[rng.randrange(len(self.faces))]


def loose_face(rng: random.Random, size: int, face: FaceCrop) -> Element:
    """A face (someone in the background) with a feathered edge; GT is the face box only."""
    bx, by, bw, bh = face.box
    s = size / bw
    img = cv2.resize(
        face.pixels, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    )
    h, w = img.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, h // 2), (int(w * 0.47), int(h * 0.47)), 0, 0, 360, 1.0, -1)
    k = max(3, int(min(w, h) * 0.08) | 1)
    alpha = cv2.GaussianBlur(alpha, (k, k), 0)
    fx0, fy0, fx1, fy1 = (
        int(bx * s),
        int(by * s),
        int(math.ceil((bx + bw) * s)),
        int(math.ceil((by + bh) * s)),
    )
    alpha[fy0:fy1, fx0:fx1] = 1.0  # the scored face itself is never faded
    rgba = np.dstack([img, (alpha * 255).astype(np.uint8)])
    quad = np.array(
        [[bx * s, by * s], [(bx + bw) * s, by * s], [(bx + bw) * s, (by + bh) * s], [bx * s, (by + bh) * s]]
    )
    return Element(rgba, faces=[quad], max_angle=12, max_perspective=0.03, shadow=False, name="face")


# --------------------------------------------------------------------------- scene


def background(rng: random.Random, np_rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A ward wall with a counter, cabinets and a door; low-frequency mottling."""
    wall = np.array(
        rng.choice(((226, 220, 205), (205, 220, 228), (214, 226, 212), (232, 230, 226), (222, 214, 200))),
        np.float32,
    )
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = np.empty((h, w, 3), np.float32)
    img[:] = wall * (0.92 + 0.12 * yy)
    counter_y = int(h * rng.uniform(0.55, 0.8))
    counter = np.array(
        rng.choice(((170, 140, 105), (200, 200, 195), (120, 110, 100), (225, 225, 220))), np.float32
    )
    img[counter_y:] = counter * (1.05 - 0.25 * yy[counter_y:] ** 2)
    img[counter_y : counter_y + max(3, h // 150)] *= 0.75
    canvas = img
    for _ in range(rng.randint(1, 4)):  # cabinets, a door, a window: large quiet rectangles
        x0 = rng.randrange(0, w)
        y0 = rng.randrange(0, max(1, counter_y // 2))
        cw, ch = int(w * rng.uniform(0.1, 0.3)), int(h * rng.uniform(0.15, 0.45))
        col = np.array(
            rng.choice(((190, 180, 160), (235, 235, 232), (150, 160, 170), (205, 195, 175))), np.float32
        )
        canvas[y0 : y0 + ch, x0 : x0 + cw] = col
        edge = max(2, w // 600)
        canvas[y0 : y0 + ch, x0 : x0 + edge] *= 0.7
        canvas[y0 : y0 + edge, x0 : x0 + cw] *= 0.8
    if rng.random() < 0.6:  # a handrail
        ry = int(h * rng.uniform(0.4, 0.55))
        canvas[ry : ry + max(4, h // 120)] = np.array((150, 150, 150), np.float32)
    mott = np_rng.standard_normal((max(2, h // 64), max(2, w // 64)), dtype=np.float32)
    mott = cv2.resize(cv2.GaussianBlur(mott, (0, 0), 1.5), (w, h), interpolation=cv2.INTER_CUBIC)
    canvas *= (1 + 0.04 * mott)[..., None]
    return np.clip(canvas, 0, 255).astype(np.uint8)


def _homography(
    rng: random.Random, ew: int, eh: int, cx: float, cy: float, angle: float, persp: float
) -> np.ndarray:
    src = np.float32([[0, 0], [ew, 0], [ew, eh], [0, eh]])
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    dst = []
    for x, y in src:
        x, y = x - ew / 2, y - eh / 2
        x += rng.uniform(-persp, persp) * ew
        y += rng.uniform(-persp, persp) * eh
        dst.append([cx + x * ca - y * sa, cy + x * sa + y * ca])
    return cv2.getPerspectiveTransform(src, np.float32(dst))


def _apply_h(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(np.asarray(pts, np.float64).reshape(-1, 1, 2), h).reshape(-1, 2)


def _composite(canvas: np.ndarray, el: Element, h: np.ndarray, shadow: float) -> None:
    """Warp the element with homography `h` and alpha-blend it onto `canvas` in place."""
    eh, ew = el.rgba.shape[:2]
    corners = _apply_h(h, np.array([[0, 0], [ew, 0], [ew, eh], [0, eh]]))
    x0, y0 = np.floor(corners.min(0)).astype(int) - 2
    x1, y1 = np.ceil(corners.max(0)).astype(int) + 2
    pad = int(shadow * 3) + 2 if el.shadow else 0
    x0, y0 = max(x0 - pad, 0), max(y0 - pad, 0)
    x1, y1 = min(x1 + pad, canvas.shape[1]), min(y1 + pad, canvas.shape[0])
    t = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ h
    rgba = el.rgba.astype(np.float32)
    rgba[..., :3] *= rgba[..., 3:4] / 255.0  # premultiplied, so edges do not pick up black
    warped = cv2.warpPerspective(
        rgba, t, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    a = warped[..., 3:4] / 255.0
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    if el.shadow and shadow > 0:
        s = cv2.GaussianBlur(warped[..., 3], (0, 0), shadow) / 255.0
        off = max(1, int(shadow * 0.6))
        s = np.roll(np.roll(s, off, 0), off, 1)
        region *= (1 - 0.35 * s)[..., None]
    region = warped[..., :3] + region * (1 - a)
    canvas[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


@dataclass
class Photo:
    """A finished photo: upright RGB pixels and ground truth in the same pixels."""

    pixels: np.ndarray
    gt: dict


def _rot90_points(pts: np.ndarray, w: int, h: int, k: int) -> np.ndarray:
    """Map points through np.rot90(img, k) (counter-clockwise quarter turns) of a w x h image."""
    pts = np.asarray(pts, np.float64).copy()
    for _ in range(k % 4):
        pts = np.stack([pts[:, 1], w - pts[:, 0]], axis=1)
        w, h = h, w
    return pts


def degrade(
    rng: random.Random, np_rng: np.random.Generator, img: np.ndarray, unit: float, noise_max: float = 6.0
) -> np.ndarray:
    """Uneven light, colour cast, blur or motion blur, and sensor noise."""
    h, w = img.shape[:2]
    out = img.astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    lo, hi = rng.uniform(0.62, 0.95), rng.uniform(1.0, 1.15)
    ramp_x = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :] * math.cos(a)
    ramp_y = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None] * math.sin(a)
    light = lo + (hi - lo) * (ramp_x + ramp_y + 0.5)
    cast = np.array([rng.uniform(0.94, 1.06) for _ in range(3)], np.float32)
    out *= light[..., None]
    out *= cast
    r = rng.random()
    if r < 0.45:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.6) * max(unit, 0.5))
    elif r < 0.65:
        length = max(3, int(rng.uniform(3, 12) * unit))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    sigma = rng.uniform(1.0, noise_max)
    out += np_rng.standard_normal(out.shape, dtype=np.float32) * sigma
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Options:
    """Knobs for one photo. `flat` turns off rotation, perspective, photo turns and degradation."""

    flat: bool = False
    noise_max: float = 6.0
    turn: int | None = None  # quarter turns (np.rot90 k); None = random
    elements: tuple[str, ...] | None = None  # e.g. ("whiteboard", "face"); None = random
    min_font: int = 12


def generate_photo(
    seed: int, width: int, height: int, faces: FaceBank, options: Options = Options()
) -> Photo:
    """One synthetic workplace photo of `width` x `height` (before any quarter turn)."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    unit = math.sqrt(width * height / 12e6)
    canvas = background(rng, np_rng, width, height)
    people = [make_person(rng) for _ in range(rng.randint(3, 8))]
    kinds = ["wristband", "label", "whiteboard", "ehr", "sign", "badge", "room", "face"]
    weights = [1.0, 1.0, 0.55, 0.8, 1.0, 0.45, 0.5, 1.3]
    n = rng.randint(3, 7)
    chosen = [rng.choice(("wristband", "label", "whiteboard", "ehr"))]
    chosen += rng.choices(kinds, weights, k=n - 1)
    if options.elements is not None:
        chosen = list(options.elements)
    # Big elements first: they are the hardest to fit.
    order = {"whiteboard": 0, "ehr": 1}
    chosen.sort(key=lambda k: order.get(k, 2))

    words: list[dict] = []
    face_gt: list[list[float]] = []
    codes: list[dict] = []
    placed: list[tuple[float, float, float, float]] = []
    names: list[str] = []

    def font_px(r: random.Random, lo: float, hi: float, scale: float) -> int:
        return max(options.min_font, int(unit * scale * math.exp(r.uniform(math.log(lo), math.log(hi)))))

    def build(kind: str, el_seed: int, scale: float) -> Element:
        r = random.Random(el_seed)
        p = people[r.randrange(len(people))]
        if kind == "wristband":
            return wristband(r, font_px(r, 20, 70, scale), p)
        if kind == "label":
            return chart_label(r, font_px(r, 20, 70, scale), p)
        if kind == "whiteboard":
            return whiteboard(r, font_px(r, 40, 110, scale), p)
        if kind == "ehr":
            crowd = people[: r.randint(3, len(people))]
            return ehr_screen(r, font_px(r, 18, 40, scale), crowd, dark=r.random() < 0.45)
        if kind == "sign":
            return signage(r, font_px(r, 40, 150, scale))
        if kind == "room":
            return room_sign(r, font_px(r, 30, 120, scale))
        if kind == "badge":
            return badge(r, font_px(r, 22, 60, scale), faces.pick(r))
        return loose_face(r, max(20, font_px(r, 30, 450, scale)), faces.pick(r))

    for kind in chosen:
        el_seed = rng.getrandbits(32)
        scale = 1.0
        el = build(kind, el_seed, scale)
        for attempt in range(60):
            eh, ew = el.rgba.shape[:2]
            fit = min(1.0, 0.8 * width / ew, 0.8 * height / eh)
            if fit < 0.999 or (attempt and attempt % 15 == 0):
                # Too big for the photo, or no free spot found: draw it again smaller.
                scale *= fit if fit < 0.999 else 0.75
                el = build(kind, el_seed, scale)
                eh, ew = el.rgba.shape[:2]
            if options.flat:
                angle, persp = 0.0, 0.0
            else:
                spread = rng.choice((6.0, el.max_angle, el.max_angle * 0.5))
                angle, persp = rng.uniform(-spread, spread), rng.uniform(0, el.max_perspective)
            half = 0.5 * math.hypot(ew, eh)
            cx = rng.uniform(min(half, width / 2), max(width - half, width / 2))
            cy = rng.uniform(min(half, height / 2), max(height - half, height / 2))
            h = _homography(rng, ew, eh, cx, cy, angle, persp)
            corners = _apply_h(h, np.array([[0, 0], [ew, 0], [ew, eh], [0, eh]]))
            bx0, by0 = corners.min(0)
            bx1, by1 = corners.max(0)
            if bx0 < 2 or by0 < 2 or bx1 > width - 2 or by1 > height - 2:
                continue
            gap = 8 * unit
            if any(
                bx0 < q[2] + gap and q[0] < bx1 + gap and by0 < q[3] + gap and q[1] < by1 + gap
                for q in placed
            ):
                continue
            break
        else:
            continue
        placed.append((bx0, by0, bx1, by1))
        names.append(el.name)
        _composite(canvas, el, h, shadow=0.0 if options.flat else 4 * unit)
        for text, kind_, quad in el.words:
            words.append({"text": text, "polygon": _apply_h(h, quad), "kind": kind_})
        for quad in el.faces:
            face_gt.append(_apply_h(h, quad))
        for quad, fmt in el.barcodes:
            codes.append({"polygon": _apply_h(h, quad), "format": fmt})

    if not options.flat:
        canvas = degrade(rng, np_rng, canvas, unit, options.noise_max)
    k = 0 if options.flat else options.turn
    if k is None:
        r = rng.random()
        k = 1 if r < 0.08 else 3 if r < 0.16 else 2 if r < 0.22 else 0
    if k:
        canvas = np.ascontiguousarray(np.rot90(canvas, k))
    turn = lambda pts: _rot90_points(pts, width, height, k)  # noqa: E731

    def poly(pts: np.ndarray) -> list[list[float]]:
        return [[round(float(x), 1), round(float(y), 1)] for x, y in turn(pts)]

    def box(pts: np.ndarray) -> list[float]:
        q = turn(pts)
        x0, y0 = q.min(0)
        x1, y1 = q.max(0)
        return [round(float(x0), 1), round(float(y0), 1), round(float(x1 - x0), 1), round(float(y1 - y0), 1)]

    gt = {
        "width": int(canvas.shape[1]),
        "height": int(canvas.shape[0]),
        "seed": seed,
        "turn_degrees_ccw": 90 * k,
        "elements": names,
        "words": [{"text": w["text"], "polygon": poly(w["polygon"]), "kind": w["kind"]} for w in words],
        "faces": [{"box": box(q)} for q in face_gt],
        "barcodes": [{"polygon": poly(c["polygon"]), "format": c["format"]} for c in codes],
    }
    return Photo(canvas, gt)


def photo_size(rng: random.Random, megapixels: tuple[float, float]) -> tuple[int, int]:
    mp = rng.uniform(*megapixels) * 1e6
    aspect = rng.choices((4 / 3, 3 / 4, 16 / 9), (0.6, 0.3, 0.1))[0]
    w = int(round(math.sqrt(mp * aspect)))
    return w, int(round(mp / w))


def photo_plan(seed: int, index: int, megapixels: tuple[float, float] = (6, 12)) -> tuple[int, int, int, int]:
    """Photo `index` of set `seed`, as `generate` draws it: (its own seed, width,
    height, JPEG quality)."""
    photo_seed = seed * 100_003 + index
    rng = random.Random(photo_seed ^ 0x5EED)
    w, h = photo_size(rng, megapixels)
    return photo_seed, w, h, rng.randint(70, 95)


def generate(
    seed: int,
    n: int,
    out_dir: Path,
    megapixels: tuple[float, float] = (6, 12),
    faces: FaceBank | None = None,
) -> list[Path]:
    """Write `n` photos `NNN.jpg` + ground truth `NNN.json` into `out_dir`; return the JPEG paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    faces = faces or FaceBank.from_shared_data()
    paths = []
    for i in range(n):
        photo_seed, w, h, quality = photo_plan(seed, i, megapixels)
        photo = generate_photo(photo_seed, w, h, faces)
        jpg = out_dir / f"{i:03d}.jpg"
        Image.fromarray(photo.pixels).save(jpg, quality=quality)
        photo.gt["jpeg_quality"] = quality
        (out_dir / f"{i:03d}.json").write_text(
            json.dumps(photo.gt, ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
        paths.append(jpg)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--megapixels", type=float, nargs=2, default=(6, 12))
    args = ap.parse_args(argv)
    for path in generate(args.seed, args.n, args.out_dir, tuple(args.megapixels)):
        print(path)


if __name__ == "__main__":
    main()
