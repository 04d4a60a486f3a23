"""The price of a session: amounts as people type them, currencies, and what a course costs.

Amounts are kept in the currency's minor unit (kopecks): 1 200,50 RUB is 120050. A price takes
effect from a date; a session costs the price in effect on the day it started, and a course's
total is the sum of its sessions' prices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from acudesk.domain.errors import RuleViolation
from acudesk.i18n import N_, _, current_language

DEFAULT_CURRENCY = "RUB"
# ISO 4217 codes offered on the settings page: roubles first, then the clinic's neighbours.
CURRENCIES: tuple[str, ...] = ("RUB", "BYN", "KZT", "UZS", "AMD", "GEL", "EUR", "USD")
# The largest price of one session accepted (in whole units): a typo guard, not a policy.
MAX_AMOUNT = 10_000_000
PRICE_FIELD = N_("Price of a session")

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")


@dataclass(frozen=True)
class Price:
    """One price row: from ``effective_from`` on, a session costs ``amount_minor``."""

    amount_minor: int
    currency: str
    effective_from: date
    set_by: str = ""

    @property
    def text(self) -> str:
        return format_amount(self.amount_minor, self.currency)


def parse_amount(text: str, field: str = "price") -> int:
    """``"1 200,50"``, ``"1200.50"`` or ``"1200"`` as kopecks; anything else is refused,
    naming the field, never truncated."""
    label = _(PRICE_FIELD)
    raw = _SPACES.sub("", text or "")
    if not raw:
        raise RuleViolation(
            "amount_missing", _("{label}: type an amount.").format(label=label), field=field
        )
    if raw.startswith("-"):
        raise RuleViolation(
            "amount_negative",
            _("{label}: a price cannot be negative ({text}).").format(label=label, text=text),
            field=field,
        )
    found = _NUMBER.match(raw)
    if found is None:
        raise RuleViolation(
            "amount_unreadable",
            _(
                "{label}: '{text}' cannot be read as an amount. Type digits with at most two "
                "after a decimal comma or point, e.g. 1 200,50 or 1200.50."
            ).format(label=label, text=text.strip()),
            field=field,
        )
    whole, cents = found.group(1), (found.group(2) or "").ljust(2, "0")
    if int(whole) > MAX_AMOUNT:
        raise RuleViolation(
            "amount_too_large",
            _("{label}: {text} is more than the largest price accepted, {limit}.").format(
                label=label, text=text.strip(), limit=format_number(MAX_AMOUNT * 100)
            ),
            field=field,
        )
    return int(whole) * 100 + int(cents)


def validate_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in CURRENCIES:
        raise RuleViolation(
            "currency_unknown",
            _("Currency: '{code}' is not one offered; choose one of {codes}.").format(
                code=code, codes=", ".join(CURRENCIES)
            ),
            field="currency",
        )
    return code


def format_number(amount_minor: int) -> str:
    """Grouped as the interface's language writes money: 1 200,50 (ru) or 1,200.50 (en)."""
    whole, cents = divmod(abs(amount_minor), 100)
    grouped = f"{whole:,}"
    sign = "-" if amount_minor < 0 else ""
    if current_language() == "ru":
        return sign + grouped.replace(",", "\u00a0") + f",{cents:02d}"
    return f"{sign}{grouped}.{cents:02d}"


def format_amount(amount_minor: int, currency: str) -> str:
    return f"{format_number(amount_minor)}\u00a0{currency}"


def price_on(prices: Iterable[Price], day: date) -> Price | None:
    """The price in effect on ``day``: the latest that took effect on or before it."""
    best: Price | None = None
    for p in prices:
        if p.effective_from <= day and (best is None or p.effective_from > best.effective_from):
            best = p
    return best


@dataclass(frozen=True)
class CourseTotal:
    """What a course's sessions cost: the sum per currency (a currency changed mid-course
    is summed apart, never converted) and how many sessions had no price in effect."""

    totals: tuple[tuple[str, int], ...]
    unpriced: int
    currency: str = DEFAULT_CURRENCY

    @property
    def text(self) -> str:
        if not self.totals:
            return _("no price set") if self.unpriced else format_amount(0, self.currency)
        return " + ".join(format_amount(amount, cur) for cur, amount in self.totals)


def course_total(
    session_prices: Sequence[Price | None], currency: str = DEFAULT_CURRENCY
) -> CourseTotal:
    sums: dict[str, int] = {}
    unpriced = 0
    for p in session_prices:
        if p is None:
            unpriced += 1
            continue
        sums[p.currency] = sums.get(p.currency, 0) + p.amount_minor
    return CourseTotal(tuple(sums.items()), unpriced, currency)
