from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from acudesk.domain.checklist import (
    ORDER,
    ChecklistStep,
    Position,
    next_step,
    validate_confirmation,
)
from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import (
    Condition,
    InsertionRecord,
    RemovalRecord,
    Side,
    needs_incident,
    open_insertions,
    validate_removal,
    validate_remove_all,
)
from acudesk.domain.roles import Action
from acudesk.domain.session_flow import SessionFacts, Stage, can, current_stage

FRESH = SessionFacts(
    screened=False,
    checklist_done=frozenset(),
    insertion_count=0,
    open_count=0,
    retention_started=False,
    rest_started=False,
    rest_finished=False,
    outcome_recorded=False,
    signed=False,
    unresolved_incidents=0,
)
READY = replace(FRESH, screened=True, checklist_done=frozenset(ORDER))
RETAINING = replace(READY, insertion_count=4, open_count=4, retention_started=True)
NEEDLES_OUT = replace(RETAINING, open_count=0)
RESTED = replace(NEEDLES_OUT, rest_started=True, rest_finished=True)
SIGNABLE = replace(RESTED, outcome_recorded=True)


def refused(action: Action, facts: SessionFacts) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        can(action, facts)
    return caught.value


def test_stages_follow_the_session() -> None:
    assert current_stage(FRESH) is Stage.SCREENING
    assert current_stage(replace(FRESH, screened=True)) is Stage.CHECKLIST
    assert current_stage(READY) is Stage.NEEDLING
    assert current_stage(RETAINING) is Stage.RETENTION
    assert current_stage(replace(RETAINING, open_count=1, removed_since_timer=3)) is Stage.REMOVAL
    # Needles taken out before the timer started were corrections: still the retention time.
    assert current_stage(replace(RETAINING, open_count=1, removed_since_timer=0)) is (
        Stage.RETENTION
    )
    assert current_stage(replace(NEEDLES_OUT, unresolved_incidents=1)) is Stage.REMOVAL
    assert current_stage(NEEDLES_OUT) is Stage.REST
    assert current_stage(RESTED) is Stage.OUTCOME
    assert current_stage(replace(SIGNABLE, signed=True)) is Stage.SIGNED
    assert [s.label for s in Stage][:2] == ["1 Screening", "2 Checklist"]


def test_no_needle_before_the_checklist_is_complete() -> None:
    facts = replace(READY, checklist_done=frozenset(ORDER[:4]))
    error = refused(Action.INSERT_NEEDLE, facts)
    assert error.rule == "checklist_incomplete"
    assert "next is step 5, Patient lying comfortably" in error.message
    can(Action.INSERT_NEEDLE, READY)


def test_no_needle_after_the_timer_started() -> None:
    assert refused(Action.INSERT_NEEDLE, RETAINING).rule == "retention_started"


def test_checklist_needs_screening_first() -> None:
    assert refused(Action.CONFIRM_CHECK, FRESH).rule == "not_screened"
    can(Action.CONFIRM_CHECK, replace(FRESH, screened=True))


def test_timer_needs_a_needle_and_starts_once() -> None:
    assert refused(Action.START_RETENTION, READY).rule == "no_needles"
    can(Action.START_RETENTION, replace(READY, insertion_count=1, open_count=1))
    assert refused(Action.START_RETENTION, RETAINING).rule == "retention_started"


def test_removal_needs_an_open_needle_and_is_never_blocked_otherwise() -> None:
    can(Action.REMOVE_NEEDLE, replace(READY, insertion_count=1, open_count=1))
    can(Action.REMOVE_NEEDLE, RETAINING)
    assert refused(Action.REMOVE_NEEDLE, NEEDLES_OUT).rule == "no_open_needles"


def test_rest_needs_every_needle_out_and_incidents_documented() -> None:
    assert refused(Action.RUN_REST, READY).rule == "retention_not_started"
    assert refused(Action.RUN_REST, RETAINING).rule == "needles_open"
    incident = replace(NEEDLES_OUT, unresolved_incidents=1)
    assert refused(Action.RUN_REST, incident).rule == "incident_undocumented"
    can(Action.RUN_REST, NEEDLES_OUT)
    assert refused(Action.RUN_REST, RESTED).rule == "rest_finished"


