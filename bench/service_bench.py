"""The measurements taken in-process, through the services the window calls."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, select, text

from acudesk.db import models as m
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from bench.scenario import Actors, bench_patient, needle_plan, open_session
from bench.stats import ms, percentile

FLOOR_TABLE = "bench_commit_floor"


@dataclass(frozen=True)
class Percentiles:
    p50_ms: float
    p99_ms: float
    max_ms: float
    n: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Percentiles:
        return cls(
            ms(percentile(seconds, 50)), ms(percentile(seconds, 99)), ms(max(seconds)), len(seconds)
        )


def needle_log(
    services: Services, who: Actors, runs: int, needles: int, reset: Callable[[], object]
) -> tuple[list[Percentiles], SessionView]:
    """Per run: a new bench patient's session, ``needles`` needles logged one action each.

    Between runs the database is reset; the last run's session stays open (the memory probe
    shows it on the session screen).
    """
    results: list[Percentiles] = []
    for run in range(runs):
        if run:
            reset()
        view = open_session(services, who, bench_patient(services, who, f"Needles {run + 1}"))
        pack = view.packs[0].id
        times = []
        for code, side, depth in needle_plan(services, needles, seed=100 + run):
            started = time.perf_counter()
            view = services.sessions.insert_needle(who.doctor, view.id, code, side, depth, pack)
            times.append(time.perf_counter() - started)
        assert len(view.needles) == needles
        results.append(Percentiles.of(times))
    return results, view


def commit_floor(engine: Engine, count: int) -> Percentiles:
    """A bare one-row committed insert on the engine ``make_engine`` built (AcuDesk's pragmas)."""
    table = Table(
        FLOOR_TABLE,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("value", String(20)),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)
    times = []
    try:
        for n in range(count):
            started = time.perf_counter()
            with engine.begin() as c:
                c.execute(table.insert().values(value=f"row {n}"))
            times.append(time.perf_counter() - started)
    finally:
        table.drop(engine, checkfirst=True)
    return Percentiles.of(times)


def search_queries(services: Services, seed: int, names: int, dobs: int) -> list[tuple[str, str]]:
    """What a receptionist types: a word of a name letter by letter, or a date of birth."""
    rng = random.Random(seed)
    with services.db.reading() as s:
        total = s.scalar(select(func.count()).select_from(m.Patient)) or 0
        found = s.execute(
            select(m.Patient.full_name, m.Patient.date_of_birth).where(
                m.Patient.id.in_(rng.sample(range(1, total + 1), min(total, names + dobs)))
            )
        ).all()
    rows: list[tuple[str, date]] = [(name, dob) for name, dob in found]
    rng.shuffle(rows)
    queries: list[tuple[str, str]] = []
    for full_name, _dob in rows[:names]:
        word = rng.choice(full_name.split())
        queries.extend(("name", word[:n]) for n in range(1, min(len(word), 5) + 1))
    queries.extend(("dob", f"{dob:%d.%m.%Y}") for _name, dob in rows[names : names + dobs])
    return queries


def patient_search(services: Services, queries: Sequence[tuple[str, str]]) -> dict[str, Any]:
    times: dict[str, list[float]] = {"name": [], "dob": []}
    for kind, query in queries:
        started = time.perf_counter()
        services.patients.search(query)
        times[kind].append(time.perf_counter() - started)
    every = times["name"] + times["dob"]
    return {
        "all": Percentiles.of(every),
        "name": Percentiles.of(times["name"]),
        "dob": Percentiles.of(times["dob"]),
    }


def history_open(services: Services, patient_ids: Sequence[int]) -> Percentiles:
    """Opening a patient to the history view: PatientService.get + CourseService.history."""
    times = []
    for pid in patient_ids:
        started = time.perf_counter()
        services.patients.get(pid)
        history = services.courses.history(pid)
        times.append(time.perf_counter() - started)
        assert sum(len(c.rows) for c in history.courses) == 40, pid
    return Percentiles.of(times)


def history_patients(services: Services, limit: int) -> list[int]:
    """Patients with exactly three courses and forty sessions, as the generator makes them."""
    ts, c = m.TreatmentSession, m.Course
    query = (
        select(c.patient_id)
        .join(ts, ts.course_id == c.id)
        .group_by(c.patient_id)
        .having(func.count(func.distinct(c.id)) == 3, func.count(ts.id) == 40)
        .order_by(c.patient_id)
        .limit(limit)
    )
    with services.db.reading() as s:
        return list(s.scalars(query))


def sqlite_details(services: Services) -> dict[str, Any]:
    if services.db.dialect != "sqlite":
        return {}
    with services.db.engine.connect() as c:
        return {
            "sqlite_version": c.scalar(text("select sqlite_version()")),
            "journal_mode": c.scalar(text("pragma journal_mode")),
            "synchronous": c.scalar(text("pragma synchronous")),
        }
