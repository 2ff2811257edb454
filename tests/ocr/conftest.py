"""Fixtures for the OCR engine tests: real engines on images drawn here."""

from __future__ import annotations

import numpy as np
import pytest
from ocr_synth import DrawnWord, ward_photo

from phiscrub.ocr import get_engine


@pytest.fixture(scope="session")
def rapid():
    return get_engine("rapidocr")


@pytest.fixture(scope="session")
def photo_12mp() -> tuple[np.ndarray, list[DrawnWord]]:
    return ward_photo(4032, 3024)
