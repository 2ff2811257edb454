"""From matched words to finding geometry."""

from __future__ import annotations

import math
from collections.abc import Sequence

from phiscrub.models import Polygon

# Padding around covered text, as a fraction of the text height, along and
# across the baseline: OCR boxes are tight and a redaction must not leave
# the tops of letters showing.
PAD_ALONG = 0.15
PAD_ACROSS = 0.2


def _quad(p: Polygon) -> tuple[tuple[float, float], ...]:
    return p.points if len(p.points) == 4 else p.box.to_polygon().points


def cover(
    polygons: Sequence[Polygon],
    reach: Sequence[tuple[float, float]] = (),
    pad_along: float = PAD_ALONG,
    min_height: float = 0.0,
) -> Polygon:
    """One padded quadrilateral (TL, TR, BR, BL) over consecutive word quads of one
    line. It is the smallest rectangle aligned with the line that holds every
    point of every word, so a word that sits off the first-to-last line (a
    curved or perspective line) is still inside. `reach` holds points the cover
    must also reach along the line (not across it): a neighbour's midpoint, the
    line's ends. `pad_along` is in text heights. Text lower than `min_height` is
    covered as tall as that, about its middle (a handwritten word whose box left
    out its tall letters and descenders)."""
    quads = [_quad(p) for p in polygons]
    (x0, y0), _, _, (x3, y3) = quads[0]
    _, (x1, y1), (x2, y2), _ = quads[-1]
    # along: from the middle of the first word's left edge to the last word's right edge
    ux, uy = (x1 + x2) / 2 - (x0 + x3) / 2, (y1 + y2) / 2 - (y0 + y3) / 2
    if math.hypot(ux, uy) < 1e-6:
        (a, b, c, d) = quads[0]
        ux, uy = (b[0] - a[0]) + (c[0] - d[0]), (b[1] - a[1]) + (c[1] - d[1])
    n = math.hypot(ux, uy) or 1.0
    ux, uy = ux / n, uy / n
    vx, vy = -uy, ux
    down = sum((q[3][0] - q[0][0]) * vx + (q[3][1] - q[0][1]) * vy for q in quads)
    if down < 0:  # make v point from the top of the text to its bottom
        vx, vy = -vx, -vy
    height = sum(math.hypot(q[3][0] - q[0][0], q[3][1] - q[0][1]) for q in quads) / len(quads)
    height = max(height, 1.0)
    grow = max(0.0, min_height - height) / 2
    height += 2 * grow
    us = [x * ux + y * uy for q in quads for x, y in q] + [x * ux + y * uy for x, y in reach]
    vs = [x * vx + y * vy for q in quads for x, y in q]
    u_lo, u_hi = min(us) - pad_along * height, max(us) + pad_along * height
    v_lo, v_hi = min(vs) - grow - PAD_ACROSS * height, max(vs) + grow + PAD_ACROSS * height

    def point(u: float, v: float) -> tuple[float, float]:
        return (u * ux + v * vx, u * uy + v * vy)

    return Polygon((point(u_lo, v_lo), point(u_hi, v_lo), point(u_hi, v_hi), point(u_lo, v_hi)))
