"""STRICTA 2010 (STandards for Reporting Interventions in Clinical Trials of Acupuncture, the
CONSORT extension): the six items and seventeen sub-items, computed from the records of a course
or a date range, with what the records cannot hold taken from the clinic's STRICTA settings.

Every sub-item is always present: filled from the records, from the clinic's settings or both,
or saying explicitly that it was not recorded (and where to record it), or that it does not
apply (6a, 6b: a clinic's own courses have no control group). Nothing here touches a database:
the services read the records into the frozen rows below.

Patients and practitioners appear as numbers within the report (patient 1, practitioner 1),
never by name: a STRICTA description is written to be published.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from acudesk.domain.checklist import Position
from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import Material
from acudesk.i18n import N_, _, ngettext

STANDARD = "STRICTA 2010"
TEXT_MAX_CHARS = 200


class Status(StrEnum):
    RECORDED = "recorded"
    NOT_RECORDED = "not recorded"
    NOT_APPLICABLE = "not applicable"


class Source(StrEnum):
    RECORDS = "records"
    SETTINGS = "clinic settings"
    BOTH = "records and clinic settings"
    NONE = "none"
    STANDARD = "standard"


@dataclass(frozen=True)
class TextSetting:
    """One STRICTA setting the administrator writes: its key, sub-item, label and example."""

    key: str
    sub_item: str
    label: str
    example: str


# What the records cannot hold: written once by the administrator, edited on the
# administration page (each change audited), stored as clinic settings under these keys.
TEXT_SETTINGS: tuple[TextSetting, ...] = (
    TextSetting(
        "stricta_style",
        "1a",
        N_("Style of acupuncture"),
        N_("e.g. Traditional Chinese medicine-based acupuncture (reflexology)"),
    ),
    TextSetting(
        "stricta_rationale",
        "1b",
        N_("Reasoning for the treatment"),
        N_("e.g. textbook point selection for spinal osteochondrosis, with references"),
    ),
    TextSetting(
        "stricta_variation",
        "1c",
        N_("Extent to which treatment was varied"),
        N_("e.g. a fixed core set, with points added by the acupuncturist per session"),
    ),
    TextSetting(
        "stricta_response_sought",
        "2d",
        N_("Response sought"),
        N_("e.g. de qi sensation, no muscle twitch sought"),
    ),
    TextSetting(
        "stricta_stimulation",
        "2e",
        N_("Needle stimulation"),
        N_("e.g. manual, even method; no electrical stimulation"),
    ),
    TextSetting(
        "stricta_needle_manufacturer",
        "2g",
        N_("Needle manufacturer"),
        N_("e.g. the manufacturer and product name of the needles"),
    ),
    TextSetting(
        "stricta_other_interventions",
        "4a",
        N_("Other interventions"),
        N_("e.g. advice on posture and exercise; no moxibustion or cupping"),
    ),
    TextSetting(
        "stricta_setting_context",
        "4b",
        N_("Setting and context"),
        N_("e.g. outpatient clinic; information given to patients before the course"),
    ),
    TextSetting(
        "stricta_practitioner_background",
        "5",
        N_("Practitioner background"),
        N_("e.g. expertise beyond the diplomas and certificates on record"),
    ),
)
TEXT_KEYS = frozenset(t.key for t in TEXT_SETTINGS)


@dataclass(frozen=True)
class StrictaTexts:
    """The clinic's STRICTA settings; an empty text is "not recorded"."""

    stricta_style: str = ""
    stricta_rationale: str = ""
    stricta_variation: str = ""
    stricta_response_sought: str = ""
    stricta_stimulation: str = ""
    stricta_needle_manufacturer: str = ""
    stricta_other_interventions: str = ""
    stricta_setting_context: str = ""
    stricta_practitioner_background: str = ""

    @classmethod
    def from_strings(cls, values: Mapping[str, str]) -> StrictaTexts:
        return cls(**{f.name: values.get(f.name, "").strip() for f in fields(cls)})

    def get(self, key: str) -> str:
        return str(getattr(self, key))


def setting_of(key: str) -> TextSetting:
    for setting in TEXT_SETTINGS:
        if setting.key == key:
            return setting
    raise RuleViolation(
        "unknown_setting", _("There is no STRICTA setting called '{key}'.").format(key=key)
    )


