"""Text that cannot disguise itself (issue 17, point 9). A name, an address or a phone number
is stored without the characters that turn text around (U+202A–U+202E, U+2066–U+2069) and
without NUL, and the reporter is told nothing (a person never types them); zero-width joiners
and non-joiners stay, as names in some scripts need them. What was written as free text is
kept to the last character and shown isolated on the check page."""

from __future__ import annotations

import html
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from intake.bidi import one_line
from intake.drafts import DraftKey
from tests.property.test_hostile_input import (
    WALKS,
    draft_of,
    fresh_copy,
    hostile_settings,
    oslo,  # noqa: F401 - a fixture
    post_step,
    walk_to_check,
)

DISGUISING = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))] + ["\x00"]
JOINERS = ["\u200c", "\u200d"]
# Letters of several scripts, the joiners, the direction controls and NUL, mixed.
PIECES = st.text(alphabet=st.sampled_from(
    [*"Kari Ødegård", *"علی", *"کوردی", *"हिन्दी", *JOINERS, *DISGUISING, "\u200e", "\u200f"]),
    max_size=40)


def test_one_line_removes_exactly_the_direction_controls_and_nul():
    @hostile_settings(examples=300)
    @given(st.text(alphabet=st.characters(exclude_categories=("Cs",))) | PIECES)
    def removes(text: str) -> None:
        kept = one_line(text)
        assert not set(kept) & set(DISGUISING)
        assert kept == "".join(ch for ch in text if ch not in DISGUISING)

    removes()


def test_one_line_answers_are_stored_without_disguise_and_free_text_is_kept_and_isolated(
        client, database, oslo):  # noqa: F811 - the fixture
    walk = WALKS["private"]
    token = walk_to_check(client, walk)
    template = DraftKey.from_cookie(client.get_cookie("draft").value)

    @hostile_settings(examples=25)
    @given(name=PIECES, address=PIECES, phone=PIECES, concern=PIECES)
    def post(name: str, address: str, phone: str, concern: str) -> None:
        fresh_copy(client, database, template)
        name, address, concern = "Kari" + name, "Storgata 1" + address, "Redd" + concern
        phone = "912" + phone + "34567"
        answers: dict[str, dict[str, Any]] = {
            "about-you": {"name": name, "phone": phone},
            "child-1-address": {"address": address},
            "concern": {"description": concern},
        }
        for step, data in answers.items():
            post_step(client, step, data, token)
        draft = draft_of(client, database)
        assert draft is not None
        stored_name = draft.answers["about-you"]["name"]
        stored_address = draft.answers["child-1-address"]["address"]
        stored_phone = draft.answers["about-you"]["phone"]
        for typed, stored in ((name, stored_name), (address, stored_address),
                              (phone, stored_phone)):
            assert stored == one_line(typed)
            for joiner in JOINERS:
                assert stored.count(joiner) == typed.count(joiner)
        assert draft.answers["concern"]["description"] == concern  # free text: all of it

        page = client.get("/report/check")
        if page.status_code != 200:
            return  # a step the new answers made incomplete: nothing to show yet
        shown = page.get_data(as_text=True)
        assert not set(html.unescape(shown)) & set(DISGUISING) - set(
            html.unescape(concern)), "a direction control reached the page outside free text"
        if concern.strip() == concern:
            values = re.findall(r'<dd class="summary-value" dir="auto"><bdi>([^<]*)</bdi>',
                                shown)
            assert concern in {html.unescape(value) for value in values}

    post()
