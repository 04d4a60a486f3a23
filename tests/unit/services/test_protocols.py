"""Saved point sets and "repeat last session's points", on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.domain.catalog import default_catalog
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import NotFound, PermissionDenied, RuleViolation
from acudesk.domain.needles import PackInput, Side
from acudesk.domain.quick_entry import NeedleOrder, parse_quick_entry
from acudesk.services.session_view import SessionView
from tests.unit.services.conftest import (
    DOCTOR_PIN,
    MARIA,
    SPEC,
    Clinic,
    prepare,
    start,
)

L, R, M = Side.LEFT, Side.RIGHT, Side.MIDLINE
CERVICAL = "Cervical osteochondrosis, basic"


def orders(*lines: str) -> list[NeedleOrder]:
    catalog = default_catalog()
    return [order for line in lines for order in parse_quick_entry(line, catalog)]


BASIC = orders("GB20 B 8", "GV14 5", "EX-B2 T1 B 6")


def _needles(view: SessionView) -> list[NeedleOrder]:
    return [NeedleOrder(n.point_code, Side(n.side), n.depth_mm) for n in view.needles]


def _stored_needles(clinic: Clinic) -> int:
    with clinic.services.db.reading() as s:
        return s.scalar(select(func.count()).select_from(m.NeedleInsertion)) or 0


def _sign(clinic: Clinic, clock: FakeClock, view: SessionView) -> SessionView:
    s = clinic.services.sessions
    view = s.start_retention(clinic.doctor, view.id)
    clock.advance(minutes=view.planned_minutes)
    view = s.remove_all(clinic.nurse, view.id, str(len(view.open_needles)))
    clock.advance(minutes=20)
    view = s.end_rest(clinic.nurse, view.id)
    view = s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=3)
    return s.sign(clinic.doctor, view.id, DOCTOR_PIN)


# -- saving ---------------------------------------------------------------------------------------


def test_save_and_list_a_point_set(clinic: Clinic) -> None:
    p = clinic.services.protocols
    saved = p.save_protocol(clinic.doctor, f"  {CERVICAL} ", BASIC)
    assert saved.name == CERVICAL
    assert saved.orders == tuple(BASIC)
    assert saved.summary == "GB20 B 8, GV14 5, EX-B2-T1 B 6"
    assert saved.created_by == "Dr Elena Ivanova"
    p.save_protocol(clinic.doctor, "Lumbar, basic", orders("EX-B2 L4 B 10", "BL23 B 10"))
    assert [r.name for r in p.list_protocols()] == [CERVICAL, "Lumbar, basic"]
    assert p.list_protocols()[0] == saved == p.protocol(saved.id)


def test_codes_are_stored_as_the_catalog_writes_them(clinic: Clinic) -> None:
    saved = clinic.services.protocols.save_protocol(
        clinic.doctor, "Neck", [NeedleOrder("gb 20", L, 8), NeedleOrder("ex-b2-t1", R, 6)]
    )
    assert [o.code for o in saved.orders] == ["GB20", "EX-B2-T1"]


def test_a_nurse_may_not_save_a_point_set(clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied, match="manage point sets"):
        clinic.services.protocols.save_protocol(clinic.nurse, CERVICAL, BASIC)
    assert clinic.services.protocols.list_protocols() == []


def test_a_name_is_used_once(clinic: Clinic) -> None:
    p = clinic.services.protocols
    p.save_protocol(clinic.doctor, CERVICAL, BASIC)
    with pytest.raises(RuleViolation) as refused:
        p.save_protocol(clinic.doctor, CERVICAL.upper(), BASIC)
    assert refused.value.rule == "protocol_name_taken"
    assert refused.value.field == "name"
    assert str(refused.value) == (
        f"A point set named '{CERVICAL.upper()}' already exists. Choose another name."
    )
    assert len(p.list_protocols()) == 1


@pytest.mark.parametrize(
    ("name", "needles", "rule", "text"),
    [
        ("", BASIC, "protocol_name", "give the point set a name"),
        ("x" * 201, BASIC, "protocol_name", "at most 200"),
        (CERVICAL, [], "protocol_empty", "at least one needle"),
        (CERVICAL, [*BASIC, NeedleOrder("GB99", L, 5)], "unknown_point", "Needle 6 of 6 (GB99"),
        (CERVICAL, [NeedleOrder("GB20", M, 5)], "side", "Needle 1 of 1 (GB20 5 mm)"),
        (CERVICAL, [NeedleOrder("GV14", L, 5)], "side", "GV14 takes the side midline"),
        (CERVICAL, [NeedleOrder("GV14", M, 21)], "depth_cap", "at most 20 mm"),
        (CERVICAL, [NeedleOrder("GV14", M, 0)], "depth_cap", "more than 0"),
        (CERVICAL, [NeedleOrder("GB21", R, 12)], "point_depth_cap", "GB21 allows at most 8 mm"),
    ],
)
def test_a_point_set_is_checked_before_it_is_saved(
    clinic: Clinic, name: str, needles: list[NeedleOrder], rule: str, text: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        clinic.services.protocols.save_protocol(clinic.doctor, name, needles)
    assert refused.value.rule == rule
    assert text in refused.value.message
    assert clinic.services.protocols.list_protocols() == []


# -- applying -------------------------------------------------------------------------------------


def test_apply_a_point_set_logs_every_needle(clinic: Clinic) -> None:
    saved = clinic.services.protocols.save_protocol(clinic.doctor, CERVICAL, BASIC)
    view = prepare(clinic, start(clinic))
    view = clinic.services.protocols.apply_protocol(
        clinic.doctor, view.id, saved.id, view.packs[0].id
    )
    assert _needles(view) == BASIC
    assert all(n.pack_lot == "LOT-2291" and n.is_open for n in view.needles)


def test_a_refused_needle_stores_none_of_the_set(clinic: Clinic) -> None:
    deep = orders("GV14 5", "GB20 L 8", "GB20 R 12")
    saved = clinic.services.protocols.save_protocol(clinic.doctor, "Deep neck", deep)
    view = prepare(clinic, start(clinic))
    with pytest.raises(RuleViolation) as refused:
        clinic.services.protocols.apply_protocol(clinic.doctor, view.id, saved.id, view.packs[0].id)
    assert refused.value.rule == "deep_needling_unconfirmed"
    assert refused.value.message.startswith("Needle 3 of 3 (GB20 right 12 mm): Depth 12 mm")
    assert clinic.services.sessions.view(view.id).needles == ()
    assert _stored_needles(clinic) == 0

    view = clinic.services.protocols.apply_protocol(
        clinic.doctor, view.id, saved.id, view.packs[0].id, deep_confirmed=True
    )
    assert _needles(view) == deep
    assert [n.deep_confirmed for n in view.needles] == [False, False, True]


def test_a_point_set_waits_for_the_checklist(clinic: Clinic) -> None:
    saved = clinic.services.protocols.save_protocol(clinic.doctor, CERVICAL, BASIC)
    view = start(clinic)
    view = clinic.services.sessions.register_pack(
        clinic.nurse, view.id, PackInput("LOT-1", date(2028, 1, 31), True), SPEC
    )
    with pytest.raises(RuleViolation):
        clinic.services.protocols.apply_protocol(clinic.doctor, view.id, saved.id, view.packs[0].id)
    assert _stored_needles(clinic) == 0


def test_only_an_acupuncturist_applies_a_point_set(clinic: Clinic) -> None:
    saved = clinic.services.protocols.save_protocol(clinic.doctor, CERVICAL, BASIC)
    view = prepare(clinic, start(clinic))
    with pytest.raises(PermissionDenied):
        clinic.services.protocols.apply_protocol(clinic.nurse, view.id, saved.id, view.packs[0].id)
    assert _stored_needles(clinic) == 0


def test_applying_an_unknown_point_set(clinic: Clinic) -> None:
    view = prepare(clinic, start(clinic))
    with pytest.raises(NotFound):
        clinic.services.protocols.apply_protocol(clinic.doctor, view.id, 999, view.packs[0].id)


# -- insert_needles: the session service's side of it ---------------------------------------------


def test_both_sides_from_fast_entry_go_in_together(clinic: Clinic) -> None:
    view = prepare(clinic, start(clinic))
    pack = view.packs[0].id
    s = clinic.services.sessions
    view = s.insert_needles(clinic.doctor, view.id, orders("gb20 b 10"), pack)
    assert _needles(view) == [NeedleOrder("GB20", L, 10), NeedleOrder("GB20", R, 10)]
    with pytest.raises(RuleViolation) as refused:
        s.insert_needles(clinic.doctor, view.id, orders("GB21 L 9"), pack)
    assert refused.value.rule == "point_depth_cap"
    assert refused.value.message.startswith("GB21 allows at most 8 mm")
    with pytest.raises(RuleViolation, match="no needles"):
        s.insert_needles(clinic.doctor, view.id, [], pack)
    assert len(s.view(view.id).needles) == 2


def test_a_skin_lesion_refuses_the_whole_set(clinic: Clinic) -> None:
    lesion = replace(MARIA, skin_lesion_regions=frozenset({"upper_back"}))
    clinic.services.patients.update(clinic.nurse, clinic.patient, lesion, 1)
    saved = clinic.services.protocols.save_protocol(clinic.doctor, CERVICAL, BASIC)
    view = prepare(clinic, start(clinic))
    with pytest.raises(RuleViolation) as refused:
        clinic.services.protocols.apply_protocol(clinic.doctor, view.id, saved.id, view.packs[0].id)
    assert refused.value.rule == "skin_lesion"
    assert "Needle 4 of 5 (EX-B2-T1 left 6 mm)" in refused.value.message
    assert _stored_needles(clinic) == 0


# -- repeat last session --------------------------------------------------------------------------


def test_repeat_the_points_of_the_last_signed_session(clinic: Clinic, clock: FakeClock) -> None:
    p, s = clinic.services.protocols, clinic.services.sessions
    assert p.last_session_orders(clinic.patient) == []
    first = orders("GB20 B 8", "GV14 5")
    view = prepare(clinic, start(clinic))
    view = s.insert_needles(clinic.doctor, view.id, first, view.packs[0].id)
    assert p.last_session_orders(clinic.patient) == []  # not signed yet
    _sign(clinic, clock, view)
    assert p.last_session_orders(clinic.patient) == first

    clock.advance(minutes=24 * 60)
    second = prepare(clinic, s.start_session(clinic.doctor, clinic.patient))
    assert second.number == 2
    second = p.repeat_last_session(clinic.doctor, second.id, second.packs[0].id)
    assert _needles(second) == first
    assert p.last_session_orders(clinic.patient) == first  # still the signed one


def test_nothing_to_repeat_without_a_signed_session(clinic: Clinic) -> None:
    view = prepare(clinic, start(clinic))
    with pytest.raises(RuleViolation) as refused:
        clinic.services.protocols.repeat_last_session(clinic.doctor, view.id, view.packs[0].id)
    assert refused.value.rule == "no_last_session"
    with pytest.raises(NotFound):
        clinic.services.protocols.last_session_orders(999)


# -- packs -----------------------------------------------------------------------------------------


def test_a_box_scanned_before_fills_the_needle_spec(clinic: Clinic) -> None:
    p = clinic.services.protocols
    assert p.known_spec("04012345678901") is None
    view = start(clinic)
    clinic.services.sessions.register_pack(
        clinic.nurse,
        view.id,
        PackInput("LOT-7", date(2028, 1, 31), True),
        SPEC,
        gtin="04012345678901",
    )
    assert p.known_spec("04012345678901") == SPEC
    assert p.known_spec("") is None
    assert p.known_spec("09999999999999") is None
