"""The price of a session, each with the date it took effect; what a course's sessions cost.

The table ``session_prices`` is the only truth: no row means no price is set, and the screens
say so. A price never changes a session already given: it may take effect on a day only while
no session has started on or after that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import retried
from acudesk.domain.clock import local_date
from acudesk.domain.errors import NotFound, RuleViolation
from acudesk.domain.prices import (
    MAX_AMOUNT,
    CourseTotal,
    Price,
    course_total,
    format_amount,
    parse_amount,
    price_on,
    validate_currency,
)
from acudesk.domain.roles import Action
from acudesk.domain.screening import format_date
from acudesk.i18n import _
from acudesk.services.base import ServiceBase


@dataclass(frozen=True)
class SessionCharge:
    """One session of a course and what it costs (None: no price was in effect that day)."""

    number: int
    session_id: int
    day: date
    price: Price | None


@dataclass(frozen=True)
class CourseCharges:
    course_id: int
    sessions: tuple[SessionCharge, ...]
    total: CourseTotal

    def price_of(self, number: int) -> Price | None:
        for charge in self.sessions:
            if charge.number == number:
                return charge.price
        return None


def load_prices(s: Session) -> list[Price]:
    rows = s.execute(
        select(m.SessionPrice, m.User.full_name)
        .join(m.User, m.User.id == m.SessionPrice.set_by)
        .order_by(m.SessionPrice.effective_from.desc())
    ).all()
    return [Price(p.amount_minor, p.currency, p.effective_from, name) for p, name in rows]


def course_charges(
    s: Session, course: m.Course, prices: list[Price] | None = None
) -> CourseCharges:
    prices = load_prices(s) if prices is None else prices
    charges = []
    for t in sorted(course.sessions, key=lambda x: x.number):
        day = local_date(t.started_at)
        charges.append(SessionCharge(t.number, t.id, day, price_on(prices, day)))
    current = price_on(prices, date.max)
    currency = current.currency if current else "RUB"
    return CourseCharges(
        course.id, tuple(charges), course_total([c.price for c in charges], currency)
    )


def _start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone().astimezone(UTC)


class PriceService(ServiceBase):
    def prices(self) -> list[Price]:
        """Every price set, the newest date first."""
        with self._db.reading() as s:
            return load_prices(s)

    def price_on(self, day: date) -> Price | None:
        with self._db.reading() as s:
            return price_on(load_prices(s), day)

    def current(self) -> Price | None:
        """The price in effect today (None: no price set)."""
        return self.price_on(local_date(self._db.clock.now()))

    def course(self, course_id: int) -> CourseCharges:
        with self._db.reading() as s:
            course = s.get(m.Course, course_id)
            if course is None:
                raise NotFound(_("Course {id} does not exist.").format(id=course_id))
            return course_charges(s, course)

    @retried
    def set_price(
        self, user_id: int, amount: str | int, currency: str, effective_from: date
    ) -> Price:
        """The administrator sets the price of a session from a date on (audited).

        ``amount`` is what was typed ("1 200,50", "1200.50") or kopecks. Refused: an amount
        that cannot be read, a currency not offered, and a date on or before which a session
        has already been given (its price would change under it)."""
        minor = parse_amount(amount) if isinstance(amount, str) else amount
        if minor < 0 or minor > MAX_AMOUNT * 100:
            raise RuleViolation(
                "amount_bounds",
                _("Price of a session: {amount} is outside 0-{limit}.").format(
                    amount=minor / 100, limit=MAX_AMOUNT
                ),
                field="price",
            )
        code = validate_currency(currency)
        with self._db.unit_of_work() as s:
            user = self._actor(s, user_id, Action.SET_PRICE)
            given = s.scalar(
                select(m.TreatmentSession.started_at)
                .where(m.TreatmentSession.started_at >= _start_of_local_day(effective_from))
                .order_by(m.TreatmentSession.started_at.desc())
                .limit(1)
            )
            if given is not None:
                raise RuleViolation(
                    "price_in_the_past",
                    _(
                        "Effective from: a session was already given on {day}, on or after "
                        "{start}; a new price cannot change what it cost."
                    ).format(day=format_date(local_date(given)), start=format_date(effective_from)),
                    field="effective_from",
                    remedy=_("Choose a date after {day}.").format(
                        day=format_date(local_date(given))
                    ),
                )
            row = s.scalar(
                select(m.SessionPrice).where(m.SessionPrice.effective_from == effective_from)
            )
            before = {"amount_minor": row.amount_minor, "currency": row.currency} if row else None
            if row is None:
                row = m.SessionPrice(effective_from=effective_from)
                s.add(row)
            row.amount_minor = minor
            row.currency = code
            row.set_by = user.id
            row.set_at = self._db.clock.now()
            s.flush()
            self._audit(
                s,
                user_id,
                "set price",
                "session_price",
                row.id,
                before=before,
                after={
                    "amount_minor": minor,
                    "currency": code,
                    "effective_from": effective_from.isoformat(),
                    "text": format_amount(minor, code),
                },
            )
            return Price(minor, code, effective_from, user.full_name)
