"""User preferences: a small frozen dataclass stored as TOML in the user's config dir.

QSettings only holds window geometry and the last folder (things the user never
edits by hand); the choices that change what gets exported live here, in a file a
person can read, and unknown or invalid keys are refused rather than ignored, so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from phiscrub.imageio import export_path
from phiscrub.ocr import ENGINE_NAMES
from phiscrub.redact import Style
from phiscrub.review import CHECK_ME_BELOW
from phiscrub.verify import FAST_ENGINES, VERIFY_ENGINES

#: Default output folder, beside each photo, when none is chosen.
DEFAULT_OUTPUT_SUBFOLDER = "redacted"


class PreferencesError(Exception):
    """The preferences file is unreadable or holds an unknown key or a bad value."""


@dataclass(frozen=True)
class Preferences:
    """What the Preferences dialog edits."""

    style: str = Style.SOLID.value
    engine: str = "rapidocr"
    #: Empty: a "redacted" folder beside each photo.
    output_dir: str = ""
    #: Appended to the photo's name ("IMG_1" + "-clean" -> "IMG_1-clean.jpg").
    name_suffix: str = ""
    #: Where review projects (regions, reviewed flags) are kept; empty: the app's
    #: data folder. Never beside the photos unless the user points it there.
    project_dir: str = ""
    #: Detector hits scoring below this are "check me": a person decides each one.
    check_me_below: float = CHECK_ME_BELOW
    #: The OCR engines that read each export again (the face and code detectors always
    #: run); none: faces and codes only.
    verify_engines: tuple[str, ...] = FAST_ENGINES

    def __post_init__(self) -> None:
        if self.style not in {s.value for s in Style}:
            raise PreferencesError(f"style must be one of {', '.join(s.value for s in Style)}")
        if self.engine not in ENGINE_NAMES:
            raise PreferencesError(f"engine must be one of {', '.join(ENGINE_NAMES)}")
        threshold = self.check_me_below
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            raise PreferencesError("check_me_below must be a number from 0 to 1 (0.7 is 70% sure)")
        object.__setattr__(self, "check_me_below", float(threshold))
        engines = self.verify_engines
        if isinstance(engines, str) or not isinstance(engines, (list, tuple)):
            raise PreferencesError("verify_engines must be a list of engine names")
        if any(e not in VERIFY_ENGINES for e in engines) or len(set(engines)) != len(engines):
            raise PreferencesError(f"verify_engines may list each of {', '.join(VERIFY_ENGINES)} once")
        object.__setattr__(self, "verify_engines", tuple(engines))
        for name in ("output_dir", "name_suffix", "project_dir"):
            if not isinstance(getattr(self, name), str):
                raise PreferencesError(f"{name} must be text")
        if any(c in self.name_suffix for c in "/\\\0"):
            raise PreferencesError("the name suffix may not contain slashes")

    @property
    def redaction_style(self) -> Style:
        return Style(self.style)

    def output_folder(self, source: Path) -> Path:
        if self.output_dir:
            return Path(self.output_dir).expanduser()
        return source.parent / DEFAULT_OUTPUT_SUBFOLDER

    def destination(self, source: Path, fmt: str, taken: set[Path] | None = None) -> Path:
        """Where the clean copy of `source` goes; never the source itself, and never a
        path in `taken` (a batch passes one set for all its photos and gets it filled)."""
        named = source.with_name(f"{source.stem}{self.name_suffix}{source.suffix}")
        probe = set(taken) if taken is not None else None
        dest = export_path(named, self.output_folder(source), fmt, probe)
        if dest.resolve() == source.resolve():  # export_path compared against the renamed source
            probe = set(taken) if taken is not None else None
            dest = export_path(source, self.output_folder(source), fmt, probe)
        if taken is not None:
            taken.add(dest)
        return dest

    def project_folder(self, default: Path) -> Path:
        """Where review projects are kept: `project_dir`, else `default` (the app's data folder)."""
        return Path(self.project_dir).expanduser() if self.project_dir else default


def default_path() -> Path:
    """$PHISCRUB_CONFIG_DIR, else the platform's config dir, plus preferences.toml."""
    override = os.environ.get("PHISCRUB_CONFIG_DIR")
    if override:
        return Path(override) / "preferences.toml"
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "phiscrub" / "preferences.toml"


def load(path: Path) -> Preferences:
    """Preferences from `path`; defaults when the file does not exist."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PreferencesError(f"cannot read {path}: {exc}") from exc
    known = {f.name for f in fields(Preferences)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PreferencesError(f"unknown setting(s) in {path}: {', '.join(unknown)}")
    return replace(Preferences(), **data)


def save(prefs: Preferences, path: Path) -> None:
    """Write atomically (temp file beside it, then rename) so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Every value is a string, a number or a list of strings; the JSON of each is valid TOML.
    text = "".join(f"{key} = {json.dumps(value)}\n" for key, value in asdict(prefs).items())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".preferences-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# phiscrub preferences (edited by the app's Preferences dialog)\n" + text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
