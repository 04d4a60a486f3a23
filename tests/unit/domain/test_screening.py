from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acudesk.domain.errors import RuleViolation
from acudesk.domain.screening import (
    Caution,
    Contraindication,
    HealthProfile,
    age_on,
    require_may_start,
    screen,
    validate_caution_acknowledgements,
)

SESSION_DAY = date(2026, 11, 24)  # a Tuesday


def profile(**changes: object) -> HealthProfile:
    base = HealthProfile(
        date_of_birth=date(1970, 5, 17),
        pregnant=False,
        acute_infection=False,
        blood_disorder=False,
        malignancy=False,
        exacerbation=False,
        skin_lesion_regions=frozenset(),
        medications="",
        electrical_procedure_days=frozenset(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_healthy_adult_may_start_without_cautions() -> None:
    result = screen(profile(), SESSION_DAY)
    assert result.may_start
    assert result.refusals == () and result.cautions == ()
    require_may_start(result)


@pytest.mark.parametrize(
    ("flag", "code", "words"),
    [
        ("pregnant", Contraindication.PREGNANCY, "pregnan"),
        ("acute_infection", Contraindication.ACUTE_INFECTION, "Acute infectious disease"),
        ("blood_disorder", Contraindication.BLOOD_DISORDER, "Blood disorder"),
        ("malignancy", Contraindication.MALIGNANCY, "Malignant disease"),
        ("exacerbation", Contraindication.EXACERBATION, "Exacerbation of osteochondrosis"),
    ],
)
def test_each_recorded_contraindication_refuses(
    flag: str, code: Contraindication, words: str
) -> None:
    result = screen(profile(**{flag: True}), SESSION_DAY)
    assert not result.may_start
    [finding] = result.refusals
    assert finding.code is code
    assert words in finding.message
    assert finding.remedy


def test_exacerbation_waits_for_remission() -> None:
    [finding] = screen(profile(exacerbation=True), SESSION_DAY).refusals
    assert finding.remedy == "Treatment waits for stable remission."


def test_every_contraindication_has_a_plain_label() -> None:
    for code in Contraindication:
        assert code.label and "_" not in code.label
    for caution in Caution:
        assert caution.label and "_" not in caution.label


def test_age_over_75_names_age_date_and_birth_date() -> None:
    result = screen(profile(date_of_birth=date(1949, 2, 3)), SESSION_DAY)
    [finding] = result.refusals
    assert finding.code is Contraindication.AGE_OVER_75
    assert finding.message == "Age over 75: the patient is 77 on 24.11.2026 (born 03.02.1949)."
    assert finding.remedy == "Acupuncture is not given over the age of 75."


def test_exactly_75_is_allowed_until_the_76th_birthday() -> None:
    dob = date(1950, 11, 24)
    assert screen(profile(date_of_birth=dob), date(2026, 11, 23)).may_start
    refused = screen(profile(date_of_birth=dob), date(2026, 11, 24))
    assert [f.code for f in refused.refusals] == [Contraindication.AGE_OVER_75]
    assert "is 76 on 24.11.2026" in refused.refusals[0].message


def test_child_boundary_at_the_minimum_age() -> None:
    dob = date(2008, 11, 24)
    day_before = screen(profile(date_of_birth=dob), date(2026, 11, 23))
    [finding] = day_before.refusals
    assert finding.code is Contraindication.CHILD
    assert "minimum age of 18" in finding.message
    assert "is 17 on 23.11.2026 (born 24.11.2008)" in finding.message
    assert screen(profile(date_of_birth=dob), date(2026, 11, 24)).may_start


def test_clinic_minimum_age_can_be_lowered_to_14() -> None:
    teen = profile(date_of_birth=date(2010, 1, 1))
    assert not screen(teen, SESSION_DAY).may_start
    assert screen(teen, SESSION_DAY, minimum_age=16).may_start
    assert not screen(teen, SESSION_DAY, minimum_age=17).may_start


@pytest.mark.parametrize("minimum_age", [13, 19, 0])
def test_minimum_age_outside_14_to_18_is_refused(minimum_age: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        screen(profile(), SESSION_DAY, minimum_age=minimum_age)
    assert caught.value.field == "minimum_age"
    assert "14-18" in caught.value.message


def test_leap_day_birthday_counts_on_28_february_in_other_years() -> None:
    dob = date(2008, 2, 29)
    assert age_on(dob, date(2026, 2, 27)) == 17
    assert age_on(dob, date(2026, 2, 28)) == 18
    assert age_on(dob, date(2026, 3, 1)) == 18
    assert age_on(dob, date(2028, 2, 28)) == 19
    assert age_on(dob, date(2028, 2, 29)) == 20
    assert not screen(profile(date_of_birth=dob), date(2026, 2, 27)).may_start
    assert screen(profile(date_of_birth=dob), date(2026, 2, 28)).may_start


def test_birth_date_after_the_session_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        age_on(date(2027, 1, 1), SESSION_DAY)
    assert caught.value.field == "date_of_birth"


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 120 * 366)
)
def test_age_grows_by_one_per_birthday(dob: date, days: int) -> None:
    on = dob + timedelta(days=days)
    age = age_on(dob, on)
    assert 0 <= age <= days // 365
    assert age_on(dob, on + timedelta(days=1)) in (age, age + 1)


def test_skin_lesion_alone_does_not_refuse_at_screening() -> None:
    result = screen(profile(skin_lesion_regions=frozenset({"neck"})), SESSION_DAY)
    assert result.may_start


def test_skin_lesion_where_needling_is_planned_refuses_naming_regions() -> None:
    lesions = frozenset({"neck", "hand"})
    result = screen(
        profile(skin_lesion_regions=lesions),
        SESSION_DAY,
        needling_regions=frozenset({"Neck", "upper_back"}),
    )
    [finding] = result.refusals
    assert finding.code is Contraindication.SKIN_LESION
    assert "Neck" in finding.message
    assert "Hand" not in finding.message
    assert "outside the affected regions" in finding.remedy


def test_skin_lesion_elsewhere_does_not_refuse() -> None:
    result = screen(
        profile(skin_lesion_regions=frozenset({"foot"})),
        SESSION_DAY,
        needling_regions=frozenset({"neck"}),
    )
    assert result.may_start


def test_all_refusals_are_reported_together() -> None:
    result = screen(
        profile(pregnant=True, malignancy=True, date_of_birth=date(1940, 1, 1)), SESSION_DAY
    )
    codes = {f.code for f in result.refusals}
    assert codes == {
        Contraindication.PREGNANCY,
        Contraindication.MALIGNANCY,
        Contraindication.AGE_OVER_75,
    }
    with pytest.raises(RuleViolation) as caught:
        require_may_start(result)
    assert caught.value.rule == "contraindication"
    for finding in result.refusals:
        assert finding.message in caught.value.message
        assert finding.remedy in caught.value.message


def test_medications_are_a_caution_naming_them() -> None:
    result = screen(profile(medications="  warfarin 5 mg daily "), SESSION_DAY)
    assert result.may_start
    [finding] = result.cautions
    assert finding.code is Caution.MEDICATIONS
    assert "warfarin 5 mg daily" in finding.message


def test_electrical_procedure_on_the_same_weekday_is_a_caution() -> None:
    tuesday = SESSION_DAY.isoweekday()
    result = screen(profile(electrical_procedure_days=frozenset({tuesday})), SESSION_DAY)
    [finding] = result.cautions
    assert finding.code is Caution.ELECTRICAL_PROCEDURE_SAME_DAY
    assert "Tuesday" in finding.message and "24.11.2026" in finding.message
    other = screen(profile(electrical_procedure_days=frozenset({1, 3, 5})), SESSION_DAY)
    assert other.cautions == ()


def test_cautions_need_a_reason_each() -> None:
    result = screen(
        profile(medications="ibuprofen", electrical_procedure_days=frozenset({2})), SESSION_DAY
    )
    assert len(result.cautions) == 2
    with pytest.raises(RuleViolation) as caught:
        validate_caution_acknowledgements(result, {Caution.MEDICATIONS: "reviewed"})
    assert caught.value.field == "reason"
    assert Caution.ELECTRICAL_PROCEDURE_SAME_DAY.label in caught.value.message
    assert Caution.MEDICATIONS.label + ";" not in caught.value.message
    with pytest.raises(RuleViolation):
        validate_caution_acknowledgements(
            result,
            {Caution.MEDICATIONS: "reviewed", Caution.ELECTRICAL_PROCEDURE_SAME_DAY: "   "},
        )
    validate_caution_acknowledgements(
        result,
        {
            Caution.MEDICATIONS: "reviewed, low dose",
            Caution.ELECTRICAL_PROCEDURE_SAME_DAY: "physiotherapy is in the evening",
        },
    )


def test_no_cautions_need_no_reasons() -> None:
    validate_caution_acknowledgements(screen(profile(), SESSION_DAY), {})
