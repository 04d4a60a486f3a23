"""Prices on dates, each session's price, the course total, refusals and the audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from acudesk.domain.clock import FakeClock, local_date
from acudesk.domain.errors import PermissionDenied, RuleViolation
from acudesk.domain.prices import parse_amount
from tests.unit.services.conftest import Clinic


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("1 200,50", 120050), ("1200.50", 120050), ("1200", 120000), ("900,5", 90050)],
)
def test_amounts_typed_with_comma_or_point(typed: str, minor: int) -> None:
    assert parse_amount(typed) == minor


@pytest.mark.parametrize("typed", ["12,5.0", "1.200", "abc", "", "-5", "1,234,5"])
def test_an_unreadable_amount_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(RuleViolation) as refusal:
        parse_amount(typed)
    assert refusal.value.field == "price"
    assert "Price of a session" in str(refusal.value)


def test_price_on_a_date_and_audit(clinic: Clinic, clock: FakeClock) -> None:
    prices = clinic.services.prices
    today = local_date(clock.now())
    assert prices.current() is None
    prices.set_price(clinic.admin, "900", "RUB", today)
    prices.set_price(clinic.admin, "1 100,00", "BYN", today + timedelta(days=10))
    assert prices.price_on(today - timedelta(days=1)) is None
    assert prices.price_on(today + timedelta(days=9)).amount_minor == 90000  # type: ignore[union-attr]
    later = prices.price_on(today + timedelta(days=30))
    assert later is not None and (later.amount_minor, later.currency) == (110000, "BYN")
    from acudesk.services.audit import AuditFilter

    events = clinic.services.audit.query(clinic.admin, AuditFilter())
    assert sum(1 for e in events if e.action == "set price") == 2


def test_only_the_administrator_sets_a_price(clinic: Clinic, clock: FakeClock) -> None:
    with pytest.raises(PermissionDenied):
        clinic.services.prices.set_price(clinic.doctor, "900", "RUB", date(2027, 1, 1))
    with pytest.raises(RuleViolation) as refusal:
        clinic.services.prices.set_price(clinic.admin, "900", "XXX", date(2027, 1, 1))
    assert refusal.value.field == "currency"
