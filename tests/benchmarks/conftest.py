"""Make the repo's `benchmarks` package importable however pytest is started
(it is not installed with phiscrub, and this folder shares its name)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[2])
if REPO not in sys.path:
    sys.path.insert(0, REPO)
