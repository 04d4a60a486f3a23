"""One signed session as the room gives it: screening, checklist, needles, timer, removal, rest,
outcome and signature, each row and audit payload as the ``SessionService`` step writes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.schedule import plan_durations
from acudesk.services.screening import reasons_text
from acudesk.services.session_view import SessionView
from acudesk.services.signed_records import legacy_view_hash as content_hash
from bench.clinic_plan import SessionSlot

if TYPE_CHECKING:
    from bench.records import ClinicRecords

AGENTS = ("Chlorhexidine 0.5% in 70% alcohol", "Ethanol 70%", "Isopropanol 70%")
DEEP_REGIONS = frozenset({"lower_back", "sacrum_buttock", "leg"})
INCIDENT = (
    "Needle tip broke on removal; fragment removed with tweezers.",
    "Fragment retrieved and shown to the patient; site inspected, no bleeding.",
)


@dataclass
class _Pack:
    id: int
    lot: str
    expiry: date
    material: str = "stainless_steel"
    diameter: float = 0.25
    length: float = 40.0


class SessionWriter:
    def __init__(self, ctx: ClinicRecords, slot: SessionSlot, day: date) -> None:
        self.ctx, self.slot, self.day, self.rng = ctx, slot, day, ctx.rng
        self.course = slot.course
        self.pid = slot.course.patient.id
        self.doctor = ctx.staff.doctor(slot.room, day)
        self.nurse = ctx.staff.nurse(slot.room, day)
        self.ws = f"room-{slot.room + 1}"
        self.sid = 0

    def event(self, at: datetime, user: int, action: str, **kw: Any) -> None:
        entity, entity_id = kw.pop("entity", "session"), kw.pop("entity_id", self.sid)
        self.ctx.event(at, user, self.ws, action, entity, entity_id, self.pid, **kw)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.ctx.sink.add(table, row)

    def write(self) -> None:
        rng, c, t = self.rng, self.course, self.slot.starts_at
        if self.slot.number == 1:
            planned = t - timedelta(minutes=3, seconds=rng.random() * 60)
            self.ctx.plan_course(c, planned, self.doctor, self.ws)
        minutes = plan_durations(c.length)[self.slot.number - 1]
        if c.override is not None and c.override[0] == self.slot.number:
            minutes = c.override[1]
        self.sid = self.ctx.ids.take("treatment_sessions")
        result, reasons = self.ctx.screen_for(c.patient, self.day)
        self.add(
            "screenings",
            self.ctx.screening_row(c.id, self.sid, self.day, result, reasons, self.doctor, t),
        )
        self.event(
            t, self.doctor, "start session",
            after={"course": c.number, "number": self.slot.number, "planned_minutes": minutes,
                   "cautions": reasons_text(reasons)},
        )  # fmt: skip
        pack = _Pack(
            self.ctx.ids.take("needle_packs"),
            f"{self.day:%y%m}-{rng.randint(1000, 9999)}",
            self.day + timedelta(days=rng.randint(200, 1000)),
            diameter=rng.choice((0.25, 0.3)),
        )
        checks, at = self.checklist(t, pack)
        needles, at = self.needles_in(at, pack)
        retention = at + timedelta(seconds=5 + rng.random() * 20)
        self.event(
            retention, self.doctor, "start timer",
            after={"at": retention.isoformat(), "minutes": minutes},
        )  # fmt: skip
        end = retention + timedelta(minutes=minutes)
        acknowledged = None
        if rng.random() < 0.92:
            acknowledged = end + timedelta(seconds=3 + rng.random() * 100)
            self.event(acknowledged, self.nurse, "acknowledge alarm",
                       after={"at": acknowledged.isoformat()})  # fmt: skip
        start_removal = max(end + timedelta(seconds=15 + rng.random() * 140), acknowledged or end)
        rows, incidents, out, bleeding = self.needles_out(start_removal, needles, pack)
        content = SimpleNamespace(
            id=self.sid, patient_id=self.pid, course_number=c.number, number=self.slot.number,
            planned_minutes=minutes, checks=checks,
            packs=[SimpleNamespace(lot=pack.lot, expiry=pack.expiry)], needles=rows,
            retention_started_at=retention, needles_out_at=out, incidents=incidents,
        )  # fmt: skip
        self.close(content, bleeding)
        self.add(
            "treatment_sessions",
            {"id": self.sid, "course_id": c.id, "number": self.slot.number,
             "planned_minutes": minutes, "practitioner_id": self.doctor, "started_at": t,
             "retention_started_at": retention, "retention_started_by": self.doctor,
             "alarm_acknowledged_at": acknowledged,
             "alarm_acknowledged_by": self.nurse if acknowledged else None,
             "needles_out_at": out, "rest_started_at": out,
             "rest_ended_at": content.rest_ended_at, "rest_end_reason": content.rest_end_reason,
             "rest_ended_by": self.nurse, "pain_before": content.pain_before,
             "pain_after": content.pain_after, "notes": content.notes,
             "outcome_recorded_at": content.outcome_at, "outcome_recorded_by": self.doctor,
             # Signed afterwards by an update (see bench.generate.SIGN); one version more for
             # each update the services make: timer, alarm, needles out, rest, outcome, sign.
             "signed_at": None, "signed_by": None, "content_hash": None,
             "version_id": 7 if acknowledged else 6},
        )  # fmt: skip

    def checklist(self, at: datetime, pack: _Pack) -> tuple[list[SimpleNamespace], datetime]:
        """The eight steps in order; the needle pack is recorded just before step 8."""
        rng, checks = self.rng, []
        for step in ORDER:
            at += timedelta(seconds=20 + rng.random() * 40)
            if step is ChecklistStep.NEEDLES:
                self.add(
                    "needle_packs",
                    {"id": pack.id, "session_id": self.sid, "gtin": "", "lot": pack.lot,
                     "expiry": pack.expiry, "material": pack.material,
                     "diameter_mm": pack.diameter, "length_mm": pack.length,
                     "recorded_by": self.nurse, "recorded_at": at},
                )  # fmt: skip
                self.event(
                    at, self.nurse, "record pack",
                    after={"lot": pack.lot, "expiry": pack.expiry.isoformat(),
                           "material": pack.material, "diameter_mm": pack.diameter,
                           "length_mm": pack.length},
                )  # fmt: skip
                at += timedelta(seconds=5)
            detail = {
                ChecklistStep.POSITION: rng.choice((Position.PRONE, Position.SEATED)).value,
                ChecklistStep.SKIN_DISINFECTED: rng.choice(AGENTS),
                ChecklistStep.NEEDLES: f"lot {pack.lot}",
            }.get(step, "")
            self.add(
                "checklist_confirmations",
                {"id": self.ctx.ids.take("checklist_confirmations"), "session_id": self.sid,
                 "step": step.value, "detail": detail, "confirmed_by": self.nurse,
                 "confirmed_at": at},
            )  # fmt: skip
            checks.append(SimpleNamespace(step=step.value, detail=detail, confirmed_at=at))
            self.event(at, self.nurse, "confirm step", after={"step": step.value, "detail": detail})
        return checks, at

    def needles_in(self, at: datetime, pack: _Pack) -> tuple[list[tuple[Any, ...]], datetime]:
        """6-14 needles from the course's protocol; now and then a confirmed deep one."""
        rng, protocol = self.rng, self.course.protocol
        count = min(rng.randint(6, 14), len(protocol))
        needles = []
        for index in sorted(rng.sample(range(len(protocol)), count)):
            code, side, depth = protocol[index]
            deep = (
                code not in self.ctx.capped and self.ctx.region[code] in DEEP_REGIONS
                and rng.random() < 0.01
            )  # fmt: skip
            if deep:
                depth = rng.choice((12.0, 13.0, 15.0))
            at += timedelta(seconds=15 + rng.random() * 25)
            nid = self.ctx.ids.take("needle_insertions")
            self.add(
                "needle_insertions",
                {"id": nid, "session_id": self.sid, "pack_id": pack.id, "point_code": code,
                 "side": side.value, "depth_mm": depth, "material": pack.material,
                 "diameter_mm": pack.diameter, "length_mm": pack.length, "deep_confirmed": deep,
                 "inserted_by": self.doctor, "inserted_at": at},
            )  # fmt: skip
            self.event(
                at, self.doctor, "insert needle", entity="needle", entity_id=nid,
                after={"point": code, "side": side.value, "depth_mm": depth, "pack": pack.lot,
                       "deep_confirmed": deep},
            )  # fmt: skip
            needles.append((nid, code, side.value, depth, at))
        return needles, at

    def needles_out(
        self, at: datetime, needles: list[tuple[Any, ...]], pack: _Pack
    ) -> tuple[list[SimpleNamespace], list[SimpleNamespace], datetime, bool]:
        """Each needle removed by the nurse; a rare broken one becomes a documented incident."""
        rng = self.rng
        rows, incidents, bleeding = [], [], False
        for nid, code, side, depth, inserted in needles:
            at += timedelta(seconds=4 + rng.random() * 6)
            roll = rng.random()
            condition = "broken" if roll < 5e-5 else "bent" if roll < 2e-3 else "intact"
            bled = rng.random() < 0.0025
            bleeding = bleeding or bled
            self.add(
                "needle_removals",
                {"id": self.ctx.ids.take("needle_removals"), "insertion_id": nid,
                 "condition": condition, "bleeding": bled, "removed_by": self.nurse,
                 "removed_at": at},
            )  # fmt: skip
            self.event(
                at, self.nurse, "remove needle", entity="needle", entity_id=nid,
                after={"condition": condition, "bleeding": bled},
            )  # fmt: skip
            if condition == "broken":
                label = f"{code} {side}".replace(" midline", "")
                incidents.append(self.incident(nid, label, at))
            rows.append(
                SimpleNamespace(
                    point_code=code, side=side, depth_mm=depth, material=pack.material,
                    diameter_mm=pack.diameter, length_mm=pack.length, inserted_at=inserted,
                    removed_at=at, condition=condition, bleeding=bled,
                )
            )  # fmt: skip
        return rows, incidents, at, bleeding

    def incident(self, nid: int, label: str, at: datetime) -> SimpleNamespace:
        iid = self.ctx.ids.take("incidents")
        what, action = INCIDENT
        documented = at + timedelta(minutes=3)
        self.add(
            "incidents",
            {"id": iid, "session_id": self.sid, "insertion_id": nid, "what_happened": what,
             "action_taken": action, "documented_at": documented, "documented_by": self.nurse,
             "opened_at": at, "opened_by": self.nurse},
        )  # fmt: skip
        self.event(
            documented, self.nurse, "document incident", entity="incident", entity_id=iid,
            after={"what_happened": what, "action_taken": action},
        )  # fmt: skip
        return SimpleNamespace(needle=label, what_happened=what, action_taken=action)

    def close(self, content: SimpleNamespace, bleeding: bool) -> None:
        """Rest, outcome and signature; fills in what the session row and content hash need."""
        rng, out = self.rng, content.needles_out_at
        if rng.random() < 0.03:
            rest_end = out + timedelta(minutes=12 + rng.random() * 7)
            reason = "Patient had to leave for work; felt well."
        else:
            rest_end, reason = out + timedelta(minutes=20 + rng.random() * 5), ""
        self.event(rest_end, self.nurse, "end rest",
                   after={"at": rest_end.isoformat(), "reason": reason})  # fmt: skip
        outcome_at = rest_end + timedelta(seconds=30 + rng.random() * 60)
        pain_before = rng.randint(3, 8)
        pain_after = max(0, pain_before - rng.randint(0, 3))
        events = []
        if bleeding:
            events.append(("bleeding", "mild", "Small bleed at a needle site", "Pressed 1 min"))
        if self.slot.number == 1 and rng.random() < 0.01:
            events.append(("dizziness", "mild", "Light-headed on sitting up", "Rested lying"))
        notes = "Tolerated well." if rng.random() < 0.3 else ""
        for kind, severity, description, action in events:
            self.add(
                "adverse_events",
                {"id": self.ctx.ids.take("adverse_events"), "session_id": self.sid,
                 "kind": kind, "severity": severity, "description": description,
                 "action_taken": action, "recorded_by": self.doctor, "recorded_at": outcome_at},
            )  # fmt: skip
        fields = ("kind", "severity", "description", "action_taken")
        self.event(
            outcome_at, self.doctor, "record outcome",
            before={"pain_before": None, "pain_after": None},
            after={"pain_before": pain_before, "pain_after": pain_after, "notes": notes,
                   "adverse_events": [dict(zip(fields, e, strict=True)) for e in events]},
        )  # fmt: skip
        content.rest_ended_at, content.rest_end_reason = rest_end, reason
        content.pain_before, content.pain_after, content.notes = pain_before, pain_after, notes
        content.outcome_at = outcome_at
        content.adverse_events = [SimpleNamespace(**dict(zip(fields, e, strict=True)))
                                  for e in events]  # fmt: skip
        digest = content_hash(cast(SessionView, content))
        signed_at = outcome_at + timedelta(seconds=20 + rng.random() * 90)
        self.event(signed_at, self.doctor, "sign", after={"content_hash": digest})
        self.add(
            "signatures",
            {"b_id": self.sid, "b_signed_at": signed_at, "b_signed_by": self.doctor,
             "b_content_hash": digest},
        )  # fmt: skip
