"""The clickable body chart: catalog points on a front and a back figure, and the session's needles.

Scene coordinates are the figures' SVG units: 400 x 1000, midline x = 200, top of the head y = 0,
soles y = 1000, so a catalog point (x, y) sits at (400 x, 1000 y). Markers keep their size in
screen pixels whatever the zoom, so they stay easy to hit.

Everything that changes (points, needles, the hover and selection rings) is drawn as generated
SVG in a few ``QGraphicsSvgItem`` layers, and the last needle's ring pulses by a C++ property
animation. With PySide6 6.12.0 on Python 3.11 each call of a Qt method that returns void takes a
reference from ``None`` that it never gives back (the process aborts once the count reaches
zero), so the chart makes no per-marker or per-frame Qt calls: a redraw is one
``QSvgRenderer.load`` of text built in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QEasingCurve,
    QEvent,
    QPointF,
    QPropertyAnimation,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from acudesk import assets
from acudesk.domain.catalog import Point, PointCatalog
from acudesk.services.dto import NeedleRow

BODY_DIR: Path = assets.body_dir()
SCENE_W, SCENE_H = 400.0, 1000.0
VIEWS = ("front", "back")
MODES = ("needling", "removal")
SIDES = ("left", "right", "midline")

# region -> (button text, the view it needs or None to keep the current one, scene rectangle)
ZOOMS: dict[str, tuple[str, str | None, QRectF]] = {
    "body": ("Body", None, QRectF(-4, -6, 408, 1012)),
    "head_neck": ("Neck", None, QRectF(112, -6, 176, 192)),
    "upper_back": ("Thoracic", "back", QRectF(52, 138, 296, 214)),
    "lower_back": ("Lumbar", "back", QRectF(78, 318, 244, 222)),
    "arms": ("Arms", None, QRectF(-4, 162, 408, 444)),
    "legs": ("Legs", None, QRectF(92, 458, 216, 548)),
}
# where to look for a point of each catalog region when it is out of sight
REGION_ZOOMS = {
    "head_face": "head_neck",
    "neck": "head_neck",
    "shoulder": "upper_back",
    "upper_back": "upper_back",
    "lower_back": "lower_back",
    "sacrum_buttock": "lower_back",
    "arm": "arms",
    "hand": "arms",
    "leg": "legs",
    "foot": "legs",
}
ZOOM_TITLES = {
    "body": "the whole body",
    "head_neck": "the head and neck",
    "upper_back": "the upper back (back view)",
    "lower_back": "the lower back (back view)",
    "arms": "both arms",
    "legs": "both legs",
}

POINT_RADIUS = (2.5, 4.2)  # px: on the whole body .. at the closest zoom
HIT_RADIUS = 12.0  # px: how near a click must fall to a catalog point
OPEN_SIZE = 14.0  # px: half diagonal of an open needle's diamond
REMOVED_SIZE = 11.0
STACK_STEP = 13.0  # px: needles at the same point and side step aside by this much
POINT_COLOUR = "#75838f"
OPEN_COLOUR = "#d32f2f"
REMOVED_COLOUR = "#b59a9a"
CHECK_COLOUR = "#5f9467"
HOVER_COLOUR = "#263238"
SELECT_COLOUR = "#1f6feb"
LAST_COLOUR = "#ff6d00"
RING_PX = 96  # size of the last needle's ring image


# -- text ------------------------------------------------------------------------------------


def point_tooltip(point: Point, side: str) -> str:
    """``GB21 Jianjing 肩井 (Shoulder Well), left — at most 8 mm: <caution> — pregnancy caution``"""
    return " — ".join(_tooltip_parts(point, side))


def _tooltip_parts(point: Point, side: str) -> tuple[str, ...]:
    name = " ".join(part for part in (point.code, point.pinyin, point.hanzi) if part)
    if point.english:
        name += f" ({point.english})"
    if side != "midline":
        name += f", {side}"
    parts = [name]
    if point.max_depth_mm is not None:
        depth = f"at most {point.max_depth_mm:g} mm"
        parts.append(f"{depth}: {point.caution}" if point.caution else depth)
    elif point.caution:
        parts.append(f"caution: {point.caution}")
    if point.pregnancy_caution:
        parts.append("pregnancy caution")
    return tuple(parts)


def _tooltip_html(parts: Sequence[str]) -> str:
    head, *rest = parts
    lines = [f"<b>{escape(head)}</b>"] + [escape(p[:1].upper() + p[1:]) for p in rest]
    return "<p style='white-space:normal'>" + "<br>".join(lines) + "</p>"


def _needle_tooltip(needle: NeedleRow, number: int) -> tuple[str, ...]:
    head = f"Needle {number}: {needle.label}"
    if needle.removed_at is None:
        return (head, f"in since {needle.inserted_at:%H:%M}, {needle.depth_mm:g} mm deep")
    return (head, f"removed {needle.removed_at:%H:%M} by {needle.removed_by or 'unknown'}")


# -- geometry --------------------------------------------------------------------------------


def scene_position(point: Point, side: str) -> QPointF:
    """A point's place in scene units; the right side of a paired point is mirrored."""
    x = 1.0 - point.x if point.bilateral and side == "right" else point.x
    return QPointF(x * SCENE_W, point.y * SCENE_H)


