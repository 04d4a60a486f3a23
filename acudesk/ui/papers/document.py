"""Laying the papers out: QTextDocument on an A4 QPdfWriter (or a QPrinter), page by page.

Each page has the clinic's name and address at the head of the first, and on every page a
footer with what the paper is, when it was printed and "page N of M". The text is set in
DejaVu Sans (shipped), so Cyrillic is embedded in every PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)

from acudesk.domain.checklist import ChecklistStep
from acudesk.domain.needles import Condition, Material
from acudesk.domain.screening import format_date
from acudesk.i18n import _, ngettext
from acudesk.services.papers import CoursePaper, Letterhead, Paper, RecordPaper, actual_minutes
from acudesk.ui.papers.fonts import paper_family, paper_font
from acudesk.ui.papers.pain_chart import PainPoint, PainSeries, chart_image

RESOLUTION = 300  # dots per inch of the PDF's layout
MARGINS_MM = QMarginsF(18, 15, 15, 12)  # left, top, right, bottom
CHART_URL = "acudesk-pain-chart"
CHART_MARK = "[[pain-chart]]"
_CSS = (
    "body { color: #1f2a33; }"
    "h1 { font-size: 14pt; margin: 0; }"
    "h2 { font-size: 10.5pt; margin-top: 10px; margin-bottom: 3px; }"
    "table { font-size: 8pt; }"
    "td, th { padding: 2px 4px; }"
    "th { background: #e9eef2; text-align: left; }"
    ".muted { color: #5b6b78; }"
    ".letterhead { font-size: 10pt; }"
)


def _t(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%d.%m.%Y %H:%M") if moment else "–"


def _e(text: object) -> str:
    return escape(str(text)) if text not in (None, "") else "–"


def _pain(value: int | None) -> str:
    return "–" if value is None else f"{value}"


def _material(code: str) -> str:
    try:
        return Material(code).label
    except ValueError:
        return code.replace("_", " ")


def _condition(code: str | None, bleeding: bool) -> str:
    if not code:
        return "–"
    try:
        text = Condition(code).label
    except ValueError:
        text = code
    return text + (_(", bleeding") if bleeding else "")


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int] = ()
) -> str:
    head = "".join(
        f"<th width='{widths[i]}%'>{escape(h)}</th>" if i < len(widths) else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        "<table width='100%' border='0.5' cellspacing='0' cellpadding='3' "
        f"style='border-color:#9aa7b1; border-style: solid;'><tr>{head}</tr>{body}</table>"
    )


def _letterhead_html(head: Letterhead) -> str:
    name = escape(head.clinic_name) if head.clinic_name else _("(clinic name not set)")
    address = escape(head.clinic_address).replace("\n", "<br>")
    return (
        f"<p class='letterhead'><b>{name}</b>" + (f"<br>{address}" if address else "") + "</p><hr>"
    )


def _consent_html(paper: RecordPaper | CoursePaper) -> str:
    c = paper.consent
    if c is None:
        return f"<p><b>{_('Informed consent')}:</b> {_('not recorded for this course.')}</p>"
    decision = _("given") if c.decision == "given" else _("refused")
    return (
        f"<p><b>{_('Informed consent')}:</b> {decision}, {format_date(c.decided_on)}, "
        + _("taken by {name}, text version {version}").format(
            name=escape(c.taken_by), version=escape(c.text_version)
        )
        + "</p>"
    )


def record_html(paper: RecordPaper) -> str:
    """Everything a session record holds (DOMAIN.md), signature and addenda included."""
    v = paper.view
    place = ", ".join(
        x
        for x in (
            _("workstation {name}").format(name=escape(v.workstation)) if v.workstation else "",
            _("room {name}").format(name=escape(v.room)) if v.room else "",
        )
        if x
    ) or _("workstation not recorded")
    price = paper.price.text if paper.price else _("no price set")
    parts = [
        _letterhead_html(paper.letterhead),
        f"<h1>{_('Session record')}</h1>",
        f"<p><b>{escape(v.patient_name)}</b>, "
        + _("born {date}").format(date=format_date(v.patient_dob))
        + "<br>"
        + _("Course {course}, session {number} of {planned}").format(
            course=v.course_number, number=v.number, planned=v.sessions_planned
        )
        + f"; {_('started')} {_t(v.started_at)}<br>"
        + _("Practitioner: {name}").format(name=_e(v.practitioner))
        + f"; {place}<br>"
        + _("Price of the session: {price}").format(price=escape(price))
        + "</p>",
        _consent_html(paper),
        f"<h2>{_('Screening on the day')}</h2>",
    ]
    if v.cautions:
        parts.append(
            f"<p>{_('Cautions acknowledged, with the reason given:')}</p><ul>"
            + "".join(f"<li>{escape(c)}</li>" for c in v.cautions)
            + "</ul>"
        )
    else:
        parts.append(f"<p>{_('No contraindication or caution found.')}</p>")
    parts.append(f"<h2>{_('Preparation checklist')}</h2>")
    parts.append(
        _table(
            [_("Step"), _("Detail"), _("Confirmed by"), _("At")],
            [
                [escape(_step(c.step)), _e(c.detail), _e(c.confirmed_by), _t(c.confirmed_at)]
                for c in v.checks
            ],
            (38, 22, 24, 16),
        )
        if v.checks
        else f"<p>{_('No step confirmed.')}</p>"
    )
    count = len(v.needles)
    parts.append("<h2>" + ngettext("{n} needle", "{n} needles", count).format(n=count) + "</h2>")
    if v.needles:
        parts.append(
            _table(
                [
                    "#",
                    _("Point"),
                    _("Depth"),
                    _("Needle"),
                    _("Lot"),
                    _("Inserted"),
                    _("Removed"),
                    _("Condition"),
                ],
                [
                    [
                        f"{i}",
                        f"<b>{escape(n.label)}</b>",
                        _("{depth} mm").format(depth=f"{n.depth_mm:g}")
                        + (f" ({_('deep, confirmed')})" if n.deep_confirmed else ""),
                        f"{escape(_material(n.material))} {n.diameter_mm:.2f}×{n.length_mm:g}",
                        _e(n.pack_lot),
                        f"{_t(n.inserted_at)}<br>{_e(n.inserted_by)}",
                        f"{_t(n.removed_at)}<br>{_e(n.removed_by)}",
                        escape(_condition(n.condition, n.bleeding)),
                    ]
                    for i, n in enumerate(v.needles, start=1)
                ],
                (4, 11, 9, 16, 11, 17, 17, 15),
            )
        )
    actual = actual_minutes(v)
    rest = (
        _("full rest")
        if not v.rest_end_reason
        else _("ended early: {reason}").format(reason=escape(v.rest_end_reason))
    )
    parts.append(f"<h2>{_('Retention and rest')}</h2>")
    parts.append(
        "<p>"
        + _("Retention: planned {planned} min, actual {actual}.").format(
            planned=v.planned_minutes,
            actual=_("{n} min").format(n=actual) if actual is not None else "–",
        )
        + " "
        + _("Rest: {rest}.").format(rest=rest)
        + "<br>"
        + _("Pain before {before}, after {after} (0-10).").format(
            before=_pain(v.pain_before), after=_pain(v.pain_after)
        )
        + "</p>"
    )
    parts.append(f"<h2>{_('Adverse events')}</h2>")
    parts.append(
        _table(
            [_("Event"), _("Severity"), _("Description"), _("Action taken")],
            [
                [
                    escape(e.kind.replace("_", " ")),
                    escape(e.severity),
                    _e(e.description),
                    _e(e.action_taken),
                ]
                for e in v.adverse_events
            ],
            (22, 12, 36, 30),
        )
        if v.adverse_events
        else f"<p>{_('None recorded.')}</p>"
    )
    if v.incidents:
        parts.append(f"<h2>{_('Incidents')}</h2><ul>")
        parts += [
            f"<li>{escape(i.needle)} {escape(i.condition)}: {escape(i.what_happened)}; "
            + _("done: {action}").format(action=escape(i.action_taken))
            + "</li>"
            for i in v.incidents
        ]
        parts.append("</ul>")
    parts.append(f"<h2>{_('Notes')}</h2><p>{_e(v.notes)}</p>")
    parts.append(f"<h2>{_('Signature')}</h2>")
    if v.signed_at:
        parts.append(
            "<p>"
            + _("Signed by {name} at {moment} with their PIN or password.").format(
                name=_e(v.signed_by), moment=_t(v.signed_at)
            )
            + "<br><span class='muted'>"
            + _("Record fingerprint (SHA-256): {hash}").format(hash=escape(v.content_hash or ""))
            + "</span></p>"
        )
        if v.signer_credentials:
            parts.append(
                "<p class='muted'>" + "<br>".join(escape(c) for c in v.signer_credentials) + "</p>"
            )
    else:
        parts.append(f"<p>{_('Not signed.')}</p>")
    for a in v.addenda:
        parts.append(
            "<hr><p><b>"
            + _("Addendum by {name}, {moment} (signed)").format(
                name=escape(a.written_by), moment=_t(a.written_at)
            )
            + f"</b><br>{escape(a.text)}</p>"
        )
    return "".join(parts)


def _step(code: str) -> str:
    try:
        return ChecklistStep(code).label
    except ValueError:
        return code


def pain_series(paper: CoursePaper) -> PainSeries:
    return PainSeries(
        paper.sessions_planned,
        tuple(PainPoint(line.number, line.pain_before, line.pain_after) for line in paper.lines),
    )


def course_html(paper: CoursePaper) -> str:
    given = len(paper.lines)
    rows = [
        [
            f"{line.number}",
            format_date(line.day),
            f"{line.planned_minutes}",
            f"{line.actual_minutes}" if line.actual_minutes is not None else "–",
            escape(", ".join(line.points)) or "–",
            _pain(line.pain_before),
            _pain(line.pain_after),
            escape("; ".join(line.adverse_events)) or _("none"),
            escape(line.price.text) if line.price else _("no price set"),
        ]
        for line in paper.lines
    ]
    parts = [
        _letterhead_html(paper.letterhead),
        f"<h1>{_('Course summary')}</h1>",
        f"<p><b>{escape(paper.patient_name)}</b>, "
        + _("born {date}").format(date=format_date(paper.patient_dob))
        + "<br>"
        + _("Course {course}, planned on {date}: {given} of {planned} sessions given").format(
            course=paper.course_number,
            date=format_date(paper.planned_on),
            given=given,
            planned=paper.sessions_planned,
        )
        + "</p>",
        _consent_html(paper),
        f"<h2>{_('Pain before and after each session (0-10)')}</h2>",
        f"<p>{CHART_MARK}</p>",
        f"<h2>{_('Sessions')}</h2>",
    ]
    if rows:
        parts.append(
            _table(
                [
                    "#",
                    _("Date"),
                    _("Planned, min"),
                    _("Actual, min"),
                    _("Points"),
                    _("Pain before"),
                    _("Pain after"),
                    _("Adverse events"),
                    _("Price"),
                ],
                rows,
                (4, 12, 9, 9, 22, 8, 8, 13, 15),
            )
        )
    else:
        parts.append(f"<p>{_('No session of this course has been given yet.')}</p>")
    total = paper.total
    parts.append(
        "<p><b>"
        + _("Course total: {total}").format(total=escape(total.text))
        + "</b>"
        + (
            " "
            + ngettext(
                "({n} session had no price set.)",
                "({n} sessions had no price set.)",
                total.unpriced,
            ).format(n=total.unpriced)
            if total.unpriced and total.totals
            else ""
        )
        + "</p>"
    )
    unsigned = [line.number for line in paper.lines if not line.signed]
    if unsigned:
        parts.append(
            "<p class='muted'>"
            + _("Not yet signed: session {numbers}.").format(
                numbers=", ".join(f"{n}" for n in unsigned)
            )
            + "</p>"
        )
    return "".join(parts)


def _title(paper: Paper) -> str:
    if isinstance(paper, RecordPaper):
        v = paper.view
        return _("Session record: {name}, course {course}, session {number}").format(
            name=v.patient_name, course=v.course_number, number=v.number
        )
    return _("Course summary: {name}, course {course}").format(
        name=paper.patient_name, course=paper.course_number
    )


def build_document(paper: Paper, device: QPagedPaintDevice) -> QTextDocument:
    """The paper as a document laid out for ``device`` (its resolution and page size)."""
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)
    document.setDefaultFont(paper_font(9))
    document.setDefaultStyleSheet(_CSS)
    document.setDocumentMargin(0)
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, _title(paper))
    if isinstance(paper, RecordPaper):
        document.setHtml(record_html(paper))
    else:
        document.setHtml(course_html(paper))
        _place_chart(document, device, pain_series(paper))
    return document


def _place_chart(document: QTextDocument, device: QPagedPaintDevice, series: PainSeries) -> None:
    found = document.find(CHART_MARK)
    if found.isNull():
        return
    # Drawn at twice the paper's resolution of the width it takes; the text in it at 8 pt.
    width_px = device.width()
    height_px = round(width_px * 0.32)
    font = QFont(paper_font(8))
    font.setPixelSize(round(8 / 72 * device.logicalDpiY()))
    image = chart_image(series, QSize(width_px, height_px), font)
    document.addResource(QTextDocument.ResourceType.ImageResource, CHART_URL, image)
    fmt = QTextImageFormat()
    fmt.setName(CHART_URL)
    # Image sizes in a document are in 96-dpi pixels, scaled to the device when drawn.
    scale = 96 / device.logicalDpiX()
    fmt.setWidth(width_px * scale)
    fmt.setHeight(height_px * scale)
    cursor = QTextCursor(found)
    cursor.insertImage(fmt)


def paint(paper: Paper, device: QPagedPaintDevice) -> int:
    """Lay the paper out on ``device`` (a QPdfWriter or a QPrinter); returns the page count."""
    document = build_document(paper, device)
    footer_font = paper_font(7)
    painter = QPainter()
    if not painter.begin(device):
        raise OSError(_("The paper could not be laid out on this printer or file."))
    try:
        footer_font_px = QFont(footer_font)
        footer_font_px.setPixelSize(round(7 / 72 * device.logicalDpiY()))
        line_h = QFontMetricsF(footer_font_px, device).height()
        width, height = float(device.width()), float(device.height())
        body_h = height - line_h * 2.2
        document.setPageSize(QSizeF(width, body_h))
        pages = document.pageCount()
        layout = document.documentLayout()
        title = _title(paper)
        printed = _("printed {moment}").format(moment=_t(paper.letterhead.printed_at))
        clinic = paper.letterhead.clinic_name
        for page in range(pages):
            if page:
                device.newPage()
            painter.save()
            clip = QRectF(0, page * body_h, width, body_h)
            painter.translate(0, -page * body_h)
            painter.setClipRect(clip)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = clip
            context.palette.setColor(context.palette.ColorRole.Text, QColor("#1f2a33"))
            layout.draw(painter, context)
            painter.restore()
            painter.setPen(QPen(QColor("#9aa7b1"), max(1.0, line_h / 14)))
            y = body_h + line_h * 0.7
            painter.drawLine(0, round(y), round(width), round(y))
            painter.setFont(footer_font_px)
            painter.setPen(QColor("#5b6b78"))
            text_rect = QRectF(0, y + line_h * 0.2, width, line_h)
            left = " · ".join(x for x in (clinic, title, printed) if x)
            number = _("page {page} of {pages}").format(page=page + 1, pages=pages)
            painter.drawText(
                text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), left
            )
            painter.drawText(
                text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), number
            )
    finally:
        painter.end()
    return pages


def set_a4(device: QPagedPaintDevice) -> None:
    device.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )


def pdf_bytes(paper: Paper) -> bytes:
    """The paper as an A4 PDF (fonts embedded)."""
    paper_family()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setTitle(_title(paper))
    writer.setCreator("AcuDesk")
    set_a4(writer)
    paint(paper, writer)
    del writer  # finishes the file
    buffer.close()
    return bytes(data.data())
