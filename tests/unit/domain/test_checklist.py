from __future__ import annotations

import pytest

from acudesk.domain.checklist import (
    ORDER,
    ChecklistStep,
    Position,
    is_complete,
    next_step,
    validate_confirmation,
)
from acudesk.domain.errors import RuleViolation


def confirm_all(done: set[ChecklistStep]) -> None:
    for step in ORDER:
        validate_confirmation(
            step, done, position=Position.PRONE, agent="70% ethanol", pack_count=1
        )
        done.add(step)


def test_order_matches_the_domain_brief() -> None:
    assert [s.number for s in ORDER] == list(range(1, 9))
    assert ORDER[0] is ChecklistStep.IDENTITY
    assert ORDER[4] is ChecklistStep.POSITION
    assert ORDER[-1] is ChecklistStep.NEEDLES
    assert ChecklistStep.IDENTITY.label == (
        "Patient identity confirmed (name and date of birth read back)"
    )
    assert all(step.label for step in ORDER)
    assert Position.PRONE.label == "Prone (face down)"


def test_next_step_walks_the_list_then_ends() -> None:
    done: set[ChecklistStep] = set()
    assert next_step(done) is ChecklistStep.IDENTITY
    confirm_all(done)
    assert next_step(done) is None
    assert is_complete(done)
    assert not is_complete(set(ORDER[:-1]))


def test_out_of_order_names_the_step_that_comes_first() -> None:
    done = set(ORDER[:2])
    with pytest.raises(RuleViolation) as caught:
        validate_confirmation(ChecklistStep.POSITION, done, position=Position.SUPINE)
    assert caught.value.rule == "check_order"
    assert "step 3, All jewellery removed" in caught.value.message
    assert caught.value.remedy == "Confirm step 3 first."


def test_a_step_is_confirmed_once() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_confirmation(ChecklistStep.IDENTITY, {ChecklistStep.IDENTITY})
    assert caught.value.rule == "check_already_confirmed"


def test_position_step_needs_a_position() -> None:
    done = set(ORDER[:4])
    with pytest.raises(RuleViolation) as caught:
        validate_confirmation(ChecklistStep.POSITION, done)
    assert caught.value.field == "position"
    validate_confirmation(ChecklistStep.POSITION, done, position=Position.SEATED)


@pytest.mark.parametrize("agent", [None, "", "   "])
def test_disinfection_needs_the_agent(agent: str | None) -> None:
    done = set(ORDER[:6])
    with pytest.raises(RuleViolation) as caught:
        validate_confirmation(ChecklistStep.SKIN_DISINFECTED, done, agent=agent)
    assert caught.value.field == "agent"
    validate_confirmation(ChecklistStep.SKIN_DISINFECTED, done, agent="chlorhexidine")


def test_needle_step_needs_a_recorded_pack() -> None:
    done = set(ORDER[:7])
    with pytest.raises(RuleViolation) as caught:
        validate_confirmation(ChecklistStep.NEEDLES, done, pack_count=0)
    assert caught.value.remedy == "Record at least one needle pack (lot and expiry) first."
    validate_confirmation(ChecklistStep.NEEDLES, done, pack_count=2)
