"""The patient's pain (0-10 NRS) before and after each session of a course, drawn with QPainter.

One drawing routine serves the screen (``PainChart``, on the patient page's course panel) and
the paper (``chart_image``, placed in the course summary PDF). Before and after differ by colour,
line style and marker, so the chart reads on a black-and-white printout too.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from acudesk.i18n import _

BEFORE_COLOUR = QColor("#b3261e")
AFTER_COLOUR = QColor("#1d5fa8")
GRID_COLOUR = QColor("#d5dbe0")
TEXT_COLOUR = QColor("#33414d")


@dataclass(frozen=True)
class PainPoint:
    number: int  # the session's number in the course
    before: int | None
    after: int | None


@dataclass(frozen=True)
class PainSeries:
    sessions_planned: int
    points: tuple[PainPoint, ...]

    @property
    def has_scores(self) -> bool:
        return any(p.before is not None or p.after is not None for p in self.points)


def paint_pain_chart(painter: QPainter, rect: QRectF, series: PainSeries, font: QFont) -> None:
    """Draw the chart inside ``rect`` (any device: a widget, an image, a page)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    line_h = metrics.height()
    unit = max(1.0, line_h / 8)  # pen widths and markers follow the text size
    painter.fillRect(rect, QColor("white"))

    legend_h = line_h * 1.4
    left = rect.left() + metrics.horizontalAdvance("10") + line_h * 0.6
    right = rect.right() - line_h * 0.6
    top = rect.top() + legend_h + line_h * 0.4
    bottom = rect.bottom() - line_h * 1.4
    plot = QRectF(QPointF(left, top), QPointF(right, bottom))
    pad = line_h * 0.9  # the first and last session sit clear of the axis labels
    inner_left = plot.left() + pad

    count = max(series.sessions_planned, max((p.number for p in series.points), default=0), 1)

    def x_of(number: int) -> float:
        if count == 1:
            return plot.center().x()
        return inner_left + (number - 1) * (plot.right() - pad - inner_left) / (count - 1)

    def y_of(score: int) -> float:
        return plot.bottom() - score * plot.height() / 10

    painter.setPen(QPen(GRID_COLOUR, unit * 0.6))
    for score in range(0, 11, 2):
        y = y_of(score)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
    painter.setPen(TEXT_COLOUR)
    for score in range(0, 11, 2):
        y = y_of(score)
        label_rect = QRectF(rect.left(), y - line_h / 2, left - rect.left() - line_h * 0.3, line_h)
        painter.drawText(
            label_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{score}"
        )
    step = max(1, round(count / 15 + 0.49))  # at most ~15 labels along the axis
    for number in range(1, count + 1):
        if (number - 1) % step and number != count:
            continue
        x = x_of(number)
        painter.drawText(
            QRectF(x - line_h * 1.5, plot.bottom() + line_h * 0.2, line_h * 3, line_h),
            int(Qt.AlignmentFlag.AlignCenter),
            f"{number}",
        )
    painter.drawText(
        QRectF(rect.left(), plot.bottom() + line_h * 0.2, left - rect.left(), line_h),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        _("No."),
    )

    def draw(attr: str, colour: QColor, dash: Qt.PenStyle, square: bool) -> None:
        marks = [
            QPointF(x_of(p.number), y_of(getattr(p, attr)))
            for p in series.points
            if getattr(p, attr) is not None
        ]
        pen = QPen(colour, unit * 1.6, dash)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        for a, b in itertools.pairwise(marks):
            painter.drawLine(a, b)
        painter.setPen(QPen(colour, unit))
        painter.setBrush(colour if not square else QColor("white"))
        r = unit * 3
        for mark in marks:
            if square:
                painter.drawRect(QRectF(mark.x() - r, mark.y() - r, 2 * r, 2 * r))
            else:
                painter.drawEllipse(mark, r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    draw("before", BEFORE_COLOUR, Qt.PenStyle.SolidLine, False)
    draw("after", AFTER_COLOUR, Qt.PenStyle.DashLine, True)

    # The legend, at the top left: what each line is.
    x = plot.left()
    y = rect.top() + legend_h / 2
    for text, colour, dash, square in (
        (_("Pain before the session"), BEFORE_COLOUR, Qt.PenStyle.SolidLine, False),
        (_("Pain after"), AFTER_COLOUR, Qt.PenStyle.DashLine, True),
    ):
        pen = QPen(colour, unit * 1.6, dash)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y), QPointF(x + line_h * 2, y))
        painter.setPen(QPen(colour, unit))
        painter.setBrush(colour if not square else QColor("white"))
        r = unit * 3
        centre = QPointF(x + line_h, y)
        if square:
            painter.drawRect(QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r))
        else:
            painter.drawEllipse(centre, r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(TEXT_COLOUR)
        x += line_h * 2.4
        width = metrics.horizontalAdvance(text)
        painter.drawText(
            QRectF(x, y - line_h / 2, width + 2, line_h), int(Qt.AlignmentFlag.AlignVCenter), text
        )
        x += width + line_h * 1.5
    scale = _("0-10 scale")
    painter.drawText(
        QRectF(x, y - line_h / 2, max(0.0, rect.right() - x), line_h),
        int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
        scale,
    )
    if not series.has_scores:
        painter.setPen(TEXT_COLOUR)
        painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), _("No pain scores recorded yet."))
    painter.restore()


def chart_image(series: PainSeries, size: QSize, font: QFont) -> QImage:
    """The chart as an image for a paper; ``font`` sized for the image's pixels."""
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        paint_pain_chart(painter, QRectF(0, 0, size.width(), size.height()), series, font)
    finally:
        painter.end()
    return image


class PainChart(QWidget):
    """The chart on screen: the course panel of the patient page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("painChart")
        self.series = PainSeries(0, ())
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(_("Pain before and after each session"))

    def set_series(self, series: PainSeries) -> None:
        self.series = series
        summary = ", ".join(
            f"{p.number}: {'-' if p.before is None else p.before}"
            f"/{'-' if p.after is None else p.after}"
            for p in series.points
        )
        self.setToolTip(
            _("Pain before/after by session: {summary}").format(summary=summary)
            if summary
            else _("No pain scores recorded yet.")
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 170)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            paint_pain_chart(painter, QRectF(self.rect()), self.series, self.font())
        finally:
            painter.end()
