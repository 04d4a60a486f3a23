"""Needle-box codes as printed and as a keyboard-wedge scanner types them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from acudesk.domain.errors import RuleViolation
from acudesk.domain.gs1 import PackCode, parse_gs1
from acudesk.domain.needles import PackInput, validate_pack

GS = "\x1d"
BOX = PackCode(gtin="04012345678901", lot="LOT2291", expiry=date(2028, 6, 30))
TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "scanned",
    [
        "(01)04012345678901(17)280630(10)LOT2291",
        "]C1010401234567890117280630" + GS + "10LOT2291",
        "]C1010401234567890117280630" + GS + "10LOT2291\r\n",  # the scanner's Enter
        "]d2010401234567890117280630" + GS + "10LOT2291",  # GS1 DataMatrix
        "010401234567890117280630" + GS + "10LOT2291",  # no symbology identifier
        "0104012345678901" + GS + "10LOT2291" + GS + "17280630",  # lot before expiry
        "(01)04012345678901(10)LOT2291(17)280630",
        "0104012345678901\u241d10LOT2291\u241d17280630",  # GS shown as a symbol
    ],
)
def test_lot_expiry_and_gtin_from_a_needle_box(scanned: str) -> None:
    assert parse_gs1(scanned) == BOX


def test_day_00_means_the_end_of_the_month() -> None:
    assert parse_gs1("(01)04012345678901(17)280200(10)A7").expiry == date(2028, 2, 29)


def test_a_code_without_an_expiry_leaves_it_to_be_entered() -> None:
    assert parse_gs1("(01)04012345678901(10)LOT2291") == PackCode("04012345678901", "LOT2291", None)


def test_an_expired_pack_is_read_then_refused() -> None:
    code = parse_gs1("]C1010401234567890117261031" + GS + "10LOT0815")
    assert code == PackCode("04012345678901", "LOT0815", date(2026, 10, 31))
    assert code.expiry is not None
    with pytest.raises(RuleViolation) as refused:
        validate_pack(PackInput(code.lot, code.expiry, True), TODAY)
    assert refused.value.rule == "pack_expired"
    assert "expired on 31.10.2026" in refused.value.message


def test_a_pack_expiring_today_may_still_be_used() -> None:
    code = parse_gs1("(01)04012345678901(17)261124(10)LOT0816")
    assert code.expiry == TODAY
    validate_pack(PackInput(code.lot, code.expiry, True), TODAY)


@pytest.mark.parametrize(
    "typed",
    [
        "LOT2291",  # someone typed the lot into the scan field
        "hello world",
        "(01)04012345678901(17)281340(10)LOT2291",  # month 13
        "(01)0401234567(17)280630(10)LOT2291",  # GTIN cut short
        "]C10104012345",
        "(",
        "()",
    ],
)
def test_malformed_codes_get_a_clear_message(typed: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        parse_gs1(typed)
    error = refused.value
    assert error.field == "pack_code"
    assert error.message.startswith("This is not a GS1 code from a needle box (")
    assert error.message.endswith("): enter the lot and expiry by hand.")


def test_a_valid_gs1_code_without_a_lot_is_refused() -> None:
    with pytest.raises(RuleViolation, match=r"no lot number, AI \(10\)"):
        parse_gs1("(01)04012345678901(17)280630")


def test_a_plain_product_barcode_is_refused() -> None:
    with pytest.raises(RuleViolation, match="no lot number"):
        parse_gs1("4012345678901")


def test_a_wrong_gtin_check_digit_is_a_misread() -> None:
    with pytest.raises(RuleViolation) as refused:
        parse_gs1("(01)04012345678902(17)280630(10)LOT2291")
    assert refused.value.rule == "pack_code_gtin"
    assert "scan it again" in refused.value.message


def test_an_empty_field_asks_for_a_scan() -> None:
    with pytest.raises(RuleViolation, match="scan the code on the needle box"):
        parse_gs1("  ")


ELEMENTS = st.sampled_from(
    ["01", "04012345678901", "17", "280630", "281340", "10", "LOT", "21", "(", ")", GS, "]C1", "00"]
)


@settings(max_examples=300)
@example("]")  # a symbology prefix with nothing after it
@example("]C1")
@given(st.one_of(st.text(max_size=80), st.lists(ELEMENTS, max_size=10).map("".join)))
def test_any_text_is_a_pack_code_or_a_message(text: str) -> None:
    try:
        code = parse_gs1(text)
    except RuleViolation as error:
        assert error.field == "pack_code" and error.message.strip()
    else:
        assert code.lot.strip()
