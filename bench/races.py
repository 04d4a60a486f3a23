"""Two workstations racing on one database: how many errors reach the user, and in what words.

    python -m bench.races [--url URL] [--rounds N] [--report races.json]

Two engines (Room 1 and Room 2, as two PCs would have) start the same action at the same
instant from two threads, round after round: start today's session for one patient, plan a
course for one patient, save an edit of one patient opened at the same version, type wrong PINs
for one account, save one point-set name in other capitals, remove one needle, sign one
session, change one clinic setting. Counted: what succeeded, what was refused with a typed
AcuDesk error (by type), what reached the user untyped (the "Something went wrong" of the UI),
and every rule the database holds afterwards that it should not.

Without ``--url`` a throwaway SQLite file is used. A database given by ``--url`` must be empty
(no users) and is migrated; the run fills it with its own clinic.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.db.base import Base
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.clock import FakeClock, local_date
from acudesk.domain.consent import Decision
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.needles import Condition, Material, NeedleSpec, PackInput, Side
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.quick_entry import NeedleOrder
from acudesk.domain.roles import Role
from acudesk.services.container import Services

INTACT = Condition.INTACT  # the condition both workstations record

DEFAULT_ROUNDS = 270  # about 4,900 racing operations, as in the clinic-network trial
SIGN_EVERY = 5
WRONG_PINS_EACH = 3
NEEDLES_PER_SESSION = 14
PATIENT = PatientInput("Race Patient", Sex.FEMALE, date(1980, 5, 17), "M42.12")
SPEC = NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0)
CERTIFICATE = CredentialInput(
    CredentialKind.CERTIFICATE, "ACU-1", "Academy", date(2024, 1, 1), date(2030, 1, 1), "Moscow"
)


@dataclass
class Tally:
    operations: int = 0
    succeeded: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    untyped: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def add(self, results: list[object]) -> list[object]:
        for result in results:
            self.operations += 1
            if isinstance(result, AcuDeskError):
                self.refused[type(result).__name__] += 1
            elif isinstance(result, BaseException):
                self.untyped[type(result).__name__] += 1
            else:
                self.succeeded += 1
        return results

    def as_dict(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "succeeded": self.succeeded,
            "refused_typed": dict(self.refused),
            "untyped_errors": dict(self.untyped),
            "rule_violations": self.violations,
        }


def race(*actions: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@dataclass
class Clinic:
    one: Services
    two: Services
    admin: int
    doctors: tuple[int, int]
    nurses: tuple[int, int]
    clock: FakeClock
    patients_made: int = 0

    def patient(self) -> int:
        self.patients_made += 1
        data = replace(PATIENT, full_name=f"Race Patient {self.patients_made}")
        return self.one.patients.register(self.nurses[0], data).id

    def count(self, model: type[Base], *where: Any) -> int:
        with self.one.db.reading() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def session_with_needles(self, needles: int) -> tuple[int, list[int]]:
        doctor, nurse = self.doctors[0], self.nurses[0]
        patient = self.patient()
        course = self.one.courses.plan_course(doctor, patient, 10)
        self.one.consent.record(doctor, course.id, Decision.GIVEN, local_date(self.one.clock.now()))
        s = self.one.sessions
        view = s.start_session(doctor, patient)
        for step in ORDER:
            if step is ChecklistStep.NEEDLES:
                view = s.register_pack(
                    nurse, view.id, PackInput("LOT", date(2029, 1, 31), True), SPEC
                )
            view = s.confirm_check(
                doctor if step is ChecklistStep.SCREENING else nurse,
                view.id,
                step,
                position=Position.PRONE if step is ChecklistStep.POSITION else None,
                agent="Chlorhexidine" if step is ChecklistStep.SKIN_DISINFECTED else None,
            )
        levels = [f"EX-B2-T{n}" for n in range(1, 13)]
        orders = [NeedleOrder(p, side, 6.0) for p in levels for side in (Side.LEFT, Side.RIGHT)]
        view = s.insert_needles(doctor, view.id, orders[:needles], view.packs[0].id)
        s.start_retention(doctor, view.id)
        return view.id, [n.id for n in view.needles]


def build_clinic(url: str) -> tuple[Clinic, list[Database]]:
    clock = FakeClock()
    first = Database(make_engine(url), clock)
    upgrade(first.engine)
    one = Services.build(first)
    if one.users.count():
        raise SystemExit("The database already holds users: give an empty one.")
    second = Database(make_engine(url), clock)
    first.workstation, second.workstation = "Room 1", "Room 2"
    two = Services.build(second, one.points)
    users = one.users
    admin = users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="pw-12345"
    ).id
    doctors = []
    for name, login in (("Dr Elena Ivanova", "ivanova"), ("Dr Pavel Petrov", "petrov")):
        doctor = users.create_user(
            login, name, [Role.ACUPUNCTURIST], pin="1111", password="pw-12345", created_by=admin
        ).id
        users.add_credential(admin, doctor, CERTIFICATE)
        doctors.append(doctor)
    nurses = [
        users.create_user(
            login, name, [Role.NURSE], pin="3333", password="pw-12345", created_by=admin
        ).id
        for name, login in (("Olga Smirnova", "smirnova"), ("Anna Kuznetsova", "kuznetsova"))
    ]
    clinic = Clinic(one, two, admin, (doctors[0], doctors[1]), (nurses[0], nurses[1]), clock)
    return clinic, [first, second]


def run_rounds(c: Clinic, rounds: int) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    edited = c.patient()
    pin_user = c.one.users.create_user(
        "pinuser",
        "Maria Volkova",
        [Role.NURSE],
        pin="5555",
        password="pw-12345",
        created_by=c.admin,
    ).id
    removal: tuple[int, list[int]] = (0, [])
    one, two = c.one, c.two
    d1, d2 = c.doctors
    n1, n2 = c.nurses

    def tally(kind: str) -> Tally:
        return tallies.setdefault(kind, Tally())

    for r in range(rounds):
        # Start today's session for one patient.
        patient = c.patient()
        course = one.courses.plan_course(d1, patient, 10)
        one.consent.record(d1, course.id, Decision.GIVEN, local_date(one.clock.now()))
        tally("start today's session").add(
            race(
                partial(one.sessions.start_session, d1, patient),
                partial(two.sessions.start_session, d2, patient),
            )
        )
        started = c.count(
            m.TreatmentSession,
            m.TreatmentSession.course_id == m.Course.id,
            m.Course.patient_id == patient,
        )
        if started != 1:
            tally("start today's session").violations.append(
                f"patient {patient}: {started} sessions"
            )

        # Plan a course for one patient.
        patient = c.patient()
        tally("plan a course").add(
            race(
                partial(one.courses.plan_course, d1, patient, 10),
                partial(two.courses.plan_course, d2, patient, 15),
            )
        )
        courses = c.count(m.Course, m.Course.patient_id == patient)
        if courses != 1:
            tally("plan a course").violations.append(f"patient {patient}: {courses} open courses")

        # Save an edit of one patient, both opened at the same version.
        opened = one.patients.get(edited)
        results = tally("edit one patient").add(
            race(
                partial(
                    one.patients.update,
                    n1,
                    edited,
                    replace(opened.data, contact=f"1-{r}"),
                    opened.version_id,
                ),
                partial(
                    two.patients.update,
                    n2,
                    edited,
                    replace(opened.data, contact=f"2-{r}"),
                    opened.version_id,
                ),
            )
        )
        now = one.patients.get(edited)
        saved = sum(not isinstance(x, BaseException) for x in results)
        if now.version_id != opened.version_id + saved or saved != 1:
            tally("edit one patient").violations.append(f"round {r}: {saved} saves")

        # Wrong PINs for one account from both workstations.
        def wrong(services: Services) -> list[object]:
            out: list[object] = []
            for _ in range(WRONG_PINS_EACH):
                try:
                    out.append(services.auth.switch_user(pin_user, "0000"))
                except Exception as error:
                    out.append(error)
            return out

        pins = race(partial(wrong, one), partial(wrong, two))
        attempts = [x for batch in pins for x in batch]  # type: ignore[attr-defined]
        tally("wrong PINs").add(attempts)
        counted = sum("PIN is not correct" in str(x) for x in attempts)
        with one.db.reading() as s:
            user = s.get(m.User, pin_user)
            failures = user.failed_attempts if user else -1
        if counted != 5 or failures != 5:
            tally("wrong PINs").violations.append(
                f"round {r}: {counted} counted, {failures} stored"
            )
        one.users.reset_secrets(c.admin, pin_user)

        # One point-set name in other capitals.
        orders = [NeedleOrder("GB20", Side.LEFT, 8.0)]
        tally("point-set name").add(
            race(
                partial(one.protocols.save_protocol, d1, f"Neck set {r}", orders),
                partial(two.protocols.save_protocol, d2, f"NECK  SET {r}", orders),
            )
        )

        # Remove one needle.
        if not removal[1]:
            removal = c.session_with_needles(NEEDLES_PER_SESSION)
        session, needles = removal
        needle = needles.pop()
        tally("remove one needle").add(
            race(
                partial(
                    one.sessions.remove_needle,
                    n1,
                    session,
                    needle,
                    Condition.INTACT,
                    bleeding=False,
                ),
                partial(
                    two.sessions.remove_needle,
                    n2,
                    session,
                    needle,
                    Condition.INTACT,
                    bleeding=False,
                ),
            )
        )
        removals = c.count(m.NeedleRemoval, m.NeedleRemoval.insertion_id == needle)
        if removals != 1:
            tally("remove one needle").violations.append(f"needle {needle}: {removals} removals")

        # Change one clinic setting.
        tally("clinic setting").add(
            race(
                partial(one.clinic.change, c.admin, "rest_minutes", 20 + r % 10),
                partial(two.clinic.change, c.admin, "rest_minutes", 40 + r % 10),
            )
        )

        # Sign one session.
        if r % SIGN_EVERY == 0:
            session, _ = c.session_with_needles(1)
            one.sessions.remove_all(n1, session, "1")
            c.clock.advance(minutes=60)
            one.sessions.end_rest(n1, session)
            one.sessions.record_outcome(d1, session, pain_before=5, pain_after=2)
            tally("sign one session").add(
                race(
                    partial(one.sessions.sign, d1, session, "1111"),
                    partial(two.sessions.sign, d2, session, "1111"),
                )
            )
            signs = c.count(
                m.AuditEvent, m.AuditEvent.action == "sign", m.AuditEvent.entity_id == session
            )
            if signs != 1:
                tally("sign one session").violations.append(
                    f"session {session}: {signs} signatures"
                )

    names = [p.name for p in one.protocols.list_protocols()]
    keys = {" ".join(n.split()).casefold() for n in names}
    if len(keys) != len(names) or len(names) != rounds:
        tally("point-set name").violations.append(f"{len(names)} sets, {len(keys)} names")
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.races", description=__doc__)
    parser.add_argument("--url", help="an empty database (default: a throwaway SQLite file)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--report", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'races.sqlite3'}"
        clinic, databases = build_clinic(url)
        started = time.perf_counter()
        try:
            tallies = run_rounds(clinic, args.rounds)
        finally:
            for db in databases:
                db.dispose()
        seconds = time.perf_counter() - started
    total = Tally()
    print(
        f"| race ({clinic.one.db.dialect}, {args.rounds} rounds) | operations | succeeded | "
        "refused (typed) | untyped errors | rule violations |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    for kind, t in tallies.items():
        refused = ", ".join(f"{n} {k}" for k, n in sorted(t.refused.items())) or "0"
        print(
            f"| {kind} | {t.operations} | {t.succeeded} | {refused} | "
            f"{sum(t.untyped.values())} | {len(t.violations)} |"
        )
        total.operations += t.operations
        total.succeeded += t.succeeded
        total.refused.update(t.refused)
        total.untyped.update(t.untyped)
        total.violations += t.violations
    print(
        f"| all | {total.operations} | {total.succeeded} | {sum(total.refused.values())} | "
        f"{sum(total.untyped.values())} | {len(total.violations)} |"
    )
    print(f"{seconds:.0f} s")
    if args.report:
        report = {k: t.as_dict() for k, t in tallies.items()}
        report["all"] = total.as_dict()
        args.report.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if total.untyped or total.violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
