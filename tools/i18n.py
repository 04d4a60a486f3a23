"""`make i18n`: extract the message catalog from acudesk/, merge it into each language, compile.

    python -m tools.i18n extract   # acudesk/ -> resources/locale/acudesk.pot -> <lang>/acudesk.po
    python -m tools.i18n compile   # <lang>/acudesk.po -> <lang>/acudesk.mo (what ships)
    python -m tools.i18n check     # exit 1 when a message is missing, unfinished or mismatched

The .po files are written sorted by message and without line numbers, so that two branches that
add messages merge line by line. Every message is English in the code (the source language).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "acudesk"
LOCALES = ROOT / "resources" / "locale"
TEMPLATE = LOCALES / "acudesk.pot"
DOMAIN = "acudesk"
LANGUAGES = ("ru",)
# Fixed header dates: the files change only when a message does (no merge conflicts on dates).
FIXED_DATE = datetime(2026, 12, 1, tzinfo=UTC)
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}(?!\})")


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def template() -> Catalog:
    """Every message of the code, as extracted now."""
    catalog = Catalog(
        project="AcuDesk", domain=DOMAIN, creation_date=FIXED_DATE, revision_date=FIXED_DATE
    )
    found = extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(
            message,
            None,
            [(str(Path("acudesk") / filename), lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(
            out,
            catalog,
            width=100,
            no_location=True,
            omit_header=False,
            sort_output=True,
            ignore_obsolete=True,
        )


def _settle_header(catalog: Catalog) -> None:
    """A finished header (a fuzzy one would drop Plural-Forms from the .mo) with fixed dates."""
    catalog.fuzzy = False
    catalog.creation_date = FIXED_DATE
    catalog.revision_date = FIXED_DATE
    catalog.last_translator = "AcuDesk"
    catalog.language_team = "AcuDesk"
    catalog.msgid_bugs_address = ""
    catalog.copyright_holder = "AcuDesk"
    catalog.version = ""


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        fresh = Catalog(locale=language, project="AcuDesk", domain=DOMAIN)
        _settle_header(fresh)
        return fresh
    with path.open("rb") as src:
        return read_po(src, locale=language, domain=DOMAIN)


def extract() -> None:
    fresh = template()
    _write(fresh, TEMPLATE)
    for language in LANGUAGES:
        catalog = _read(po_path(language), language)
        catalog.update(fresh, no_fuzzy_matching=True, update_header_comment=False)
        _settle_header(catalog)
        _write(catalog, po_path(language))
        print(f"{po_path(language).relative_to(ROOT)}: {len(catalog)} messages")


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_catalogs() -> None:
    for language in LANGUAGES:
        mo_path(language).write_bytes(_mo_bytes(_read(po_path(language), language)))
        print(f"{mo_path(language).relative_to(ROOT)} compiled")


@dataclass(frozen=True)
class Problem:
    language: str
    message: str
    what: str

    def __str__(self) -> str:
        return f"{self.language}: {self.what}: {self.message!r}"


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (list, tuple)):
        return tuple(message.string)
    return (message.string or "",)


def problems() -> Iterator[Problem]:
    """Each message of the code without a finished, well-formed translation, per language."""
    fresh = template()
    for language in LANGUAGES:
        catalog = _read(po_path(language), language)
        for wanted in fresh:
            if not wanted.id:
                continue
            key = wanted.id if not isinstance(wanted.id, (list, tuple)) else wanted.id[0]
            found = catalog.get(key, context=wanted.context)
            shown = _ids(wanted)[0]
            if found is None:
                yield Problem(language, shown, "not in the catalog (run make i18n)")
                continue
            strings = _strings(found)
            if found.fuzzy:
                yield Problem(language, shown, "marked fuzzy (unfinished)")
            elif not all(s.strip() for s in strings):
                yield Problem(language, shown, "not translated")
            elif isinstance(wanted.id, (list, tuple)) and len(strings) != catalog.num_plurals:
                yield Problem(language, shown, f"needs {catalog.num_plurals} plural forms")
            else:
                names = {n for text in _ids(wanted) for n in PLACEHOLDER.findall(text)}
                for text in strings:
                    if {n for n in PLACEHOLDER.findall(text)} - names:
                        yield Problem(
                            language,
                            shown,
                            "translation names a placeholder the English text does not have",
                        )
                        break
        compiled = mo_path(language)
        if not compiled.exists() or compiled.read_bytes() != _mo_bytes(catalog):
            yield Problem(
                language, str(compiled.relative_to(ROOT)), "not compiled from the .po (make i18n)"
            )


# Messages known to lack their Russian text (the catalog's debt, shrinking to nothing): the check
# fails on any other problem, so no new message lands untranslated.
DEBT = LOCALES / "untranslated.txt"


def known_debt() -> set[str]:
    if not DEBT.exists():
        return set()
    return {line for line in DEBT.read_text(encoding="utf-8").splitlines() if line.strip()}


def new_problems() -> list[Problem]:
    debt = known_debt()
    return [p for p in problems() if str(p) not in debt]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "compile":
        compile_catalogs()
    elif command == "debt":
        DEBT.write_text("".join(f"{p}\n" for p in problems()), encoding="utf-8")
    elif command == "check":
        found = list(problems())
        for problem in found:
            print(problem)
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
