"""The photo with its regions: a QGraphicsView over a scene with one item per region.

Scene coordinates are pixels of the full upright image, the same as the core's
Box and Polygon, so a region's box maps to an item without conversion. Items never
change the document themselves: a finished move, resize, draw or double-click is
reported by the scene's signals, and the window turns it into an undoable edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from phiscrub.models import Box, Kind, Region

#: One colour per kind, chosen to stay apart from each other and from skin and paper.
KIND_COLOURS: dict[Kind, QColor] = {
    Kind.NAME: QColor("#e6194b"),
    Kind.DATE: QColor("#f58231"),
    Kind.ID: QColor("#ffe119"),
    Kind.SSN: QColor("#ffe119"),
    Kind.PHONE: QColor("#bfef45"),
    Kind.EMAIL: QColor("#3cb44b"),
    Kind.URL: QColor("#42d4f4"),
    Kind.ADDRESS: QColor("#4363d8"),
    Kind.FACE: QColor("#f032e6"),
    Kind.BARCODE: QColor("#911eb4"),
    Kind.TEXT: QColor("#a9a9a9"),
    Kind.MANUAL: QColor("#00e5c0"),
}

#: Regions still to decide ("check me") and regions kept by consent.
CHECK_ME_COLOUR = QColor("#ff9800")
CONSENT_COLOUR = QColor("#2e9e44")

MIN_REGION = 3.0  # image pixels; smaller drags are treated as clicks


def pixmap_from_array(pixels: np.ndarray) -> QPixmap:
    """A QPixmap of an RGB uint8 array (GUI thread only). QPixmap.fromImage copies,
    so the temporary QImage's borrowed buffer need not outlive this call."""
    arr = np.ascontiguousarray(pixels)
    h, w = arr.shape[:2]
    image = QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image)


def box_to_rect(box: Box) -> QRectF:
    return QRectF(box.x, box.y, box.w, box.h)


def rect_to_box(rect: QRectF) -> Box:
    r = rect.normalized()
    return Box(r.x(), r.y(), r.width(), r.height())


class PhotoScene(QGraphicsScene):
    """Typed signals for finished gestures (image-pixel coordinates)."""

    region_edited = Signal(int, object)  # index, new Box
    region_drawn = Signal(object)  # Box
    toggle_requested = Signal(int)


class Handle(QGraphicsRectItem):
    """A square grip that stays the same size on screen at any zoom."""

    SIZE = 9

    def __init__(self, owner: RegionItem, fx: float, fy: float) -> None:
        super().__init__(-self.SIZE / 2, -self.SIZE / 2, self.SIZE, self.SIZE, owner)
        self.owner, self.fx, self.fy = owner, fx, fy
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(Qt.GlobalColor.white))
        self.setPen(QPen(Qt.GlobalColor.black, 1))
        diagonal = (fx - 0.5) * (fy - 0.5)
        if fx == 0.5:
            cursor = Qt.CursorShape.SizeVerCursor
        elif fy == 0.5:
            cursor = Qt.CursorShape.SizeHorCursor
        else:
            cursor = Qt.CursorShape.SizeFDiagCursor if diagonal > 0 else Qt.CursorShape.SizeBDiagCursor
        self.setCursor(cursor)
        self.setToolTip("Drag to resize")

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        self.owner.resize_to(self.fx, self.fy, self.owner.mapFromScene(event.scenePos()))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self.owner.commit()


