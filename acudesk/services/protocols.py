"""Saved point sets ("cervical osteochondrosis, basic") and repeating last session's points.

A point set is a clinic-wide list of needles (point, side, depth). Applying one, or repeating
the points of the patient's last signed session, logs every needle in one transaction through
the session service's rules: all of them go in, or none does and the refusal names the needle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.domain.errors import Conflict, NotFound, RuleViolation
from acudesk.domain.needles import Material, NeedleSpec, Side
from acudesk.domain.quick_entry import NeedleOrder, format_orders, validate_order
from acudesk.domain.roles import Action
from acudesk.services.base import ServiceBase
from acudesk.services.session_view import SessionView
from acudesk.services.sessions import PointLookup, SessionService

NAME_MAX_CHARS = 200


def name_key(name: str) -> str:
    """The name as people compare it: spaces and capitals (in any alphabet) do not count."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class ProtocolRow:
    id: int
    name: str
    orders: tuple[NeedleOrder, ...]
    created_by: str
    created_at: datetime

    @property
    def summary(self) -> str:
        """``"GB20 B 12, GV14 5"``: the needles in fast-entry form."""
        return ", ".join(format_orders(self.orders))

    @property
    def needle_count(self) -> int:
        return len(self.orders)


class ProtocolService(ServiceBase):
    def __init__(self, db: Database, points: PointLookup, sessions: SessionService) -> None:
        super().__init__(db)
        self._points = points
        self._sessions = sessions

    # -- point sets ---------------------------------------------------------------------

    def list_protocols(self) -> list[ProtocolRow]:
        """Every saved point set, by name."""
        with self._db.reading() as s:
            rows = _rows(s, s.scalars(select(m.Protocol)).all())
        return sorted(rows, key=lambda r: (r.name.casefold(), r.id))

    def protocol(self, protocol_id: int) -> ProtocolRow:
        with self._db.reading() as s:
            found = s.get(m.Protocol, protocol_id)
            if found is None:
                raise NotFound(f"Point set {protocol_id} does not exist.")
            return _rows(s, [found])[0]

    def save_protocol(self, user_id: int, name: str, orders: Sequence[NeedleOrder]) -> ProtocolRow:
        title = " ".join(name.split())
        if not title:
            raise RuleViolation(
                "protocol_name",
                "Name: give the point set a name, e.g. 'cervical osteochondrosis, basic'.",
                field="name",
            )
        if len(title) > NAME_MAX_CHARS:
            raise RuleViolation(
                "protocol_name",
                f"Name: at most {NAME_MAX_CHARS} characters; this one has {len(title)}.",
                field="name",
            )
        if not orders:
            raise RuleViolation(
                "protocol_empty", "A point set needs at least one needle.", field="orders"
            )
        canonical = [
            self._checked(number, order, len(orders))
            for number, order in enumerate(orders, start=1)
        ]
        try:
            with self._db.unit_of_work() as s:
                self._actor(s, user_id, Action.MANAGE_PROTOCOLS)
                if _named(s, title) is not None:
                    raise _duplicate(title)
                row = m.Protocol(
                    name=title,
                    name_key=name_key(title),
                    created_by=user_id,
                    created_at=self._db.clock.now(),
                )
                s.add(row)
                s.flush()
                for position, order in enumerate(canonical, start=1):
                    s.add(
                        m.ProtocolPoint(
                            protocol_id=row.id,
                            position=position,
                            point_code=order.code,
                            side=order.side.value,
                            depth_mm=order.depth_mm,
                        )
                    )
                self._audit(
                    s,
                    user_id,
                    "save point set",
                    "protocol",
                    row.id,
                    after={"name": title, "needles": format_orders(canonical)},
                )
                s.flush()
                saved = _rows(s, [row])[0]
        except Conflict as error:
            # Another workstation saved the same name between the check and the insert; the
            # database's unique index on the case-folded name refused this one.
            if error.rule != "protocol_name_taken":
                raise
            raise Conflict(
                f"Another workstation saved a point set named '{title}' (perhaps in other "
                "capitals) a moment ago.",
                rule=error.rule,
                field="name",
                remedy="Choose another name.",
            ) from error
        return saved

    def _checked(self, number: int, order: NeedleOrder, count: int) -> NeedleOrder:
        point = self._points.get(order.code)
        try:
            validate_order(order, point)
        except RuleViolation as error:
            raise RuleViolation(
                error.rule,
                f"Needle {number} of {count} ({order.label}): {error.message}",
                field=error.field,
                remedy=error.remedy,
            ) from error
        assert point is not None
        return NeedleOrder(point.code, order.side, order.depth_mm)

    def apply_protocol(
        self,
        user_id: int,
        session_id: int,
        protocol_id: int,
        pack_id: int,
        *,
        deep_confirmed: bool = False,
    ) -> SessionView:
        """Log every needle of the point set from one pack, all or none."""
        orders = self.protocol(protocol_id).orders
        return self._sessions.insert_needles(
            user_id, session_id, orders, pack_id, deep_confirmed=deep_confirmed
        )

    # -- repeat last session ------------------------------------------------------------

    def last_session_orders(self, patient_id: int) -> list[NeedleOrder]:
        """The points, sides and depths of the patient's most recent signed session."""
        with self._db.reading() as s:
            if s.get(m.Patient, patient_id) is None:
                raise NotFound(f"Patient {patient_id} does not exist.")
            last = s.scalar(
                select(m.TreatmentSession.id)
                .join(m.Course, m.Course.id == m.TreatmentSession.course_id)
                .where(m.Course.patient_id == patient_id, m.TreatmentSession.signed_at.is_not(None))
                .order_by(m.TreatmentSession.signed_at.desc(), m.TreatmentSession.id.desc())
                .limit(1)
            )
            if last is None:
                return []
            needles = s.execute(
                select(
                    m.NeedleInsertion.point_code, m.NeedleInsertion.side, m.NeedleInsertion.depth_mm
                )
                .where(m.NeedleInsertion.session_id == last)
                .order_by(m.NeedleInsertion.id)
            ).all()
        return [NeedleOrder(code, Side(side), depth) for code, side, depth in needles]

    def repeat_last_session(
        self,
        user_id: int,
        session_id: int,
        pack_id: int,
        *,
        deep_confirmed: bool = False,
    ) -> SessionView:
        """Log the needles of the patient's last signed session again, all or none."""
        orders = self.last_session_orders(self._sessions.view(session_id).patient_id)
        if not orders:
            raise RuleViolation(
                "no_last_session",
                "This patient has no signed session with needles to repeat.",
                remedy="Enter the points one by one or apply a point set.",
            )
        return self._sessions.insert_needles(
            user_id, session_id, orders, pack_id, deep_confirmed=deep_confirmed
        )

    # -- packs --------------------------------------------------------------------------

    def known_spec(self, gtin: str) -> NeedleSpec | None:
        """The material and size last recorded for packs with this product number (GTIN), so a
        scanned box of a kind used before fills the needle fields; None for a new kind."""
        key = gtin.strip()
        if not key:
            return None
        with self._db.reading() as s:
            pack = s.scalar(
                select(m.NeedlePack)
                .where(m.NeedlePack.gtin == key)
                .order_by(m.NeedlePack.recorded_at.desc(), m.NeedlePack.id.desc())
                .limit(1)
            )
            if pack is None:
                return None
            return NeedleSpec(Material(pack.material), pack.diameter_mm, pack.length_mm)


