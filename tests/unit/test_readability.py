"""LIX as the issue defines it: words per sentence plus the per cent of words longer than six
letters, a page's lines counting as sentences."""

from __future__ import annotations

import pytest

from tests.helpers.readability import lix


def test_short_words_in_short_sentences_score_low():
    # 8 words, 2 sentences, no long word: 8 / 2 + 0.
    assert lix("A man hurts me. I want help now.").score == pytest.approx(4.0)


def test_long_words_raise_the_score_by_their_share():
    # 4 words in one sentence, 2 longer than six letters ("welfare", "service"): 4 + 50.
    found = lix("The welfare service helps.")
    assert (found.words, found.sentences, found.long_words) == (4, 1, 2)
    assert found.score == pytest.approx(54.0)


def test_a_line_ends_a_sentence_and_numbers_are_not_words():
    # A heading, a label and a button: three sentences, none with a full stop.
    found = lix("Where do you live?\nPostal code 0150\nContinue")
    assert (found.words, found.sentences, found.long_words) == (7, 3, 1)


def test_a_hyphenated_word_is_one_word_counted_by_its_letters():
    found = lix("Honour-related violence")
    assert (found.words, found.long_words) == (2, 2)


def test_norwegian_letters_count_as_letters():
    assert lix("Barnevernet får vite det.").long_words == 1  # "barnevernet"


def test_no_words_scores_zero():
    assert lix("116 111").score == 0.0
