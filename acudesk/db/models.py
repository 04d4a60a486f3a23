"""The whole AcuDesk schema. Absolute rules are enforced here too, not only in the services."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from acudesk.db.base import Base
from acudesk.db.types import UTCDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Every workstation's log-in writes the failure counter; the administrator edits the rest.
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    credentials: Mapped[list[Credential]] = relationship(back_populates="user")

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012 (SQLAlchemy reads it)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint("role IN ('acupuncturist', 'nurse', 'administrator')", name="role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class Credential(Base):
    """A practitioner's medical diploma or acupuncture training certificate."""

    __tablename__ = "credentials"
    __table_args__ = (CheckConstraint("kind IN ('diploma', 'certificate')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    training_place: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(back_populates="credentials")


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("sex IN ('female', 'male')", name="sex"),
        Index("ix_patients_search_name", "search_name"),
        Index("ix_patients_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(200), default="")
    diagnosis_code: Mapped[str] = mapped_column(String(10))
    complaints: Mapped[str] = mapped_column(Text, default="")
    medications: Mapped[str] = mapped_column(Text, default="")
    massage_days: Mapped[str] = mapped_column(String(20), default="")
    exercise_days: Mapped[str] = mapped_column(String(20), default="")
    electrical_days: Mapped[str] = mapped_column(String(20), default="")
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    acute_infection: Mapped[bool] = mapped_column(Boolean, default=False)
    blood_disorder: Mapped[bool] = mapped_column(Boolean, default=False)
    malignancy: Mapped[bool] = mapped_column(Boolean, default=False)
    exacerbation: Mapped[bool] = mapped_column(Boolean, default=False)
    skin_lesion_regions: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    courses: Mapped[list[Course]] = relationship(back_populates="patient", order_by="Course.number")

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012 (SQLAlchemy reads it)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("patient_id", "number", name="uq_courses_patient_number"),
        CheckConstraint("sessions_planned BETWEEN 1 AND 30", name="sessions_planned"),
        CheckConstraint("first_minutes BETWEEN 1 AND 15", name="first_minutes"),
        CheckConstraint("last_minutes BETWEEN 10 AND 45", name="last_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sessions_planned: Mapped[int] = mapped_column(Integer)
    first_minutes: Mapped[int] = mapped_column(Integer)
    last_minutes: Mapped[int] = mapped_column(Integer)
    planned_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    patient: Mapped[Patient] = relationship(back_populates="courses")
    sessions: Mapped[list[TreatmentSession]] = relationship(
        back_populates="course", order_by="TreatmentSession.number"
    )
    overrides: Mapped[list[DurationOverride]] = relationship(back_populates="course")


class DurationOverride(Base):
    """One session's duration changed by the acupuncturist, with the reason kept."""

    __tablename__ = "duration_overrides"
    __table_args__ = (
        CheckConstraint("minutes BETWEEN 1 AND 45", name="minutes"),
        CheckConstraint("length(reason) > 0", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    session_number: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="overrides")


class TreatmentSession(Base):
    __tablename__ = "treatment_sessions"
    __table_args__ = (
        UniqueConstraint("course_id", "number", name="uq_treatment_sessions_course_number"),
        CheckConstraint("planned_minutes BETWEEN 1 AND 45", name="planned_minutes"),
        CheckConstraint("pain_before IS NULL OR pain_before BETWEEN 0 AND 10", name="pain_before"),
        CheckConstraint("pain_after IS NULL OR pain_after BETWEEN 0 AND 10", name="pain_after"),
        Index("ix_treatment_sessions_open", "signed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    planned_minutes: Mapped[int] = mapped_column(Integer)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    alarm_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alarm_acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    needles_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rest_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rest_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rest_end_reason: Mapped[str] = mapped_column(Text, default="")
    rest_ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # Where it was started: this workstation's name and the room or couch it serves.
    workstation: Mapped[str] = mapped_column(String(100), default="", server_default="")
    room: Mapped[str] = mapped_column(String(100), default="", server_default="")

    course: Mapped[Course] = relationship(back_populates="sessions")

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012 (SQLAlchemy reads it)


class Screening(Base):
    """Contraindications asked at course planning and again on the day of each session."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    screened_on: Mapped[date] = mapped_column(Date)
    may_start: Mapped[bool] = mapped_column(Boolean)
    findings: Mapped[str] = mapped_column(Text, default="")
    caution_reasons: Mapped[str] = mapped_column(Text, default="")
    performed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChecklistConfirmation(Base):
    __tablename__ = "checklist_confirmations"
    __table_args__ = (
        UniqueConstraint("session_id", "step", name="uq_checklist_confirmations_session_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(200), default="")
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NeedlePack(Base):
    __tablename__ = "needle_packs"
    __table_args__ = (
        CheckConstraint("length(lot) > 0", name="lot"),
        CheckConstraint("diameter_mm > 0 AND diameter_mm <= 0.5", name="diameter"),
        CheckConstraint("length_mm > 0 AND length_mm <= 150", name="length"),
        CheckConstraint("material IN ('stainless_steel', 'gold', 'silver')", name="material"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14), default="")
    lot: Mapped[str] = mapped_column(String(64))
    expiry: Mapped[date] = mapped_column(Date)
    material: Mapped[str] = mapped_column(String(20))
    diameter_mm: Mapped[float] = mapped_column(Float)
    length_mm: Mapped[float] = mapped_column(Float)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NeedleInsertion(Base):
    __tablename__ = "needle_insertions"
    __table_args__ = (
        CheckConstraint("depth_mm > 0 AND depth_mm <= 20", name="depth_mm"),
        CheckConstraint("depth_mm < length_mm", name="depth_below_length"),
        CheckConstraint("side IN ('left', 'right', 'midline')", name="side"),
        CheckConstraint("material IN ('stainless_steel', 'gold', 'silver')", name="material"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("needle_packs.id"))
    point_code: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(10))
    depth_mm: Mapped[float] = mapped_column(Float)
    material: Mapped[str] = mapped_column(String(20))
    diameter_mm: Mapped[float] = mapped_column(Float)
    length_mm: Mapped[float] = mapped_column(Float)
    deep_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    inserted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    inserted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    removal: Mapped[NeedleRemoval | None] = relationship(back_populates="insertion")


class NeedleRemoval(Base):
    __tablename__ = "needle_removals"
    __table_args__ = (
        CheckConstraint("condition IN ('intact', 'bent', 'broken', 'missing')", name="condition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    insertion_id: Mapped[int] = mapped_column(ForeignKey("needle_insertions.id"), unique=True)
    condition: Mapped[str] = mapped_column(String(10))
    bleeding: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    insertion: Mapped[NeedleInsertion] = relationship(back_populates="removal")


class Incident(Base):
    """A broken or missing needle, documented before the session may close."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    insertion_id: Mapped[int | None] = mapped_column(ForeignKey("needle_insertions.id"))
    what_happened: Mapped[str] = mapped_column(Text, default="")
    action_taken: Mapped[str] = mapped_column(Text, default="")
    documented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    documented_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AdverseEvent(Base):
    __tablename__ = "adverse_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('bleeding', 'pain', 'dizziness', 'nausea', 'broken_needle', 'other')",
            name="kind",
        ),
        CheckConstraint("severity IN ('mild', 'moderate', 'severe')", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text, default="")
    action_taken: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Addendum(Base):
    """A correction to a signed session; the original stays as it was."""

    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_sessions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))


class Consent(Base):
    """The patient's informed consent to a course, or the refusal (Federal Law 323-FZ art. 20).

    One decision per row; a later decision for the same course is a new row (the latest counts),
    so a refusal is never overwritten and stays visible.
    """

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("decision IN ('given', 'refused')", name="decision"),
        CheckConstraint("length(text_version) > 0", name="text_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    decided_on: Mapped[date] = mapped_column(Date)
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Which consent text the patient read: the template's version label and a hash of its text.
    text_version: Mapped[str] = mapped_column(String(40))
    text_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionPrice(Base):
    """The price of a session from a date on; each session costs the price in effect on its day."""

    __tablename__ = "session_prices"
    __table_args__ = (
        UniqueConstraint("effective_from", name="uq_session_prices_effective_from"),
        CheckConstraint("amount_minor >= 0", name="amount_minor"),
        CheckConstraint("length(currency) = 3", name="currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # In the currency's minor unit (kopecks): 1 200,50 RUB is 120050.
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    effective_from: Mapped[date] = mapped_column(Date)
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Protocol(Base):
    """A saved point set, e.g. "cervical osteochondrosis, basic"."""

    __tablename__ = "protocols"
    __table_args__ = (Index("uq_protocols_name_key", "name_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The name as people compare it: "Neck set", "NECK SET" and "шея" / "ШЕЯ" are one name
    # (Unicode case folding, which SQLite's lower() does only for ASCII), so the database
    # keeps one of each whichever workstation saves first.
    name_key: Mapped[str] = mapped_column(String(800), server_default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProtocolPoint(Base):
    __tablename__ = "protocol_points"
    __table_args__ = (
        CheckConstraint("depth_mm > 0 AND depth_mm <= 20", name="depth_mm"),
        CheckConstraint("side IN ('left', 'right', 'midline')", name="side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    point_code: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(10))
    depth_mm: Mapped[float] = mapped_column(Float)


class AuditEvent(Base):
    """Append-only, hash-chained record of every write."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity", "entity_id"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workstation: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ClinicSetting(Base):
    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # long enough for the consent template
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012 (SQLAlchemy reads it)