class RegionItem(QGraphicsObject):
    """One region: its outline (tight polygon, else box) in its kind's colour,
    filled when it will be redacted, dashed when kept; handles when selected."""

    def __init__(self, index: int, region: Region, bounds: QRectF, editable: bool, mark: str = "") -> None:
        super().__init__()
        self.index, self.region, self.bounds = index, region, bounds
        self.mark = mark  # "check" (undecided, covered until decided), "consent", or ""
        self._rect = box_to_rect(region.box)
        self._polygon = (
            QPolygonF([QPointF(x, y) for x, y in region.polygon.points]) if region.polygon else None
        )
        self._margin = 4.0
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlag(flags.ItemIsSelectable)
        self.setFlag(flags.ItemIsMovable, editable)
        self.setFlag(flags.ItemSendsGeometryChanges)
        self.setFlag(flags.ItemIsFocusable)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.SizeAllCursor if editable else Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{region.kind.label}: double-click or Space to keep/redact, drag to move")
        self._handles = [
            Handle(self, fx, fy)
            for fx, fy in ((0, 0), (0.5, 0), (1, 0), (1, 0.5), (1, 1), (0.5, 1), (0, 1), (0, 0.5))
        ]
        self._editable = editable
        self._place_handles()

    # ---------------------------------------------------------------- geometry

    def set_view_scale(self, scale: float) -> None:
        """Cosmetic (screen-width) pens reach outside the rect by a few screen pixels;
        the bounding rect must cover that in scene units at the current zoom."""
        self.prepareGeometryChange()
        self._margin = 4.0 / max(scale, 1e-3)

    def boundingRect(self) -> QRectF:  # noqa: N802
        m = self._margin
        return self._rect.adjusted(-m, -m, m, m)

    def shape(self):
        from PySide6.QtGui import QPainterPath

        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def scene_box(self) -> Box:
        return rect_to_box(self._rect.translated(self.pos()))

    def _place_handles(self) -> None:
        r = self._rect
        for h in self._handles:
            h.setPos(r.left() + h.fx * r.width(), r.top() + h.fy * r.height())
            h.setVisible(self._editable and self.isSelected())

    def resize_to(self, fx: float, fy: float, p: QPointF) -> None:
        r = QRectF(self._rect)
        b = self.bounds.translated(-self.pos())
        x = min(max(p.x(), b.left()), b.right())
        y = min(max(p.y(), b.top()), b.bottom())
        if fx == 0:
            r.setLeft(min(x, r.right() - MIN_REGION))
        elif fx == 1:
            r.setRight(max(x, r.left() + MIN_REGION))
        if fy == 0:
            r.setTop(min(y, r.bottom() - MIN_REGION))
        elif fy == 1:
            r.setBottom(max(y, r.top() + MIN_REGION))
        self.prepareGeometryChange()
        self._rect = r
        self._polygon = None  # a resized region is its box (Region.moved_to drops the polygon)
        self._place_handles()
        self.update()

    def commit(self) -> None:
        """Report the finished move/resize; the window makes it an undoable edit."""
        box = self.scene_box()
        if box != self.region.box and self.scene() is not None:
            self.scene().region_edited.emit(self.index, box)

    # ---------------------------------------------------------------- Qt events

    def itemChange(self, change, value):  # noqa: N802
        flags = QGraphicsItem.GraphicsItemChange
        if change == flags.ItemPositionChange and self.scene() is not None:
            # Keep the whole box on the photo.
            p = QPointF(value)
            r = self._rect
            p.setX(min(max(p.x(), self.bounds.left() - r.left()), self.bounds.right() - r.right()))
            p.setY(min(max(p.y(), self.bounds.top() - r.top()), self.bounds.bottom() - r.bottom()))
            return p
        if change == flags.ItemSelectedHasChanged:
            self._place_handles()
        return super().itemChange(change, value)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if not self.pos().isNull():
            self.commit()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if self.scene() is not None:
            self.scene().toggle_requested.emit(self.index)
        event.accept()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None):
        colour = QColor(KIND_COLOURS.get(self.region.kind, QColor("red")))
        if self.mark == "check":
            # Undecided: a loud hatched outline nobody mistakes for a decided one.
            pen = QPen(CHECK_ME_COLOUR, 3, Qt.PenStyle.DashLine)
            painter.setBrush(QBrush(CHECK_ME_COLOUR, Qt.BrushStyle.BDiagPattern))
        elif self.mark == "consent":
            pen = QPen(CONSENT_COLOUR, 2, Qt.PenStyle.DotLine)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        elif self.region.redacted:
            pen = QPen(colour, 2.5)
            fill = QColor(colour)
            fill.setAlpha(70)
            painter.setBrush(QBrush(fill))
        else:
            pen = QPen(colour, 1.5, Qt.PenStyle.DashLine)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        pen.setCosmetic(True)
        painter.setPen(pen)
        if self._polygon is not None:
            painter.drawPolygon(self._polygon)
        else:
            painter.drawRect(self._rect)
        if self.isSelected():
            sel = QPen(Qt.GlobalColor.white, 1, Qt.PenStyle.DashLine)
            sel.setCosmetic(True)
            painter.setPen(sel)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self._rect)


