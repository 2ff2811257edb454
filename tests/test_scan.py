"""Scanner: the OCR, face and code detectors of one photo (phiscrub/scan.py)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from phiscrub.models import Finding, Kind, Line, Polygon, Word
from phiscrub.scan import Scanner


class _Ocr:
    name = "fake-ocr"

    def read(self, image):
        word = Word("03/14/1962", Polygon.of([(10, 10), (110, 10), (110, 30), (10, 30)]), 0.99, self.name)
        return [Line((word,), word.polygon, 0.99, self.name)]


class _Detector:
    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.threads: list[int] = []

    def detect(self, image):
        self.threads.append(threading.get_ident())
        return [Finding(self.kind, Polygon.of([(50, 50), (80, 50), (80, 80), (50, 80)]), 0.9, "fake")]


@pytest.mark.parametrize("threads, beside", [(None, True), (2, True), (1, False)])
def test_faces_and_codes_run_beside_the_ocr_unless_one_thread_per_model(threads, beside):
    faces, codes = _Detector(Kind.FACE), _Detector(Kind.BARCODE)
    scanner = Scanner(_Ocr(), faces=faces, codes=codes, threads=threads)
    result = scanner.scan(np.zeros((100, 200, 3), np.uint8))
    assert sorted(f.kind.value for f in result.findings) == ["barcode", "date", "face"]
    assert {"ocr", "classify", "faces", "codes"} <= set(result.timings)
    caller = threading.get_ident()
    assert (faces.threads[0] != caller) is beside and (codes.threads[0] != caller) is beside


def test_a_failing_detector_fails_the_scan():
    class Broken:
        def detect(self, image):
            raise RuntimeError("model file damaged")

    scanner = Scanner(_Ocr(), faces=Broken(), codes=False)
    with pytest.raises(RuntimeError, match="damaged"):
        scanner.scan(np.zeros((100, 200, 3), np.uint8))


class _SignOcr:
    """One line of signage, its polygon starting at the first letter's top-left."""

    name = "fake-ocr"

    def __init__(self, corners) -> None:
        self.quad = Polygon.of(corners)

    def read(self, image):
        words = tuple(Word(t, self.quad, 0.99, self.name) for t in "Nurses Station Room Twelve West".split())
        return [Line(words, self.quad, 0.99, self.name)] * 2


SIDEWAYS = [(60, 10), (60, 90), (40, 90), (40, 10)]  # reads top to bottom: turned a quarter turn clockwise
LEVEL = [(10, 10), (190, 10), (190, 30), (10, 30)]


class _SearchingFaces:
    """A face detector with `search`: finds a face only when told the photo is turned."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, ...], bool]] = []

    def search(self, image, *, turns=(), after=None):
        from phiscrub.faces import FaceSearch

        turns = tuple(turns)
        self.calls.append((turns, after is not None))
        searched = frozenset({0, *turns} | (after.searched if after else set()))
        found = () if 3 not in searched else (_face(),)
        return FaceSearch(found, searched, ())


def _face() -> Finding:
    return Finding(Kind.FACE, Polygon.of([(50, 50), (80, 50), (80, 80), (50, 80)]), 0.9, "fake")


@pytest.mark.parametrize("threads, calls", [(None, [((), False), ((3,), True)]), (1, [((3,), False)])])
def test_faces_are_searched_the_way_the_text_says_the_photo_is_turned(threads, calls):
    faces = _SearchingFaces()
    scanner = Scanner(_SignOcr(SIDEWAYS), faces=faces, codes=False, threads=threads)
    result = scanner.scan(np.zeros((100, 200, 3), np.uint8))
    # Beside the OCR the faces are searched before the text is read, then once
    # more that way; one thread per model searches once, knowing the turn.
    assert faces.calls == calls
    assert [f.kind for f in result.findings].count(Kind.FACE) == 1


def test_upright_text_asks_for_no_second_face_search():
    faces = _SearchingFaces()
    Scanner(_SignOcr(LEVEL), faces=faces, codes=False).scan(np.zeros((100, 200, 3), np.uint8))
    assert faces.calls == [((), False)]


class _AreasOcr(_Ocr):
    """Reads one date and finds one more text box it cannot read."""

    UNREAD = Polygon.of([(120, 60), (190, 60), (190, 80), (120, 80)])

    def read_text_areas(self, image):
        return self.read(image), [self.UNREAD]


def test_all_text_mode_covers_text_the_ocr_found_but_could_not_read():
    image = np.zeros((100, 200, 3), np.uint8)
    every = Scanner(_AreasOcr(), faces=False, codes=False, all_text=True).scan(image)
    assert [f.kind for f in every.findings] == [Kind.TEXT, Kind.TEXT]
    unread, box = _AreasOcr.UNREAD.box, every.findings[1].box
    assert box.x < unread.x and box.y < unread.y and box.x2 > unread.x2 and box.y2 > unread.y2
    # The default mode classifies what was read; an unread box names nothing.
    phi = Scanner(_AreasOcr(), faces=False, codes=False).scan(image)
    assert [f.kind for f in phi.findings] == [Kind.DATE]
