"""Which files in an output folder phiscrub wrote: the export manifest.

An export may replace an existing file only when that file is an unchanged export
phiscrub itself wrote there (a re-run rewrites its own outputs); anything else in
the folder (the user's own ``ward.jpg``, an export edited since) is kept and the
export takes another name. To tell the two apart, each output folder holds a small
manifest, ``.phiscrub-exports.json``, mapping the file names phiscrub wrote to the
size and SHA-256 of the bytes it wrote. It holds those names (already visible in the
folder) and hashes of clean exports only: no source paths, no recognised text.

Everything here fails safe: a manifest that is missing, unreadable, damaged, from a
newer phiscrub or not a regular file makes every existing file count as not ours,
and a manifest that cannot be written only means the next run will not replace that
export. A file counts as ours only when its bytes hash to what was recorded, so a
stale or lost entry can never cost the user a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from phiscrub.report import write_text_atomic

logger = logging.getLogger(__name__)

NAME = ".phiscrub-exports.json"
FORMAT = "phiscrub-exports"
FORMAT_VERSION = 1

#: A manifest larger than this is not one phiscrub wrote (an entry is ~120 bytes).
_MAX_BYTES = 16 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Written:
    """What phiscrub wrote under one name: the file's size and SHA-256."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Written:
        return cls(len(data), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Manifest:
    """One folder's record. `writable` is False when the file there must be left
    alone (not a regular file, another program's, a newer phiscrub's)."""

    folder: Path
    files: dict[str, Written]
    writable: bool = True

    def might_be_ours(self, path: Path) -> bool:
        """A cheap guess for naming (no hashing): a regular file recorded here with
        the recorded size. `is_ours` decides before anything is replaced."""
        written = self.files.get(path.name)
        st = _lstat(path) if written is not None else None
        return st is not None and stat.S_ISREG(st.st_mode) and st.st_size == written.size

    def is_ours(self, path: Path) -> bool:
        """True when `path` is a regular file (not a link) whose bytes are exactly
        what phiscrub recorded writing under that name."""
        if not self.might_be_ours(path):
            return False
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except OSError:
            return False
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return False
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
        except OSError:
            return False
        return digest.hexdigest() == self.files[path.name].sha256


def read(folder: Path) -> Manifest:
    """The manifest of `folder`; an empty one (nothing is ours) on any problem."""
    folder = Path(folder)
    path = folder / NAME
    st = _lstat(path)
    if st is None:
        return Manifest(folder, {})
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_BYTES:
        _warn_once(folder, "an export manifest is not a regular file; left alone")
        return Manifest(folder, {}, writable=False)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            data = json.loads(fh.read(_MAX_BYTES + 1).decode("utf-8"))
    except OSError:
        _warn_once(folder, "an export manifest cannot be read; no earlier export is replaced")
        return Manifest(folder, {}, writable=False)
    except (UnicodeDecodeError, ValueError):
        # Damaged, e.g. edited by hand. Its name is phiscrub's, so a fresh one replaces it.
        _warn_once(folder, "an export manifest is damaged; no earlier export is replaced")
        return Manifest(folder, {})
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        _warn_once(folder, "an export manifest is not phiscrub's; left alone")
        return Manifest(folder, {}, writable=False)
    if data.get("format_version") != FORMAT_VERSION:
        _warn_once(folder, "an export manifest is from another phiscrub version; left alone")
        return Manifest(folder, {}, writable=False)
    files = data.get("files")
    if not isinstance(files, dict):
        _warn_once(folder, "an export manifest is damaged; no earlier export is replaced")
        return Manifest(folder, {})
    return Manifest(folder, {name: w for name, raw in files.items() if (w := _entry(name, raw)) is not None})


def _entry(name: object, raw: object) -> Written | None:
    if not isinstance(name, str) or name in ("", ".", "..") or any(c in name for c in "/\\\0"):
        return None
    if not isinstance(raw, dict):
        return None
    size, sha256 = raw.get("size"), raw.get("sha256")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return None
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        return None
    return Written(size, sha256)


def record(manifest: Manifest, name: str, written: Written, *, forget: str | None = None) -> None:
    """Add `name` to the folder's manifest (atomically), dropping `forget` (a file
    found changed) and entries whose file is gone. Best effort: on failure the export
    stands, it just will not count as phiscrub's on the next run."""
    if not manifest.writable:
        return
    try:
        present = set(os.listdir(manifest.folder)) - {forget}
    except OSError:
        present = set(manifest.files) - {forget}
    files = {n: w for n, w in manifest.files.items() if n in present}
    files[name] = written
    text = json.dumps(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "files": {n: {"size": w.size, "sha256": w.sha256} for n, w in sorted(files.items())},
        },
        indent=1,
    )
    try:
        # The pid in the temp name lets a later export sweep it if this process dies mid-write.
        write_text_atomic(manifest.folder / NAME, text + "\n", prefix=f".phiscrub-{os.getpid()}-")
    except OSError:
        _warn_once(manifest.folder, "cannot update an export manifest; a re-run will not replace this export")


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (POSIX flock on the folder itself, no lock
    file), so parallel workers placing exports and updating the manifest take turns.
    Best effort: where it is not supported the work goes on unlocked, and a lost
    manifest entry only makes a re-run choose a new name."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            logger.debug("could not lock the output folder")
        yield
    finally:
        os.close(fd)  # releases the lock


_warned: set[tuple[str, str]] = set()


def _warn_once(folder: Path, message: str) -> None:
    # Naming a batch reads the manifest once per photo; one warning per folder is enough.
    key = (os.path.realpath(folder), message)
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None
