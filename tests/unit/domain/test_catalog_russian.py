"""Russian names (Palladius transcription) and French codes with Roman numerals in the catalog."""

from __future__ import annotations

import re

import pytest

from acudesk.domain.catalog import (
    FRENCH_MERIDIAN_CODES,
    MERIDIAN_NUMERALS,
    MERIDIANS,
    PointCatalog,
    french_code,
    french_label,
    load_catalog,
)

RUSSIAN_NAME = re.compile(r"^[а-яё]+(?:-[а-яё]+)*$")

# Names as Russian acupuncture textbooks print them.
KNOWN_NAMES = {
    "LI4": "хэ-гу",
    "ST36": "цзу-сань-ли",
    "GB20": "фэн-чи",
    "GB21": "цзянь-цзин",
    "GV20": "бай-хуэй",
    "BL23": "шэнь-шу",
    "GB30": "хуань-тяо",
    "SP6": "сань-инь-цзяо",
    "LI11": "цюй-чи",
    "GB34": "ян-лин-цюань",
    "BL40": "вэй-чжун",
    "GV14": "да-чжуй",
    "CV12": "чжун-вань",
    "ST25": "тянь-шу",
    "KI1": "юн-цюань",
    "LR3": "тай-чун",
    "PC6": "нэй-гуань",
    "TE5": "вай-гуань",
    "HT7": "шэнь-мэнь",
    "LU7": "ле-цюэ",
    "SI3": "хоу-си",
    "BL60": "кунь-лунь",
    "BL65": "шу-гу",
    "GV16": "фэн-фу",
    "GB38": "ян-фу",
    "TE3": "чжун-чжу",
    "ST8": "тоу-вэй",
    "ST44": "нэй-тин",
    "ST41": "цзе-си",
    "GB14": "ян-бай",
    "SI18": "цюань-ляо",
    "LI20": "ин-сян",
    "ST6": "цзя-чэ",
    "ST7": "ся-гуань",
    "CV22": "тянь-ту",
    "ST10": "шуй-ту",
    "BL10": "тянь-чжу",
    "GV4": "мин-мэнь",
    "KI3": "тай-си",
    "TE6": "чжи-гоу",
    "GB40": "цю-сюй",
    "PC4": "си-мэнь",
    "LI18": "фу-ту",
    "GV15": "я-мэнь",
    "KI24": "лин-сюй",
    "KI26": "юй-чжун",
    "LI2": "эр-цзянь",
    "LI1": "шан-ян",
    "TE10": "тянь-цзин",
    "ST43": "сянь-гу",
    "SP16": "фу-ай",
    "BL29": "чжун-люй-шу",
    "LR2": "син-цзянь",
    "BL2": "цуань-чжу",
    "SI12": "бин-фэн",
    "TE23": "сы-чжу-кун",
    "EX-HN1": "сы-шэнь-цун",
    "EX-HN3": "инь-тан",
    "EX-B1": "дин-чуань",
    "EX-B2-L4": "хуа-то-цзя-цзи",
    "EX-B8": "ши-ци-чжуй",
}

FIRST_AND_EXAMPLE = {
    # meridian: (WHO code, French code, label)
    "LU": ("LU7", "P7", "P7 (I)"),
    "LI": ("LI4", "GI4", "GI4 (II)"),
    "ST": ("ST36", "E36", "E36 (III)"),
    "SP": ("SP6", "RP6", "RP6 (IV)"),
    "HT": ("HT7", "C7", "C7 (V)"),
    "SI": ("SI3", "IG3", "IG3 (VI)"),
    "BL": ("BL40", "V40", "V40 (VII)"),
    "KI": ("KI1", "R1", "R1 (VIII)"),
    "PC": ("PC6", "MC6", "MC6 (IX)"),
    "TE": ("TE5", "TR5", "TR5 (X)"),
    "GB": ("GB20", "VB20", "VB20 (XI)"),
    "LR": ("LR3", "F3", "F3 (XII)"),
    "GV": ("GV20", "VG20", "VG20 (XIII)"),
    "CV": ("CV12", "VC12", "VC12 (XIV)"),
}


@pytest.fixture(scope="module")
def catalog() -> PointCatalog:
    return load_catalog()


# --- Russian names -------------------------------------------------------------------------------


