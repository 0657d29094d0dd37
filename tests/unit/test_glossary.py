"""The glossary, translations/glossary.toml: one term per concept per language, written down.

Wherever an English message uses a concept (the child welfare service, the reference number,
an investigation...), the language's translation uses an accepted form of the glossary's term,
and no message in the catalog uses a variant the glossary rules out (Lithuanian "nuorodos
numeris", Somali "degmo" for a district, nynorsk "barnevernstenesta"). A reporter who meets
one word on the receipt and another on the status page cannot tell they mean the same thing.

Every shipped language (i18n.LOCALES) must have a table; a catalog that is not shipped yet is
checked as soon as its table is there. A message that names a concept only implicitly is listed
in the glossary's [exceptions.<lang>.<concept>] table with the reason, never here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import i18n

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
GLOSSARY = tomllib.loads((TRANSLATIONS / "glossary.toml").read_text(encoding="utf-8"))
CONCEPTS = {
    name: [re.compile(pattern, re.IGNORECASE) for pattern in spec["en"]]
    for name, spec in GLOSSARY["concepts"].items()
}
TERMS: dict[str, dict[str, dict]] = GLOSSARY["terms"]
EXCEPTIONS: dict[str, dict[str, dict[str, str]]] = GLOSSARY.get("exceptions", {})


def present_catalogs() -> set[str]:
    return {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}


LANGUAGES = sorted((present_catalogs() & set(TERMS)) | {locale.code for locale in i18n.LOCALES})


def messages(code: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(the English forms, the translated forms) of every message in a language's catalog."""
    path = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{code} is shipped but has no catalog at {path}"
    with open(path, "rb") as file:
        catalog = read_po(file)
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.append((tuple(ids), tuple(s for s in strings if s)))
    return found


def uses(concept: str, english: tuple[str, ...]) -> bool:
    return any(pattern.search(form) for pattern in CONCEPTS[concept] for form in english)


def test_every_shipped_language_has_a_term_with_a_source_or_a_note_for_every_concept():
    for locale in i18n.LOCALES:
        assert locale.code in TERMS, f"{locale.code} is shipped without a glossary table"
    for code, table in TERMS.items():
        assert set(table) == set(CONCEPTS), (
            f"{code}: concepts {sorted(set(CONCEPTS) ^ set(table))} missing or unknown")
        for concept, entry in table.items():
            where = f"terms.{code}.{concept}"
            assert entry["term"].strip(), f"{where}: no term"
            assert entry["accept"] and all(
                form == form.lower() and form.strip() for form in entry["accept"]
            ), f"{where}: accept must list lower-case forms"
            assert all(form.strip() for form in entry["wrong"]), f"{where}: an empty wrong form"
            source = entry["source"]
            assert source.startswith("https://") or (
                source == "" and entry.get("note", "").strip()
            ), f"{where}: give a source, or \"\" and a note saying none was found"


def test_every_concept_is_used_by_some_english_message():
    """A pattern that matches nothing would make the checks below pass without checking."""
    english = [ids for ids, _strings in messages("en")]
    for concept in CONCEPTS:
        assert any(uses(concept, ids) for ids in english), f"no message uses {concept}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_where_the_english_names_a_concept_the_translation_uses_the_glossary_term(code):
    assert code in TERMS, f"{code} is shipped without a [terms.{code}] table"
    excepted = EXCEPTIONS.get(code, {})
    missing = []
    for english, strings in messages(code):
        for concept, entry in TERMS[code].items():
            if not uses(concept, english) or english[0] in excepted.get(concept, {}):
                continue
            for string in strings:
                if not any(form in string.lower() for form in entry["accept"]):
                    missing.append(f"{concept} ({entry['term']}): {english[0]!r} -> {string!r}")
    assert not missing, f"{code}: {len(missing)} message(s) without the term:\n" + "\n".join(
        missing)


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_message_uses_a_variant_the_glossary_rules_out(code):
    assert code in TERMS, f"{code} is shipped without a [terms.{code}] table"
    found = [
        f"{concept}: {wrong!r} in {string!r}"
        for _english, strings in messages(code)
        for string in strings
        for concept, entry in TERMS[code].items()
        for wrong in entry["wrong"]
        if wrong.lower() in string.lower()
    ]
    assert not found, f"{code}:\n" + "\n".join(found)


def test_every_exception_is_a_real_message_that_needs_it_and_says_why():
    for code, concepts in EXCEPTIONS.items():
        catalog = {english[0]: (english, strings) for english, strings in messages(code)}
        for concept, listed in concepts.items():
            accept = TERMS[code][concept]["accept"]
            for msgid, reason in listed.items():
                where = f"exceptions.{code}.{concept}: {msgid!r}"
                assert msgid in catalog, f"{where} is not a message"
                assert reason.strip(), f"{where} gives no reason"
                english, strings = catalog[msgid]
                assert uses(concept, english), f"{where} does not use {concept}: drop it"
                assert not all(
                    any(form in string.lower() for form in accept) for string in strings
                ), f"{where} already uses the term: drop the exception"
