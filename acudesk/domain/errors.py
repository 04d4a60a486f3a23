"""Errors raised when a clinical rule or a permission refuses an action.

Every refusal carries the rule it enforces, the data that triggered it and, where one exists,
what would have to change. The UI shows ``str(error)``; it never shows a traceback.
"""

from __future__ import annotations


class AcuDeskError(Exception):
    """Base of every error the user may see as a message."""


class RuleViolation(AcuDeskError):
    """A clinical or data rule refuses the action."""

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        field: str | None = None,
        remedy: str | None = None,
    ) -> None:
        self.rule = rule
        self.message = message
        self.field = field
        self.remedy = remedy
        super().__init__(self.text)

    @property
    def text(self) -> str:
        return f"{self.message} {self.remedy}" if self.remedy else self.message


class PermissionDenied(AcuDeskError):
    """The acting user's role does not allow the action."""


class SignatureRefused(PermissionDenied):
    """The PIN or password typed to sign is wrong (it counts as a failed log-in attempt)."""


class NotFound(AcuDeskError):
    """The record the action refers to does not exist."""


class StaleRecord(AcuDeskError):
    """Someone else changed the record since it was read (another workstation)."""
