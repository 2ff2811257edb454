"""The Qt binding itself must be sound on this interpreter.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call of a
void method (setBrush, setFlag, addItem...); None's count (about 10,000 at
start) reaches zero after a photo or two with many regions and the app aborts
with "Fatal Python error: none_dealloc". pyproject.toml keeps 6.12 out; this
test fails if a binding with that bug is ever installed again."""

from __future__ import annotations

import gc
import sys


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QBrush
    from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene

    scene = QGraphicsScene()
    item = QGraphicsRectItem(0, 0, 10, 10)
    scene.addItem(item)
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(1000):
        item.setBrush(QBrush(Qt.GlobalColor.white))
        item.setFlag(QGraphicsRectItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setToolTip("region")
    gc.collect()
    lost = before - sys.getrefcount(None)
    assert lost < 100, f"{lost} references to None lost over 3,000 Qt calls"
