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


class Conflict(RuleViolation):
    """Another workstation acted first: what it did is stored, this action is not.

    A conflict names what the other workstation did (who, when, where, where known) so the
    person can decide what to do; what they typed stays on their screen.
    """

    def __init__(
        self,
        message: str,
        *,
        rule: str = "conflict",
        field: str | None = None,
        remedy: str | None = None,
    ) -> None:
        super().__init__(rule, message, field=field, remedy=remedy)


class StaleRecord(Conflict):
    """Someone else changed the record since it was read (another workstation)."""

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        super().__init__(message, rule="stale_record", remedy=remedy)


class Busy(AcuDeskError):
    """The database did not answer in time: another workstation holds what this action needs.

    Nothing of the action was stored; trying again in a moment usually works. ``retryable``
    marks a failure the action may be re-run for at once (a deadlock or serialization
    failure: the database picked this action to give way).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        self.retryable = retryable
        super().__init__(message)


class StorageFault(AcuDeskError):
    """The database's storage failed: the disk is full, the file is read-only or damaged, the
    server is gone. Nothing of the action was stored; what the person typed stays on screen.

    ``kind`` names the fault for code ("disk_full", "read_only", "corrupt", "io", "gone");
    ``problem`` and ``remedy`` are the two halves of the message, in plain words.
    """

    def __init__(self, kind: str, problem: str, remedy: str) -> None:
        self.kind = kind
        self.problem = problem
        self.remedy = remedy
        super().__init__(f"{problem} {remedy}")