def validate_text(key: str, value: str) -> str:
    """The text as it will be stored (trimmed), or a refusal naming the field and the limit."""
    setting = setting_of(key)
    text = value.strip()
    if len(text) > TEXT_MAX_CHARS:
        raise RuleViolation(
            "setting_length",
            _("{label}: {count} characters is more than the {limit} allowed.").format(
                label=_(setting.label), count=len(text), limit=TEXT_MAX_CHARS
            ),
            field=key,
        )
    if any(ord(c) < 32 and c not in "\t" for c in text):
        raise RuleViolation(
            "setting_characters",
            _("{label}: write it on one line (no line breaks).").format(label=_(setting.label)),
            field=key,
        )
    return text


# -- the records, as the services read them ---------------------------------------------------


@dataclass(frozen=True)
class NeedleFact:
    point_code: str
    side: str
    depth_mm: float
    material: str
    diameter_mm: float
    length_mm: float
    deep_confirmed: bool = False


@dataclass(frozen=True)
class SessionFact:
    """One signed session: who, when, how long, and its needles."""

    course_id: int
    number: int
    started_at: datetime
    started_on: date  # the clinic's local date
    planned_minutes: int
    practitioner_id: int
    needles: tuple[NeedleFact, ...]
    retention_minutes: float | None = None  # timer start to the last needle out
    visit_minutes: float | None = None  # session start to the end of the rest
    position: str = ""
    room: str = ""


@dataclass(frozen=True)
class CourseFact:
    id: int
    patient_id: int
    diagnosis_code: str
    sessions_planned: int
    first_minutes: int
    last_minutes: int
    duration_overrides: int = 0
    massage: bool = False
    exercise: bool = False
    electrical: bool = False
    medications: bool = False


@dataclass(frozen=True)
class PractitionerFact:
    id: int
    diploma_on: date | None
    certificate_on: date | None
    training_place: str = ""


@dataclass(frozen=True)
class Scope:
    """What the report covers: a course, or the sessions started within two local dates."""

    first: date
    last: date
    course_id: int | None = None
    left_out: int = 0  # sessions in scope not yet signed, so not described

    @property
    def text(self) -> str:
        if self.course_id is not None:
            return _("course {id}, sessions from {first} to {last}").format(
                id=self.course_id, first=self.first.isoformat(), last=self.last.isoformat()
            )
        return _("sessions started from {first} to {last} (inclusive, clinic's local time)").format(
            first=self.first.isoformat(), last=self.last.isoformat()
        )


@dataclass(frozen=True)
class SubItem:
    code: str
    title: str
    value: str
    status: Status
    source: Source
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    number: int
    title: str
    sub_items: tuple[SubItem, ...]


@dataclass(frozen=True)
class StrictaReport:
    scope: Scope
    generated_at: datetime
    items: tuple[Item, ...]
    sessions: int
    courses: int
    patients: int

    @property
    def sub_items(self) -> tuple[SubItem, ...]:
        return tuple(s for item in self.items for s in item.sub_items)

    def as_json(self) -> dict[str, Any]:
        return {
            "standard": STANDARD,
            "scope": {
                "description": self.scope.text,
                "first_date": self.scope.first.isoformat(),
                "last_date": self.scope.last.isoformat(),
                "course_id": self.scope.course_id,
                "signed_sessions": self.sessions,
                "unsigned_sessions_left_out": self.scope.left_out,
                "courses": self.courses,
                "patients": self.patients,
            },
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "items": [
                {
                    "item": item.number,
                    "title": item.title,
                    "sub_items": [
                        {
                            "id": s.code,
                            "title": s.title,
                            "status": s.status.value,
                            "source": s.source.value,
                            "value": s.value,
                            "data": dict(s.data),
                        }
                        for s in item.sub_items
                    ],
                }
                for item in self.items
            ],
        }

    def as_rows(self) -> list[list[str]]:
        """One row per sub-item, under a header, for the CSV form."""
        rows = [["item", "item_title", "sub_item", "sub_item_title", "status", "source", "value"]]
        for item in self.items:
            for s in item.sub_items:
                rows.append(
                    [
                        str(item.number),
                        item.title,
                        s.code,
                        s.title,
                        s.status.value,
                        s.source.value,
                        s.value,
                    ]
                )
        return rows


