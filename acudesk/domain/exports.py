"""What every data export shares: the kinds, the period of dates, and cells a spreadsheet
cannot run.

A period is two calendar dates in the clinic's local time, both included: "to 30.11" means up
to the end of the 30th, however far that is from UTC. A CSV cell that starts with = + - @ (or a
tab or carriage return) would be read as a formula by a spreadsheet, so it is written with a
leading apostrophe (the OWASP advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from acudesk.domain.errors import AcuDeskError, RuleViolation
from acudesk.i18n import N_, _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LONGEST_PERIOD_DAYS = 366 * 50


class ExportKind(StrEnum):
    STRICTA_JSON = "stricta-json"
    STRICTA_CSV = "stricta-csv"
    SESSIONS_CSV = "sessions-csv"
    NEEDLES_CSV = "needles-csv"

    @property
    def label(self) -> str:
        return _(_KIND_LABELS[self])

    @property
    def suffix(self) -> str:
        return ".json" if self is ExportKind.STRICTA_JSON else ".csv"

    @property
    def stricta(self) -> bool:
        return self in (ExportKind.STRICTA_JSON, ExportKind.STRICTA_CSV)


_KIND_LABELS = {
    ExportKind.STRICTA_JSON: N_("STRICTA 2010 description (JSON)"),
    ExportKind.STRICTA_CSV: N_("STRICTA 2010 description (CSV)"),
    ExportKind.SESSIONS_CSV: N_("Sessions, one row each (CSV)"),
    ExportKind.NEEDLES_CSV: N_("Needles, one row each (CSV)"),
}


class ExportFault(AcuDeskError):
    """The export could not be written where asked; nothing was written, nothing recorded."""

    def __init__(self, problem: str, remedy: str) -> None:
        self.problem = problem
        self.remedy = remedy
        super().__init__(f"{problem} {remedy}")


class ExportUnavailable(AcuDeskError):
    """This kind of export is not part of this version of AcuDesk."""


@dataclass(frozen=True)
class Period:
    """From ``first`` to ``last``, both whole days in the clinic's local time."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise RuleViolation(
                "period_order",
                _("To: {last} is before From: {first}.").format(
                    last=self.last.isoformat(), first=self.first.isoformat()
                ),
                field="to",
                remedy=_("The last day must be on or after the first."),
            )
        if (self.last - self.first).days > LONGEST_PERIOD_DAYS:
            raise RuleViolation(
                "period_length",
                _("The period from {first} to {last} is longer than 50 years.").format(
                    first=self.first.isoformat(), last=self.last.isoformat()
                ),
                field="to",
            )

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the
        last, so the whole last day is in."""
        start = datetime.combine(self.first, time.min).astimezone()
        end = datetime.combine(self.last + timedelta(days=1), time.min).astimezone()
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def text(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def parse_date(text: str, field_label: str) -> date:
    """A date as typed: 2026-11-30 (ISO) or 30.11.2026 (as Russian forms write it)."""
    value = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise RuleViolation(
        "date_format",
        _("{field}: '{value}' is not a date.").format(field=field_label, value=value),
        field=field_label,
        remedy=_("Write it as YYYY-MM-DD (2026-11-30) or DD.MM.YYYY (30.11.2026)."),
    )


def safe_cell(value: object) -> str:
    """The cell's text; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return local_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def local_iso(moment: datetime) -> str:
    """A stored moment as ISO 8601 in the clinic's local time, with its offset."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone().isoformat(timespec="seconds")


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """RFC 4180 CSV (comma, CRLF, quotes where needed) of safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
