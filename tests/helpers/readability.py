"""LIX, the Swedish readability index Norwegian plain-language work uses (Björnsson, 1968):
words per sentence plus the share of long words (more than six letters) in per cent. Below 35
reads as easy; children's books are around 25.

A page is not prose: a heading, a label, a button and a list item each end where the line ends,
so a line break ends a sentence as a full stop does. Numbers are not words ("0150", "116 111").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters of any script, joined by a hyphen or an apostrophe ("honour-related", "don't").
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?:;…\n]+")
LONG = 6


@dataclass(frozen=True)
class Lix:
    words: int
    sentences: int
    long_words: int

    @property
    def score(self) -> float:
        if not self.words:
            return 0.0
        return self.words / self.sentences + 100 * self.long_words / self.words


def lix(text: str) -> Lix:
    sentences = [part for part in SENTENCE_END.split(text) if WORD.search(part)]
    words = WORD.findall(text)
    long_words = sum(1 for word in words if len(re.sub(r"[-'’]", "", word)) > LONG)
    return Lix(len(words), len(sentences), long_words)
