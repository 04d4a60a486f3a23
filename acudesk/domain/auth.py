"""Log-in rules: secrets that are long enough, and waits that grow after repeated failures."""

from __future__ import annotations

from acudesk.domain.errors import RuleViolation

FREE_FAILURES = 5
FIRST_WAIT_S = 30
LONGEST_WAIT_S = 15 * 60
PIN_LENGTH = (4, 8)
PASSWORD_MIN = 8


def lockout_seconds(failures: int) -> int:
    """How long an account waits after this many failures in a row: none for the first four,
    then 30 s, doubling with each further failure, never more than 15 minutes."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(LONGEST_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_FAILURES)))


def validate_pin(pin: str) -> None:
    low, high = PIN_LENGTH
    if not (pin.isdigit() and low <= len(pin) <= high):
        raise RuleViolation("pin", f"PIN: {low} to {high} digits.", field="pin")


def validate_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise RuleViolation(
            "password", f"Password: at least {PASSWORD_MIN} characters.", field="password"
        )


def validate_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise RuleViolation(
            "username",
            "Log-in name: 1 to 64 letters, digits, dots, dashes or underscores.",
            field="username",
        )
    return name
