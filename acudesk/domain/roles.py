"""Who may do what: the only place that decides it.

The services check every data-changing action against this table; the UI reads it only to enable
or disable controls.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from acudesk.domain.errors import PermissionDenied


class Role(StrEnum):
    ACUPUNCTURIST = "acupuncturist"
    NURSE = "nurse"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Action(StrEnum):
    REGISTER_PATIENT = "register patient"
    EDIT_PATIENT = "edit patient"
    CLEAR_CONTRAINDICATION = "clear a contraindication"
    PLAN_COURSE = "plan course"
    OVERRIDE_DURATION = "change a session's duration"
    SCREEN = "screen the patient"
    RECORD_CONSENT = "record the patient's informed consent"
    PRINT_CONSENT_FORM = "print a consent form"
    START_SESSION = "start a session"
    CONFIRM_CHECK = "confirm a preparation step"
    REGISTER_PACK = "record a needle pack"
    INSERT_NEEDLE = "log a needle"
    START_RETENTION = "start the needle timer"
    ACKNOWLEDGE_ALARM = "acknowledge the alarm"
    REMOVE_NEEDLE = "remove a needle"
    UNDO_REMOVAL = "undo a needle's removal"
    RECORD_INCIDENT = "record an incident"
    RUN_REST = "run the rest period"
    RECORD_OUTCOME = "record the outcome"
    SIGN_SESSION = "sign the session"
    ADD_ADDENDUM = "add an addendum to a signed session"
    EXPORT_RECORD = "export a session record"
    EXPORT_DATA = "export data for analysis (STRICTA, CSV)"
    MANAGE_PROTOCOLS = "manage point sets"
    MANAGE_USERS = "manage users"
    MANAGE_CREDENTIALS = "record practitioners' credentials"
    VIEW_AUDIT = "view the audit trail"
    CHANGE_SETTINGS = "change clinic settings"
    SET_PRICE = "set the price of a session"


_A, _N, _ADM = Role.ACUPUNCTURIST, Role.NURSE, Role.ADMINISTRATOR

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.REGISTER_PATIENT: frozenset({_A, _N}),
    Action.EDIT_PATIENT: frozenset({_A, _N}),
    Action.CLEAR_CONTRAINDICATION: frozenset({_A}),
    Action.PLAN_COURSE: frozenset({_A}),
    Action.OVERRIDE_DURATION: frozenset({_A}),
    Action.SCREEN: frozenset({_A}),
    Action.RECORD_CONSENT: frozenset({_A}),
    Action.PRINT_CONSENT_FORM: frozenset({_A, _N}),
    Action.START_SESSION: frozenset({_A}),
    Action.CONFIRM_CHECK: frozenset({_A, _N}),
    Action.REGISTER_PACK: frozenset({_A, _N}),
    Action.INSERT_NEEDLE: frozenset({_A}),
    Action.START_RETENTION: frozenset({_A}),
    Action.ACKNOWLEDGE_ALARM: frozenset({_A, _N}),
    Action.REMOVE_NEEDLE: frozenset({_A, _N}),
    Action.UNDO_REMOVAL: frozenset({_A, _N}),
    Action.RECORD_INCIDENT: frozenset({_A, _N}),
    Action.RUN_REST: frozenset({_A, _N}),
    Action.RECORD_OUTCOME: frozenset({_A}),
    Action.SIGN_SESSION: frozenset({_A}),
    Action.ADD_ADDENDUM: frozenset({_A}),
    Action.EXPORT_RECORD: frozenset({_A, _N}),
    Action.EXPORT_DATA: frozenset({_A, _N, _ADM}),
    Action.MANAGE_PROTOCOLS: frozenset({_A}),
    Action.MANAGE_USERS: frozenset({_ADM}),
    Action.MANAGE_CREDENTIALS: frozenset({_ADM}),
    Action.VIEW_AUDIT: frozenset({_ADM}),
    Action.CHANGE_SETTINGS: frozenset({_ADM}),
    Action.SET_PRICE: frozenset({_ADM}),
}


def may(roles: Iterable[Role], action: Action) -> bool:
    return bool(PERMISSIONS[action].intersection(roles))


def require(roles: Iterable[Role], action: Action, who: str) -> None:
    roles = frozenset(roles)
    if not may(roles, action):
        allowed = " or ".join(sorted(r.value for r in PERMISSIONS[action]))
        held = ", ".join(sorted(r.value for r in roles)) or "no role"
        raise PermissionDenied(
            f"{who} ({held}) may not {action.value}. This needs the role: {allowed}."
        )
