"""Every character a page can show has a font on this machine, so Chromium draws Tigrinya, Thai
and the Arabic-script languages as text and not as empty boxes (and the screenshots and axe runs
of the browser tests see what a reporter sees).

Chromium finds a font for each character through fontconfig, falling back from the stylesheet's
families to any installed font that has the character; so a character is drawable exactly when
some installed font's fontconfig charset holds it. The fonts come from Debian's fonts-noto-core
(`make chromium` installs it). Every catalog present is checked, shipped or not yet, and the
language switch on every page shows every shipped language's own name.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import i18n

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
CATALOGS = sorted(
    path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# Format characters (the left-to-right mark, the zero-width non-joiner of Persian) and controls
# steer how text is laid out; no font draws them.
NOT_DRAWN = {"Cc", "Cf"}


@cache
def drawable() -> frozenset[int]:
    """Every code point some installed font has, from fontconfig's charsets."""
    assert shutil.which("fc-list"), "fontconfig's fc-list is missing: run `make chromium`"
    charsets = subprocess.run(
        ["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=True
    ).stdout
    points: set[int] = set()
    for line in charsets.splitlines():
        for span in line.split():
            low, _, high = span.partition("-")
            points.update(range(int(low, 16), int(high or low, 16) + 1))
    return frozenset(points)


def characters(code: str) -> set[str]:
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    text = "".join(
        "".join(message.string) if isinstance(message.string, tuple) else message.string
        for message in catalog
        if message.id
    )
    return {ch for ch in text if unicodedata.category(ch) not in NOT_DRAWN}


def missing(text: set[str]) -> list[str]:
    have = drawable()
    return sorted(
        f"U+{ord(ch):04X} {unicodedata.name(ch, '?')} {ch!r}" for ch in text if ord(ch) not in have
    )


def test_a_font_is_installed_for_every_language_name_in_the_language_switch():
    names = {ch for locale in i18n.LOCALES for ch in locale.name}
    assert not missing(names), "no installed font draws:\n" + "\n".join(missing(names))


@pytest.mark.parametrize("code", CATALOGS)
def test_a_font_is_installed_for_every_character_of_the_catalog(code):
    gaps = missing(characters(code))
    assert not gaps, f"{code}: no installed font draws (run `make chromium`):\n" + "\n".join(gaps)
