"""The TUI's words in the reader's language: `_("Quit")` is "Beenden" for a German reader.

The language is the one gettext reads from the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, in
that order: `LANGUAGE=de antiport tui`); catalogs live in tui/locale/<lang>/LC_MESSAGES/antiport.mo,
and a string without a translation stays English. Key bindings' labels and column names are translated
when their class is made, so the language is the process's from its start. `make i18n` extracts the
strings and compiles the catalogs (docs/translating.md).

Only our own words go through `_()`: never a title, name or text from the network."""
from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locale"


@cache
def catalog() -> gettext.NullTranslations:
    return gettext.translation("antiport", LOCALES, fallback=True)


def _(message: str) -> str:
    return catalog().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog().ngettext(singular, plural, n)
