from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import (
    Condition,
    InsertionRecord,
    Material,
    NeedleSpec,
    PackInput,
    PointInfo,
    RemovalRecord,
    Side,
    needs_deep_confirmation,
    needs_incident,
    open_insertions,
    validate_close,
    validate_deep_threshold,
    validate_insertion,
    validate_pack,
    validate_removal,
    validate_remove_all,
    validate_spec,
)

SPEC = NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0)
BL23 = PointInfo("BL23", bilateral=True, region="lower_back", max_depth_mm=None)
GV14 = PointInfo("GV14", bilateral=False, region="neck", max_depth_mm=None)
GB21 = PointInfo(
    "GB21",
    bilateral=True,
    region="shoulder",
    max_depth_mm=15.0,
    caution="the pleura lies close under the skin",
    source="Chen et al. 2018",
)
NO_LESIONS: frozenset[str] = frozenset()


def refusal(
    point: PointInfo = BL23,
    side: Side = Side.LEFT,
    depth: float = 5.0,
    spec: NeedleSpec = SPEC,
    *,
    lesions: frozenset[str] = NO_LESIONS,
    deep_confirmed: bool = False,
) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        validate_insertion(
            point, side, depth, spec, lesion_regions=lesions, deep_confirmed=deep_confirmed
        )
    return caught.value


def test_ordinary_insertions_are_accepted() -> None:
    validate_insertion(BL23, Side.LEFT, 5.0, SPEC, lesion_regions=NO_LESIONS)
    validate_insertion(BL23, Side.RIGHT, 10.0, SPEC, lesion_regions=NO_LESIONS)
    validate_insertion(GV14, Side.MIDLINE, 3.0, SPEC, lesion_regions=frozenset({"foot"}))
    validate_insertion(GB21, Side.LEFT, 15.0, SPEC, lesion_regions=NO_LESIONS, deep_confirmed=True)


@pytest.mark.parametrize("depth", [0.0, -1.0, math.nan, math.inf, -math.inf])
def test_depth_must_be_a_positive_number(depth: float) -> None:
    error = refusal(depth=depth)
    assert error.rule == "depth_positive" and error.field == "depth"


def test_absolute_depth_cap() -> None:
    error = refusal(depth=25.0, deep_confirmed=True)
    assert error.rule == "depth_cap" and error.field == "depth"
    assert error.message == "Depth 25 mm is above the absolute limit of 20 mm."
    assert "20.001 mm" in refusal(depth=20.001, deep_confirmed=True).message
    validate_insertion(BL23, Side.LEFT, 20.0, SPEC, lesion_regions=NO_LESIONS, deep_confirmed=True)


def test_never_to_the_handle() -> None:
    short = NeedleSpec(Material.GOLD, 0.20, 13.0)
    error = refusal(depth=13.0, spec=short, deep_confirmed=True)
    assert error.rule == "depth_to_handle" and error.field == "depth"
    assert "13 mm" in error.message and "handle" in error.message


def test_point_cap_cites_caution_and_source() -> None:
    error = refusal(point=GB21, depth=17.0, deep_confirmed=True)
    assert error.rule == "point_depth_cap" and error.field == "depth"
    assert error.message.startswith("GB21 allows at most 15 mm: the pleura")
    assert "(Chen et al. 2018)" in error.message
    assert "17 mm" in error.message


@pytest.mark.parametrize(
    ("point", "side"), [(BL23, Side.MIDLINE), (GV14, Side.LEFT), (GV14, Side.RIGHT)]
)
def test_side_must_fit_the_point(point: PointInfo, side: Side) -> None:
    error = refusal(point=point, side=side)
    assert error.rule == "side" and error.field == "side"
    assert point.code in error.message


def test_no_needle_in_a_region_with_skin_lesion() -> None:
    error = refusal(lesions=frozenset({"lower_back"}))
    assert error.rule == "skin_lesion" and error.field == "point"
    assert "Lower back (lumbar)" in error.message
    assert error.remedy == "Choose a point outside the affected region."


def test_deep_needling_needs_explicit_confirmation() -> None:
    error = refusal(depth=12.0)
    assert error.rule == "deep_needling_unconfirmed" and error.field == "depth"
    assert "12 mm" in error.message and "10 mm" in error.message
    assert needs_deep_confirmation(10.5, 10.0)
    assert not needs_deep_confirmation(10.0, 10.0)
    validate_insertion(BL23, Side.LEFT, 12.0, SPEC, lesion_regions=NO_LESIONS, deep_confirmed=True)
    validate_insertion(
        BL23, Side.LEFT, 12.0, SPEC, lesion_regions=NO_LESIONS, deep_threshold_mm=15.0
    )


@pytest.mark.parametrize("mm", [2.9, 20.5, math.nan])
def test_deep_threshold_bounds(mm: float) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_deep_threshold(mm)
    assert caught.value.field == "deep_threshold"
    validate_deep_threshold(3.0)
    validate_deep_threshold(20.0)


