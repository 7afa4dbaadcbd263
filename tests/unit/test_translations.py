"""Every translatable string in the code and templates has a Khmer translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "translations" / "km" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_m": None, "lazy_ngettext": (1, 2)}


def _extracted() -> Catalog:
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog()
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, locations=[(filename, lineno)])
    return catalog


def _khmer() -> Catalog:
    with open(PO_FILE, "rb") as f:
        return read_po(f, locale="km")


def test_the_code_has_translatable_strings():
    assert len([m for m in _extracted() if m.id]) > 50


def test_every_string_is_translated_into_khmer():
    khmer = _khmer()
    problems = []
    for message in _extracted():
        if not message.id:
            continue
        translated = khmer.get(message.id)
        where = ", ".join(f"{f}:{n}" for f, n in message.locations)
        if translated is None:
            problems.append(f"missing from messages.po: {message.id!r} ({where})")
            continue
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r} ({where})")
        if translated.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    assert problems == [], "Run `make translations` and translate:\n" + "\n".join(problems)


def test_translations_keep_their_placeholders():
    errors = [(message.id, [str(e) for e in errs]) for message, errs in _khmer().check() if errs]
    assert errors == []


def test_no_message_is_defined_twice():
    """Hand-appended entries and union merges can repeat a msgid; Babel keeps the last one
    silently and GNU msgfmt refuses the file, so a repeat is caught here."""
    ids: list[str] = []
    current: list[str] | None = None
    for line in PO_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current = [line.removeprefix("msgid ").strip('"')]
            ids.append("")
        elif current is not None and line.startswith('"'):
            current.append(line.strip('"'))
        else:
            if current is not None:
                ids[-1] = "".join(current)
            current = None
    repeated = sorted({i for i in ids if i and ids.count(i) > 1})
    assert not repeated, repeated
    assert len(ids) > 100