def point_sides(point: Point) -> tuple[str, ...]:
    return ("left", "right") if point.bilateral else ("midline",)


@dataclass(frozen=True)
class _Target:
    """Something on the chart that can be pointed at: a catalog point's side, or a needle."""

    view: str
    region: str  # the catalog's body region
    x: float  # scene units
    y: float
    code: str
    side: str
    tooltip: tuple[str, ...]
    needle_id: int | None = None
    number: int = 0
    is_open: bool = False
    dx: float = 0.0  # px, for needles stepped aside from others at the same place
    dy: float = 0.0


# -- SVG layers ------------------------------------------------------------------------------


def _svg(body: Iterable[str]) -> str:
    head = (
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny" '
        f'width="{SCENE_W:g}" height="{SCENE_H:g}" viewBox="0 0 {SCENE_W:g} {SCENE_H:g}">'
    )
    return head + "".join(body) + "</svg>"


def _f(value: float) -> str:
    return f"{value:.2f}"


def _points_svg(targets: Iterable[_Target], scale: float, dimmed: bool) -> str:
    radius = min(POINT_RADIUS[1], max(POINT_RADIUS[0], POINT_RADIUS[0] + 1.7 * (scale - 0.5)))
    r, edge = _f(radius / scale), _f(1.0 / scale)
    circles = (f'<circle cx="{_f(t.x)}" cy="{_f(t.y)}" r="{r}"/>' for t in targets)
    opacity = "0.3" if dimmed else "1"
    group = f'<g fill="{POINT_COLOUR}" stroke="#ffffff" stroke-width="{edge}" opacity="{opacity}">'
    return _svg([group, *circles, "</g>"])


def _needle_svg(target: _Target, scale: float) -> str:
    u = 1.0 / scale
    cx, cy = target.x + target.dx * u, target.y + target.dy * u
    s = (OPEN_SIZE if target.is_open else REMOVED_SIZE) * u
    diamond = (
        f"{_f(cx)},{_f(cy - s)} {_f(cx + s)},{_f(cy)} {_f(cx)},{_f(cy + s)} {_f(cx - s)},{_f(cy)}"
    )
    if target.is_open:
        size = (12.0 if target.number < 10 else 10.0) * u
        return (
            f'<polygon points="{diamond}" fill="{OPEN_COLOUR}" stroke="#ffffff" '
            f'stroke-width="{_f(2.5 * u)}"/>'
            f'<text x="{_f(cx)}" y="{_f(cy + 0.36 * size)}" font-family="sans-serif" '
            f'font-size="{_f(size)}" font-weight="bold" fill="#ffffff" text-anchor="middle">'
            f"{target.number}</text>"
        )
    tick = [(-4.5, 0.5), (-1.2, 3.8), (4.8, -3.2)]
    tick_points = " ".join(f"{_f(cx + a * u)},{_f(cy + b * u)}" for a, b in tick)
    return (
        f'<polygon points="{diamond}" fill="#ffffff" fill-opacity="0.75" '
        f'stroke="{REMOVED_COLOUR}" stroke-width="{_f(1.6 * u)}"/>'
        f'<polyline points="{tick_points}" fill="none" stroke="{CHECK_COLOUR}" '
        f'stroke-width="{_f(2.0 * u)}" stroke-linecap="round" stroke-linejoin="round"/>'
    )