@pytest.mark.parametrize(
    ("diameter", "length", "field"),
    [
        (0.05, 40.0, "diameter"),
        (0.6, 40.0, "diameter"),
        (0.25, 4.0, "length"),
        (0.25, 151.0, "length"),
    ],
)
def test_needle_spec_bounds(diameter: float, length: float, field: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_spec(NeedleSpec(Material.SILVER, diameter, length))
    assert caught.value.field == field
    assert "mm" in caught.value.message and "-" in caught.value.message


def test_material_labels_are_plain() -> None:
    assert Material.STAINLESS_STEEL.label == "Stainless steel"
    assert Condition.MISSING.label.startswith("Missing")


lengths = st.floats(5.0, 150.0)
caps = st.none() | st.floats(1.0, 30.0)


@given(depth=st.floats(allow_nan=True, allow_infinity=True), length=lengths, cap=caps)
def test_any_depth_is_accepted_exactly_within_all_limits(
    depth: float, length: float, cap: float | None
) -> None:
    point = PointInfo("BL23", bilateral=True, region="lower_back", max_depth_mm=cap)
    spec = NeedleSpec(Material.STAINLESS_STEEL, 0.25, length)
    allowed = (
        math.isfinite(depth)
        and 0 < depth <= 20
        and depth < length
        and (cap is None or depth <= cap)
    )
    try:
        validate_insertion(
            point, Side.RIGHT, depth, spec, lesion_regions=NO_LESIONS, deep_confirmed=True
        )
    except RuleViolation as error:
        assert not allowed, error.text
        assert error.field == "depth"
    else:
        assert allowed


@given(depth=st.floats(0.1, 20.0), threshold=st.floats(3.0, 20.0))
def test_unconfirmed_deep_needling_is_refused_exactly_above_the_threshold(
    depth: float, threshold: float
) -> None:
    try:
        validate_insertion(
            BL23, Side.LEFT, depth, SPEC, lesion_regions=NO_LESIONS, deep_threshold_mm=threshold
        )
    except RuleViolation as error:
        assert error.rule == "deep_needling_unconfirmed"
        assert depth > threshold
    else:
        assert depth <= threshold


TODAY = date(2026, 11, 24)


def test_pack_expiring_today_is_allowed_yesterday_refused() -> None:
    validate_pack(PackInput("LOT-42", TODAY, True), TODAY)
    with pytest.raises(RuleViolation) as caught:
        validate_pack(PackInput("LOT-42", TODAY - timedelta(days=1), True), TODAY)
    assert caught.value.rule == "pack_expired" and caught.value.field == "expiry"
    assert caught.value.message == (
        "The pack (lot LOT-42) expired on 23.11.2026; an expired pack cannot be used."
    )


def test_damaged_pack_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_pack(PackInput("LOT-42", TODAY + timedelta(days=300), False), TODAY)
    assert caught.value.rule == "pack_damaged"


@pytest.mark.parametrize("lot", ["", "   ", "X" * 65])
def test_pack_lot_must_be_given_and_short(lot: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_pack(PackInput(lot, TODAY, True), TODAY)
    assert caught.value.field == "lot"
    validate_pack(PackInput("X" * 64, TODAY, True), TODAY)


INSERTIONS = [
    InsertionRecord(1, "BL23", Side.LEFT),
    InsertionRecord(2, "BL23", Side.RIGHT),
    InsertionRecord(3, "GV4", Side.MIDLINE),
]


def test_open_needles_come_from_records_in_order() -> None:
    assert open_insertions(INSERTIONS, []) == INSERTIONS
    removals = [RemovalRecord(2, Condition.INTACT)]
    assert [i.id for i in open_insertions(INSERTIONS, removals)] == [1, 3]
    removals += [RemovalRecord(1, Condition.BENT), RemovalRecord(3, Condition.INTACT)]
    assert open_insertions(INSERTIONS, removals) == []


def test_removal_of_unknown_or_removed_needle_is_refused() -> None:
    removals = [RemovalRecord(1, Condition.INTACT)]
    validate_removal(2, INSERTIONS, removals)
    with pytest.raises(RuleViolation) as caught:
        validate_removal(9, INSERTIONS, removals)
    assert caught.value.rule == "unknown_needle"
    with pytest.raises(RuleViolation) as caught:
        validate_removal(1, INSERTIONS, removals)
    assert caught.value.rule == "already_removed"
    assert "BL23 left" in caught.value.message


def test_remove_all_needs_the_typed_count_to_match() -> None:
    validate_remove_all(" 8 ", 8)
    with pytest.raises(RuleViolation) as caught:
        validate_remove_all("7", 8)
    # A blind count: the number she should have counted is never named.
    assert caught.value.text == (
        "The count of 7 does not match the needles recorded as still in. Look at each needle "
        "marked on the chart and in the list, then remove them one by one or count again."
    )
    assert "8" not in caught.value.text
    assert caught.value.field == "count"
    with pytest.raises(RuleViolation):
        validate_remove_all("eight", 8)
    with pytest.raises(RuleViolation):
        validate_remove_all("", 8)
    with pytest.raises(RuleViolation) as caught:
        validate_remove_all("0", 0)
    assert caught.value.rule == "no_open_needles"


def test_broken_and_missing_needles_need_an_incident() -> None:
    assert [c for c in Condition if needs_incident(c)] == [Condition.BROKEN, Condition.MISSING]


def test_session_cannot_close_with_a_needle_in_or_an_undocumented_incident() -> None:
    validate_close(0, 0)
    with pytest.raises(RuleViolation) as caught:
        validate_close(1, 0)
    assert caught.value.rule == "needles_open"
    assert "1 needle is still in" in caught.value.message
    with pytest.raises(RuleViolation) as caught:
        validate_close(3, 1)
    assert "3 needles are still in" in caught.value.message
    with pytest.raises(RuleViolation) as caught:
        validate_close(0, 2)
    assert caught.value.rule == "incident_undocumented"
