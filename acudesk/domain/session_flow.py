"""The session state machine: which stage a session is in and which actions it allows now.

The stage is derived from facts the services read from the records (never stored on its own):

1 Screening -> 2 Checklist -> 3 Needling -> 4 Retention -> 5 Removal -> 6 Rest -> 7 Outcome
-> 8 Signed.

Retention lasts while every needle is still in; Removal from the first needle out until the last
one is out and every broken or missing needle is documented. Removing a needle is never blocked
while one is in, whatever the stage. A signed session allows nothing: corrections are addenda.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from acudesk.domain.checklist import ChecklistStep, is_complete, next_step
from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import validate_close
from acudesk.domain.roles import Action


class Stage(StrEnum):
    SCREENING = "screening"
    CHECKLIST = "checklist"
    NEEDLING = "needling"
    RETENTION = "retention"
    REMOVAL = "removal"
    REST = "rest"
    OUTCOME = "outcome"
    SIGNED = "signed"

    @property
    def number(self) -> int:
        return list(Stage).index(self) + 1

    @property
    def label(self) -> str:
        return f"{self.number} {self.value.capitalize()}"


@dataclass(frozen=True)
class SessionFacts:
    screened: bool
    checklist_done: frozenset[ChecklistStep]
    insertion_count: int
    open_count: int
    retention_started: bool
    rest_started: bool
    rest_finished: bool
    outcome_recorded: bool
    signed: bool
    unresolved_incidents: int
    removed_since_timer: int = 0


def current_stage(facts: SessionFacts) -> Stage:
    if facts.signed:
        return Stage.SIGNED
    if not facts.screened:
        return Stage.SCREENING
    if not is_complete(facts.checklist_done):
        return Stage.CHECKLIST
    if not facts.retention_started:
        return Stage.NEEDLING
    if facts.open_count > 0:
        # Corrections before the timer started do not count: removal begins with the first
        # needle out after the start.
        return Stage.RETENTION if facts.removed_since_timer == 0 else Stage.REMOVAL
    if facts.unresolved_incidents > 0:
        return Stage.REMOVAL
    if not facts.rest_finished:
        return Stage.REST
    return Stage.OUTCOME


def _refuse(rule: str, message: str, remedy: str | None = None) -> RuleViolation:
    return RuleViolation(rule, message, remedy=remedy)


def _needles_out(facts: SessionFacts, doing: str, *, incidents_documented: bool = True) -> None:
    if not facts.retention_started:
        raise _refuse(
            "retention_not_started",
            f"The needle timer has not been started, so you cannot {doing} yet.",
            "Start the needle timer after the last needle is in.",
        )
    validate_close(facts.open_count, facts.unresolved_incidents if incidents_documented else 0)


def _check_insert(facts: SessionFacts) -> None:
    step = next_step(facts.checklist_done)
    if step is not None:
        raise _refuse(
            "checklist_incomplete",
            f"No needle can be logged before the pre-session checklist is complete: next is "
            f"{step.heading}.",
            "Complete the pre-session checklist first.",
        )
    if facts.retention_started:
        raise _refuse(
            "retention_started",
            "The needle timer has started; no more needles can be logged in this session.",
        )


def _check_retention(facts: SessionFacts) -> None:
    if facts.retention_started:
        raise _refuse("retention_started", "The needle timer has already been started.")
    if facts.open_count < 1:
        raise _refuse(
            "no_needles",
            "No needle is in, so there is nothing to time.",
            "Log the needles first.",
        )


def _check_rest(facts: SessionFacts) -> None:
    if facts.rest_finished:
        raise _refuse("rest_finished", "The rest period is already over.")
    _needles_out(facts, "start the rest period")


def _check_sign(facts: SessionFacts) -> None:
    validate_close(facts.open_count, facts.unresolved_incidents)
    if not facts.retention_started:
        raise _refuse(
            "retention_not_started",
            "No needle timer was run in this session, so there is nothing to sign.",
        )
    if not facts.rest_finished:
        raise _refuse(
            "rest_unfinished",
            "The rest period is not over.",
            "Wait for the end of the rest period, or end it early with a reason.",
        )
    if not facts.outcome_recorded:
        raise _refuse(
            "outcome_missing",
            "The outcome (pain after the session, adverse events) is not recorded.",
            "Record the outcome before signing.",
        )


def can(action: Action, facts: SessionFacts) -> None:
    """Raise RuleViolation if the session's stage does not allow the action now."""
    if facts.signed:
        raise RuleViolation(
            "signed",
            "This session is signed and can no longer be changed; add an addendum instead.",
        )
    if action is Action.SCREEN and facts.insertion_count > 0:
        raise _refuse(
            "needling_begun",
            "Needles are already logged in this session; the screening can no longer change.",
        )
    elif action is Action.CONFIRM_CHECK and not facts.screened:
        raise _refuse(
            "not_screened",
            "Today's screening has not been done, so no preparation step can be confirmed.",
            "Screen the patient first.",
        )
    elif action in (Action.REGISTER_PACK, Action.OVERRIDE_DURATION) and facts.retention_started:
        raise _refuse(
            "retention_started",
            f"The needle timer has started, so you can no longer {action.value}.",
        )
    elif action is Action.INSERT_NEEDLE:
        _check_insert(facts)
    elif action is Action.START_RETENTION:
        _check_retention(facts)
    elif action is Action.ACKNOWLEDGE_ALARM and not (
        facts.retention_started and facts.open_count > 0
    ):
        raise _refuse("no_alarm", "There is no alarm to acknowledge: no needle is timed.")
    elif action is Action.REMOVE_NEEDLE and facts.open_count <= 0:
        raise _refuse("no_open_needles", "No needles are in; there is nothing to remove.")
    elif action is Action.RUN_REST:
        _check_rest(facts)
    elif action is Action.RECORD_OUTCOME:
        _needles_out(facts, "record the outcome", incidents_documented=False)
    elif action is Action.SIGN_SESSION:
        _check_sign(facts)
