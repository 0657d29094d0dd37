"""The translation catalogs: the committed template matches the code, and every shipped
language has every message translated, with no fuzzy entries and no placeholder the source
string lacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

import i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


def ids(catalog) -> set:  # type: ignore[no-untyped-def]
    return {message.id for message in catalog if message.id}


def test_committed_template_has_exactly_the_messages_in_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs=.venv var tests scripts .git",
         "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(fresh, "rb") as new, open(TRANSLATIONS / "messages.pot", "rb") as committed:
        missing = ids(read_po(new)) ^ ids(read_po(committed))
    assert missing == set(), f"run `make extract`: {sorted(map(str, missing))[:5]}"


def test_every_shipped_language_translates_every_message_without_adding_markup():
    with open(TRANSLATIONS / "messages.pot", "rb") as file:
        template = ids(read_po(file))
    for locale in i18n.LOCALES:
        with open(TRANSLATIONS / locale.code / "LC_MESSAGES" / "messages.po", "rb") as file:
            catalog = read_po(file)
        assert ids(catalog) == template, f"{locale.code} is not up to date with the template"
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            assert all(strings), f"{locale.code}: untranslated {message.id!r}"
            assert not message.fuzzy, f"{locale.code}: fuzzy {message.id!r}"
            allowed = set(PLACEHOLDER.findall(" ".join(sources)))
            for string in strings:
                added = set(PLACEHOLDER.findall(string)) - allowed
                assert not added, f"{locale.code}: {message.id!r} adds {added}"


def test_each_catalogs_plural_forms_agree_with_cldr_for_whole_numbers():
    """Two counts take the same form in a catalog exactly when CLDR puts them in the same
    category (Sami has a dual; Arabic six forms; Tigrinya's singular covers 0)."""
    from babel import Locale

    for locale in i18n.LOCALES:
        with open(TRANSLATIONS / locale.code / "LC_MESSAGES" / "messages.po", "rb") as file:
            catalog = read_po(file)
        rule = Locale.parse(locale.code).plural_form
        pairs = {(rule(n), catalog.plural_expr and _index(catalog.plural_expr, n))
                 for n in range(0, 1001)}
        categories = {category for category, _ in pairs}
        indexes = {index for _, index in pairs}
        assert len(pairs) == len(categories) == len(indexes), (
            f"{locale.code}: Plural-Forms {catalog.plural_expr!r} does not match CLDR {rule}")
        assert max(indexes) < catalog.num_plurals


def _index(expression: str, n: int) -> int:
    """Evaluate a gettext plural expression (C syntax) for n."""
    from gettext import c2py

    return c2py(expression)(n)