# -- composing the report ---------------------------------------------------------------------

ITEM_TITLES: dict[int, str] = {
    1: N_("Acupuncture rationale"),
    2: N_("Details of needling"),
    3: N_("Treatment regimen"),
    4: N_("Other components of treatment"),
    5: N_("Practitioner background"),
    6: N_("Control or comparator interventions"),
}
SUB_ITEM_TITLES: dict[str, str] = {
    "1a": N_("Style of acupuncture"),
    "1b": N_("Reasoning for treatment provided"),
    "1c": N_("Extent to which treatment was varied"),
    "2a": N_("Number of needle insertions per subject per session (mean and range)"),
    "2b": N_("Names (or location if no standard name) of points used (uni/bilateral)"),
    "2c": N_("Depth of insertion"),
    "2d": N_("Response sought"),
    "2e": N_("Needle stimulation"),
    "2f": N_("Needle retention time"),
    "2g": N_("Needle type (diameter, length, and manufacturer or material)"),
    "3a": N_("Number of treatment sessions"),
    "3b": N_("Frequency and duration of treatment sessions"),
    "4a": N_("Details of other interventions administered to the acupuncture group"),
    "4b": N_("Setting and context of treatment"),
    "5": N_("Description of participating acupuncturists"),
    "6a": N_("Rationale for the control or comparator"),
    "6b": N_("Precise description of the control or comparator"),
}
SUB_ITEM_CODES = tuple(SUB_ITEM_TITLES)


LATERALITY: dict[str, str] = {
    "midline": N_("midline"),
    "bilateral": N_("bilateral"),
    "left": N_("unilateral left"),
    "right": N_("unilateral right"),
}


def _material(value: str) -> str:
    try:
        return _(Material(value).label).lower()
    except ValueError:
        return value.replace("_", " ")


def _position(value: str) -> str:
    try:
        return _(Position(value).label).lower()
    except ValueError:
        return value


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _range(values: Sequence[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), 2),
        "min": min(values),
        "max": max(values),
    }


def _range_text(values: Sequence[float], unit: str = "") -> str:
    r = _range(values)
    suffix = f" {unit}" if unit else ""
    if r["min"] == r["max"]:
        return _("{value}{unit} in every case").format(value=_num(r["min"]), unit=suffix)
    return _("mean {mean}{unit}, range {low}-{high}{unit}").format(
        mean=_num(r["mean"]), low=_num(r["min"]), high=_num(r["max"]), unit=suffix
    )


def _not_recorded(where: str) -> str:
    return _("Not recorded: {where}").format(where=where)


def _settings_missing(key: str) -> str:
    return _not_recorded(
        _(
            "no entry for '{label}' in the clinic's STRICTA settings (Administration, Exports)."
        ).format(label=_(setting_of(key).label))
    )


