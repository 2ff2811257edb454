"""Street addresses: "1234 Oak Street", "56 W. Elm Ave Apt 4B", "PO Box 123",
"Springfield, IL 62704", and whatever follows an "Address:" label.

Regular expressions over usaddress's list of USPS street suffixes: on the
short, noisy lines OCR gives, a number + up to four words + a suffix is both
simpler and stricter than its CRF parser, which tags "Welcome to 4 West" as
an address ("4 West" has no suffix here).
"""

from __future__ import annotations

import re

import usaddress

from phiscrub.classify import labels as L
from phiscrub.classify._text import Hit, Text
from phiscrub.models import Kind

CLASSIFIER = "address"

# The USPS street suffixes and their abbreviations, as usaddress ships them,
# less the ones that are everyday hospital words or too short to trust
# ("4 Nurses Station", "Exit 2 Center", "is", "la").
_NOT_SUFFIXES = frozenset(
    """
    station statn sta stn center centers centre cen cent centr cnter cntr ctr ctrs camp cmp club clb
    ext exts extension extensions extn extnsn exp express expr rest light lights lgt lgts fall falls
    mall well wells union unions turn walk walks mission missn msn mssn rapid rapids course crse key
    keys common cmn div via view views est lock locks port ports pass ramp spur track tracks
    """.split()
)
_SUFFIXES = sorted(
    ({s for s in usaddress.STREET_NAMES if len(s) >= 3} - _NOT_SUFFIXES)
    | {"st", "rd", "dr", "ln", "ct", "pl", "av", "sq", "wy", "pt"},
    key=len,
    reverse=True,
)
_DIRECTION = r"(?:[NSEW]|NE|NW|SE|SW|N\.E|N\.W|S\.E|S\.W|North|South|East|West)\.?"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Rm|Fl|Floor|Bldg|Building|Lot|#)\.?\s*#?\s*[\w\-]+"
_STREET = re.compile(
    r"(?<![\w\-/.])\d{1,6}[A-Za-z]?(?:-\d{1,4})?\s+"
    rf"(?:{_DIRECTION}\s+)?"
    r"(?:(?!(?:" + "|".join(_SUFFIXES) + r")\b)[A-Za-z0-9][\w'\-]*\.?\s+){1,4}"
    r"(?:" + "|".join(_SUFFIXES) + r")\b\.?"
    rf"(?:\s+{_DIRECTION}(?![\w]))?"
    rf"(?:,?\s*{_UNIT})?",
    re.IGNORECASE,
)
_PO_BOX = re.compile(r"(?<!\w)P\.?\s?O\.?\s?Box\s*#?\s*\d+", re.IGNORECASE)
_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
).split()
_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii"
    "|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan"
    "|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico"
    "|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island"
    "|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia"
    "|Wisconsin|Wyoming"
)
_CITY = r"[A-Z][A-Za-z.'\-]+(?:\s[A-Z][A-Za-z.'\-]+){0,3}"
_ZIP = r"\d{5}(?:-\d{4})?"
# "Springfield, IL 62704", "Springfield IL 62704", "Boston, Massachusetts 02115"
_CITY_STATE_ZIP = re.compile(
    rf"(?<![\w]){_CITY},?\s*(?:{'|'.join(_STATES)}|{_STATE_NAMES})\.?\s+{_ZIP}(?![\w\-])"
)
# Without a ZIP only codes that are not also hospital words or credentials
# ("Jane Doe, MD", "Pre-Op, OR"): "Springfield, IL".
_PLAIN_STATES = [s for s in _STATES if s not in {"MD", "PA", "OR", "IN", "ME", "HI", "OH", "OK", "ID", "DE"}]
_CITY_STATE = re.compile(rf"(?<![\w]){_CITY},\s*(?:{'|'.join(_PLAIN_STATES)}|{_STATE_NAMES})\.?(?![\w])")
_ZIP_ALONE = re.compile(r"(?<![\w\-])(?:" + "|".join(_STATES) + r")\s+\d{5}(?:-\d{4})?(?![\w\-])")


def find(text: Text) -> list[Hit]:
    """Street addresses and city/state/ZIP in one line (or a label line joined
    with its value line)."""
    hits = []
    for m in _STREET.finditer(text.text):
        hits.append(Hit(Kind.ADDRESS, m.start(), m.end(), 0.85, CLASSIFIER, "number + street suffix"))
    for m in _PO_BOX.finditer(text.text):
        hits.append(Hit(Kind.ADDRESS, m.start(), m.end(), 0.9, CLASSIFIER, "PO box"))
    for m in _CITY_STATE_ZIP.finditer(text.text):
        hits.append(Hit(Kind.ADDRESS, m.start(), m.end(), 0.9, CLASSIFIER, "city + state + ZIP"))
    for m in _CITY_STATE.finditer(text.text):
        hits.append(Hit(Kind.ADDRESS, m.start(), m.end(), 0.75, CLASSIFIER, "city + state"))
    for m in _ZIP_ALONE.finditer(text.text):
        hits.append(Hit(Kind.ADDRESS, m.start(), m.end(), 0.75, CLASSIFIER, "state code + ZIP"))
    for m in L.ADDRESS_LABEL_RE.finditer(text.text):
        if m.group(1).lower() == "home" and ":" not in m.group():
            continue  # "Home" is an address label only as "Home:"
        # the rest of the value: up to eight words, stopping at another label
        rest_end = len(text.text)
        nxt = re.search(r"\s(?:[A-Za-z]+\s?){1,2}:", text.text[m.end() :])
        if nxt:
            rest_end = m.end() + nxt.start()
        k_end = text.word_index(max(rest_end - 1, m.end()))
        k_start = text.word_index(m.end())
        k_end = min(k_end, k_start + 7)
        if m.end() < len(text.text) and k_end >= k_start:
            end = text.ends[k_end]
            hits.append(Hit(Kind.ADDRESS, m.start(), end, 0.85, CLASSIFIER, "address label + value"))
    return hits
