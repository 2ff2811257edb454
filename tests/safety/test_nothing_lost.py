"""4. Nothing lost: inputs are never opened for writing, exports never land on an
input or on each other, and a failed or killed write leaves everything as it was."""

from __future__ import annotations

import builtins
import errno
import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phiscrub import imageio, manifest
from phiscrub.batch import collect_inputs, process
from phiscrub.imageio import ExportError, export_path, load_image, save_clean
from tests.safety import fixtures as fx
from tests.safety.fixtures import fixed_scanner

ROOT = Path(__file__).resolve().parents[2]
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _digests(folder: Path) -> dict[Path, tuple[str, float]]:
    return {
        p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_no_input_is_ever_opened_for_writing(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, make in fx.DIRTY_ORIGINALS.items():
        make(src / name)
    inputs = {p.resolve() for p in src.iterdir()}
    before = _digests(src)
    writes: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def os_open(path, flags, *args, **kwargs):
        if flags & _WRITE_FLAGS and Path(path).resolve() in inputs:
            writes.append(f"os.open({path}, {flags:#o})")
        return real_os_open(path, flags, *args, **kwargs)

    def py_open(file, mode="r", *args, **kwargs):
        if (
            isinstance(file, (str, os.PathLike))
            and set(mode) & set("wax+")
            and Path(file).resolve() in inputs
        ):
            writes.append(f"open({file}, {mode})")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", py_open)
    monkeypatch.setattr(io, "open", py_open)
    results = list(process(collect_inputs([src]), fixed_scanner([(0, 0, 20, 20)]), out_dir=tmp_path / "out"))

    assert all(r.ok for r in results), [r.error for r in results]
    assert writes == []
    assert _digests(src) == before


def test_exporting_into_the_input_folder_never_replaces_an_input(tmp_path: Path) -> None:
    """a.heic exports as JPEG: with the output folder being the input folder it must
    not become a.jpg, which is another input."""
    folder = tmp_path / "photos"
    folder.mkdir()
    fx.flat((255, 0, 0)).save(folder / "a.jpg")
    fx.flat((0, 0, 255)).save(folder / "a.heic")
    fx.flat((0, 255, 0)).save(folder / "A.png")
    before = _digests(folder)
    inputs = collect_inputs([folder / "a.jpg", folder / "a.heic", folder / "A.png"])
    results = list(process(inputs, fixed_scanner(), out_dir=folder))
    assert all(r.ok for r in results), [r.error for r in results]
    for path, digest in before.items():
        assert _digests(folder)[path] == digest
    outputs = [r.output for r in results]
    assert not {o.resolve() for o in outputs} & {p.resolve() for p in before}
    assert len({str(o).casefold() for o in outputs}) == 3


def test_an_export_onto_the_source_or_a_link_to_it_is_refused(tmp_path: Path) -> None:
    source = fx.dirty_jpeg(tmp_path / "a.jpg")
    before = source.read_bytes()
    pixels = load_image(source).pixels
    links = tmp_path / "links"
    links.mkdir()
    (links / "soft.jpg").symlink_to(source)
    os.link(source, links / "hard.jpg")
    for dest in [source, tmp_path / "." / "a.jpg", links / "soft.jpg", links / "hard.jpg"]:
        with pytest.raises(ExportError, match="original"):
            save_clean(pixels, dest, "JPEG", source=source)
    assert source.read_bytes() == before
    # naming never picks the source or a link to it in the first place
    assert export_path(source, links).name == "a.jpg"
    (links / "a.jpg").symlink_to(source)
    assert export_path(source, links).name == "a-1.jpg"


def test_the_write_is_temp_file_fsync_verify_then_rename(tmp_path: Path, monkeypatch) -> None:
    events: list[str] = []
    real_fsync, real_verify, real_replace, real_link = os.fsync, imageio._verify_bytes, os.replace, os.link

    def fsync(fd):
        events.append("fsync")
        return real_fsync(fd)

    def verify(data):
        events.append("verify")
        return real_verify(data)

    def replace(a, b):
        events.append(f"replace {Path(a).parent == Path(b).parent} {Path(a).name.startswith('.phiscrub-')}")
        return real_replace(a, b)

    def link(a, b):
        events.append(f"link {Path(a).parent == Path(b).parent} {Path(a).name.startswith('.phiscrub-')}")
        return real_link(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(imageio, "_verify_bytes", verify)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", link)
    dest = save_clean(np.asarray(fx.photo()), tmp_path / "x.jpg", "JPEG")
    # a new name is claimed with a link (it fails if the name is taken), ...
    assert events[:3] == ["fsync", "verify", "link True True"]
    events.clear()
    assert save_clean(np.asarray(fx.photo()), dest, "JPEG") == dest
    # ... an earlier export of ours is renamed over
    assert events[:3] == ["fsync", "verify", "replace True True"]


def _earlier_export(tmp_path: Path) -> tuple[Path, Path, bytes]:
    source = tmp_path / "in.png"
    fx.photo().save(source)
    out = tmp_path / "out"
    out.mkdir()
    dest = save_clean(load_image(source).pixels, out / "in.jpg", "JPEG", source=source)
    return source, dest, dest.read_bytes()


@pytest.mark.parametrize(
    "failure",
    ["encoder error", "disk full while writing", "disk full at fsync", "rename fails"],
)
def test_a_failed_write_leaves_the_original_the_earlier_export_and_no_temp_file(
    tmp_path: Path, monkeypatch, failure: str
) -> None:
    source, dest, earlier = _earlier_export(tmp_path)
    original = source.read_bytes()
    real_save = Image.Image.save

    def broken_save(self, fp, *args, **kwargs):
        if failure == "encoder error":
            raise ValueError("broken encoder")
        fp.write(b"\xff\xd8 half an image")
        raise OSError(errno.ENOSPC, "No space left on device")

    def broken(*args, **kwargs):
        raise OSError(errno.ENOSPC if "fsync" in failure else errno.EACCES, "failed")

    if failure in ("encoder error", "disk full while writing"):
        monkeypatch.setattr(Image.Image, "save", broken_save)
    elif failure == "disk full at fsync":
        monkeypatch.setattr(os, "fsync", broken)
    else:
        monkeypatch.setattr(os, "replace", broken)
    pixels = np.zeros((48, 64, 3), dtype=np.uint8)

    with pytest.raises(ExportError):
        save_clean(pixels, dest, "JPEG", source=source)

    monkeypatch.setattr(Image.Image, "save", real_save)
    assert source.read_bytes() == original
    assert dest.read_bytes() == earlier
    assert sorted(p.name for p in dest.parent.iterdir()) == [manifest.NAME, "in.jpg"]


def test_a_process_killed_mid_write_leaves_everything_as_it_was(tmp_path: Path) -> None:
    source, dest, earlier = _earlier_export(tmp_path)
    original = source.read_bytes()
    started = tmp_path / "writing"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from PIL import Image
        from phiscrub.imageio import load_image, save_clean

        def slow_save(self, fp, *args, **kwargs):
            fp.write(b"\\xff\\xd8 the first half of an image")
            fp.flush()
            Path({str(started)!r}).touch()
            time.sleep(60)

        Image.Image.save = slow_save
        source = Path({str(source)!r})
        save_clean(load_image(source).pixels, Path({str(dest)!r}), "JPEG", source=source)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the writer never started"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()

    assert source.read_bytes() == original
    assert dest.read_bytes() == earlier
    leftovers = [p.name for p in dest.parent.iterdir() if p.name not in ("in.jpg", manifest.NAME)]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".phiscrub-{proc.pid}-")
    # the next export into the folder clears what the dead process left
    imageio._swept.clear()
    save_clean(np.asarray(fx.photo()), dest.parent / "next.jpg", "JPEG")
    assert sorted(p.name for p in dest.parent.iterdir()) == [manifest.NAME, "in.jpg", "next.jpg"]


def test_temp_files_of_a_live_process_are_never_swept(tmp_path: Path) -> None:
    mine = tmp_path / f".phiscrub-{os.getppid()}-abc123.jpg"  # the parent is alive
    mine.write_bytes(b"in progress")
    other = tmp_path / ".phiscrub-notes.jpg"
    other.write_bytes(b"not ours")
    imageio._swept.clear()
    save_clean(np.asarray(fx.photo()), tmp_path / "x.jpg", "JPEG")
    assert mine.exists() and other.exists()


# ------------------------------------------------------------------------- collisions


def test_name_collisions_never_overwrite_each_other(tmp_path: Path) -> None:
    """Same stem, other format; same name in two folders; names differing in case:
    each output holds its own source's picture."""
    src = tmp_path / "in"
    colours = {
        "a.jpg": (255, 0, 0),
        "a.png": (0, 255, 0),
        "a.heic": (0, 0, 255),
        "A.JPG": (255, 255, 0),
        "a.JPEG": (0, 255, 255),
        "one/a.jpg": (255, 0, 255),
        "two/a.jpg": (128, 128, 128),
        "two/A.jpg": (40, 40, 40),
    }
    for name, colour in colours.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        if (src / name).exists():  # a case-insensitive file system: skip the twin
            continue
        fx.flat(colour).save(src / name)
    results = list(process(collect_inputs([src], recursive=True), fixed_scanner(), out_dir=tmp_path / "out"))
    assert all(r.ok for r in results), [r.error for r in results]
    outputs = [r.output for r in results]
    assert len({str(o).casefold() for o in outputs}) == len(outputs)
    for r in results:
        colour = colours[r.input.path.relative_to(src).as_posix()]
        got = np.asarray(Image.open(r.output)).reshape(-1, 3).mean(axis=0)
        assert np.abs(got - colour).max() < 8, (r.input.path.name, r.output.name)


# ------------------------------------------------------------------------- a big batch


def _big_folder(root: Path) -> tuple[Path, set[str]]:
    src = root / "ward"
    bad: set[str] = set()
    png = fx.encoded(fx.photo(16, 16), "PNG")
    jpg = fx.encoded(fx.photo(16, 16), "JPEG")
    for i in range(500):
        sub = src / f"day{i % 5}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 25 == 7:  # 20 bad ones, of several kinds
            kind = (i // 25) % 4
            name = f"bad{i:03d}.jpg"
            data = [b"", jpg[:-40], b"not a photo\n" * 5, fx.animated("GIF")][kind]
            (sub / name).write_bytes(data)
            bad.add(f"{sub.name}/{name}")
        else:
            name = f"img{i:03d}" + (".png" if i % 2 else ".jpg")
            (sub / name).write_bytes(png if i % 2 else jpg)
    return src, bad


def test_a_batch_of_500_with_20_bad_files_finishes_and_a_rerun_is_idempotent(tmp_path: Path) -> None:
    src, bad = _big_folder(tmp_path)
    out = tmp_path / "clean"
    scanner = fixed_scanner([(2, 2, 9, 9)])

    first = list(process(collect_inputs([src], recursive=True), scanner, out_dir=out))
    assert len(first) == 500
    failed = {r.input.path.relative_to(src).as_posix() for r in first if not r.ok}
    assert failed == bad
    assert all(r.error for r in first if not r.ok)
    after_first = _digests(out)
    assert len([p for p in after_first if p.name != manifest.NAME]) == 480

    second = list(process(collect_inputs([src], recursive=True), scanner, out_dir=out))
    assert [(r.ok, r.output, r.error) for r in second] == [(r.ok, r.output, r.error) for r in first]
    assert {p: d for p, (d, _) in _digests(out).items()} == {p: d for p, (d, _) in after_first.items()}
