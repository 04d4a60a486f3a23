"""All services built over one database, handed to the window by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acudesk.db.anchor import AuditTrail
from acudesk.db.changes import ChangeListener, Noted
from acudesk.db.database import Database
from acudesk.domain.catalog import PointCatalog, default_catalog
from acudesk.domain.clock import Clock
from acudesk.services.audit import AuditService
from acudesk.services.auth import AuthService
from acudesk.services.backup import BackupService
from acudesk.services.clinic import ClinicService
from acudesk.services.consent import ConsentService
from acudesk.services.courses import CourseService
from acudesk.services.edits import EditsService
from acudesk.services.exports import ExportService
from acudesk.services.papers import PaperService
from acudesk.services.patients import PatientService
from acudesk.services.prices import PriceService
from acudesk.services.protocols import ProtocolService
from acudesk.services.sessions import SessionService
from acudesk.services.users import UserService
from acudesk.settings import describe_url


@dataclass(frozen=True)
class Services:
    db: Database
    users: UserService
    patients: PatientService
    audit: AuditService
    auth: AuthService
    clinic: ClinicService
    courses: CourseService
    sessions: SessionService
    protocols: ProtocolService
    points: PointCatalog
    exports: ExportService
    prices: PriceService
    papers: PaperService
    consent: ConsentService
    edits: EditsService
    # Backups into this workstation's data directory; None for a throwaway database (the demo,
    # most tests), which makes no backups and keeps no storage marker.
    backups: BackupService | None = None

    @classmethod
    def build(
        cls, db: Database, points: PointCatalog | None = None, *, data_dir: Path | None = None
    ) -> Services:
        catalog = points if points is not None else default_catalog()
        sessions = SessionService(db, catalog)
        return cls(
            db=db,
            users=UserService(db),
            patients=PatientService(db),
            audit=AuditService(db),
            auth=AuthService(db),
            clinic=ClinicService(db),
            courses=CourseService(db),
            sessions=sessions,
            protocols=ProtocolService(db, catalog, sessions),
            points=catalog,
            exports=ExportService(db),
            prices=PriceService(db),
            papers=PaperService(db),
            consent=ConsentService(db),
            edits=EditsService(db),
            backups=BackupService(db, data_dir) if data_dir is not None else None,
        )

    @classmethod
    def open(
        cls,
        url: str,
        clock: Clock | None = None,
        *,
        trail: AuditTrail | None = None,
        data_dir: Path | None = None,
        **engine_options: Any,
    ) -> Services:
        """``engine_options`` go to make_engine (the window asks for short lock waits)."""
        return cls.build(
            Database.open(url, clock, trail=trail, **engine_options), data_dir=data_dir
        )

    @property
    def clock(self) -> Clock:
        return self.db.clock

    @property
    def database_label(self) -> str:
        return describe_url(str(self.db.engine.url.render_as_string(hide_password=True)))

    def change_listener(
        self,
        changed: Callable[[], None],
        live: Callable[[bool], None],
        noted: Noted | None = None,
    ) -> ChangeListener:
        """Tells, from its own thread, when another workstation or window changed something
        (and, through ``noted``, what: kinds and ids, or None where the channel cannot say)."""
        url = self.db.engine.url.render_as_string(hide_password=False)
        return ChangeListener(url, changed, live, noted)

    def close(self) -> None:
        self.db.dispose()
