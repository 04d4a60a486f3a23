"""The clinic's settings, each with the bounds DOMAIN.md allows."""

from __future__ import annotations

from dataclasses import dataclass, fields

from acudesk.domain.errors import RuleViolation
from acudesk.i18n import N_, _


@dataclass(frozen=True)
class OptionBounds:
    label: str
    low: float
    high: float
    unit: str


BOUNDS: dict[str, OptionBounds] = {
    "minimum_age": OptionBounds("Minimum patient age", 14, 18, "years"),
    "deep_threshold_mm": OptionBounds("Deep-needling threshold", 3, 20, "mm"),
    "first_session_minutes": OptionBounds("First session of a course", 1, 15, "min"),
    "last_session_minutes": OptionBounds("Last session of a course", 10, 45, "min"),
    "rest_minutes": OptionBounds("Rest after the needles are out", 20, 60, "min"),
    "lock_minutes": OptionBounds("Lock the screen after no input for", 1, 60, "min"),
}


@dataclass(frozen=True)
class ClinicOptions:
    minimum_age: int = 18
    deep_threshold_mm: float = 10.0
    first_session_minutes: int = 5
    last_session_minutes: int = 30
    rest_minutes: int = 20
    lock_minutes: int = 5
    # Printed at the head of every paper; the price of a session is in session_prices.
    clinic_name: str = ""
    clinic_address: str = ""

    @classmethod
    def from_strings(cls, values: dict[str, str]) -> ClinicOptions:
        """Stored values over the defaults; a stored value out of bounds falls back."""
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = values.get(f.name)
            if raw is None:
                continue
            default = getattr(cls(), f.name)
            try:
                value: object = type(default)(float(raw)) if not isinstance(default, str) else raw
            except ValueError:
                continue
            if f.name in BOUNDS and not _within(f.name, float(value)):  # type: ignore[arg-type]
                continue
            kwargs[f.name] = value
        return cls(**kwargs)  # type: ignore[arg-type]


def _within(name: str, value: float) -> bool:
    b = BOUNDS[name]
    return b.low <= value <= b.high


def validate_option(name: str, value: float) -> None:
    b = BOUNDS.get(name)
    if b is None:
        raise RuleViolation("unknown_setting", f"There is no clinic setting called '{name}'.")
    if not _within(name, value):
        raise RuleViolation(
            "setting_bounds",
            f"{b.label}: {value:g} {b.unit} is outside the allowed {b.low:g}-{b.high:g} {b.unit}.",
            field=name,
        )


# Settings that are text, each with the longest value accepted.
TEXT_SETTINGS: dict[str, tuple[str, int]] = {
    "clinic_name": (N_("Clinic name"), 200),
    "clinic_address": (N_("Clinic address"), 500),
}


def validate_text_option(name: str, value: str) -> str:
    """The value as stored (trimmed); refused when unknown or too long, naming the field."""
    if name not in TEXT_SETTINGS:
        raise RuleViolation(
            "unknown_setting",
            _("There is no clinic setting called '{name}'.").format(name=name),
        )
    label, limit = TEXT_SETTINGS[name]
    text = value.strip()
    if len(text) > limit:
        raise RuleViolation(
            "setting_too_long",
            _("{label}: {n} characters is more than the {limit} allowed.").format(
                label=_(label), n=len(text), limit=limit
            ),
            field=name,
        )
    return text