def _named(s: Session, name: str) -> m.Protocol | None:
    return s.scalar(select(m.Protocol).where(m.Protocol.name_key == name_key(name)))


def _duplicate(name: str) -> RuleViolation:
    return RuleViolation(
        "protocol_name_taken",
        f"A point set named '{name}' already exists.",
        field="name",
        remedy="Choose another name.",
    )


def _rows(s: Session, protocols: Sequence[m.Protocol]) -> list[ProtocolRow]:
    if not protocols:
        return []
    ids = [p.id for p in protocols]
    points = s.scalars(
        select(m.ProtocolPoint)
        .where(m.ProtocolPoint.protocol_id.in_(ids))
        .order_by(m.ProtocolPoint.protocol_id, m.ProtocolPoint.position)
    ).all()
    orders: dict[int, list[NeedleOrder]] = {i: [] for i in ids}
    for point in points:
        orders[point.protocol_id].append(
            NeedleOrder(point.point_code, Side(point.side), point.depth_mm)
        )
    wanted = {p.created_by for p in protocols}
    names = s.execute(select(m.User.id, m.User.full_name).where(m.User.id.in_(wanted)))
    authors = {uid: name for uid, name in names}
    return [
        ProtocolRow(
            id=p.id,
            name=p.name,
            orders=tuple(orders[p.id]),
            created_by=authors.get(p.created_by, ""),
            created_at=p.created_at,
        )
        for p in protocols
    ]