def test_every_point_has_a_russian_name_in_cyrillic(catalog: PointCatalog) -> None:
    bad = [(p.code, p.russian) for p in catalog if not RUSSIAN_NAME.fullmatch(p.russian)]
    assert bad == []


def test_one_russian_syllable_per_character(catalog: PointCatalog) -> None:
    bad = [
        (p.code, p.hanzi, p.russian) for p in catalog if len(p.russian.split("-")) != len(p.hanzi)
    ]
    assert bad == []


@pytest.mark.parametrize(("code", "russian"), sorted(KNOWN_NAMES.items()))
def test_known_names(catalog: PointCatalog, code: str, russian: str) -> None:
    assert catalog[code].russian == russian


def test_every_huatuojiaji_level_has_the_same_name(catalog: PointCatalog) -> None:
    jiaji = [p for p in catalog if p.code.startswith("EX-B2-")]
    assert len(jiaji) == 17
    assert {p.russian for p in jiaji} == {"хуа-то-цзя-цзи"}


def test_no_hard_sign_or_latin_letters(catalog: PointCatalog) -> None:
    # hyphenated syllables never need the separating ъ of run-together Palladius spelling
    assert not [p.code for p in catalog if "ъ" in p.russian or re.search(r"[a-z]", p.russian)]


def test_russian_spelling_after_hushing_consonants(catalog: PointCatalog) -> None:
    # after ж, ш, ч Russian writes и, а, у, never ы, я, ю
    assert not [p.russian for p in catalog if re.search(r"[жшч][ыяю]", p.russian)]


def test_search_finds_a_point_by_its_russian_name(catalog: PointCatalog) -> None:
    assert catalog.search("хэ-гу")[0].code == "LI4"
    assert catalog.search("Цзу-сань-ли")[0].code == "ST36"


def test_russian_display_name(catalog: PointCatalog) -> None:
    assert catalog["LI4"].russian_display_name == "GI4 хэ-гу"
    assert catalog["EX-B2-L4"].russian_display_name == "EX-B2-L4 хуа-то-цзя-цзи"


# --- French codes and Roman numerals -------------------------------------------------------------


def test_every_meridian_has_a_french_code_and_a_numeral() -> None:
    meridians = set(MERIDIANS) - {"EX"}
    assert set(FRENCH_MERIDIAN_CODES) == meridians
    assert set(MERIDIAN_NUMERALS) == meridians
    assert len(set(FRENCH_MERIDIAN_CODES.values())) == len(meridians)
    assert list(MERIDIAN_NUMERALS.values()) == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
        "XII",
        "XIII",
        "XIV",
    ]


@pytest.mark.parametrize("meridian", sorted(FIRST_AND_EXAMPLE))
def test_french_code_per_meridian(catalog: PointCatalog, meridian: str) -> None:
    code, french, label = FIRST_AND_EXAMPLE[meridian]
    point = catalog[code]
    assert point.meridian == meridian
    assert point.french_code == french
    assert point.french_label == label
    assert point.meridian_numeral == label.split(" ")[1].strip("()")
    assert french_code(code) == french
    assert french_label(code) == label


def test_french_codes_follow_the_who_numbers(catalog: PointCatalog) -> None:
    for point in catalog:
        if point.meridian == "EX":
            continue
        number = point.code.removeprefix(point.meridian)
        assert point.french_code == FRENCH_MERIDIAN_CODES[point.meridian] + number
        assert point.french_label == f"{point.french_code} ({MERIDIAN_NUMERALS[point.meridian]})"


def test_french_codes_are_unique(catalog: PointCatalog) -> None:
    codes = [p.french_code for p in catalog]
    assert len(set(codes)) == len(codes)


def test_extra_points_keep_the_who_code(catalog: PointCatalog) -> None:
    extras = [p for p in catalog if p.meridian == "EX"]
    assert extras
    for point in extras:
        assert point.french_code == point.code
        assert point.french_label == point.code
        assert point.meridian_numeral is None
    assert french_code("EX-B2-L4") == "EX-B2-L4"
    assert french_label("EX-HN3") == "EX-HN3"


def test_french_code_accepts_loose_who_codes() -> None:
    assert french_code("li 4") == "GI4"
    assert french_code("gv20") == "VG20"
    assert french_label("cv 12") == "VC12 (XIV)"


def test_unknown_codes_come_back_unchanged() -> None:
    assert french_code("XX1") == "XX1"
    assert french_code("") == ""
    assert french_label("LI") == "LI"
