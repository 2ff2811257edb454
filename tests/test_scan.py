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