class PhotoView(QGraphicsView):
    """Zoom (wheel, fit, 100%), pan (drag the background, middle button), select,
    and an "add region" mode in which a left drag draws a new region."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        self._scene = PhotoScene()
        super().__init__(self._scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QColor(40, 42, 46))
        self.setAcceptDrops(False)  # the window takes drops
        self.setToolTip("")
        self._photo = QGraphicsPixmapItem()
        self._photo.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._photo.setZValue(-2)
        self._after = QGraphicsPixmapItem()
        self._after.setZValue(-1)
        self._after.hide()
        self._scene.addItem(self._photo)
        self._scene.addItem(self._after)
        self._items: list[RegionItem] = []
        self._image_rect = QRectF()
        self._fit = True
        self._drawing = False
        self._draw_start: QPointF | None = None
        self._rubber: QGraphicsRectItem | None = None
        self._showing_after = False
        self._pan_from = None
        self._busy = QLabel(self.viewport())
        self._busy.setStyleSheet(
            "QLabel { background: rgba(20,20,20,190); color: white; padding: 6px 10px;"
            " border-radius: 4px; font-weight: bold; }"
        )
        self._busy.move(12, 12)
        self._busy.hide()
        self.empty_text = "Drop a photo here, or use File ▸ Open (Ctrl+O)"

    @property
    def photo_scene(self) -> PhotoScene:
        return self._scene

    # ---------------------------------------------------------------- content

    def clear(self) -> None:
        self.set_regions((), editable=False)
        self._photo.setPixmap(QPixmap())
        self._after.setPixmap(QPixmap())
        self._image_rect = QRectF()
        self.set_busy(None)

    def set_photo(self, pixmap: QPixmap, full_width: int, full_height: int) -> None:
        """Show `pixmap` stretched over the full image size (a downscaled preview
        occupies the same scene rectangle as the final pixels)."""
        self._photo.setPixmap(pixmap)
        self._photo.setScale(full_width / max(pixmap.width(), 1))
        new_rect = QRectF(0, 0, full_width, full_height)
        changed = new_rect != self._image_rect
        self._image_rect = new_rect
        self._scene.setSceneRect(new_rect)
        if changed or self._fit:
            self.zoom_fit()

    def has_photo(self) -> bool:
        return not self._image_rect.isEmpty()

    def set_after(self, pixmap: QPixmap | None) -> None:
        self._after.setPixmap(pixmap if pixmap is not None else QPixmap())

    def show_after(self, on: bool) -> None:
        """After: the exact export pixels, without outlines in the way."""
        self._showing_after = on
        self._after.setVisible(on)
        for item in self._items:
            item.setVisible(not on)

    def set_busy(self, text: str | None) -> None:
        if text:
            self._busy.setText(text)
            self._busy.adjustSize()
            self._busy.show()
        else:
            self._busy.hide()

    def set_regions(
        self, regions: Iterable[Region], editable: bool, marks: Mapping[int, str] | None = None
    ) -> None:
        """Rebuild one item per region, keeping the selection by index. `marks` gives
        some regions a look of their own ("check", "consent")."""
        marks = marks or {}
        selected = set(self.selected_indices())
        for item in self._items:
            self._scene.removeItem(item)
        self._items = []
        scale = self.transform().m11()
        for i, region in enumerate(regions):
            item = RegionItem(i, region, self._image_rect, editable, marks.get(i, ""))
            item.set_view_scale(scale)
            # Smaller regions on top, so each stays clickable where a larger one
            # (a label or screen covered whole) overlaps it.
            item.setZValue(1.0 / (1.0 + region.box.w * region.box.h))
            item.setVisible(not self._showing_after)
            self._scene.addItem(item)
            item.setSelected(i in selected)
            self._items.append(item)

    def region_items(self) -> list[RegionItem]:
        return list(self._items)

    def selected_indices(self) -> list[int]:
        # isValid: the scene deletes its items first when the window is torn down.
        return sorted(i.index for i in self._items if shiboken6.isValid(i) and i.isSelected())

    def select_indices(self, indices: Iterable[int]) -> None:
        wanted = set(indices)
        for item in self._items:
            item.setSelected(item.index in wanted)
        if wanted and len(wanted) == 1:
            for item in self._items:
                if item.index in wanted:
                    self.ensureVisible(item.sceneBoundingRect(), 40, 40)

    # ---------------------------------------------------------------- zoom

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_fit(self) -> None:
        self._fit = True
        if not self._image_rect.isEmpty():
            self.fitInView(self._image_rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom_done()

    def zoom_actual(self) -> None:
        self._fit = False
        self.resetTransform()
        self._zoom_done()

    def zoom_by(self, factor: float) -> None:
        self._fit = False
        new = self.zoom() * factor
        if 0.02 <= new <= 32:
            self.scale(factor, factor)
        self._zoom_done()

    def _zoom_done(self) -> None:
        scale = self.zoom()
        for item in self._items:
            item.set_view_scale(scale)
        self.zoom_changed.emit(scale)

    def wheelEvent(self, event) -> None:  # noqa: N802
        if event.angleDelta().y() == 0:
            return super().wheelEvent(event)
        self.zoom_by(1.25 ** (event.angleDelta().y() / 120))
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fit:
            self.zoom_fit()

    # ---------------------------------------------------------------- drawing

    def set_drawing(self, on: bool) -> None:
        """In "add region" mode a left drag draws a region instead of panning."""
        self._drawing = on
        self.setDragMode(QGraphicsView.DragMode.NoDrag if on else QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.OpenHandCursor)

    def is_drawing(self) -> bool:
        return self._drawing

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            event.accept()
            return
        if self._drawing and event.button() == Qt.MouseButton.LeftButton and self.has_photo():
            self._draw_start = self._clamp(self.mapToScene(event.position().toPoint()))
            self._rubber = QGraphicsRectItem(QRectF(self._draw_start, self._draw_start))
            pen = QPen(KIND_COLOURS[Kind.MANUAL], 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self._rubber.setPen(pen)
            self._scene.addItem(self._rubber)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            return
        if self._rubber is not None and self._draw_start is not None:
            end = self._clamp(self.mapToScene(event.position().toPoint()))
            self._rubber.setRect(QRectF(self._draw_start, end).normalized())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            return
        if self._rubber is not None:
            rect = self._rubber.rect()
            self._scene.removeItem(self._rubber)
            self._rubber = None
            self._draw_start = None
            if rect.width() >= MIN_REGION and rect.height() >= MIN_REGION:
                self._scene.region_drawn.emit(rect_to_box(rect))
            return
        super().mouseReleaseEvent(event)

    def _clamp(self, p: QPointF) -> QPointF:
        r = self._image_rect
        return QPointF(min(max(p.x(), r.left()), r.right()), min(max(p.y(), r.top()), r.bottom()))

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if self.has_photo():
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(QColor(200, 200, 200))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        painter.setFont(font)
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
        painter.restore()
