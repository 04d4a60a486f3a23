"""Needles: what may be inserted where and how deep, which packs may be used, and which needles
are still in.

Open needles are computed from the insertion and removal records only, never from a tick box.
The depth cap (0 < depth <= 20 mm), single use, expired or damaged packs and closing a session
with a needle in are absolute rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from acudesk.domain.clock import as_utc
from acudesk.domain.errors import RuleViolation
from acudesk.domain.regions import region_label
from acudesk.domain.screening import format_date, region_key
from acudesk.i18n import pgettext

ABSOLUTE_MAX_DEPTH_MM = 20.0
DEFAULT_DEEP_THRESHOLD_MM = 10.0
DEEP_THRESHOLD_BOUNDS = (3.0, 20.0)
DIAMETER_BOUNDS_MM = (0.10, 0.50)
LENGTH_BOUNDS_MM = (5.0, 150.0)
LOT_MAX_CHARS = 64


def format_mm(value: float) -> str:
    """A millimetre figure as short as possible without hiding how it differs from a limit."""
    if not math.isfinite(value) or abs(value) >= 1e6:
        return repr(value)
    for digits in range(4):
        text = f"{value:.{digits}f}"
        if float(text) == value:
            return text
    return repr(value)


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


def side_label(side: Side) -> str:
    """The side as a user reads it: ``left``, ``right``, ``midline`` (слева, справа, ...)."""
    if side is Side.LEFT:
        return pgettext("side", "left")
    if side is Side.RIGHT:
        return pgettext("side", "right")
    return pgettext("side", "midline")


class Material(StrEnum):
    STAINLESS_STEEL = "stainless_steel"
    GOLD = "gold"
    SILVER = "silver"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Condition(StrEnum):
    INTACT = "intact"
    BENT = "bent"
    BROKEN = "broken"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return "Missing (could not be found)" if self is Condition.MISSING else self.capitalize()


@dataclass(frozen=True)
class NeedleSpec:
    material: Material
    diameter_mm: float
    length_mm: float


class PointLike(Protocol):
    """What the rules need to know about an acupuncture point (the catalog supplies it)."""

    @property
    def code(self) -> str: ...
    @property
    def bilateral(self) -> bool: ...
    @property
    def region(self) -> str: ...
    @property
    def max_depth_mm(self) -> float | None: ...
    @property
    def caution(self) -> str: ...
    @property
    def source(self) -> str: ...


@dataclass(frozen=True)
class PointInfo:
    code: str
    bilateral: bool
    region: str
    max_depth_mm: float | None
    caution: str = ""
    source: str = ""


def _range_check(
    rule: str, field: str, what: str, value: float, bounds: tuple[float, float], remedy: str
) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise RuleViolation(
            rule,
            f"{what} {format_mm(value)} mm is outside the accepted range of "
            f"{format_mm(low)}-{format_mm(high)} mm.",
            field=field,
            remedy=remedy,
        )


def validate_spec(spec: NeedleSpec) -> None:
    check = "Check the {} printed on the pack."
    diameter, length = spec.diameter_mm, spec.length_mm
    _range_check(
        "needle_diameter",
        "diameter",
        "Needle diameter",
        diameter,
        DIAMETER_BOUNDS_MM,
        check.format("diameter"),
    )
    _range_check(
        "needle_length", "length", "Needle length", length, LENGTH_BOUNDS_MM, check.format("length")
    )


def validate_deep_threshold(mm: float) -> None:
    low, high = (format_mm(b) for b in DEEP_THRESHOLD_BOUNDS)
    remedy = f"Choose a threshold between {low} and {high} mm."
    _range_check(
        "deep_threshold",
        "deep_threshold",
        "A deep-needling threshold of",
        mm,
        DEEP_THRESHOLD_BOUNDS,
        remedy,
    )


def needs_deep_confirmation(depth_mm: float, threshold_mm: float) -> bool:
    return depth_mm > threshold_mm


def _validate_depth(point: PointLike, depth_mm: float, spec: NeedleSpec) -> None:
    depth = format_mm(depth_mm)
    if not math.isfinite(depth_mm) or depth_mm <= 0:
        entered = f"{depth} mm was entered" if math.isfinite(depth_mm) else "none was entered"
        raise RuleViolation(
            "depth_positive",
            f"Depth must be more than 0 mm; {entered}.",
            field="depth",
            remedy=f"Enter the depth in millimetres, up to {ABSOLUTE_MAX_DEPTH_MM:.0f} mm.",
        )
    if depth_mm > ABSOLUTE_MAX_DEPTH_MM:
        raise RuleViolation(
            "depth_cap",
            f"Depth {depth} mm is above the absolute limit of {ABSOLUTE_MAX_DEPTH_MM:.0f} mm.",
            field="depth",
            remedy=f"Enter a depth of {ABSOLUTE_MAX_DEPTH_MM:.0f} mm or less.",
        )
    if depth_mm >= spec.length_mm:
        raise RuleViolation(
            "depth_to_handle",
            f"Depth {depth} mm is not less than the needle length of "
            f"{format_mm(spec.length_mm)} mm: a needle is never inserted to the handle.",
            field="depth",
            remedy="Use a longer needle or a shallower depth.",
        )
    cap = point.max_depth_mm
    if cap is not None and depth_mm > cap:
        why = f": {point.caution.strip().rstrip('.')}" if point.caution.strip() else ""
        source = f" ({point.source.strip()})" if point.source.strip() else ""
        raise RuleViolation(
            "point_depth_cap",
            f"{point.code} allows at most {format_mm(cap)} mm{why}{source}. "
            f"Depth {depth} mm was entered.",
            field="depth",
            remedy=f"Enter a depth of {format_mm(cap)} mm or less at {point.code}.",
        )


def validate_insertion(
    point: PointLike,
    side: Side,
    depth_mm: float,
    spec: NeedleSpec,
    *,
    lesion_regions: frozenset[str],
    deep_threshold_mm: float = DEFAULT_DEEP_THRESHOLD_MM,
    deep_confirmed: bool = False,
) -> None:
    """Refuse a needle that may not go in: the needle itself, then depth, side, skin, deep."""
    validate_spec(spec)
    validate_deep_threshold(deep_threshold_mm)
    _validate_depth(point, depth_mm, spec)
    if point.bilateral == (side is Side.MIDLINE):
        where = "on both sides of the body" if point.bilateral else "on the midline"
        allowed = "left or right" if point.bilateral else "midline"
        raise RuleViolation(
            "side",
            f"{point.code} lies {where}: its side is {allowed}, not {side.value}.",
            field="side",
            remedy=f"Choose {allowed}.",
        )
    lesion_keys = {region_key(r) for r in lesion_regions}
    if region_key(point.region) in lesion_keys:
        raise RuleViolation(
            "skin_lesion",
            f"{point.code} lies in a region where skin disease or injury is recorded: "
            f"{region_label(point.region)}.",
            field="point",
            remedy="Choose a point outside the affected region.",
        )
    if needs_deep_confirmation(depth_mm, deep_threshold_mm) and not deep_confirmed:
        raise RuleViolation(
            "deep_needling_unconfirmed",
            f"Depth {format_mm(depth_mm)} mm is deeper than the deep-needling threshold of "
            f"{format_mm(deep_threshold_mm)} mm.",
            field="depth",
            remedy="Confirm deep needling explicitly for this needle, or choose a shallower depth.",
        )


@dataclass(frozen=True)
class PackInput:
    lot: str
    expiry: date
    sterile_intact: bool


def validate_pack(pack: PackInput, today: date) -> None:
    """Refuse a pack without a lot number, past its expiry date, or not sterile and intact."""
    lot = pack.lot.strip()
    if not lot or len(lot) > LOT_MAX_CHARS:
        raise RuleViolation(
            "pack_lot",
            "The pack's lot number is missing."
            if not lot
            else f"The lot number has {len(lot)} characters; at most {LOT_MAX_CHARS} are accepted.",
            field="lot",
            remedy="Enter the lot number printed on the pack.",
        )
    validate_pack_in_date(lot, pack.expiry, today)
    if not pack.sterile_intact:
        raise RuleViolation(
            "pack_damaged",
            "The pack is not sterile and intact; a damaged pack cannot be used.",
            field="sterile_intact",
            remedy="Discard the pack and take a new one.",
        )


def validate_pack_in_date(lot: str, expiry: date, today: date) -> None:
    """A pack is usable up to and including its expiry day, checked at every insertion."""
    if expiry < today:
        raise RuleViolation(
            "pack_expired",
            f"The pack (lot {lot}) expired on {format_date(expiry)}; an expired pack cannot be "
            "used.",
            field="expiry",
            remedy="Take a new pack that is within its expiry date.",
        )


UNDO_REMOVAL_S = 10


def validate_undo(
    label: str,
    removed_at: datetime,
    removed_by: int | None,
    user_id: int,
    now: datetime,
    *,
    rest_ended: bool,
) -> None:
    """Only the person who removed a needle may take it back, and only for a few seconds."""
    if removed_by != user_id:
        raise RuleViolation(
            "undo_not_yours",
            f"The removal of the needle at {label} was recorded by someone else; only they may "
            "undo it.",
        )
    if rest_ended or (as_utc(now) - as_utc(removed_at)).total_seconds() > UNDO_REMOVAL_S:
        raise RuleViolation(
            "undo_too_late",
            f"The removal of the needle at {label} can no longer be undone (only within "
            f"{UNDO_REMOVAL_S} s).",
            remedy="If the needle is still in, record it as an incident.",
        )


@dataclass(frozen=True)
class InsertionRecord:
    id: int
    point_code: str
    side: Side

    @property
    def name(self) -> str:
        return self.point_code if self.side is Side.MIDLINE else f"{self.point_code} {self.side}"


@dataclass(frozen=True)
class RemovalRecord:
    insertion_id: int
    condition: Condition


def open_insertions(
    insertions: Sequence[InsertionRecord], removals: Sequence[RemovalRecord]
) -> list[InsertionRecord]:
    """The needles still in, in the order they were logged."""
    removed = {r.insertion_id for r in removals}
    return [i for i in insertions if i.id not in removed]


def validate_removal(
    insertion_id: int,
    insertions: Sequence[InsertionRecord],
    removals: Sequence[RemovalRecord],
) -> None:
    """Refuse removing a needle that was never logged here or was already removed."""
    needle = next((i for i in insertions if i.id == insertion_id), None)
    if needle is None:
        raise RuleViolation(
            "unknown_needle",
            f"Needle number {insertion_id} is not logged in this session.",
            remedy="Choose a needle from the list of needles still in.",
        )
    if any(r.insertion_id == insertion_id for r in removals):
        raise RuleViolation(
            "already_removed",
            f"The needle at {needle.name} is already logged as removed; a needle is removed "
            "only once.",
            remedy="Choose a needle from the list of needles still in.",
        )


def _needles(count: int) -> str:
    return f"{count} needle is" if count == 1 else f"{count} needles are"


def validate_remove_all(typed: str, open_count: int) -> None:
    """'Remove all' needs the number of needles still in, typed by hand, to match."""
    if open_count <= 0:
        raise RuleViolation(
            "no_open_needles", "No needles are in; there is nothing to remove.", field="count"
        )
    try:
        count = int(typed.strip())
    except ValueError:
        raise RuleViolation(
            "remove_all_count",
            f"Type the number of needles still in as a number; “{typed.strip()}” is not one.",
            field="count",
            remedy="Count the needles on the patient and type the number.",
        ) from None
    if count != open_count:
        # A blind count: the number she should have counted is never shown, only where to look.
        raise RuleViolation(
            "remove_all_count",
            f"The count of {count} does not match the needles recorded as still in.",
            field="count",
            remedy="Look at each needle marked on the chart and in the list, then remove them "
            "one by one or count again.",
        )


def needs_incident(condition: Condition) -> bool:
    return condition in (Condition.BROKEN, Condition.MISSING)


def validate_close(open_count: int, unresolved_incidents: int) -> None:
    """A session closes only with every needle out and every broken or missing one documented."""
    if open_count > 0:
        raise RuleViolation(
            "needles_open",
            f"{_needles(open_count)} still in; a session cannot be closed while any needle is in.",
            remedy="Remove and log every needle first.",
        )
    if unresolved_incidents > 0:
        noun = "needle has" if unresolved_incidents == 1 else "needles have"
        raise RuleViolation(
            "incident_undocumented",
            f"{unresolved_incidents} broken or missing {noun} no incident record yet.",
            remedy="Document the incident before closing the session.",
        )
