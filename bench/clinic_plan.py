"""Ten years of a five-room clinic, planned before a row is written.

Everything follows from the seed: who registered when, who was treated, each course's length and
the days its sessions were given, the points of each course's protocol. ``bench.records`` turns the
plan into rows one day at a time.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from acudesk.domain.catalog import PointCatalog
from acudesk.domain.needles import Side
from acudesk.domain.patients import Sex

# The last day of the generated history: fixed, so one seed always gives one database.
END_DATE = date(2025, 10, 31)
YEARS = 10
START_DATE = date(END_DATE.year - YEARS, END_DATE.month, END_DATE.day)
ROOMS = 5
FULL_PATIENTS = 20_000
FULL_SESSIONS = 150_000
# Patients with three courses (10 + 15 + 15 = 40 sessions): the history-view benchmark opens them.
HISTORY_SHARE = 0.02
HISTORY_COURSES = (10, 15, 15)
# The clinic works Monday to Saturday, 08:00-20:00 Moscow time (UTC+3, no daylight saving).
CLINIC_UTC_OFFSET = timedelta(hours=3)
SLOT_MINUTES = 50

FEMALE_FIRST = (
    "Anna", "Elena", "Olga", "Tatiana", "Natalia", "Irina", "Svetlana", "Maria", "Ekaterina",
    "Yulia", "Anastasia", "Galina", "Lyudmila", "Marina", "Nadezhda", "Valentina", "Larisa",
    "Vera", "Oksana", "Daria", "Ksenia", "Polina", "Alla", "Zoya", "Inna", "Raisa", "Lidia",
    "Sofia", "Alina", "Viktoria",
)  # fmt: skip
# Male first names with the stem of the patronymic they give (Sergei -> Sergeevich, Sergeevna).
MALE_FIRST = (
    ("Alexander", "Alexandrov"), ("Sergei", "Sergeev"), ("Dmitry", "Dmitriev"),
    ("Andrei", "Andreev"), ("Alexei", "Alexeev"), ("Ivan", "Ivanov"), ("Mikhail", "Mikhailov"),
    ("Vladimir", "Vladimirov"), ("Nikolai", "Nikolaev"), ("Yuri", "Yuryev"), ("Pavel", "Pavlov"),
    ("Viktor", "Viktorov"), ("Oleg", "Olegov"), ("Igor", "Igorev"),
    ("Konstantin", "Konstantinov"), ("Roman", "Romanov"), ("Maxim", "Maximov"),
    ("Evgeny", "Evgenyev"), ("Boris", "Borisov"), ("Anatoly", "Anatolyev"),
    ("Gennady", "Gennadyev"), ("Vasily", "Vasilyev"), ("Stanislav", "Stanislavov"),
    ("Artem", "Artemov"), ("Denis", "Denisov"), ("Kirill", "Kirillov"), ("Leonid", "Leonidov"),
    ("Grigory", "Grigoryev"), ("Fyodor", "Fyodorov"), ("Timur", "Timurov"),
)  # fmt: skip
SURNAMES = (
    "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov",
    "Novikov", "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Egorov",
    "Pavlov", "Kozlov", "Stepanov", "Nikolaev", "Orlov", "Andreev", "Makarov", "Nikitin",
    "Zakharov", "Zaitsev", "Solovyov", "Borisov", "Yakovlev", "Grigoriev", "Romanov",
    "Vorobyov", "Sergeev", "Kuzmin", "Frolov", "Alexandrov", "Dmitriev", "Korolev", "Gusev",
    "Kiselev", "Ilyin", "Maximov", "Polyakov", "Sorokin", "Vinogradov", "Kovalev", "Belov",
    "Medvedev", "Antonov", "Tarasov", "Zhukov", "Baranov", "Filippov", "Komarov", "Davydov",
    "Belyaev", "Gerasimov", "Bogdanov", "Osipov", "Sidorov", "Matveev", "Titov", "Markov",
    "Mironov", "Krylov", "Kulikov", "Karpov", "Vlasov", "Melnikov", "Denisov", "Gavrilov",
    "Tikhonov", "Kazakov", "Afanasiev", "Danilov", "Savelyev", "Timofeev", "Fomin", "Chernov",
    "Abramov", "Martynov", "Efimov", "Fedotov", "Shcherbakov", "Nazarov", "Kalinin",
    "Isaev", "Chernyshev", "Bykov", "Maslov", "Rodionov", "Konovalov", "Lazarev", "Voronin",
    "Klimov", "Filatov", "Ponomarev", "Golubev", "Kudryavtsev", "Prokhorov", "Naumov",
    "Potapov", "Zhuravlev", "Ovchinnikov", "Trofimov", "Leonov", "Sobolev", "Ermakov",
    "Kolesnikov", "Goncharov", "Emelyanov", "Nikiforov", "Grachev", "Kotov", "Grishin",
    "Efremov", "Arkhipov", "Gromov", "Kirillov", "Malyshev", "Panov", "Moiseev", "Rumyantsev",
    "Akimov", "Kondratiev", "Biryukov", "Gorbunov", "Anisimov", "Eremin", "Tikhomirov",
    "Galkin", "Lukyanov", "Mikheev", "Skvortsov", "Yudin", "Belousov", "Nesterov", "Simonov",
    "Prokofiev", "Kharitonov", "Knyazev", "Tsvetkov", "Levin", "Mitrofanov", "Voronov",
    "Aksenov", "Sofronov", "Maltsev", "Loginov", "Gorshkov", "Savin", "Krasnov", "Mayorov",
    "Demidov", "Eliseev", "Rybakov", "Safonov", "Plotnikov", "Demin", "Khokhlov", "Fadeev",
    "Molchanov", "Ignatov", "Litvinov", "Ershov", "Ushakov", "Dementiev", "Ryabov", "Mukhin",
    "Kalashnikov", "Leontiev", "Lobanov", "Kuzin", "Korneev", "Evdokimov", "Borodin",
    "Platonov", "Nekrasov", "Balashov", "Bobrov", "Zhdanov", "Blinov", "Ignatiev", "Korotkov",
    "Muravyov", "Kryukov", "Belyakov", "Bogomolov", "Drozdov", "Lavrov", "Zuev", "Petukhov",
    "Larin", "Nikulin", "Serov", "Terentiev", "Zotov", "Ustinov", "Fokin", "Samoilov",
    "Konstantinov", "Sakharov", "Shishkin", "Samsonov", "Cherkasov", "Chistyakov", "Nosov",
    "Spiridonov", "Karasev", "Avdeev", "Vorontsov", "Zverev", "Vladimirov", "Seleznev",
    "Nechaev", "Kudryashov", "Sedov", "Firsov", "Andrianov", "Panin", "Golovin", "Terekhov",
    "Ulyanov", "Shestakov", "Ageev", "Nikonov", "Selivanov", "Bazhenov", "Gordeev", "Kozhevnikov",
    "Pakhomov", "Zimin", "Kostin", "Shirokov", "Filimonov", "Larionov", "Ovsyannikov", "Sazonov",
    "Suvorov", "Nefedov", "Kornilov", "Lyubimov", "Lvov", "Gorbachev", "Kopylov", "Lukin",
    "Tokarev", "Kuleshov", "Shilov", "Bolshakov", "Pankratov", "Rodin", "Shapovalov", "Pokrovsky",
    "Bocharov", "Nikolsky", "Markin", "Gorelov", "Agafonov", "Berezin", "Ermolaev", "Zubkov",
    "Kupriyanov", "Trifonov", "Maslennikov", "Kruglov", "Tretyakov", "Kolosov", "Rozhkov",
    "Artamonov", "Shmelev", "Laptev", "Lapshin", "Fedoseev", "Zinoviev", "Zorin", "Utkin",
    "Stolyarov", "Zubov", "Tkachev", "Dorofeev", "Antipov", "Zavyalov", "Sviridov", "Zolotarev",
    "Kulakov", "Meshcheryakov", "Makeev", "Dyakonov", "Guryev", "Bychkov", "Sinitsyn",
)  # fmt: skip

# ICD-10 M42.1x with weights, and where each site is needled.
DIAGNOSES = (
    ("M42.12", 30, ("neck", "upper_back", "shoulder", "hand")),
    ("M42.13", 14, ("neck", "upper_back", "shoulder", "arm")),
    ("M42.16", 20, ("lower_back", "sacrum_buttock", "leg", "foot")),
    ("M42.17", 15, ("lower_back", "sacrum_buttock", "leg", "foot")),
    ("M42.14", 7, ("upper_back", "arm", "leg")),
    ("M42.15", 5, ("upper_back", "lower_back", "leg")),
    ("M42.10", 4, ("neck", "upper_back", "lower_back", "leg")),
    ("M42.11", 2, ("neck", "head_face", "hand")),
    ("M42.18", 2, ("sacrum_buttock", "lower_back", "leg")),
    ("M42.19", 1, ("neck", "upper_back", "lower_back")),
)
COMPLAINTS = {
    "neck": "Neck pain and stiffness, headaches after desk work, poor sleep.",
    "upper_back": "Aching between the shoulder blades, worse by evening; fatigue.",
    "lower_back": "Low-back pain for years, stiffness in the morning, worse after lifting.",
    "sacrum_buttock": "Pain in the sacrum radiating to the buttock, worse when sitting.",
    "head_face": "Pain at the base of the skull, dizziness on turning the head.",
}
MEDICATIONS = (
    "Meloxicam 7.5 mg once daily", "Tolperisone 150 mg twice daily",
    "Amlodipine 5 mg once daily", "Metformin 1000 mg twice daily", "Warfarin 5 mg once daily",
)  # fmt: skip


@dataclass
class PatientPlan:
    registered_at: datetime
    full_name: str
    sex: Sex
    date_of_birth: date
    diagnosis: str
    contact: str
    complaints: str
    medications: str = ""
    massage_days: frozenset[int] = frozenset()
    exercise_days: frozenset[int] = frozenset()
    electrical_days: frozenset[int] = frozenset()
    pregnant: bool = False
    acute_infection: bool = False
    exacerbation: bool = False
    malignancy: bool = False
    skin_lesion_regions: frozenset[str] = frozenset()
    courses: list[CoursePlan] = field(default_factory=list)
    history: bool = False
    id: int = 0


@dataclass
class CoursePlan:
    patient: PatientPlan
    number: int
    length: int
    days: list[date]
    protocol: tuple[tuple[str, Side, float], ...]  # point, side, usual depth (mm)
    override: tuple[int, int, str] | None = None  # session number, minutes, reason
    id: int = 0


@dataclass(frozen=True)
class SessionSlot:
    course: CoursePlan
    number: int
    room: int
    starts_at: datetime  # UTC


@dataclass
class ClinicPlan:
    patients: list[PatientPlan]
    sessions_by_day: dict[date, list[SessionSlot]]
    registrations_by_day: dict[date, list[PatientPlan]]

    @property
    def session_count(self) -> int:
        return sum(len(v) for v in self.sessions_by_day.values())

    @property
    def days(self) -> list[date]:
        return sorted(set(self.sessions_by_day) | set(self.registrations_by_day))


def to_utc(day: date, local: time) -> datetime:
    return datetime.combine(day, local, tzinfo=UTC) - CLINIC_UTC_OFFSET


def clinic_day(moment: datetime) -> date:
    return (moment + CLINIC_UTC_OFFSET).date()


def _working_day(day: date) -> date:
    return day + timedelta(days=1) if day.isoweekday() == 7 else day


def _course_days(rng: random.Random, first: date, count: int) -> list[date]:
    """Working days from ``first``: daily, or every other day for a third of the courses."""
    step = 2 if rng.random() < 0.3 else 1
    days: list[date] = []
    day = _working_day(first)
    while len(days) < count and day <= END_DATE:
        days.append(day)
        day = _working_day(day + timedelta(days=step))
    return days


class _Planner:
    def __init__(self, rng: random.Random, catalog: PointCatalog) -> None:
        self.rng = rng
        self.by_region = {
            region: catalog.by_region(region) for _, _, regions in DIAGNOSES for region in regions
        }

    def patient(self, registered: date, *, age: int) -> PatientPlan:
        rng = self.rng
        sex = Sex.FEMALE if rng.random() < 0.6 else Sex.MALE
        first = rng.choice(FEMALE_FIRST) if sex is Sex.FEMALE else rng.choice(MALE_FIRST)[0]
        patronymic = rng.choice(MALE_FIRST)[1] + ("na" if sex is Sex.FEMALE else "ich")
        surname = rng.choice(SURNAMES)
        if sex is Sex.FEMALE:
            surname = surname[:-1] + "aya" if surname.endswith("sky") else surname + "a"
        code, _, regions = rng.choices(DIAGNOSES, weights=[d[1] for d in DIAGNOSES])[0]
        born = registered - timedelta(days=age * 365 + rng.randint(20, 340))
        at = to_utc(
            registered, time(8 + rng.randint(0, 10), rng.randint(0, 59), rng.randint(0, 59))
        )
        p = PatientPlan(
            registered_at=at + timedelta(microseconds=rng.randint(0, 999_999)),
            full_name=f"{first} {patronymic} {surname}",
            sex=sex,
            date_of_birth=born,
            diagnosis=code,
            contact=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
            f"{rng.randint(10, 99)}",
            complaints=COMPLAINTS.get(regions[0], COMPLAINTS["neck"]),
        )
        if rng.random() < 0.15:
            p.medications = rng.choice(MEDICATIONS)
        if rng.random() < 0.3:
            p.massage_days = frozenset(rng.sample(range(1, 6), 2))
        if rng.random() < 0.3:
            p.exercise_days = frozenset({1, 3, 5})
        if rng.random() < 0.08:
            p.electrical_days = frozenset({rng.randint(1, 6)})
        return p

    def refused(self, p: PatientPlan) -> None:
        """A registered patient never treated: a contraindication found at the first visit."""
        kind = self.rng.randint(0, 3)
        p.exacerbation = kind == 0
        p.acute_infection = kind == 1
        p.pregnant = kind == 2 and p.sex is Sex.FEMALE
        p.malignancy = kind == 3

    def protocol(self, diagnosis: str) -> tuple[tuple[str, Side, float], ...]:
        rng = self.rng
        regions = next(r for c, _, r in DIAGNOSES if c == diagnosis)
        chosen: list[tuple[str, Side, float]] = []
        seen: set[str] = set()
        while len(chosen) < 14:
            region = regions[0] if rng.random() < 0.5 else rng.choice(regions)
            point = rng.choice(self.by_region[region])
            if point.code in seen:
                continue
            seen.add(point.code)
            depth = rng.choice((3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0))
            depth = min(depth, point.depth_limit_mm)
            sides = (Side.LEFT, Side.RIGHT) if point.bilateral else (Side.MIDLINE,)
            chosen.extend((point.code, side, depth) for side in sides)
        return tuple(chosen)

    def course(self, p: PatientPlan, length: int, first: date, given: int) -> CoursePlan | None:
        days = _course_days(self.rng, first, given)
        if not days:
            return None
        c = CoursePlan(p, len(p.courses) + 1, length, days, self.protocol(p.diagnosis))
        if self.rng.random() < 0.01 and len(days) < length:
            c.override = (len(days) + 1, 20, "Patient asked for a shorter session (work).")
        elif self.rng.random() < 0.01:
            c.override = (1, 3, "Anxious about needles: first session kept short.")
        p.courses.append(c)
        return c


def plan_clinic(seed: int, scale: float, catalog: PointCatalog) -> ClinicPlan:
    rng = random.Random(seed)
    planner = _Planner(rng, catalog)
    n_patients = max(10, round(FULL_PATIENTS * scale))
    budget = max(40, round(FULL_SESSIONS * scale))
    n_history = max(2, round(n_patients * HISTORY_SHARE))
    span = (END_DATE - START_DATE).days

    patients: list[PatientPlan] = []
    for _ in range(n_history):
        first = START_DATE + timedelta(days=rng.randint(30, span - 520))
        p = planner.patient(first - timedelta(days=rng.randint(1, 14)), age=rng.randint(30, 68))
        p.history = True
        day = first
        for length in HISTORY_COURSES:
            c = planner.course(p, length, day, length)
            assert c is not None and len(c.days) == length
            day = c.days[-1] + timedelta(days=rng.randint(150, 200))
        budget -= sum(HISTORY_COURSES)
        patients.append(p)

    others: list[PatientPlan] = []
    for _ in range(n_patients - n_history):
        registered = START_DATE + timedelta(days=rng.randint(0, span - 1))
        others.append(planner.patient(registered, age=rng.randint(25, 68)))
    for p in others:
        first = p.registered_at.date() + timedelta(days=rng.randint(1, 14))
        while budget > 0 and first <= END_DATE:
            length = 15 if rng.random() < 0.3 else 10
            given = length if rng.random() > 0.12 else rng.randint(1, length - 1)
            c = planner.course(p, length, first, min(given, budget))
            if c is None:
                break
            budget -= len(c.days)
            if rng.random() > 0.25:
                break
            first = c.days[-1] + timedelta(days=rng.randint(90, 270))
        if not p.courses:
            if rng.random() < 0.1:
                planner.refused(p)
            elif rng.random() < 0.05:
                p.skin_lesion_regions = frozenset({"upper_back"})
    patients.extend(others)
    patients.sort(key=lambda p: p.registered_at)
    for number, p in enumerate(patients, start=1):
        p.id = number
    return ClinicPlan(patients, _schedule(rng, patients), _registrations(patients))


def _registrations(patients: list[PatientPlan]) -> dict[date, list[PatientPlan]]:
    by_day: dict[date, list[PatientPlan]] = defaultdict(list)
    for p in patients:
        by_day[clinic_day(p.registered_at)].append(p)
    return by_day


def _schedule(rng: random.Random, patients: list[PatientPlan]) -> dict[date, list[SessionSlot]]:
    """Each day's sessions in slots of 50 minutes from 08:00, five rooms side by side."""
    wanted: dict[date, list[tuple[CoursePlan, int]]] = defaultdict(list)
    for p in patients:
        for c in p.courses:
            for number, day in enumerate(c.days, start=1):
                wanted[day].append((c, number))
    by_day: dict[date, list[SessionSlot]] = {}
    for day in sorted(wanted):
        todays = wanted[day]
        rng.shuffle(todays)
        slots = []
        for index, (course, number) in enumerate(todays):
            minutes = 8 * 60 + (index // ROOMS) * SLOT_MINUTES + rng.randint(0, 8)
            start = to_utc(day, time(0)) + timedelta(
                minutes=minutes, seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999_999)
            )
            slots.append(SessionSlot(course, number, index % ROOMS, start))
        slots.sort(key=lambda s: s.starts_at)
        by_day[day] = slots
    return by_day
