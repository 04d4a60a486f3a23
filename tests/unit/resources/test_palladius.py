"""resources/points/palladius.py: the pinyin -> Palladius table and the syllable splitter."""

from __future__ import annotations

import csv
import importlib
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

POINTS_DIR = Path(__file__).resolve().parents[3] / "resources" / "points"


def _import(name: str) -> ModuleType:
    """A build script beside points.csv (they import each other by plain name)."""
    if str(POINTS_DIR) not in sys.path:
        sys.path.insert(0, str(POINTS_DIR))
    return importlib.import_module(name)


palladius = _import("palladius")
TABLE: dict[str, str] = palladius.SYLLABLES


def test_the_table_covers_standard_mandarin() -> None:
    assert 400 <= len(TABLE) <= 420
    assert all(re.fullmatch(r"[а-яё]+", cyrillic) for cyrillic in TABLE.values())


@pytest.mark.parametrize(
    ("syllable", "cyrillic"),
    [
        ("zhong", "чжун"),
        ("chi", "чи"),
        ("shen", "шэнь"),
        ("ren", "жэнь"),
        ("ri", "жи"),
        ("zu", "цзу"),
        ("zi", "цзы"),
        ("ci", "цы"),
        ("si", "сы"),
        ("jian", "цзянь"),
        ("qian", "цянь"),
        ("xian", "сянь"),
        ("jie", "цзе"),
        ("lie", "ле"),
        ("gui", "гуй"),
        ("hui", "хуэй"),
        ("liu", "лю"),
        ("qiu", "цю"),
        ("long", "лун"),
        ("xiong", "сюн"),
        ("yong", "юн"),
        ("yi", "и"),
        ("wu", "у"),
        ("wei", "вэй"),
        ("yu", "юй"),
        ("ju", "цзюй"),
        ("qu", "цюй"),
        ("xu", "сюй"),
        ("lv", "люй"),
        ("que", "цюэ"),
        ("yue", "юэ"),
        ("quan", "цюань"),
        ("yuan", "юань"),
        ("jun", "цзюнь"),
        ("luo", "ло"),
        ("e", "э"),
        ("er", "эр"),
        ("he", "хэ"),
        ("feng", "фэн"),
        ("men", "мэнь"),
        ("you", "ю"),
        ("ye", "е"),
    ],
)
def test_syllables(syllable: str, cyrillic: str) -> None:
    assert TABLE[syllable] == cyrillic


def test_initials_follow_the_rules() -> None:
    expected = [
        ("zh", "чж"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("j", "цз"),
        ("q", "ц"),
        ("x", "с"),
        ("r", "ж"),
        ("z", "цз"),
        ("c", "ц"),
        ("s", "с"),
    ]
    for syllable, cyrillic in TABLE.items():
        for initial, start in expected:
            if syllable.startswith(initial) and not (
                len(initial) == 1 and syllable[:2] in {"zh", "ch", "sh"}
            ):
                assert cyrillic.startswith(start), (syllable, cyrillic)
                break


def test_finals_follow_the_rules() -> None:
    for syllable, cyrillic in TABLE.items():
        if syllable.endswith("ng"):
            assert cyrillic.endswith("н"), syllable  # -ng: н
        elif syllable.endswith("n"):
            assert cyrillic.endswith("нь"), syllable  # -n: нь
        if syllable.endswith("iong") or syllable == "yong":
            assert cyrillic.endswith("юн"), syllable
        elif syllable.endswith("ong"):
            assert cyrillic.endswith("ун"), syllable
        if syllable.endswith("ie"):
            assert cyrillic.endswith("е") and not cyrillic.endswith("ье"), syllable
        if syllable.endswith("iu"):
            assert cyrillic.endswith("ю"), syllable
        if syllable.endswith("ian"):
            assert cyrillic.endswith("янь"), syllable
        if syllable.endswith("ui") and syllable != "hui":
            assert cyrillic.endswith("уй"), syllable
        if "ы" in cyrillic:
            assert syllable in {"zi", "ci", "si"}, syllable
        assert not re.search(r"[жшч][ыяю]", cyrillic), syllable  # Russian spelling: жи, ши, чу


@pytest.mark.parametrize(
    ("pinyin", "count", "expected"),
    [
        ("Hegu", 2, "хэ-гу"),
        ("Zusanli", 3, "цзу-сань-ли"),
        ("Fengchi", 2, "фэн-чи"),
        ("Jianjing", 2, "цзянь-цзин"),
        ("Baihui", 2, "бай-хуэй"),
        ("Shenshu", 2, "шэнь-шу"),
        ("Huatuojiaji", 4, "хуа-то-цзя-цзи"),
        ("Tianjing", 2, "тянь-цзин"),
        ("Shangyang", 2, "шан-ян"),
        ("Erjian", 2, "эр-цзянь"),
        ("Xiangu", 2, "сянь-гу"),
        ("Fuai", 2, "фу-ай"),
        ("Xian", 1, "сянь"),
        ("Xi'an", 2, "си-ань"),
        ("Xian", 2, "си-ань"),
        ("Chang'an", 2, "чан-ань"),
        ("Zhonglüshu", 3, "чжун-люй-шу"),
        ("Zhōnglǚshū", 3, "чжун-люй-шу"),
        ("he gu", 2, "хэ-гу"),
    ],
)
def test_to_palladius(pinyin: str, count: int, expected: str) -> None:
    assert palladius.to_palladius(pinyin, count) == expected


def test_a_syllable_after_another_does_not_start_with_a_vowel_unless_marked() -> None:
    # "xingan" could be xing-an or xin-gan; without an apostrophe pinyin means xin-gan
    assert palladius.split_syllables("Xingan", 2) == ["xin", "gan"]
    assert palladius.split_syllables("Xing'an", 2) == ["xing", "an"]


def test_refuses_a_truly_ambiguous_split() -> None:
    with pytest.raises(ValueError, match="more than one way"):
        palladius.split_syllables("liao", 2)  # lia-o or li-ao


@pytest.mark.parametrize(("pinyin", "count"), [("Hegu", 3), ("Hegu", 1), ("Hegx", 2), ("", 1)])
def test_refuses_what_does_not_split(pinyin: str, count: int) -> None:
    with pytest.raises(ValueError):
        palladius.split_syllables(pinyin, count)


def test_the_shipped_catalog_is_up_to_date_with_the_converter() -> None:
    readings: dict[str, str] = _import("build_points").PALLADIUS_READING
    with (POINTS_DIR / "points.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 393
    stale = [
        row["code"]
        for row in rows
        if row["russian"]
        != palladius.to_palladius(readings.get(row["code"], row["pinyin"]), len(row["hanzi"]))
    ]
    assert stale == []
