"""The core must import and run with Qt absent (STYLE.md: Qt-free core, Qt on top)."""

import subprocess
import sys

BLOCK_QT = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, Block())
import phiscrub, phiscrub.models, phiscrub.imageio, phiscrub.redact, phiscrub.scan
import phiscrub.batch, phiscrub.report, phiscrub.cli, phiscrub.classify, phiscrub.ocr
import phiscrub.faces, phiscrub.codes
assert not any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules), 'Qt was imported'
print('ok')
"""


def test_core_imports_with_qt_blocked():
    out = subprocess.run([sys.executable, "-c", BLOCK_QT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