def test_signing_needs_everything_done() -> None:
    assert refused(Action.SIGN_SESSION, replace(SIGNABLE, open_count=1)).rule == "needles_open"
    undocumented = replace(SIGNABLE, unresolved_incidents=1)
    assert refused(Action.SIGN_SESSION, undocumented).rule == "incident_undocumented"
    assert refused(Action.SIGN_SESSION, RESTED).rule == "outcome_missing"
    unrested = replace(SIGNABLE, rest_finished=False)
    assert refused(Action.SIGN_SESSION, unrested).rule == "rest_unfinished"
    can(Action.SIGN_SESSION, SIGNABLE)


@pytest.mark.parametrize("action", list(Action))
def test_a_signed_session_allows_nothing(action: Action) -> None:
    error = refused(action, replace(SIGNABLE, signed=True))
    assert error.rule == "signed"
    assert error.message == (
        "This session is signed and can no longer be changed; add an addendum instead."
    )


@dataclass
class Model:
    screened: bool = False
    done: set[ChecklistStep] = field(default_factory=set)
    packs: int = 0
    insertions: list[InsertionRecord] = field(default_factory=list)
    removals: list[RemovalRecord] = field(default_factory=list)
    retention_started: bool = False
    rest_started: bool = False
    rest_finished: bool = False
    outcome: bool = False
    signed: bool = False
    incidents: int = 0

    def facts(self) -> SessionFacts:
        return SessionFacts(
            screened=self.screened,
            checklist_done=frozenset(self.done),
            insertion_count=len(self.insertions),
            open_count=len(open_insertions(self.insertions, self.removals)),
            retention_started=self.retention_started,
            rest_started=self.rest_started,
            rest_finished=self.rest_finished,
            outcome_recorded=self.outcome,
            signed=self.signed,
            unresolved_incidents=self.incidents,
        )

    def snapshot(self) -> tuple[object, ...]:
        return (self.facts(), self.packs, tuple(self.insertions), tuple(self.removals))


