"""Text that keeps its direction: numbers in translated sentences kept left to right on
right-to-left pages, and one-line answers that cannot turn themselves around.

In an Arabic or Urdu sentence the bidirectional algorithm lays the groups of "116 111" or
"+47 912 34 567" out from right to left, so the reader sees "111 116" and dials the wrong
number. Wrapping each number in its own left-to-right island fixes that in every language
without asking translators to write markup (W3C, "Authoring HTML: Handling Right-to-left
Scripts").
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

# Tags and character references are passed over (digits in "&#39;" are not a number); a number
# is digits in groups separated by a space, a no-break space or a hyphen, with an optional "+",
# or thousands separated by commas as Babel writes them in Arabic script ("20,000"), or a time
# ("5:43", which as two numbers an Arabic sentence shows as "43:5").
_MARKUP_OR_NUMBER = re.compile(
    r"(<[^>]*>|&#?\w+;)|(\+?\d+(?:[ \u00a0\u202f\-]\d+|,\d{3}(?!\d)|:\d{2}(?!\d))*)")


def ltr_numbers(text: Any) -> Markup:
    """`text` as HTML (escaped unless it already is markup), each number in a
    `<span class="number" dir="ltr">`."""
    return Markup(_MARKUP_OR_NUMBER.sub(_island, str(escape(text))))


def _island(found: re.Match[str]) -> str:
    if found.group(1):
        return found.group(1)
    return f'<span class="number" dir="ltr">{found.group(2)}</span>'


# Embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069) turn the text after
# them around: "Kari" followed by U+202E and "nosnah" reads as "Kari hansson" in the team's
# list, and a name can pose as another. Nobody types them into a name, an address or a phone
# number, so one-line answers lose them, and NUL, without a word to the reporter. Zero-width
# joiners and non-joiners stay: Persian, Kurdish and Indic names are spelt with them. Free
# text keeps everything and is shown isolated instead (<bdi>, dir="auto").
_DISGUISING = re.compile("[\u202a-\u202e\u2066-\u2069\x00]")


def one_line(text: str) -> str:
    """A one-line answer as stored: without direction controls and NUL."""
    return _DISGUISING.sub("", text)
