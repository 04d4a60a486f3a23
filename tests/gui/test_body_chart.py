"""The body chart as the acupuncturist and the nurse use it: hover, click, zoom, needles."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from acudesk.domain.catalog import default_catalog
from acudesk.services.dto import NeedleRow
from acudesk.ui.widgets.body_chart import BODY_DIR, LAST_COLOUR, BodyChart, point_sides

T0 = datetime(2025, 3, 3, 10, 0)


def needle(needle_id: int, code: str, side: str, *, removed: bool = False) -> NeedleRow:
    return NeedleRow(
        id=needle_id,
        point_code=code,
        side=side,
        depth_mm=8.0,
        material="stainless steel",
        diameter_mm=0.25,
        length_mm=25.0,
        pack_lot="LOT-1",
        deep_confirmed=False,
        inserted_by="Dr Petrova",
        inserted_at=T0 + timedelta(minutes=needle_id),
        removed_by="Nurse Ivanova" if removed else None,
        removed_at=T0 + timedelta(minutes=30 + needle_id) if removed else None,
        condition="intact" if removed else None,
        bleeding=False,
    )


@pytest.fixture
def chart(qtbot: QtBot) -> Iterator[BodyChart]:
    widget = BodyChart(default_catalog())
    qtbot.addWidget(widget)
    widget.resize(450, 600)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    QToolTip.hideText()


def click(qtbot: QtBot, chart: BodyChart, at: QPointF) -> None:
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=at.toPoint())


def test_clicking_gb20_left_emits_the_point_and_side(qtbot: QtBot, chart: BodyChart) -> None:
    chart.set_view("back")
    with qtbot.waitSignal(chart.point_clicked, timeout=1000) as blocker:
        click(qtbot, chart, chart.marker_position("GB20", "left"))
    assert blocker.args == ["GB20", "left"]
    assert chart.selected_point == ("GB20", "left")


def test_the_right_side_is_the_mirror_image(qtbot: QtBot, chart: BodyChart) -> None:
    chart.set_zoom("head_neck")
    chart.set_view("back")
    left = chart.marker_position("GB20", "left")
    right = chart.marker_position("GB20", "right")
    midline = chart.marker_position("GV16", "midline")
    assert left.y() == pytest.approx(right.y())
    assert (left.x() + right.x()) / 2 == pytest.approx(midline.x(), abs=0.5)
    # on the back view the patient's left is on the viewer's left
    assert left.x() < midline.x() < right.x()
    with qtbot.waitSignal(chart.point_clicked, timeout=1000) as blocker:
        click(qtbot, chart, right)
    assert blocker.args == ["GB20", "right"]


def test_front_view_puts_the_patients_left_on_the_viewers_right(chart: BodyChart) -> None:
    left = chart.marker_position("ST36", "left")
    right = chart.marker_position("ST36", "right")
    assert left.x() > right.x()


def test_a_midline_point_reports_midline(qtbot: QtBot, chart: BodyChart) -> None:
    chart.set_zoom("upper_back")
    with qtbot.waitSignal(chart.point_clicked, timeout=1000) as blocker:
        click(qtbot, chart, chart.marker_position("GV14", "midline"))
    assert blocker.args == ["GV14", "midline"]


def test_a_point_on_the_other_view_has_no_position_until_shown(chart: BodyChart) -> None:
    assert chart.current_view == "front"
    with pytest.raises(ValueError, match="back view"):
        chart.marker_position("GB20", "left")
    with pytest.raises(ValueError, match="left or the right"):
        chart.marker_position("ST36", "midline")


def test_removal_mode_clicks_open_needles_only(qtbot: QtBot, chart: BodyChart) -> None:
    chart.set_needles(
        [
            needle(11, "GB21", "left"),
            needle(12, "GB21", "right", removed=True),
            needle(13, "BL23", "left"),
        ]
    )
    chart.set_mode("removal")
    chart.set_view("back")
    with qtbot.waitSignal(chart.needle_clicked, timeout=1000) as blocker:
        click(qtbot, chart, chart.needle_marker_position(13))
    assert blocker.args == [13]
    with (
        qtbot.assertNotEmitted(chart.needle_clicked, wait=50),
        qtbot.assertNotEmitted(chart.point_clicked, wait=50),
    ):
        click(qtbot, chart, chart.needle_marker_position(12))
        click(qtbot, chart, chart.marker_position("GV14", "midline"))


def test_needling_mode_clicks_points_not_needles(qtbot: QtBot, chart: BodyChart) -> None:
    chart.set_view("back")
    chart.set_needles([needle(1, "GB21", "left")])
    with (
        qtbot.assertNotEmitted(chart.needle_clicked, wait=50),
        qtbot.waitSignal(chart.point_clicked, timeout=1000) as blocker,
    ):
        click(qtbot, chart, chart.needle_marker_position(1))
    assert blocker.args == ["GB21", "left"]


def test_the_last_open_needle_is_highlighted_and_brought_into_view(
    qtbot: QtBot, chart: BodyChart
) -> None:
    chart.set_zoom("legs")
    assert chart.current_view == "front"
    chart.set_mode("removal")
    chart.set_needles(
        [
            needle(1, "ST36", "left", removed=True),
            needle(2, "GB21", "left"),
            needle(3, "GB21", "right", removed=True),
        ]
    )
    assert chart.last_needle_highlighted == 2
    assert chart.current_view == "back"
    assert chart.needle_in_view(2)
    assert "Last needle in: GB21 left" in chart.status_label.text()
    assert chart.view_buttons["back"].text() == "Back (1 in)"
    # the ring is on screen around the needle
    at = chart.needle_marker_position(2)
    image = chart.viewport().grab().toImage()
    box = QRectF(at.x() - 45, at.y() - 45, 90, 90).toRect() & image.rect()
    ring = QColor(LAST_COLOUR)
    assert any(
        _close(image.pixelColor(x, y), ring)
        for x in range(box.left(), box.right())
        for y in range(box.top(), box.bottom())
    )
    chart.set_needles([needle(2, "GB21", "left", removed=True)])
    assert chart.last_needle_highlighted is None


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def test_several_open_needles_are_counted_not_highlighted(chart: BodyChart) -> None:
    chart.set_mode("removal")
    chart.set_needles(
        [needle(1, "GB21", "left"), needle(2, "ST36", "right"), needle(3, "BL23", "left")]
    )
    assert chart.last_needle_highlighted is None
    assert chart.status_label.text() == "3 needles in"
    assert chart.view_buttons["front"].text() == "Front (1 in)"
    assert chart.view_buttons["back"].text() == "Back (2 in)"


def test_no_needles_no_needle_markers(chart: BodyChart) -> None:
    chart.set_needles([needle(1, "GB21", "left"), needle(2, "NOPE9", "left")])
    assert chart.shown_needle_ids == (1,)
    assert chart.unplaced_needles == (2,)
    chart.set_needles([])
    assert not chart.shown_needle_ids
    assert chart.last_needle_highlighted is None
    assert chart.status_label.text() == ""
    assert [b.text() for b in chart.view_buttons.values()] == ["Front", "Back"]


def test_tooltip_names_the_point_its_cap_and_cautions(qtbot: QtBot, chart: BodyChart) -> None:
    gb21 = default_catalog()["GB21"]
    text = chart.tooltip_text("GB21", "left")
    assert text.startswith("GB21 Jianjing 肩井 (Shoulder Well), left")
    assert f"at most 8 mm: {gb21.caution}" in text
    assert text.endswith("pregnancy caution")
    # and hovering shows it
    chart.set_zoom("upper_back")
    at = chart.marker_position("GB21", "left").toPoint()
    event = QHelpEvent(QEvent.Type.ToolTip, at, chart.viewport().mapToGlobal(at))
    QApplication.sendEvent(chart.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=1000)
    assert "17.4 mm below the skin" in QToolTip.text()


def test_zoom_buttons_choose_the_region_and_the_view(qtbot: QtBot, chart: BodyChart) -> None:
    qtbot.mouseClick(chart.zoom_buttons["upper_back"], Qt.MouseButton.LeftButton)
    assert chart.current_view == "back"
    assert chart.point_in_view("GB21", "left")
    assert not chart.point_in_view("BL40", "left")
    qtbot.mouseClick(chart.view_buttons["front"], Qt.MouseButton.LeftButton)
    assert (chart.current_view, chart.current_zoom) == ("front", "body")
    qtbot.mouseClick(chart.zoom_buttons["legs"], Qt.MouseButton.LeftButton)
    assert chart.point_in_view("ST36", "right")
    assert not chart.point_in_view("ST1", "right")
    with pytest.raises(ValueError):
        chart.set_zoom("feet")


def test_every_catalog_point_is_inside_its_figure(chart: BodyChart) -> None:
    images = {view: _figure_image(view) for view in ("front", "back")}
    outside = []
    for point in default_catalog():
        rect = chart.figure_rect(point.chart_view)
        for side in point_sides(point):
            at = chart.marker_scene_position(point.code, side)
            on_body = images[point.chart_view].pixelColor(QPoint(round(at.x()), round(at.y())))
            if not rect.contains(at) or on_body.alpha() == 0:
                outside.append(f"{point.code} {side}")
    assert outside == []
    assert chart.figure_rect("front") == QRectF(0, 0, 400, 1000)


def _figure_image(view: str) -> QImage:
    """The figure drawn at one pixel per scene unit on a transparent background."""
    image = QImage(400, 1000, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(BODY_DIR / f"{view}.svg")).render(painter, QRectF(0, 0, 400, 1000))
    painter.end()
    return image


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_redrawing_does_not_drain_none(chart: BodyChart) -> None:
    """PySide6 6.12.0 on Python 3.11 takes a reference from None at every void Qt call; the
    chart must not make such calls per marker or it aborts the program within minutes."""
    chart.set_needles([needle(i, "GB21", "left", removed=i > 1) for i in range(1, 11)])
    # Other tests' garbage freed meanwhile would lower the count too: no collection while
    # counting, so only the chart's own calls move it.
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for region in ["head_neck", "upper_back", "lower_back", "arms", "legs", "body"] * 5:
            chart.set_zoom(region)
        chart.set_mode("removal")
        chart.set_mode("needling")
        lost = before - sys.getrefcount(None)
    finally:
        gc.enable()
    assert lost < 300
