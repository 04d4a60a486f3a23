"""The project's one message catalog (gettext): the domain, the services, the CLI and the window.

English is the source language: every message is written in English in the code and looked up in
``resources/locale/<lang>/LC_MESSAGES/acudesk.mo``. Nothing here imports Qt, so the domain can use
it. Messages are looked up when they are shown, not when a module is imported: a module-level
constant is marked with ``N_`` and passed through ``_`` where it is displayed.

    from acudesk.i18n import _, ngettext
    _("Depth must be at most {limit} mm").format(limit=20)
    ngettext("{n} needle in", "{n} needles in", n).format(n=n)
"""

from __future__ import annotations

import gettext
import locale
import os

DOMAIN = "acudesk"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
LANGUAGE_ENV = "ACUDESK_LANG"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def _(message: str) -> str:
    """The message in the current language (the English text when it has no translation)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form for ``n`` (Russian has three: 1 игла, 2 иглы, 5 игл)."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose meaning depends on ``context`` (the same English word, two Russian ones)."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it yet (module-level constants)."""
    return message


def current_language() -> str:
    return _language


def system_language() -> str:
    """The language the system's locale asks for, when AcuDesk speaks it; else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        code = _code_of(value)
        if code:
            return code
    try:
        found = locale.getlocale(locale.LC_MESSAGES)[0] or ""
    except (AttributeError, ValueError):  # pragma: no cover - platforms without LC_MESSAGES
        found = ""
    return _code_of(found) or DEFAULT_LANGUAGE


def _code_of(value: str) -> str:
    for part in value.split(":"):
        code = part.split(".")[0].split("_")[0].split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return ""


def choose_language(asked: str | None = None) -> str:
    """``--lang``, then ACUDESK_LANG, then the system locale."""
    for candidate in (asked, os.environ.get(LANGUAGE_ENV)):
        if candidate:
            code = _code_of(candidate)
            if not code:
                raise ValueError(
                    f"AcuDesk speaks {', '.join(LANGUAGES)}; {candidate!r} is not one of them"
                )
            return code
    return system_language()


def set_language(code: str) -> None:
    """Switches every later lookup to ``code`` (``en`` or ``ru``), without a restart."""
    global _translations, _language
    code = _code_of(code) or DEFAULT_LANGUAGE
    if code == DEFAULT_LANGUAGE:
        _translations = gettext.NullTranslations()
    else:
        from acudesk import assets

        _translations = gettext.translation(
            DOMAIN, localedir=str(assets.resource_dir("locale")), languages=[code]
        )
    _language = code