class SessionMachine(RuleBasedStateMachine):
    """A session driven as the services would: ask the domain, then write only if allowed."""

    def __init__(self) -> None:
        super().__init__()
        self.s = Model()
        self.inserted_with_checklist_incomplete = False
        self.signed_snapshot: tuple[object, ...] | None = None

    def attempt(self, action: Action, check: Callable[[], None], apply: Callable[[], None]) -> None:
        was_signed = self.s.signed
        try:
            can(action, self.s.facts())
            check()
        except RuleViolation as error:
            assert error.message and error.rule
            if was_signed:
                assert error.rule == "signed"
            return
        assert not was_signed, f"{action} was allowed on a signed session"
        apply()

    @rule()
    def screen(self) -> None:
        self.attempt(Action.SCREEN, lambda: None, lambda: setattr(self.s, "screened", True))

    @rule()
    def confirm_next_check(self) -> None:
        step = next_step(self.s.done)
        if step is not None:
            self.confirm_check(step)

    @rule(step=st.sampled_from(ORDER))
    def confirm_check(self, step: ChecklistStep) -> None:
        def check() -> None:
            validate_confirmation(
                step,
                self.s.done,
                position=Position.PRONE,
                agent="70% ethanol",
                pack_count=self.s.packs,
            )

        self.attempt(Action.CONFIRM_CHECK, check, lambda: self.s.done.add(step))

    @rule()
    def register_pack(self) -> None:
        def apply() -> None:
            self.s.packs += 1

        self.attempt(Action.REGISTER_PACK, lambda: None, apply)

    @rule(side=st.sampled_from([Side.LEFT, Side.RIGHT]))
    def insert(self, side: Side) -> None:
        def apply() -> None:
            if len(self.s.done) < len(ORDER):
                self.inserted_with_checklist_incomplete = True
            new_id = len(self.s.insertions) + 1
            self.s.insertions.append(InsertionRecord(new_id, "BL23", side))

        self.attempt(Action.INSERT_NEEDLE, lambda: None, apply)

    @rule()
    def start_retention(self) -> None:
        self.attempt(
            Action.START_RETENTION, lambda: None, lambda: setattr(self.s, "retention_started", True)
        )

    @rule(pick=st.integers(0, 30), condition=st.sampled_from(list(Condition)))
    def remove(self, pick: int, condition: Condition) -> None:
        needle_id = pick % (len(self.s.insertions) + 1) + 1  # sometimes unknown, often removed

        def apply() -> None:
            self.s.removals.append(RemovalRecord(needle_id, condition))
            if needs_incident(condition):
                self.s.incidents += 1

        self.attempt(
            Action.REMOVE_NEEDLE,
            lambda: validate_removal(needle_id, self.s.insertions, self.s.removals),
            apply,
        )

    @rule(miscount=st.sampled_from([0, 0, 1, -1]))
    def remove_all(self, miscount: int) -> None:
        still_in = open_insertions(self.s.insertions, self.s.removals)

        def apply() -> None:
            self.s.removals += [RemovalRecord(n.id, Condition.INTACT) for n in still_in]

        typed = str(len(still_in) + miscount)
        self.attempt(Action.REMOVE_NEEDLE, lambda: validate_remove_all(typed, len(still_in)), apply)

    @rule()
    def document_incident(self) -> None:
        def check() -> None:
            if self.s.incidents == 0:
                raise RuleViolation("no_incident", "Nothing to document.")

        def apply() -> None:
            self.s.incidents -= 1

        self.attempt(Action.RECORD_INCIDENT, check, apply)

    @rule()
    def start_rest(self) -> None:
        def check() -> None:
            if self.s.rest_started:
                raise RuleViolation("rest_started", "The rest period is already running.")

        self.attempt(Action.RUN_REST, check, lambda: setattr(self.s, "rest_started", True))

    @rule()
    def finish_rest(self) -> None:
        def check() -> None:
            if not self.s.rest_started:
                raise RuleViolation("rest_not_started", "The rest period has not started.")

        self.attempt(Action.RUN_REST, check, lambda: setattr(self.s, "rest_finished", True))

    @rule()
    def record_outcome(self) -> None:
        self.attempt(Action.RECORD_OUTCOME, lambda: None, lambda: setattr(self.s, "outcome", True))

    @rule()
    def sign(self) -> None:
        def apply() -> None:
            self.s.signed = True
            self.signed_snapshot = self.s.snapshot()

        self.attempt(Action.SIGN_SESSION, lambda: None, apply)

    @rule()
    def rush_to_close(self) -> None:
        """Try to finish the session at once, whatever is still open."""
        self.start_rest()
        self.finish_rest()
        self.record_outcome()
        self.sign()

    @rule(steps=st.integers(1, 12))
    def proceed(self, steps: int) -> None:
        """Take the next sensible steps, so that runs reach the later stages too."""
        for _ in range(steps):
            facts = self.s.facts()
            stage = current_stage(facts)
            if stage is Stage.SCREENING:
                self.screen()
            elif stage is Stage.CHECKLIST:
                if next_step(self.s.done) is ChecklistStep.NEEDLES and not self.s.packs:
                    self.register_pack()
                self.confirm_next_check()
            elif stage is Stage.NEEDLING:
                if facts.insertion_count < 3:
                    self.insert(Side.LEFT)
                else:
                    self.start_retention()
            elif stage in (Stage.RETENTION, Stage.REMOVAL):
                if facts.open_count:
                    self.remove_all(0)
                else:
                    self.document_incident()
            elif stage is Stage.REST:
                if facts.rest_started:
                    self.finish_rest()
                else:
                    self.start_rest()
            elif stage is Stage.OUTCOME:
                if facts.outcome_recorded:
                    self.sign()
                else:
                    self.record_outcome()

    @invariant()
    def no_needle_before_the_checklist(self) -> None:
        assert not self.inserted_with_checklist_incomplete

    @invariant()
    def never_signed_with_a_needle_in(self) -> None:
        facts = self.s.facts()
        if facts.signed:
            assert facts.open_count == 0
            assert facts.unresolved_incidents == 0
            assert facts.rest_finished and facts.outcome_recorded

    @invariant()
    def a_needle_is_removed_once(self) -> None:
        removed = [r.insertion_id for r in self.s.removals]
        assert len(removed) == len(set(removed))
        assert set(removed) <= {i.id for i in self.s.insertions}

    @invariant()
    def nothing_changes_after_signing(self) -> None:
        if self.signed_snapshot is not None:
            assert self.s.snapshot() == self.signed_snapshot

    @invariant()
    def stage_agrees_with_the_facts(self) -> None:
        facts = self.s.facts()
        stage = current_stage(facts)
        assert (stage is Stage.SIGNED) == facts.signed
        if stage in (Stage.REST, Stage.OUTCOME):
            assert facts.open_count == 0


SessionMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=60)
TestSessionMachine = SessionMachine.TestCase