def _needles_svg(targets: Iterable[_Target], scale: float) -> str:
    ordered = sorted(targets, key=lambda t: (t.is_open, t.number))  # open ones on top
    return _svg(_needle_svg(t, scale) for t in ordered)


def _overlay_svg(hover: _Target | None, selected: _Target | None, scale: float) -> str:
    u = 1.0 / scale
    shapes = []
    if selected is not None:
        shapes.append(
            f'<circle cx="{_f(selected.x)}" cy="{_f(selected.y)}" r="{_f(9.5 * u)}" '
            f'fill="none" stroke="{SELECT_COLOUR}" stroke-width="{_f(3 * u)}"/>'
            f'<circle cx="{_f(selected.x)}" cy="{_f(selected.y)}" r="{_f(4 * u)}" '
            f'fill="{SELECT_COLOUR}"/>'
        )
    if hover is not None:
        shapes.append(
            f'<circle cx="{_f(hover.x)}" cy="{_f(hover.y)}" r="{_f(7 * u)}" fill="none" '
            f'stroke="{HOVER_COLOUR}" stroke-width="{_f(2 * u)}"/>'
        )
    return _svg(shapes)


def _ring_svg() -> QByteArray:
    c = RING_PX / 2
    return QByteArray(
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{RING_PX}" height="{RING_PX}">'
            f'<circle cx="{c}" cy="{c}" r="30" fill="none" stroke="#ffffff" stroke-width="11"/>'
            f'<circle cx="{c}" cy="{c}" r="30" fill="none" stroke="{LAST_COLOUR}" '
            'stroke-width="6"/>'
            f'<circle cx="{c}" cy="{c}" r="40" fill="none" stroke="{LAST_COLOUR}" '
            'stroke-width="2.5" stroke-opacity="0.6"/>'
            "</svg>"
        ).encode()
    )


class _Layer:
    """One generated SVG drawn over a figure.

    The item is built from the figure's file so that it takes the figure's size, and keeps its
    own renderer, which repaints the item whenever it loads new content.
    """

    def __init__(self, scene: QGraphicsScene, view: str, z: float) -> None:
        self.item = QGraphicsSvgItem(str(BODY_DIR / f"{view}.svg"))
        self.item.setZValue(z)
        self.renderer = self.item.renderer()
        self._content = ""
        self.show(_svg([]))
        scene.addItem(self.item)

    def show(self, content: str) -> None:
        if content != self._content:
            self._content = content
            self.renderer.load(QByteArray(content.encode("utf-8")))


