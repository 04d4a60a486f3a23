"""The pre-session checklist: eight steps, confirmed in order, before the first needle.

Who confirmed each step and when is stored by the services; this module decides only whether a
confirmation is allowed now and what it must carry (the position, the disinfecting agent, a pack).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from acudesk.domain.errors import RuleViolation


class ChecklistStep(StrEnum):
    IDENTITY = "identity"
    SCREENING = "screening"
    JEWELLERY = "jewellery"
    CLOTHING = "clothing"
    POSITION = "position"
    HAND_HYGIENE = "hand_hygiene"
    SKIN_DISINFECTED = "skin_disinfected"
    NEEDLES = "needles"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]

    @property
    def number(self) -> int:
        return ORDER.index(self) + 1

    @property
    def heading(self) -> str:
        """The step as messages name it: 'step 5, Patient lying comfortably ...'."""
        return f"step {self.number}, {self.label}"


_STEP_LABELS: dict[ChecklistStep, str] = {
    ChecklistStep.IDENTITY: "Patient identity confirmed (name and date of birth read back)",
    ChecklistStep.SCREENING: "Today's screening confirmed (contraindications asked again)",
    ChecklistStep.JEWELLERY: "All jewellery removed",
    ChecklistStep.CLOTHING: "Tight or pressing clothing removed",
    ChecklistStep.POSITION: "Patient lying comfortably on the couch; position recorded",
    ChecklistStep.HAND_HYGIENE: "Practitioner hand hygiene done",
    ChecklistStep.SKIN_DISINFECTED: (
        "Skin at the needle sites disinfected with an aseptic agent; agent recorded"
    ),
    ChecklistStep.NEEDLES: (
        "Needles sterile, single-use, package intact; lot number and expiry date recorded"
    ),
}

ORDER: tuple[ChecklistStep, ...] = tuple(ChecklistStep)


class Position(StrEnum):
    PRONE = "prone"
    SUPINE = "supine"
    SIDE = "side"
    SEATED = "seated"

    @property
    def label(self) -> str:
        return _POSITION_LABELS[self]


_POSITION_LABELS: dict[Position, str] = {
    Position.PRONE: "Prone (face down)",
    Position.SUPINE: "Supine (face up)",
    Position.SIDE: "On the side",
    Position.SEATED: "Seated",
}


def next_step(done: Collection[ChecklistStep]) -> ChecklistStep | None:
    """The first step not yet confirmed, or None when the checklist is complete."""
    return next((step for step in ORDER if step not in done), None)


def is_complete(done: Collection[ChecklistStep]) -> bool:
    return next_step(done) is None


def validate_confirmation(
    step: ChecklistStep,
    done: Collection[ChecklistStep],
    *,
    position: Position | None = None,
    agent: str | None = None,
    pack_count: int = 0,
) -> None:
    """Refuse a confirmation out of order, twice, or without what the step must record."""
    if step in done:
        raise RuleViolation(
            "check_already_confirmed",
            f"Step {step.number}, {step.label}, is already confirmed.",
        )
    expected = next_step(done)
    if expected is not None and expected != step:
        raise RuleViolation(
            "check_order",
            f"Step {step.number} cannot be confirmed yet: {expected.heading}, comes first.",
            remedy=f"Confirm step {expected.number} first.",
        )
    if step is ChecklistStep.POSITION and position is None:
        raise RuleViolation(
            "position_missing",
            "The patient's position on the couch is not recorded.",
            field="position",
            remedy="Choose prone, supine, side or seated.",
        )
    if step is ChecklistStep.SKIN_DISINFECTED and not (agent or "").strip():
        raise RuleViolation(
            "agent_missing",
            "The aseptic agent used to disinfect the skin is not recorded.",
            field="agent",
            remedy="Enter the name of the agent.",
        )
    if step is ChecklistStep.NEEDLES and pack_count <= 0:
        raise RuleViolation(
            "pack_missing",
            "No needle pack is recorded for this session.",
            field="pack",
            remedy="Record at least one needle pack (lot and expiry) first.",
        )