class _Composer:
    def __init__(
        self,
        texts: StrictaTexts,
        sessions: Sequence[SessionFact],
        courses: Mapping[int, CourseFact],
        practitioners: Mapping[int, PractitionerFact],
        rest_minutes: int,
        today: date,
    ) -> None:
        self.texts = texts
        self.sessions = sorted(sessions, key=lambda x: (x.course_id, x.number))
        self.courses = {k: v for k, v in courses.items() if any(s.course_id == k for s in sessions)}
        self.practitioners = practitioners
        self.rest_minutes = rest_minutes
        self.today = today
        self.none = _not_recorded(_("no signed session in this export."))

    def make(
        self,
        code: str,
        *,
        records: str = "",
        setting: str | None = None,
        data: Mapping[str, Any] | None = None,
        absent: str = "",
    ) -> SubItem:
        """A sub-item from what the records say and what the clinic wrote; never empty."""
        written = self.texts.get(setting) if setting else ""
        parts = [p for p in (written, records) if p]
        if written and records:
            source = Source.BOTH
        elif written:
            source = Source.SETTINGS
        elif records:
            source = Source.RECORDS
        else:
            source = Source.NONE
        if parts:
            value = " ".join(p if p.endswith(".") else p + "." for p in parts)
            status = Status.RECORDED
        else:
            value = absent or (_settings_missing(setting) if setting else self.none)
            status = Status.NOT_RECORDED
        return SubItem(code, _(SUB_ITEM_TITLES[code]), value, status, source, dict(data or {}))

    # -- item 1 --------------------------------------------------------------------------

    def item1(self) -> tuple[SubItem, ...]:
        diagnoses = Counter(c.diagnosis_code for c in self.courses.values())
        records = ""
        if diagnoses:
            records = _("Treated for: {list}").format(
                list=", ".join(
                    ngettext("{code} ({n} course)", "{code} ({n} courses)", n).format(
                        code=code, n=n
                    )
                    for code, n in sorted(diagnoses.items())
                )
            )
        point_sets = Counter(
            frozenset((n.point_code, n.side) for n in s.needles) for s in self.sessions
        )
        overrides = sum(c.duration_overrides for c in self.courses.values())
        variation = ""
        if self.sessions:
            variation = ngettext(
                "{sets} distinct point combination in {n} session",
                "{sets} distinct point combinations in {n} sessions",
                len(self.sessions),
            ).format(sets=len(point_sets), n=len(self.sessions))
            variation += "; " + ngettext(
                "{n} session duration changed from the plan with a reason",
                "{n} session durations changed from the plan with a reason",
                overrides,
            ).format(n=overrides)
        return (
            self.make("1a", setting="stricta_style"),
            self.make(
                "1b",
                records=records,
                setting="stricta_rationale",
                data={"diagnoses": dict(sorted(diagnoses.items()))},
            ),
            self.make(
                "1c",
                records=variation,
                setting="stricta_variation",
                data={
                    "distinct_point_combinations": len(point_sets),
                    "duration_overrides": overrides,
                },
            ),
        )

    # -- item 2 --------------------------------------------------------------------------

    def item2(self) -> tuple[SubItem, ...]:
        counts = [len(s.needles) for s in self.sessions]
        needles = [n for s in self.sessions for n in s.needles]
        a = ""
        if counts:
            a = _("Insertions per session: {range} ({sessions}, {patients})").format(
                range=_range_text(counts),
                sessions=ngettext("{n} session", "{n} sessions", len(counts)).format(n=len(counts)),
                patients=ngettext("{n} patient", "{n} patients", self.patient_count).format(
                    n=self.patient_count
                ),
            )
        return (
            self.make("2a", records=a, data=_range(counts) if counts else {}),
            self._points(),
            self._depth(needles),
            self.make("2d", setting="stricta_response_sought"),
            self.make("2e", setting="stricta_stimulation"),
            self._retention(),
            self._needle_type(needles),
        )

    @property
    def patient_count(self) -> int:
        return len({c.patient_id for c in self.courses.values()})

    def _points(self) -> SubItem:
        laterality: dict[str, Counter[str]] = defaultdict(Counter)
        for s in self.sessions:
            sides: dict[str, set[str]] = defaultdict(set)
            for n in s.needles:
                sides[n.point_code].add(n.side)
            for code, found in sides.items():
                if found == {"midline"}:
                    kind = "midline"
                elif {"left", "right"} <= found:
                    kind = "bilateral"
                else:
                    kind = "left" if "left" in found else "right"
                laterality[code][kind] += 1
        text = "; ".join(
            ", ".join(
                ngettext("{code} {kind} ({n} session)", "{code} {kind} ({n} sessions)", n).format(
                    code=code, kind=_(LATERALITY[kind]), n=n
                )
                for kind, n in sorted(kinds.items())
            )
            for code, kinds in sorted(laterality.items())
        )
        if text:
            text = _("WHO standard point codes: {list}").format(list=text)
        return self.make(
            "2b",
            records=text,
            data={code: dict(kinds) for code, kinds in sorted(laterality.items())},
        )

    def _depth(self, needles: Sequence[NeedleFact]) -> SubItem:
        if not needles:
            return self.make("2c")
        per_point: dict[str, list[float]] = defaultdict(list)
        for n in needles:
            per_point[n.point_code].append(n.depth_mm)
        deep = sum(1 for n in needles if n.deep_confirmed)
        text = _("Measured depth {range} over {n} insertions; by point: {points}").format(
            range=_range_text([n.depth_mm for n in needles], "mm"),
            n=len(needles),
            points=", ".join(
                f"{code} {_range_text(values, 'mm')}" for code, values in sorted(per_point.items())
            ),
        )
        if deep:
            text += "; " + ngettext(
                "{n} deep insertion confirmed by the acupuncturist",
                "{n} deep insertions confirmed by the acupuncturist",
                deep,
            ).format(n=deep)
        return self.make(
            "2c",
            records=text,
            data={
                "unit": "mm",
                "all": _range([n.depth_mm for n in needles]),
                "by_point": {c: _range(v) for c, v in sorted(per_point.items())},
                "deep_confirmed": deep,
            },
        )

    def _retention(self) -> SubItem:
        if not self.sessions:
            return self.make("2f")
        planned = [s.planned_minutes for s in self.sessions]
        actual = [s.retention_minutes for s in self.sessions if s.retention_minutes is not None]
        text = _("Planned {planned}").format(planned=_range_text(planned, _("min")))
        if actual:
            text += "; " + _("timed (timer start to the last needle out) {actual}").format(
                actual=_range_text(actual, _("min"))
            )
        return self.make(
            "2f",
            records=text,
            data={
                "unit": "min",
                "planned": _range(planned),
                "actual": _range(actual) if actual else None,
            },
        )

    def _needle_type(self, needles: Sequence[NeedleFact]) -> SubItem:
        kinds = Counter((n.material, n.diameter_mm, n.length_mm) for n in needles)
        text = "; ".join(
            ngettext(
                "{material}, {d} x {l} mm ({n} needle)",
                "{material}, {d} x {l} mm ({n} needles)",
                count,
            ).format(material=_material(material), d=f"{d:.2f}", l=_num(length), n=count)
            for (material, d, length), count in sorted(kinds.items())
        )
        if text:
            text = _("Sterile single-use needles: {list}").format(list=text)
        return self.make(
            "2g",
            records=text,
            setting="stricta_needle_manufacturer",
            data={
                "needles": [
                    {"material": m, "diameter_mm": d, "length_mm": length, "count": n}
                    for (m, d, length), n in sorted(kinds.items())
                ]
            },
        )

    # -- item 3 --------------------------------------------------------------------------

    def item3(self) -> tuple[SubItem, ...]:
        if not self.sessions:
            return (self.make("3a"), self.make("3b"))
        given: dict[int, list[SessionFact]] = defaultdict(list)
        for s in self.sessions:
            given[s.course_id].append(s)
        per_course = [len(v) for v in given.values()]
        planned = [self.courses[c].sessions_planned for c in given if c in self.courses]
        a = _("Signed sessions per course: {given} ({courses}); planned: {planned}").format(
            given=_range_text(per_course),
            courses=ngettext("{n} course", "{n} courses", len(per_course)).format(
                n=len(per_course)
            ),
            planned=_range_text(planned) if planned else "-",
        )
        gaps = [
            (b.started_on - a_.started_on).days
            for items in given.values()
            for a_, b in pairwise(items)
        ]
        b = _("Planned retention rising over the course from {first} to {last} min").format(
            first=_num(min(c.first_minutes for c in self.courses.values())),
            last=_num(max(c.last_minutes for c in self.courses.values())),
        )
        if gaps:
            b += "; " + _("days between sessions of a course: {gaps}").format(
                gaps=_range_text(gaps)
            )
        visits = [s.visit_minutes for s in self.sessions if s.visit_minutes is not None]
        if visits:
            b += "; " + _("whole visit (start to the end of the rest): {visit}").format(
                visit=_range_text(visits, _("min"))
            )
        return (
            self.make(
                "3a",
                records=a,
                data={"signed_per_course": _range(per_course), "planned_per_course": planned},
            ),
            self.make(
                "3b",
                records=b,
                data={
                    "days_between_sessions": _range(gaps) if gaps else None,
                    "visit_minutes": _range(visits) if visits else None,
                },
            ),
        )

    # -- item 4 --------------------------------------------------------------------------

    def item4(self) -> tuple[SubItem, ...]:
        courses = list(self.courses.values())
        other = ""
        if courses:
            total = len(courses)
            parts = [
                _("{label}: {n} of {total} courses").format(label=label, n=n, total=total)
                for label, n in (
                    (_("massage days planned"), sum(c.massage for c in courses)),
                    (_("therapeutic exercise days"), sum(c.exercise for c in courses)),
                    (_("electrical physiotherapy days"), sum(c.electrical for c in courses)),
                    (_("medications recorded"), sum(c.medications for c in courses)),
                )
            ]
            other = _("Recorded alongside acupuncture: {list}").format(list="; ".join(parts))
        context = ""
        if self.sessions:
            positions = Counter(s.position for s in self.sessions if s.position)
            rooms = {s.room for s in self.sessions if s.room}
            context = _(
                "Pre-session checklist confirmed before every first needle; "
                "rest of at least {rest} min after the needles are out"
            ).format(rest=self.rest_minutes)
            if positions:
                context += "; " + _("position: {list}").format(
                    list=", ".join(f"{_position(p)} ({n})" for p, n in sorted(positions.items()))
                )
            if rooms:
                context += "; " + ngettext(
                    "{n} treatment room", "{n} treatment rooms", len(rooms)
                ).format(n=len(rooms))
        return (
            self.make("4a", records=other, setting="stricta_other_interventions"),
            self.make("4b", records=context, setting="stricta_setting_context"),
        )

    # -- item 5 --------------------------------------------------------------------------

    def item5(self) -> SubItem:
        given = Counter(s.practitioner_id for s in self.sessions)
        described = []
        data = []
        for number, (pid, n) in enumerate(sorted(given.items()), start=1):
            p = self.practitioners.get(pid) or PractitionerFact(pid, None, None)
            medical = _years(p.diploma_on, self.today)
            acupuncture = _years(p.certificate_on, self.today)
            text = _("practitioner {number}: physician").format(number=number)
            text += ", " + (
                _("medical diploma {years} years ago").format(years=medical)
                if medical is not None
                else _("medical diploma not recorded")
            )
            text += ", " + (
                _("acupuncture certificate {years} years ago").format(years=acupuncture)
                if acupuncture is not None
                else _("acupuncture certificate not recorded")
            )
            if p.training_place:
                text += " " + _("(training: {place})").format(place=p.training_place)
            text += ", " + ngettext(
                "{n} session in this export", "{n} sessions in this export", n
            ).format(n=n)
            described.append(text)
            data.append(
                {
                    "practitioner": number,
                    "years_since_medical_diploma": medical,
                    "years_since_acupuncture_certificate": acupuncture,
                    "training_place": p.training_place,
                    "sessions": n,
                }
            )
        records = (
            _("From the credentials on record: {list}").format(list="; ".join(described))
            if described
            else ""
        )
        return self.make(
            "5",
            records=records,
            setting="stricta_practitioner_background",
            data={"practitioners": data},
        )

    # -- item 6 --------------------------------------------------------------------------

    def item6(self) -> tuple[SubItem, ...]:
        text = _(
            "Not applicable: the clinic's own treatment courses, no control or comparator group."
        )
        return tuple(
            SubItem(code, _(SUB_ITEM_TITLES[code]), text, Status.NOT_APPLICABLE, Source.STANDARD)
            for code in ("6a", "6b")
        )


