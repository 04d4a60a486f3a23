"""The message catalog: complete in Russian, right plural forms, and English by default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from acudesk import i18n
from tools.i18n import known_debt, new_problems, problems


@pytest.fixture
def russian() -> Iterator[None]:
    i18n.set_language("ru")
    yield
    i18n.set_language("en")


def test_every_message_of_the_program_has_a_finished_russian_translation() -> None:
    # The CI check: a message added to the code without its Russian text fails the build. The
    # messages listed in resources/locale/untranslated.txt are the known debt, to be emptied.
    assert [str(p) for p in new_problems()] == []


def test_the_list_of_untranslated_messages_only_shrinks() -> None:
    # A message translated since must leave the list (python -m tools.i18n debt rewrites it).
    assert known_debt() <= {str(p) for p in problems()}


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 игла"),
        (2, "2 иглы"),
        (4, "4 иглы"),
        (5, "5 игл"),
        (11, "11 игл"),
        (21, "21 игла"),
        (22, "22 иглы"),
        (25, "25 игл"),
    ],
)
def test_russian_counts_needles_with_its_three_plural_forms(n: int, expected: str) -> None:
    text = i18n.ngettext("{n} needle in", "{n} needles in", n).format(n=n)
    assert text == expected


def test_english_is_the_default_and_counts_in_two_forms() -> None:
    assert i18n.current_language() == "en"
    assert i18n.ngettext("{n} needle in", "{n} needles in", 1).format(n=1) == "1 needle in"
    assert i18n.ngettext("{n} needle in", "{n} needles in", 5).format(n=5) == "5 needles in"


def test_switching_back_to_english_needs_no_restart(russian: None) -> None:
    assert i18n._("needles out") == "иглы извлечены"
    i18n.set_language("en")
    assert i18n._("needles out") == "needles out"


@pytest.mark.parametrize(
    ("asked", "env", "expected"),
    [
        ("ru", {}, "ru"),
        ("en", {"LANG": "ru_RU.UTF-8"}, "en"),
        (None, {"LANG": "ru_RU.UTF-8"}, "ru"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {"ACUDESK_LANG": "ru"}, "ru"),
    ],
)
def test_the_language_is_asked_for_then_set_then_the_systems(
    asked: str | None, env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "ACUDESK_LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.choose_language(asked) == expected


def test_a_language_acudesk_does_not_speak_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        i18n.choose_language("fr")
