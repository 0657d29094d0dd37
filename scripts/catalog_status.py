"""How complete a language's catalog is: untranslated, fuzzy, and placeholders or markup that
do not match the English source. Exit status 1 when anything needs work.

    .venv/bin/python scripts/catalog_status.py nn se
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


def problems(code: str) -> list[str]:
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    found: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            found.append(f"needs {catalog.num_plurals} plural forms: {sources[0]!r}")
        if not all(strings):
            found.append(f"untranslated: {sources[0]!r}")
            continue
        if message.fuzzy:
            found.append(f"fuzzy: {sources[0]!r}")
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted:
                found.append(f"adds {set(PLACEHOLDER.findall(string)) - wanted}: {sources[0]!r}")
    return found


def main(codes: list[str]) -> int:
    failed = False
    for code in codes:
        found = problems(code)
        print(f"{code}: {len(found)} problem(s)")
        for line in found:
            print(f"  {line}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
