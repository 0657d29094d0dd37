"""Numbers in translated sentences, kept left to right on right-to-left pages.

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
# or thousands separated by commas as Babel writes them in Arabic script ("20,000").
_MARKUP_OR_NUMBER = re.compile(
    r"(<[^>]*>|&#?\w+;)|(\+?\d+(?:[ \u00a0\u202f\-]\d+|,\d{3}(?!\d))*)")


def ltr_numbers(text: Any) -> Markup:
    """`text` as HTML (escaped unless it already is markup), each number in a
    `<span class="number" dir="ltr">`."""
    return Markup(_MARKUP_OR_NUMBER.sub(_island, str(escape(text))))


def _island(found: re.Match[str]) -> str:
    if found.group(1):
        return found.group(1)
    return f'<span class="number" dir="ltr">{found.group(2)}</span>'
