"""Fast needle entry: one line such as ``GB20 L 12`` becomes the needle(s) to log.

Grammar: ``POINT [SIDE] DEPTH``.

- POINT is a catalog code written loosely (``GB20``, ``gb 20``, ``ex-b2-l4``, ``EX-B2 L4``: the
  Huatuojiaji level is part of the code), a pinyin or English name that belongs to exactly one
  point (``jianjing``, ``shoulder well``; ``huatuojiaji L4`` with its level), or a completion as
  offered by :func:`completions` (``GB20 Fengchi (Wind Pool)``). The French letter codes of
  Russian books are accepted too (``VB20`` is GB20, ``GI4`` is LI4), and the Russian name of a
  point, with or without its hyphens (``фэн-чи``, ``фэнчи``).
- SIDE is L, R, B (both: two needles) or M (midline), or the words left, right, both, midline;
  in Russian Л (left), П (right), С (midline), lower case too, and the words слева, справа, обе.
  Points on both sides of the body need L, R or B; midline points take M or nothing.
- DEPTH is millimetres: ``12``, ``12mm``, ``12 mm``, ``12.5``, ``12,5``. The side may carry it
  (``L12``).

Every input that is not a needle raises :class:`RuleViolation` with ``field="entry"`` naming what
was wrong; nothing else is raised. The clinical rules (depth caps, needle length, skin, deep
needling) stay with the session service, which checks each order when it is logged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import ABSOLUTE_MAX_DEPTH_MM, PointLike, Side, format_mm, side_label
from acudesk.i18n import _, ngettext

FIELD = "entry"
MAX_CODE_WORDS = 3
MAX_NAME_WORDS = 6
_EVERY_POINT = 10_000

_SIDE_WORDS: dict[str, str] = {"left": "L", "right": "R", "both": "B", "midline": "M"}
_SIDE_WORDS.update({letter.lower(): letter for letter in _SIDE_WORDS.values()})
# Russian: Л(евая), П(равая), С(редняя линия), and the words a Russian note uses
_RUSSIAN_SIDES: dict[str, str] = {"л": "L", "п": "R", "с": "M"}
_SIDE_WORDS.update(_RUSSIAN_SIDES)
_SIDE_WORDS.update({"слева": "L", "справа": "R", "обе": "B"})
_NUMBER = r"[0-9]{1,6}(?:[.,][0-9]{1,3})?"
_DEPTH = re.compile(rf"({_NUMBER})(?:mm|мм)?", re.IGNORECASE)
_SIDE_AND_DEPTH = re.compile(rf"([lrbmлпс])({_NUMBER})(?:mm|мм)?", re.IGNORECASE)
_NUMBERISH = re.compile(r"[-+]?[0-9.,]+\w*")
_LEVEL = re.compile(r"([A-Z]+)([0-9]+)")


class QuickPoint(Protocol):
    """What fast entry needs to know about a point (the catalog's Point supplies it)."""

    @property
    def code(self) -> str: ...
    @property
    def pinyin(self) -> str: ...
    @property
    def english(self) -> str: ...
    @property
    def russian(self) -> str: ...
    @property
    def bilateral(self) -> bool: ...
    @property
    def display_name(self) -> str: ...


class PointLookup(Protocol):
    def get(self, code: str) -> QuickPoint | None: ...
    def get_french(self, code: str) -> QuickPoint | None: ...
    def search(self, text: str, limit: int = ...) -> Sequence[QuickPoint]: ...


@dataclass(frozen=True)
class NeedleOrder:
    """One needle to log: a catalog code, a side and a depth in millimetres."""

    code: str
    side: Side
    depth_mm: float

    @property
    def label(self) -> str:
        """``"GB20 left 12 mm"``, ``"GV20 5 mm"``."""
        depth = format_mm(self.depth_mm)
        if self.side is Side.MIDLINE:
            return _("{code} {depth} mm").format(code=self.code, depth=depth)
        return _("{code} {side} {depth} mm").format(
            code=self.code, side=side_label(self.side), depth=depth
        )


def _refuse(message: str, rule: str = "quick_entry") -> RuleViolation:
    return RuleViolation(rule, message, field=FIELD)


def _loose(text: str) -> str:
    """Letters and digits only, case-folded: how names are compared."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _name_matches(text: str, catalog: PointLookup) -> list[QuickPoint]:
    """Points whose pinyin, English or Russian name is exactly ``text`` (case, spaces and
    hyphens aside)."""
    key = _loose(text)
    if len(key) < 2 or key.isdigit():
        return []
    found: dict[str, QuickPoint] = {}
    for point in catalog.search(text, limit=_EVERY_POINT):
        if key in (_loose(point.pinyin), _loose(point.english), _loose(point.russian)):
            found.setdefault(point.code, point)
    return list(found.values())


def split_pinyin_or_name(text: str, catalog: PointLookup) -> tuple[str, str] | None:
    """``"jianjing L 8"`` -> ``("GB21", "L 8")`` when the leading words name exactly one point.

    The longest leading run of words that is a pinyin, English or Russian name wins. None when
    the text does not start with a name; a name shared by several points raises, listing their
    codes.
    """
    words = text.split()
    for count in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        name = " ".join(words[:count])
        matches = _name_matches(name, catalog)
        if len(matches) == 1:
            return matches[0].code, " ".join(words[count:])
        if matches:
            raise _ambiguous(name, matches)
    return None


def _ambiguous(name: str, matches: Sequence[QuickPoint]) -> RuleViolation:
    codes = ", ".join(p.code for p in matches[:6]) + (", ..." if len(matches) > 6 else "")
    return _refuse(
        ngettext(
            "Point: '{name}' is the name of {n} point ({codes}): write the code instead.",
            "Point: '{name}' is the name of {n} points ({codes}): write the code instead.",
            len(matches),
        ).format(name=name, n=len(matches), codes=codes),
        "ambiguous_point",
    )


def _strip_completion(text: str, catalog: PointLookup) -> str:
    """``"GB20 Fengchi (Wind Pool) L 12"`` (a picked completion) -> ``"GB20 L 12"``."""
    first = text.split(maxsplit=1)[0]
    point = _lookup(first, catalog)
    if point is None or point.display_name == point.code:
        return text
    shown = point.display_name
    if text[: len(shown)].casefold() == shown.casefold():
        rest = text[len(shown) :]
        if not rest or rest[0].isspace():
            return f"{point.code}{rest}"
    return text


def _lookup(span: str, catalog: PointLookup) -> QuickPoint | None:
    """The point of a code as typed: the WHO code (``GB20``) or the French one (``VB20``)."""
    return catalog.get(span) or catalog.get_french(span)


@dataclass(frozen=True)
class _Candidate:
    point: QuickPoint
    rest: tuple[str, ...]


def _candidates(words: Sequence[str], catalog: PointLookup) -> list[_Candidate]:
    """Ways to read the leading words as a point, the longest reading first."""
    found: list[_Candidate] = []
    shared: RuleViolation | None = None
    for count in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        span = " ".join(words[:count])
        point = _lookup(span, catalog) if count <= MAX_CODE_WORDS else None
        if point is None:
            matches = _name_matches(span, catalog)
            if len(matches) > 1 and count < len(words):
                # "Huatuojiaji L4 R 15": the level picks one of the points with that name
                level = f"-{words[count].upper()}"
                leveled = [p for p in matches if p.code.upper().endswith(level)]
                if len(leveled) == 1:
                    found.append(_Candidate(leveled[0], tuple(words[count + 1 :])))
                    continue
            if len(matches) > 1:
                shared = shared or _ambiguous(span, matches)
            point = matches[0] if len(matches) == 1 else None
        if point is not None:
            found.append(_Candidate(point, tuple(words[count:])))
    if not found and shared is not None:
        raise shared
    return found


def _point_words(words: Sequence[str]) -> str:
    """What the user meant as the point, for a message: ``"gb 99"`` of ``"gb 99 L 12"``."""
    taken = [words[0]]
    for word in words[1:]:
        if word.casefold() in _SIDE_WORDS or _SIDE_AND_DEPTH.fullmatch(word):
            break
        previous = taken[-1]
        if previous[-1:].isalpha() and word[:1].isdigit() and len(taken) < MAX_CODE_WORDS:
            taken.append(word)  # "gb 20", "EX-B2 L4"
        elif word.isalpha() and len(taken) < MAX_NAME_WORDS:
            taken.append(word)  # "wind pool"
        else:
            break
    return " ".join(taken)


def _unknown_point(words: Sequence[str], catalog: PointLookup) -> RuleViolation:
    typed = _point_words(words)
    stem = "".join(typed.split()).upper()
    with_level = [p.code for p in catalog.search(typed, limit=40) if p.code.startswith(f"{stem}-")]
    if with_level:
        levels = [code[len(stem) + 1 :] for code in with_level]
        needs_level = _(
            "Point: {stem} needs its level after it ({levels}), e.g. '{stem} {last} R 15'."
        )
        return _refuse(
            needs_level.format(stem=stem, levels=_level_ranges(levels), last=levels[-1]),
            "unknown_point",
        )
    return _refuse(_("Point '{typed}' is not in the catalog.").format(typed=typed), "unknown_point")


def _level_ranges(levels: Sequence[str]) -> str:
    """``["T1", ..., "T12", "L1", ..., "L5"]`` -> ``"T1-T12, L1-L5"``."""
    groups: dict[str, list[int]] = {}
    for level in levels:
        match = _LEVEL.fullmatch(level.upper())
        if match:
            groups.setdefault(match[1], []).append(int(match[2]))
    parts = [f"{k}{min(v)}-{k}{max(v)}" if len(v) > 1 else f"{k}{v[0]}" for k, v in groups.items()]
    return ", ".join(parts) if parts else ", ".join(levels)


def _depth(text: str) -> float:
    value = float(text.replace(",", "."))
    if not math.isfinite(value) or value <= 0:
        raise _refuse(
            _("Depth: must be more than 0 mm; got '{text}'.").format(text=text),
            "depth_positive",
        )
    if value > ABSOLUTE_MAX_DEPTH_MM:
        raise _refuse(
            _("Depth: {depth} mm is above the absolute limit of {limit} mm.").format(
                depth=format_mm(value), limit=f"{ABSOLUTE_MAX_DEPTH_MM:.0f}"
            ),
            "depth_cap",
        )
    return value


def _example(point: QuickPoint) -> str:
    if point.bilateral:
        return _("e.g. '{code} L 12'").format(code=point.code)
    return _("e.g. '{code} 5'").format(code=point.code)


def _without_mm(words: Sequence[str]) -> list[str]:
    """Drop a separate "mm" (мм) written after the depth: ``12 mm``, ``L 12 mm``."""
    kept = list(words)
    for index in (1, 2):
        if kept[index : index + 1] and kept[index].casefold() in ("mm", "мм"):
            del kept[index]
            break
    return kept


def _read_side(point: QuickPoint, words: Sequence[str]) -> tuple[str | None, str | None, int]:
    """The side letter written after the point, a depth fused to it (``L12``), words used."""
    if not words:
        return None, None, 0
    first = words[0]
    if first.casefold() in _SIDE_WORDS:
        return _SIDE_WORDS[first.casefold()], None, 1
    fused = _SIDE_AND_DEPTH.fullmatch(first)
    if fused:
        letter = fused[1].casefold()
        return _RUSSIAN_SIDES.get(letter, letter.upper()), fused[2], 1
    if _NUMBERISH.fullmatch(first):
        return None, None, 0
    if point.bilateral or len(words) > 1:
        raise _refuse(
            _("Side: write L, R, B (both) or M (midline) after the point; got '{word}'.").format(
                word=first
            ),
            "side",
        )
    raise _refuse(
        _("Depth: a number of millimetres after the point, {example}; got '{word}'.").format(
            example=_example(point), word=first
        ),
        "depth",
    )


def _check_side(point: QuickPoint, side: str | None, written: str) -> None:
    if side is None and point.bilateral:
        raise _refuse(
            _("{code} is on both sides of the body: give L, R or B.").format(code=point.code),
            "side_missing",
        )
    if side in ("L", "R", "B") and not point.bilateral:
        raise _refuse(
            _("{code} is on the midline: leave the side out or write M; got '{word}'.").format(
                code=point.code, word=written
            ),
            "side",
        )
    if side == "M" and point.bilateral:
        raise _refuse(
            _("{code} is on both sides of the body: give L, R or B, not M.").format(
                code=point.code
            ),
            "side",
        )


def _orders(point: QuickPoint, rest: Sequence[str]) -> list[NeedleOrder]:
    words = _without_mm(rest)
    side, depth_text, used = _read_side(point, words)
    _check_side(point, side, words[0] if used else "")
    if depth_text is None:
        if used >= len(words):
            missing = (
                _("Depth: a number of millimetres after the side, {example}.")
                if used
                else _("Depth: a number of millimetres after the point, {example}.")
            )
            raise _refuse(missing.format(example=_example(point)), "depth")
        match = _DEPTH.fullmatch(words[used])
        if match is None:
            wrong = (
                _("Depth: a number of millimetres after the side, {example}; got '{word}'.")
                if used
                else _("Depth: a number of millimetres after the point, {example}; got '{word}'.")
            )
            raise _refuse(wrong.format(example=_example(point), word=words[used]), "depth")
        depth_text = match[1]
        used += 1
    if used < len(words):
        raise _refuse(
            _("Unexpected '{words}' after the depth: one point per entry, {example}.").format(
                words=" ".join(words[used:]), example=_example(point)
            ),
        )
    depth = _depth(depth_text)
    if side == "B":
        return [NeedleOrder(point.code, s, depth) for s in (Side.LEFT, Side.RIGHT)]
    chosen = {"L": Side.LEFT, "R": Side.RIGHT}.get(side or "M", Side.MIDLINE)
    return [NeedleOrder(point.code, chosen, depth)]


def parse_quick_entry(text: str, catalog: PointLookup) -> list[NeedleOrder]:
    """The needle(s) one line of fast entry asks for: one, or two for side B."""
    cleaned = text.strip()
    if not cleaned:
        raise _refuse(
            _("Entry: type a point, its side and the depth, {example}.").format(
                example=_("e.g. '{code} L 12'").format(code="GB20")
            ),
            "empty_entry",
        )
    words = _strip_completion(cleaned, catalog).split()
    candidates = _candidates(words, catalog)
    if not candidates:
        raise _unknown_point(words, catalog)
    first_error: RuleViolation | None = None
    for candidate in candidates:
        try:
            return _orders(candidate.point, candidate.rest)
        except RuleViolation as error:
            first_error = first_error or error
    assert first_error is not None
    raise first_error


def completions(prefix: str, catalog: PointLookup, limit: int = 12) -> list[str]:
    """``"GB20 Fengchi (Wind Pool)"`` strings for what is typed so far, by code, pinyin or name.

    Only the point part is completed: once a side or a depth follows, nothing matches.
    :func:`parse_quick_entry` accepts a picked completion followed by the side and depth.
    """
    text = prefix.strip()
    if not text or limit <= 0:
        return []
    return [point.display_name for point in catalog.search(text, limit=limit)]


def format_orders(orders: Sequence[NeedleOrder]) -> list[str]:
    """Orders written back in fast-entry form, a left and right pair of one depth as ``B``.

    ``[GB20 left 12, GB20 right 12, GV14 midline 5]`` -> ``["GB20 B 12", "GV14 5"]``; each
    string parses back to its orders.
    """
    lines: list[str] = []
    index = 0
    while index < len(orders):
        order = orders[index]
        depth = format_mm(order.depth_mm)
        following = orders[index + 1] if index + 1 < len(orders) else None
        pair = (
            following is not None
            and order.side is Side.LEFT
            and following.side is Side.RIGHT
            and (following.code, following.depth_mm) == (order.code, order.depth_mm)
        )
        if pair:
            lines.append(f"{order.code} B {depth}")
            index += 2
            continue
        side = {Side.LEFT: " L", Side.RIGHT: " R"}.get(order.side, "")
        lines.append(f"{order.code}{side} {depth}")
        index += 1
    return lines


def validate_order(order: NeedleOrder, point: PointLike | None) -> None:
    """What can be checked of a needle before a session: the point exists, the side suits it,
    and the depth is within the absolute cap and the point's own cap. Needle length, skin and
    deep needling are checked when it is logged."""
    if point is None:
        raise RuleViolation(
            "unknown_point",
            _("Point '{typed}' is not in the catalog.").format(typed=order.code),
            field="point",
        )
    if point.bilateral == (order.side is Side.MIDLINE):
        wrong = (
            _("{code} takes the side left or right, not {side}.")
            if point.bilateral
            else _("{code} takes the side midline, not {side}.")
        )
        raise RuleViolation(
            "side", wrong.format(code=point.code, side=side_label(order.side)), field="side"
        )
    depth = order.depth_mm
    if not (math.isfinite(depth) and 0 < depth <= ABSOLUTE_MAX_DEPTH_MM):
        raise RuleViolation(
            "depth_cap",
            _("Depth at {code}: more than 0 and at most {limit} mm; {depth} mm was given.").format(
                code=point.code, limit=f"{ABSOLUTE_MAX_DEPTH_MM:.0f}", depth=format_mm(depth)
            ),
            field="depth",
        )
    cap = point.max_depth_mm
    if cap is not None and depth > cap:
        raise RuleViolation(
            "point_depth_cap",
            _("{code} allows at most {limit} mm; {depth} mm was given.").format(
                code=point.code, limit=format_mm(cap), depth=format_mm(depth)
            ),
            field="depth",
        )
