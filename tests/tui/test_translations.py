"""The TUI's catalogs (tui/i18n.py): every string the screens translate is in the template, German
translates each one with the same placeholders, and the shipped .mo is the compiled .po. Babel reads
the sources and the .po here as `make i18n` does; gettext reads the .mo as the TUI does."""
from __future__ import annotations

import ast
import gettext
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

pytestmark = pytest.mark.fast

TUI = Path(__file__).parents[2] / "tui"
LOCALES = TUI / "locale"
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def in_sources() -> set[str | tuple[str, str]]:
    found = extract_from_dir(str(TUI), method_map=[("*.py", "python")], keywords=KEYWORDS)
    return {message for _, _, message, _, _ in found}


def read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def ids(catalog) -> set[str | tuple[str, str]]:
    return {m.id for m in catalog if m.id}


def test_the_template_holds_exactly_the_strings_the_screens_translate():
    template = ids(read(LOCALES / "antiport.pot"))
    sources = in_sources()
    assert sources - template == set(), "new strings: run `make i18n` and translate them"
    assert template - sources == set(), "strings no screen uses any more: run `make i18n`"
    assert len(sources) > 250  # the screens' words, not a handful


def test_german_translates_every_string_with_the_same_placeholders():
    german = read(LOCALES / "de" / "LC_MESSAGES" / "antiport.po")
    by_id = {m.id: m for m in german if m.id}
    for msgid in in_sources():
        message = by_id.get(msgid)
        assert message is not None and not message.fuzzy, f"no German for {msgid!r}"
        originals = msgid if isinstance(msgid, tuple) else (msgid,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(translations), f"empty German for {msgid!r}"
        for text in translations:
            assert placeholders(text) == placeholders(originals[-1]), f"placeholders differ: {msgid!r} -> {text!r}"


def test_the_shipped_catalog_is_the_compiled_po():
    german = read(LOCALES / "de" / "LC_MESSAGES" / "antiport.po")
    with (LOCALES / "de" / "LC_MESSAGES" / "antiport.mo").open("rb") as f:
        shipped = gettext.GNUTranslations(f)
    for message in german:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert shipped.ngettext(*message.id, 1) == message.string[0]
            assert shipped.ngettext(*message.id, 2) == message.string[1]
        else:
            assert shipped.gettext(message.id) == message.string, message.id


def test_a_reader_in_german_gets_german_words_and_english_where_none_is_given(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "de")
    german = gettext.translation("antiport", LOCALES)
    assert german.gettext("Quit") == "Beenden"
    assert german.gettext("no such string") == "no such string"
    monkeypatch.setenv("LANGUAGE", "xx")
    assert gettext.translation("antiport", LOCALES, fallback=True).gettext("Quit") == "Quit"


def test_every_key_binding_label_goes_through_the_catalog():
    """A label written as a bare string would stay English in every language."""
    bare = []
    for path in TUI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Binding" and len(node.args) > 2
                    and isinstance(node.args[2], ast.Constant)):
                bare.append(f"{path.name}:{node.lineno} {node.args[2].value!r}")
    assert bare == []
