"""Vocabulary shared by the classifiers: the labels that announce a value
("DOB:", "MRN", "Pt:") and the everyday words of hospital signage that must
never be taken for a name. Vocabulary only: names come from the census lists,
never from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A label is a whole word (no letter on either side); a value may be glued to it
# ("MRN00482913", "DOB:03/14/1962"), so only letters count as a boundary.
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
# Trailing punctuation OCR keeps with a label: "DOB:", "MRN#", "Pt.", "Name -".
LABEL_TAIL = r"[\s]*[:#.\-=]*[\s]*"


def _alternation(phrases: Iterable[str]) -> str:
    # Longest first so "patient id" wins over "patient"; spaces match any run of
    # spaces or nothing at all ("PtID", "Pt ID"); dots are optional ("D.O.B.").
    parts = []
    for p in sorted(set(phrases), key=len, reverse=True):
        esc = re.escape(p).replace(r"\ ", r"\s*").replace(r"\.", r"\.?")
        parts.append(esc)
    return "(?:" + "|".join(parts) + ")"


def label_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    """A case-insensitive regex for any of `phrases` as whole words, followed by the
    punctuation a label usually carries; the match ends where the value starts."""
    return re.compile(
        _NOT_LETTER_BEFORE + "(" + _alternation(phrases) + ")" + _NOT_LETTER_AFTER + LABEL_TAIL,
        re.IGNORECASE,
    )


NAME_LABELS = (
    "name", "patient name", "pt name", "full name", "last name", "first name", "surname",
    "patient", "pt", "resident", "client", "member",
    "rn", "lpn", "lvn", "cna", "pct", "np", "md", "dr", "doctor", "nurse", "charge nurse",
    "primary nurse", "your nurse", "attending", "physician", "provider", "surgeon", "hospitalist",
    "intern", "fellow", "therapist", "tech", "aide", "sitter", "midwife", "pharmacist", "chaplain",
    "case manager", "social worker", "care team", "pcp",
    "family", "contact", "emergency contact", "guardian", "caregiver", "spouse", "wife", "husband",
    "partner", "mother", "father", "mom", "dad", "son", "daughter", "sister", "brother",
    "nok", "next of kin", "poa", "visitor",
    "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "madam",
)
# Forms of address: the capitalised word after one is a name even when it is
# also an English word ("Dr. Young", "Mrs. White").
HONORIFICS = (
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sr", "sra", "srta", "sig", "sig.ra",
    "sig.na", "dott", "dott.ssa", "herr", "frau", "mme", "mlle", "pan", "pani", "shri", "smt",
    "quý ông", "quý bà", "cô", "bà", "ông", "anh", "chị", "rev", "fr",
)
# Credentials written after a name: "Jane Doe, RN", "J. Smith MD".
CREDENTIALS = (
    "rn", "lpn", "lvn", "cna", "md", "do", "np", "pa", "pa-c", "aprn", "crna", "dnp", "msn", "bsn",
    "phd", "pharmd", "rph", "dds", "dmd", "dpt", "otr", "rrt", "mba", "jr", "sr", "ii", "iii", "iv",
    "esq", "facs", "facp", "fnp", "cnm", "lcsw", "msw", "bsc", "msc", "ba", "ma",
)
# Particles inside a name, written in lower case: "de la Fontaine", "van der Berg".
NAME_PARTICLES = frozenset(
    "de da di do dos das du del della der den van von la le y e bin binti ibn al el ter ten zu "
    "mac ni ní ó".split()
)
DATE_LABELS = (
    "dob", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "bday", "b-day", "born",
    "adm", "admit", "admitted", "admission", "admission date", "admit date",
    "d/c", "dc", "disch", "discharge", "discharged", "discharge date", "expected discharge", "edd",
    "dos", "date of service", "surgery", "surg", "sx", "procedure", "proc", "op date", "post op",
    "next", "date", "due", "due date", "exp", "expires", "expiry", "lmp", "edc", "appt",
    "appointment", "visit", "seen", "last seen", "f/u", "follow up", "follow-up", "today",
    "onset", "since", "until", "start", "started", "dod", "deceased", "scheduled", "planned",
)
ID_LABELS_STRONG = (
    "mrn", "mr#", "mr no", "mr number", "med rec", "med rec no", "medical record", "medical record no",
    "medical record number", "record no", "record number", "acct", "acct no", "account",
    "account no", "account number", "acc no", "pt id", "patient id", "pid", "enc", "encounter",
    "encounter no", "csn", "fin", "har", "hosp no", "hospital no", "nhs no", "nhs number",
    "chart no", "case no", "member id", "subscriber id", "policy no", "policy", "claim no",
    "group no", "insurance id", "specimen", "specimen id", "accession", "accession no", "visit id",
    "visit no", "id no", "id number", "id#", "dl", "license no", "passport",
)
# Generic labels: the value must look like an identifier on its own (4+ digits).
ID_LABELS_WEAK = ("id", "#", "no", "number", "order", "rx", "case", "claim", "chart", "ref")
SSN_LABELS = (
    "ssn", "ss#", "ss no", "soc sec", "soc sec no", "social security", "social security no",
    "social security number", "social sec", "sin",
)
PHONE_LABELS = (
    "tel", "tele", "telephone", "phone", "phone no", "ph", "cell", "cell phone", "mobile", "mob",
    "home phone", "work phone", "pager", "pgr", "beeper", "fax", "call", "ext", "extension",
    "contact no", "vocera", "spectra", "whatsapp",
)
ADDRESS_LABELS = (
    "address", "addr", "home address", "street address", "mailing address", "residence",
    "lives at", "home",
)
EMAIL_LABELS = ("email", "e-mail", "mail", "web", "website", "portal", "url")

NAME_LABEL_RE = label_regex(NAME_LABELS)
HONORIFIC_RE = label_regex(HONORIFICS)
CREDENTIAL_RE = label_regex(CREDENTIALS)
DATE_LABEL_RE = label_regex(DATE_LABELS)
ID_LABEL_STRONG_RE = label_regex(ID_LABELS_STRONG)
ID_LABEL_WEAK_RE = label_regex(ID_LABELS_WEAK)
SSN_LABEL_RE = label_regex(SSN_LABELS)
PHONE_LABEL_RE = label_regex(PHONE_LABELS)
ADDRESS_LABEL_RE = label_regex(ADDRESS_LABELS)

_ALL_LABELS = (
    NAME_LABELS + DATE_LABELS + ID_LABELS_STRONG + ("id",) + SSN_LABELS + PHONE_LABELS
    + ADDRESS_LABELS + EMAIL_LABELS
)
ALL_LABELS = _ALL_LABELS
_ENDS_WITH_LABEL = re.compile(
    _NOT_LETTER_BEFORE + _alternation(_ALL_LABELS) + r"\s*[:#.\-=]*\s*$", re.IGNORECASE
)
_WHOLE_LABEL = re.compile(r"\W*" + _alternation(_ALL_LABELS) + r"\s*[:#.\-=]*\s*", re.IGNORECASE)
_LABEL_WORDS = frozenset(w for p in _ALL_LABELS + HONORIFICS + CREDENTIALS for w in p.split())


def ends_with_label(text: str) -> bool:
    """True when a line ends in a label (or a colon), so its value may be on the next line."""
    text = text.rstrip()
    return text.endswith(":") or bool(_ENDS_WITH_LABEL.search(text))


def is_label(text: str) -> bool:
    """True when the whole text is one label ("DOB", "Patient Name:", "MRN #")."""
    return bool(_WHOLE_LABEL.fullmatch(text.strip()))


def is_label_word(word: str) -> bool:
    """True for a word that is part of some label ("dob", "mrn", "patient", ...)."""
    return word.strip(":#.,;-=()[]").lower() in _LABEL_WORDS


# Everyday words of hospital signage, notices and whiteboards. A capitalised run
# made of these is never a name without a label in front of it; several are also
# census surnames ("Hall", "Bell", "Day", "Wing"), which is why they are listed.
SIGN_WORDS = frozenset(
    """
    a the and or of for to in on at by with from as is are be was will can may must not no yes
    do does don't please thank thanks you your our my we us all any every this that these those
    here there now today tonight day night shift week month year daily weekly am pm hours hour
    welcome hello happy congratulations congrats great job good best team staff employee employees
    celebrate celebrating birthday anniversary appreciation awareness month
    wash hand hands hygiene sanitize sanitizer soap water gloves glove gown gowns mask masks
    isolation precautions precaution contact droplet airborne enteric standard protective ppe
    fall falls risk pain scale goals goal plan diet npo allergies allergy allergic
    pharmacy lab labs laboratory radiology imaging emergency department dept clinic center centre
    hospital medical health healthcare nursing nurses nurse station desk unit floor wing tower ward
    bay bed beds room rooms suite hall hallway lobby entrance exit elevator elevators stairs stairway
    north south east west level main front back upper lower
    restroom bathroom toilet toilets shower linen supply supplies clean dirty utility storage closet
    break conference meeting office lounge waiting area visiting visitor visitors policy quiet zone
    oxygen smoking caution wet slippery danger warning notice attention alert
    patient patients family families information info reception admissions registration billing
    chapel cafeteria cafe gift shop parking garage security
    icu nicu picu ccu cvicu sicu micu pacu ed er or ob l&d mri ct ekg ecg eeg iv dnr dni prn stat
    covid flu vaccine vaccines vaccination immunization
    telemetry oncology cardiology neurology pediatrics paediatrics orthopedics surgery surgical
    hospice palliative dialysis infusion phlebotomy maternity labor delivery newborn nursery
    rehab rehabilitation physical therapy occupational respiratory social services volunteer
    volunteers chaplaincy spiritual behavioral mental psychiatry psychiatric outpatient inpatient
    intensive critical acute care step down med surg medicine internal general family
    schedule activity mobility assist ambulate alarm call light button code blue red green yellow
    rapid response protect private confidential enter keep closed door doors open push pull
    authorized personnel only sign signs kindness smile safety safe first aid kit fire extinguisher
    blood pressure heart rate temperature weight height vitals vital signs intake output
    breakfast lunch dinner meal meals snack snacks ice chips
    saves lives save life matters together respect compassion excellence
    memo reminder reminders note notes board whiteboard update updates today's
    remember questions question ask need help
    bone marrow transplant heparin insulin drip pump catheter foley tube drain drains chest trach
    ventilator vent monitor monitoring telemetry telehealth cart carts socks grippy blanket belongings
    playroom pediatric paediatric score scores scale scales assessment wound ostomy dressing
    specimen specimens sample samples sharps biohazard hazardous waste recycle shred decontamination
    eyewash defibrillator crash trauma triage sepsis stroke seizure aspiration bleeding latex
    penicillin restraint restraints elopement suicide glucose sugar fluid fluids restriction
    antibiotic antibiotics medication medications meds dose doses vaccine oral tablet injection
    chemo chemotherapy radiation nuclear ultrasound mammography scan scans xray x-ray dexa
    cardiac pulmonary renal hepatic neuro ortho ob/gyn gyn urology dermatology ophthalmology
    lactation nourishment dietary tray trays nutrition formula bottle bottles
    """.split()
)
