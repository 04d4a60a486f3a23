"""Needle-box barcodes: the GS1 code a keyboard-wedge scanner types into the pack field.

The code on a box of sterile needles carries the product number (GTIN, AI 01), the expiry date
(AI 17) and the lot (AI 10). Scanners send it as a raw element string, often behind a symbology
identifier (``]C1`` GS1-128, ``]d2`` GS1 DataMatrix) with the group separator (``\\x1d``) after
variable-length fields; people copy it from the box in the printed form with parentheses
(``(01)04012345678901(17)280630(10)LOT2291``). Both are read here with ``biip``.

Reading a code says nothing about whether the pack may be used: the expiry is checked by
:func:`acudesk.domain.needles.validate_pack` when the pack is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from acudesk.domain.errors import RuleViolation

FIELD = "pack_code"
GROUP_SEPARATOR = "\x1d"
# Scanners and tools that cannot type the control character show it as one of these.
_SEPARATOR_STAND_INS = ("\u241d", "<GS>", "{GS}", "[GS]")
_HRI_AI = re.compile(r"\((\d{2,4})\)")
AI_GTIN, AI_EXPIRY, AI_LOT = "01", "17", "10"


@dataclass(frozen=True)
class PackCode:
    """What a needle box's code says: product number, lot, and expiry when the code has one."""

    gtin: str
    lot: str
    expiry: date | None


def _not_a_pack_code(reason: str) -> RuleViolation:
    return RuleViolation(
        "pack_code",
        f"This is not a GS1 code from a needle box ({reason}): enter the lot and expiry by hand.",
        field=FIELD,
    )


def _element_string(text: str) -> str:
    """The raw element string biip reads: printed parentheses become group separators."""
    cleaned = text.strip()
    for stand_in in _SEPARATOR_STAND_INS:
        cleaned = cleaned.replace(stand_in, GROUP_SEPARATOR)
    if not cleaned.startswith("("):
        return cleaned
    parts = _HRI_AI.split(cleaned)
    # ["", "01", "0401...", "17", "280630", "10", "LOT2291"]: AI and value in turn
    if parts[0].strip():
        return cleaned
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    return GROUP_SEPARATOR.join(ai + value.strip() for ai, value in pairs)


def parse_gs1(text: str) -> PackCode:
    """The GTIN, lot and expiry in a scanned or typed GS1 code.

    Refused (``RuleViolation``, field ``pack_code``) when the text is not GS1 data, has no lot,
    or its GTIN check digit is wrong (a misread). A code without an expiry date gives
    ``expiry=None``: the expiry is then entered by hand. A day of ``00`` means the last day of
    the month, as the GS1 specification says.
    """
    if not text.strip():
        raise RuleViolation(
            "pack_code",
            "Pack: scan the code on the needle box, or enter the lot and expiry by hand.",
            field=FIELD,
        )
    try:
        from biip import ParseError, parse  # loaded at the first scan, not at start-up

        result = parse(_element_string(text))
    except (ParseError, ValueError, IndexError):  # biip trips on a lone "]" (a symbology prefix)
        raise _not_a_pack_code("it could not be read as GS1 data") from None
    message = result.gs1_message
    if message is None:
        raise _not_a_pack_code("it could not be read as GS1 data")
    values: dict[str, str] = {}
    expiry: date | None = None
    gtin_valid = True
    for element in message.element_strings:
        values.setdefault(element.ai.ai, element.value)
        if element.ai.ai == AI_EXPIRY and expiry is None:
            expiry = element.date
        if element.ai.ai == AI_GTIN and element.gtin is None:
            gtin_valid = False
    if not gtin_valid:
        raise RuleViolation(
            "pack_code_gtin",
            f"The product number {values[AI_GTIN]} in this code has a wrong check digit, "
            "probably a misread: scan it again, or enter the lot and expiry by hand.",
            field=FIELD,
        )
    lot = values.get(AI_LOT, "").strip()
    if not lot:
        raise _not_a_pack_code("it has no lot number, AI (10)")
    return PackCode(gtin=values.get(AI_GTIN, ""), lot=lot, expiry=expiry)