class _ChartView(QGraphicsView):
    """Fits a scene rectangle and hands clicks, hovering and tooltips to the chart."""

    def __init__(self, chart: BodyChart) -> None:
        super().__init__()
        self._chart = chart
        self._pressed: QPointF | None = None
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor("#ffffff"))
        self.viewport().setMouseTracking(True)
        self.fit_rect = ZOOMS["body"][2]

    def fit(self, rect: QRectF) -> None:
        self.fit_rect = rect
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._chart._on_scaled()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit(self.fit_rect)

    def wheelEvent(self, event: QWheelEvent) -> None:
        return None  # the zoom buttons choose the region; the wheel must not drift it

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = event.position()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, self._pressed = self._pressed, None
        if event.button() != Qt.MouseButton.LeftButton or pressed is None:
            return
        position = event.position()
        if abs(position.x() - pressed.x()) + abs(position.y() - pressed.y()) <= 8:
            self._chart._on_clicked(position)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._chart._on_hovered(event.position())

    def leaveEvent(self, event: QEvent) -> None:
        self._chart._on_hovered(None)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            html = self._chart._tooltip_at(QPointF(event.pos()))
            if html:
                QToolTip.showText(event.globalPos(), html, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class BodyChart(QWidget):
    """Front and back figures with every catalog point, and the current session's needles."""

    point_clicked = Signal(str, str)  # code, side: 'left' | 'right' | 'midline'
    needle_clicked = Signal(int)  # insertion id of an open needle (removal mode)
    view_changed = Signal(str)

    def __init__(self, catalog: PointCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyChart")
        self._catalog = catalog
        self._view = "front"
        self._zoom = "body"
        self._mode = "needling"
        self._scale = 1.0
        self._selected: _Target | None = None
        self._hovered: _Target | None = None
        self.last_needle_highlighted: int | None = None
        self.unplaced_needles: tuple[int, ...] = ()

        self._points: dict[tuple[str, str], _Target] = {}
        for point in catalog:
            for side in point_sides(point):
                at = scene_position(point, side)
                parts = _tooltip_parts(point, side)
                target = _Target(
                    point.chart_view, point.region, at.x(), at.y(), point.code, side, parts
                )
                self._points[(point.code, side)] = target
        self._needle_targets: dict[int, _Target] = {}

        self._scenes: dict[str, QGraphicsScene] = {}
        self._figures: dict[str, QGraphicsSvgItem] = {}
        self._point_layers: dict[str, _Layer] = {}
        self._needle_layers: dict[str, _Layer] = {}
        self._overlays: dict[str, _Layer] = {}
        for view in VIEWS:
            scene = QGraphicsScene(self)
            scene.setSceneRect(QRectF(-600, -600, SCENE_W + 1200, SCENE_H + 1200))
            figure = QGraphicsSvgItem(str(BODY_DIR / f"{view}.svg"))
            scene.addItem(figure)
            self._scenes[view] = scene
            self._figures[view] = figure
            self._point_layers[view] = _Layer(scene, view, 10)
            self._overlays[view] = _Layer(scene, view, 15)
            self._needle_layers[view] = _Layer(scene, view, 20)

        self._ring_renderer = QSvgRenderer(_ring_svg())
        self._ring_anchor = QGraphicsRectItem()
        self._ring_anchor.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._ring_anchor.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self._ring_anchor.setZValue(25)
        self._ring = QGraphicsSvgItem(self._ring_anchor)
        self._ring.setSharedRenderer(self._ring_renderer)
        self._ring.setTransformOriginPoint(RING_PX / 2, RING_PX / 2)
        self._pulse = QPropertyAnimation(self._ring, QByteArray(b"scale"), self)
        self._pulse.setStartValue(0.8)
        self._pulse.setKeyValueAt(0.5, 1.2)
        self._pulse.setEndValue(0.8)
        self._pulse.setEasingCurve(QEasingCurve.Type.InOutSine)
        self._pulse.setDuration(1100)
        self._pulse.setLoopCount(-1)

        self.graphics = _ChartView(self)
        self.graphics.setObjectName("bodyChartView")
        self.graphics.setScene(self._scenes[self._view])
        self._build_layout()
        self.setMinimumSize(340, 460)
        self._apply_zoom()

    def _build_layout(self) -> None:
        self.setStyleSheet(
            "QToolButton#chartButton { padding: 2px 3px; border: 1px solid #c5d0d8;"
            " border-radius: 4px; background: white; color: #1d2b36; }"
            "QToolButton#chartButton:checked { background: #1f6feb; color: white;"
            " border-color: #1f6feb; }"
            "QLabel#chartStatus { font-weight: 600; color: #1d2b36; }"
        )
        self.view_buttons: dict[str, QToolButton] = {}
        self.zoom_buttons: dict[str, QToolButton] = {}
        view_group, zoom_group = QButtonGroup(self), QButtonGroup(self)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        top.setSpacing(2)
        bottom.setSpacing(2)
        for view in VIEWS:
            button = self._button(view.capitalize(), f"Show the {view} of the body", view_group)
            button.clicked.connect(lambda _=False, v=view: self.set_view(v))
            self.view_buttons[view] = button
            top.addWidget(button)
        top.addSpacing(12)
        for region, (text, _, _) in ZOOMS.items():
            button = self._button(text, f"Show {ZOOM_TITLES[region]}", zoom_group)
            button.clicked.connect(lambda _=False, r=region: self.set_zoom(r))
            self.zoom_buttons[region] = button
            bottom.addWidget(button)
        bottom.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setObjectName("chartStatus")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.status_label, 1)

        self.legend = QLabel(
            f"<span style='color:{POINT_COLOUR}'>●</span> point &nbsp;&nbsp;"
            f"<span style='color:{OPEN_COLOUR}'>◆</span> needle in &nbsp;&nbsp;"
            f"<span style='color:{REMOVED_COLOUR}'>◇</span> needle out"
        )
        self.legend.setObjectName("chartLegend")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.legend)

    def _button(self, text: str, tip: str, group: QButtonGroup) -> QToolButton:
        button = QToolButton()
        button.setObjectName("chartButton")
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        group.addButton(button)
        return button

    # -- view, zoom, mode --------------------------------------------------------------------

    @property
    def current_view(self) -> str:
        return self._view

    @property
    def current_zoom(self) -> str:
        return self._zoom

    @property
    def mode(self) -> str:
        return self._mode

    def viewport(self) -> QWidget:
        """The widget that takes the clicks; marker positions are in its coordinates."""
        return self.graphics.viewport()

    def figure_rect(self, view: str) -> QRectF:
        """The figure's bounding rectangle in scene units."""
        return self._figures[view].sceneBoundingRect()

    def set_view(self, name: str) -> None:
        if name not in VIEWS:
            raise ValueError(f"Unknown chart view {name!r}; expected 'front' or 'back'.")
        if name == self._view:
            return
        self._view = name
        self.graphics.setScene(self._scenes[name])
        needed = ZOOMS[self._zoom][1]
        if needed is not None and needed != name:
            self._zoom = "body"
        self._hovered = None
        self._apply_zoom()
        self.view_changed.emit(name)

    def set_zoom(self, region: str) -> None:
        if region not in ZOOMS:
            names = ", ".join(ZOOMS)
            raise ValueError(f"Unknown chart region {region!r}; expected one of {names}.")
        self._zoom = region
        needed = ZOOMS[region][1]
        if needed is not None and needed != self._view:
            self.set_view(needed)  # which applies the zoom
        else:
            self._apply_zoom()

    def _apply_zoom(self) -> None:
        self.graphics.fit(ZOOMS[self._zoom][2])
        self.view_buttons[self._view].setChecked(True)
        self.zoom_buttons[self._zoom].setChecked(True)

    def _on_scaled(self) -> None:
        self._scale = self.graphics.transform().m11()
        self._redraw()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"Unknown chart mode {mode!r}; expected 'needling' or 'removal'.")
        self._mode = mode
        self._hovered = None
        self._refresh_needle_state()
        self._redraw()

    def _redraw(self) -> None:
        view, scale = self._view, self._scale
        points = (t for t in self._points.values() if t.view == view)
        self._point_layers[view].show(_points_svg(points, scale, self._mode == "removal"))
        needles = (t for t in self._needle_targets.values() if t.view == view)
        self._needle_layers[view].show(_needles_svg(needles, scale))
        self._redraw_overlay()

    def _redraw_overlay(self) -> None:
        view = self._view
        hovered = self._hovered if self._hovered and self._hovered.view == view else None
        selected = self._selected if self._selected and self._selected.view == view else None
        self._overlays[view].show(_overlay_svg(hovered, selected, self._scale))

    # -- selection ---------------------------------------------------------------------------

    @property
    def selected_point(self) -> tuple[str, str] | None:
        return None if self._selected is None else (self._selected.code, self._selected.side)

    def select_point(self, code: str, side: str) -> None:
        """Mark a point (e.g. one typed into the needle entry) and bring it into view."""
        self._selected = self._point_target(code, side)
        self._bring_into_view(self._selected)
        self._redraw()

    def clear_selection(self) -> None:
        self._selected = None
        self._redraw_overlay()

    def _point_target(self, code: str, side: str) -> _Target:
        point = self._catalog.get(code)
        if point is None:
            raise KeyError(f"No point {code!r} in the catalog.")
        if side not in SIDES:
            raise ValueError(f"Unknown side {side!r}; expected left, right or midline.")
        if point.bilateral and side == "midline":
            raise ValueError(f"{point.code} is paired: choose the left or the right side.")
        return self._points[(point.code, side if point.bilateral else "midline")]

    # -- needles -----------------------------------------------------------------------------

    @property
    def shown_needle_ids(self) -> tuple[int, ...]:
        """Needles drawn on the chart (both views)."""
        return tuple(self._needle_targets)

    def set_needles(self, needles: Sequence[NeedleRow]) -> None:
        """Draw the session's needles, numbered in insertion order."""
        in_order = sorted(needles, key=lambda n: (n.inserted_at, n.id))
        numbers = {needle.id: i for i, needle in enumerate(in_order, start=1)}
        targets: dict[int, _Target] = {}
        unplaced: list[int] = []
        stacked: dict[tuple[str, str], int] = {}
        # open needles first: they sit on the point itself, removed ones step aside
        for needle in sorted(in_order, key=lambda n: not n.is_open):
            point = self._catalog.get(needle.point_code)
            if point is None:
                unplaced.append(needle.id)
                continue
            side = (
                "midline" if not point.bilateral else "right" if needle.side == "right" else "left"
            )
            spot = self._points[(point.code, side)]
            k = stacked.get((point.code, side), 0)
            stacked[(point.code, side)] = k + 1
            number = numbers[needle.id]
            targets[needle.id] = _Target(
                spot.view,
                spot.region,
                spot.x,
                spot.y,
                point.code,
                side,
                _needle_tooltip(needle, number),
                needle.id,
                number,
                needle.is_open,
                STACK_STEP * k,
                -STACK_STEP * k,
            )
        self._needle_targets = targets
        self.unplaced_needles = tuple(unplaced)
        self._refresh_needle_state()
        self._redraw()

    def _open_targets(self) -> list[_Target]:
        return [t for t in self._needle_targets.values() if t.is_open]

    def _refresh_needle_state(self) -> None:
        open_targets = self._open_targets()
        for view, button in self.view_buttons.items():
            count = sum(1 for t in open_targets if t.view == view)
            text = view.capitalize() + (f" ({count} in)" if count else "")
            if button.text() != text:
                button.setText(text)
        any_removed = any(not t.is_open for t in self._needle_targets.values())
        last = open_targets[0] if len(open_targets) == 1 else None
        if last is not None and (self._mode == "removal" or any_removed):
            self._show_last(last)
            status = (
                f"<span style='color:#c62828'>Last needle in: {escape(self._label(last))}</span>"
            )
        else:
            self._show_last(None)
            count = len(open_targets)
            status = f"{count} needle{'s' if count != 1 else ''} in" if count else ""
        if self.status_label.text() != status:
            self.status_label.setText(status)

    def _label(self, target: _Target) -> str:
        return target.code if target.side == "midline" else f"{target.code} {target.side}"

    def _show_last(self, target: _Target | None) -> None:
        """Ring the last open needle; bring it into view when it becomes the last one."""
        previous = self.last_needle_highlighted
        self.last_needle_highlighted = None if target is None else target.needle_id
        if target is None:
            if previous is not None:
                self._pulse.stop()
                scene = self._ring_anchor.scene()
                if scene is not None:
                    scene.removeItem(self._ring_anchor)
            return
        if target.needle_id == previous:
            return
        scene = self._scenes[target.view]
        old = self._ring_anchor.scene()
        if old is not scene:
            if old is not None:
                old.removeItem(self._ring_anchor)
            scene.addItem(self._ring_anchor)
        self._ring_anchor.setPos(target.x, target.y)
        self._ring.setPos(target.dx - RING_PX / 2, target.dy - RING_PX / 2)
        if self._pulse.state() != QPropertyAnimation.State.Running:
            self._pulse.start()
        self._bring_into_view(target)

    # -- positions ---------------------------------------------------------------------------

    def _to_viewport(self, target: _Target) -> QPointF:
        at = self.graphics.viewportTransform().map(QPointF(target.x, target.y))
        return QPointF(at.x() + target.dx, at.y() + target.dy)

    def _visible(self, target: _Target) -> bool:
        if target.view != self._view:
            return False
        at = self._to_viewport(target)
        size = self.graphics.viewport().size()
        return 8 <= at.x() <= size.width() - 8 and 8 <= at.y() <= size.height() - 8

    def _bring_into_view(self, target: _Target) -> None:
        """Show the target's view; zoom to its region if it is out of sight."""
        if target.view != self._view:
            self.set_view(target.view)
        if self._visible(target):
            return
        region = REGION_ZOOMS.get(target.region, "body")
        needed = ZOOMS[region][1]
        self.set_zoom(region if needed in (None, target.view) else "body")
        if not self._visible(target):
            self.set_zoom("body")

    def _shown(self, target: _Target, what: str) -> QPointF:
        if target.view != self._view:
            raise ValueError(f"{what} is on the {target.view} view; call set_view first.")
        return self._to_viewport(target)

    def marker_position(self, code: str, side: str) -> QPointF:
        """Where a point's marker is, in ``viewport()`` coordinates (its view must be shown)."""
        target = self._point_target(code, side)
        return self._shown(target, f"{target.code} {side}")

    def needle_marker_position(self, insertion_id: int) -> QPointF:
        """Where a needle's marker is, in ``viewport()`` coordinates (its view must be shown)."""
        return self._shown(self._needle_targets[insertion_id], f"Needle {insertion_id}")

    def marker_scene_position(self, code: str, side: str) -> QPointF:
        """Where a point's marker is, in scene units (the figure's SVG units)."""
        target = self._point_target(code, side)
        return QPointF(target.x, target.y)

    def point_in_view(self, code: str, side: str) -> bool:
        return self._visible(self._point_target(code, side))

    def needle_in_view(self, insertion_id: int) -> bool:
        target = self._needle_targets.get(insertion_id)
        return target is not None and self._visible(target)

    def tooltip_text(self, code: str, side: str) -> str:
        """The point's tooltip as plain text, parts joined by dashes."""
        return " — ".join(self._point_target(code, side).tooltip)

    # -- pointing ----------------------------------------------------------------------------

    def _nearest(
        self, position: QPointF, targets: Iterable[_Target], reach_px: float
    ) -> _Target | None:
        inverse, _ = self.graphics.viewportTransform().inverted()
        at = inverse.map(position)
        mx, my, scale = at.x(), at.y(), self._scale
        best, best_distance = None, reach_px
        for target in targets:
            if target.view != self._view:
                continue
            distance = math.hypot(
                (target.x - mx) * scale + target.dx, (target.y - my) * scale + target.dy
            )
            if distance <= best_distance:
                best, best_distance = target, distance
        return best

    def _clickable_at(self, position: QPointF) -> _Target | None:
        if self._mode == "removal":
            return self._nearest(position, self._open_targets(), OPEN_SIZE + 4)
        return self._nearest(position, self._points.values(), HIT_RADIUS)

    def _on_clicked(self, position: QPointF) -> None:
        target = self._clickable_at(position)
        if target is None:
            return
        if target.needle_id is not None:
            self.needle_clicked.emit(target.needle_id)
            return
        self._selected = target
        self._redraw_overlay()
        self.point_clicked.emit(target.code, target.side)

    def _on_hovered(self, position: QPointF | None) -> None:
        target = None if position is None else self._clickable_at(position)
        if target == self._hovered:
            return
        had_cursor = self._hovered is not None
        self._hovered = target
        if target is None or target.needle_id is None:
            self._redraw_overlay()
        if (target is not None) != had_cursor:
            shape = (
                Qt.CursorShape.ArrowCursor if target is None else Qt.CursorShape.PointingHandCursor
            )
            self.viewport().setCursor(shape)

    def _tooltip_at(self, position: QPointF) -> str:
        needle = self._nearest(position, self._needle_targets.values(), OPEN_SIZE + 2)
        if needle is not None:
            parts = needle.tooltip
            if self._mode == "removal" and needle.is_open:
                parts = (*parts, "click to record its removal")
            return _tooltip_html(parts)
        if self._mode == "removal":
            return ""
        point = self._nearest(position, self._points.values(), HIT_RADIUS)
        return "" if point is None else _tooltip_html(point.tooltip)
