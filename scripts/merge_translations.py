"""Fill Khmer translations from JSON files of {msgid: msgstr} into the km catalog.

Used when several people add strings at once: each writes their Khmer in a JSON file under
translations/pending_*.json, and this script merges them after `make translations-extract`.
Plural entries take the same Khmer for every form (Khmer has one plural form).

    .venv/bin/python scripts/merge_translations.py translations/pending_*.json
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "translations/km/LC_MESSAGES/messages.po"


def main(paths: list[str]) -> int:
    pending: dict[str, str] = {}
    for path in paths:
        pending.update(json.loads(Path(path).read_text(encoding="utf-8")))
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="km")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key not in pending:
            continue
        text = pending[key]
        message.string = (text,) if isinstance(message.id, tuple) else text
        message.flags.discard("fuzzy")
        filled += 1
    missing = [
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and not (m.string[0] if isinstance(m.string, tuple) else m.string)
    ]
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
    print(f"filled {filled}; still untranslated: {len(missing)}")
    for msgid in missing:
        print(f"  {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