def _years(since: date | None, today: date) -> int | None:
    if since is None:
        return None
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(years, 0)


def compose(
    scope: Scope,
    texts: StrictaTexts,
    sessions: Iterable[SessionFact],
    courses: Mapping[int, CourseFact],
    practitioners: Mapping[int, PractitionerFact],
    *,
    rest_minutes: int,
    generated_at: datetime,
    today: date,
) -> StrictaReport:
    listed = list(sessions)
    c = _Composer(texts, listed, courses, practitioners, rest_minutes, today)
    items = (
        Item(1, _(ITEM_TITLES[1]), c.item1()),
        Item(2, _(ITEM_TITLES[2]), c.item2()),
        Item(3, _(ITEM_TITLES[3]), c.item3()),
        Item(4, _(ITEM_TITLES[4]), c.item4()),
        Item(5, _(ITEM_TITLES[5]), (c.item5(),)),
        Item(6, _(ITEM_TITLES[6]), c.item6()),
    )
    codes = tuple(s.code for item in items for s in item.sub_items)
    assert codes == SUB_ITEM_CODES, codes  # all seventeen, in the standard's order
    return StrictaReport(
        scope=scope,
        generated_at=generated_at,
        items=items,
        sessions=len(listed),
        courses=len(c.courses),
        patients=c.patient_count,
    )
