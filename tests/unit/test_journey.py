"""The journey as pure functions of the answers: which steps a reporter walks, which steps may be
shown, which answers count, and where the report goes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake import journey

OSLO, BERGEN, TROMSO = "0301", "4601", "5501"

PRIVATE = {
    "emergency": {"answer": "no"},
    "reporter-type": {"reporter_type": "private"},
    "anonymity": {"anonymity": "named"},
}
POSTAL_CODE = {
    "location": {"mode": "postal_code", "postal_code": "0150", "postal_code_normalised": "0150",
                 "suggested": OSLO},
}
CONFIRMED = {**POSTAL_CODE, "location-confirm": {"confirmed": "yes", "receiving": "yes"}}
DECLINED = {**POSTAL_CODE, "location-confirm": {"confirmed": "no"}}
NO_POSTAL_CODE = {"location": {"mode": "list"}}
NOWHERE_KNOWN = {"location": {"mode": "where_was"}}

CHILD_ONE = ["child-1-name", "child-1-age", "child-1-address", "child-1-relation"]
PRIVATE_CLOSING = ["children", "parents", "topics", "concern", "source", "timing",
                   "child-views", "interpreter", "about-you", "check"]


def done_up_to(answers, step):
    """Every step on the path before `step` completed."""
    steps = journey.path(answers)
    return steps[: steps.index(step)]


# --- the path --------------------------------------------------------------------------------


def test_private_reporter_with_confirmed_postal_code_and_no_danger_walks_this_path():
    assert journey.path({**PRIVATE, **CONFIRMED}) == [
        "emergency", "reporter-type", "location", "location-confirm", "anonymity",
        *CHILD_ONE, *PRIVATE_CLOSING,
    ]


@pytest.mark.parametrize("danger", ["yes", "unsure"])
def test_child_in_danger_shows_the_call_for_help_page_right_after_the_question(danger):
    answers = {**PRIVATE, **CONFIRMED, "emergency": {"answer": danger}}
    steps = journey.path(answers)
    assert steps[:3] == ["emergency", "emergency-call", "reporter-type"]
    assert steps[3:] == journey.path({**PRIVATE, **CONFIRMED})[2:], "the rest is unchanged"


def test_no_danger_skips_the_call_for_help_page():
    assert "emergency-call" not in journey.path({**PRIVATE, **CONFIRMED})
    assert "emergency-call" not in journey.path({})


def test_reporter_who_does_not_know_the_postal_code_chooses_from_the_municipality_list():
    steps = journey.path({**PRIVATE, **NO_POSTAL_CODE})
    assert steps[2:5] == ["location", "municipality", "anonymity"]
    assert "location-confirm" not in steps


def test_reporter_who_says_no_to_the_suggested_municipality_chooses_from_the_list():
    steps = journey.path({**PRIVATE, **DECLINED})
    assert steps[2:6] == ["location", "location-confirm", "municipality", "anonymity"]


def test_postal_code_not_yet_confirmed_asks_for_confirmation_and_not_for_the_list():
    steps = journey.path({**PRIVATE, **POSTAL_CODE})
    assert "location-confirm" in steps and "municipality" not in steps


def test_postal_code_typed_but_not_found_leads_nowhere_until_it_is_fixed():
    steps = journey.path({**PRIVATE, "location": {"postal_code": "9999"}})
    assert "location-confirm" not in steps and "municipality" not in steps


def test_reporter_who_knows_neither_place_is_asked_for_their_own_municipality():
    answers = {**PRIVATE, **NOWHERE_KNOWN, "municipality": {"municipality": "unknown"}}
    assert journey.path(answers)[2:6] == [
        "location", "municipality", "own-municipality", "anonymity"
    ]


def test_anonymous_private_reporter_is_not_asked_about_themselves():
    answers = {**PRIVATE, **CONFIRMED, "anonymity": {"anonymity": "anonymous"}}
    steps = journey.path(answers)
    assert "about-you" not in steps
    assert steps[-1] == "check"


def test_professional_is_never_asked_about_anonymity_and_owes_more_details():
    answers = {**PRIVATE, **CONFIRMED, "reporter-type": {"reporter_type": "professional"}}
    steps = journey.path(answers)
    assert "anonymity" not in steps
    assert "child-1-relation" not in steps
    for step in ("child-1-told", "parents-told", "background", "about-you"):
        assert step in steps


def test_child_reporting_about_themselves_gets_the_short_path():
    answers = {**PRIVATE, **CONFIRMED, "reporter-type": {"reporter_type": "child"}}
    steps = journey.path(answers)
    for step in ("anonymity", "child-1-address", "children", "parents", "source", "interpreter"):
        assert step not in steps
    assert steps[-2:] == ["about-you", "check"]  # how to contact them safely


def test_every_added_child_gets_their_own_steps():
    answers = {**PRIVATE, **CONFIRMED, "children": {"count": "3"}}
    steps = journey.path(answers)
    for index in (1, 2, 3):
        assert journey.child_step(index, "name") in steps
    assert "child-4-name" not in steps
    assert steps.index("child-3-relation") < steps.index("children")


@pytest.mark.parametrize("count", ["0", "-1", "abc", "", "99"])
def test_odd_child_count_stays_between_one_and_the_maximum(count):
    assert 1 <= journey.child_count({"children": {"count": count}}) <= journey.MAX_CHILDREN


@pytest.mark.parametrize("receiving", ["no-service", "no-key"])
def test_municipality_that_cannot_receive_ends_the_journey_with_its_contact_details(receiving):
    answers = {**PRIVATE, **POSTAL_CODE,
               "location-confirm": {"confirmed": "yes", "receiving": receiving}}
    assert journey.path(answers) == [
        "emergency", "reporter-type", "location", "location-confirm", journey.NOT_RECEIVING,
    ]
    done = ["emergency", "reporter-type", "location", "location-confirm"]
    assert not journey.is_complete(answers, done)
    assert not journey.can_visit("check", answers, done)


@pytest.mark.parametrize(
    ("step", "known"),
    [("child-1-name", True), ("child-10-age", True), ("child-11-name", False),
     ("child-0-name", False), ("child-1-bogus", False), ("concern", True), ("admin", False)],
)
def test_only_real_steps_exist(step, known):
    assert journey.is_step(step) is known


# --- which steps may be shown ----------------------------------------------------------------


def test_first_visit_starts_at_the_emergency_question():
    assert journey.next_step({}, []) == "emergency"
    assert journey.can_visit("emergency", {}, [])


@pytest.mark.parametrize("step", ["location", "anonymity", "child-1-name", "concern", "check"])
def test_step_cannot_be_visited_before_the_steps_before_it_are_done(step):
    answers = {**PRIVATE, **CONFIRMED}
    assert not journey.can_visit(step, answers, ["emergency"])
    assert journey.can_visit(step, answers, done_up_to(answers, step))


def test_skipped_step_in_the_middle_blocks_every_step_after_it():
    # A hand-typed URL or a forged POST: "reporter-type" was never answered.
    answers = {**PRIVATE, **CONFIRMED}
    done = [name for name in done_up_to(answers, "check") if name != "reporter-type"]
    assert not journey.can_visit("check", answers, done)
    assert not journey.can_visit("concern", answers, done)
    assert journey.next_step(answers, done) == "reporter-type"
    assert not journey.is_complete(answers, done)


def test_step_off_the_path_cannot_be_visited_even_with_everything_done():
    answers = {**PRIVATE, **CONFIRMED}
    done = done_up_to(answers, "check")
    for step in ("municipality", "emergency-call", "child-2-name", "background", "no-such-step"):
        assert not journey.can_visit(step, answers, done), step


def test_report_is_complete_when_every_step_before_check_is_done():
    answers = {**PRIVATE, **CONFIRMED}
    done = done_up_to(answers, "check")
    assert journey.is_complete(answers, done)
    assert journey.next_step(answers, done) == "check"
    assert not journey.is_complete(answers, done[:-1])


def test_next_and_previous_follow_the_branch_the_reporter_is_on():
    answers = {**PRIVATE, **NO_POSTAL_CODE}
    assert journey.following("location", answers) == "municipality"
    assert journey.previous("anonymity", answers) == "municipality"
    confirmed = {**PRIVATE, **CONFIRMED}
    assert journey.following("location", confirmed) == "location-confirm"
    assert journey.previous("anonymity", confirmed) == "location-confirm"
    assert journey.previous("emergency", confirmed) is None
    assert journey.previous("municipality", confirmed) is None  # not on this path
    assert journey.following("check", confirmed) == "check"


# --- which answers count, and where the report goes --------------------------------------------


def test_list_choice_does_not_count_after_the_reporter_goes_back_and_confirms_a_postal_code():
    # First "I don't know the postal code", and Bergen from the list.
    answers = {**PRIVATE, **NO_POSTAL_CODE,
               "municipality": {"municipality": BERGEN, "receiving": "yes"}}
    done = done_up_to(answers, "child-1-name")
    assert journey.municipality_number(journey.counted(answers, done)) == BERGEN
    # Then back to the location step: a postal code in Oslo, and the suggestion confirmed.
    answers = {**answers, **CONFIRMED}
    done = [*done_up_to(answers, "check"), "municipality"]  # the list step was completed once

    counted = journey.counted(answers, done)
    assert "municipality" not in counted
    assert journey.municipality_number(counted) == OSLO
    assert journey.routed_by(counted) == "postal_code"


def test_confirmation_does_not_count_after_the_reporter_switches_to_the_list():
    answers = {**PRIVATE, **CONFIRMED}
    done = done_up_to(answers, "anonymity")
    assert journey.municipality_number(journey.counted(answers, done)) == OSLO
    answers = {**answers, **NO_POSTAL_CODE}  # back: "I don't know the postal code"
    counted = journey.counted(answers, done)
    assert "location-confirm" not in counted
    assert journey.municipality_number(counted) is None, "no destination until one is chosen"
    assert journey.next_step(answers, done) == "municipality"


def test_answers_of_a_step_not_completed_do_not_count():
    answers = {**PRIVATE, **CONFIRMED, "concern": {"description": "skrevet, ikke lagret"}}
    done = ["emergency", "reporter-type", "location", "location-confirm"]
    counted = journey.counted(answers, done)
    assert set(counted) == set(done)


def test_professionals_details_do_not_count_after_switching_to_anonymous_private():
    answers = {**PRIVATE, **CONFIRMED, "anonymity": {"anonymity": "anonymous"},
               "about-you": {"name": "Kari Lærer", "workplace": "Sagene skole"}}
    done = [*done_up_to(answers, "check"), "about-you"]
    assert "about-you" not in journey.counted(answers, done)


def test_call_for_help_page_does_not_count_once_danger_is_answered_no():
    answers = {**PRIVATE, "emergency-call": {}}
    counted = journey.counted(answers, ["emergency", "emergency-call", "reporter-type"])
    assert "emergency-call" not in counted


@pytest.mark.parametrize(("step", "answer", "follow_up"), [
    ("child-1-relation", {"relation": "neighbour"}, {"relation_other": "Så henne på bussen"}),
    ("interpreter", {"needed": "no"}, {"language": "Polsk"}),
])
def test_a_follow_up_typed_beside_another_answer_does_not_count(step, answer, follow_up):
    """Without JavaScript "If yes: which language?" is always on the page: what was typed there
    before choosing "No" is an abandoned branch, kept in the draft but not counted."""
    answers = {**PRIVATE, **CONFIRMED, step: {**answer, **follow_up}}
    done = done_up_to(answers, "check")
    assert journey.counted(answers, done)[step] == answer
    chosen = {key: "other" if key == "relation" else "yes" for key in answer}
    answers[step] = {**chosen, **follow_up}
    assert journey.counted(answers, done)[step] == {**chosen, **follow_up}
    assert answers[step] == {**chosen, **follow_up}  # the draft keeps what was typed


@pytest.mark.parametrize("step", ["child-2-told", "parents-told"])
def test_why_not_counts_only_after_no(step):
    answers = {"emergency": {"answer": "no"}, "reporter-type": {"reporter_type": "professional"},
               **CONFIRMED, "children": {"count": "2"},
               step: {"told": "yes", "why_not": "skrevet før ja"}}
    done = done_up_to(answers, "check")
    assert journey.counted(answers, done)[step] == {"told": "yes"}
    answers[step]["told"] = "no"
    assert journey.counted(answers, done)[step]["why_not"] == "skrevet før ja"


def test_steps_of_a_removed_child_do_not_count():
    answers = {**PRIVATE, **CONFIRMED, "children": {"count": "1"},
               "child-2-name": {"name": "Kari"}}
    done = [*done_up_to(answers, "check"), "child-2-name"]
    assert "child-2-name" not in journey.counted(answers, done)


@pytest.mark.parametrize(
    ("answers", "expected", "found_by"),
    [
        (CONFIRMED, OSLO, "postal_code"),
        ({**DECLINED, "municipality": {"municipality": BERGEN}}, BERGEN, "chosen_from_list"),
        (DECLINED, None, "chosen_from_list"),
        (POSTAL_CODE, None, "postal_code"),
        ({**NO_POSTAL_CODE, "municipality": {"municipality": BERGEN}}, BERGEN, "chosen_from_list"),
        ({**NO_POSTAL_CODE, "municipality": {"municipality": ""}}, None, "chosen_from_list"),
        ({**NOWHERE_KNOWN, "municipality": {"municipality": BERGEN}}, BERGEN,
         "where_the_child_was"),
        ({**NOWHERE_KNOWN, "municipality": {"municipality": "unknown"},
          "own-municipality": {"municipality": TROMSO}}, TROMSO, "reporter_municipality"),
        ({}, None, "postal_code"),
    ],
    ids=["confirmed-suggestion", "declined-then-chosen", "declined-not-chosen-yet",
         "not-confirmed-yet", "list-chosen", "list-empty-choice", "where-the-child-was",
         "reporters-own-municipality", "nothing-answered"],
)
def test_report_goes_to_the_municipality_the_reporter_confirmed_or_chose(
        answers, expected, found_by):
    assert journey.municipality_number(answers) == expected
    if expected:
        assert journey.routed_by(answers) == found_by


# --- districts (bydeler) -----------------------------------------------------------------------

GAMLE_OSLO = "030101"
# The server stores, beside the answer that settles the municipality, its districts that have a
# service of their own (wizard._municipality_settled).
OSLO_WITH_DISTRICT = {**POSTAL_CODE, "location-confirm": {"confirmed": "yes", "receiving": "yes",
                                                           "districts": [GAMLE_OSLO]}}


@pytest.mark.parametrize(
    "answers",
    [OSLO_WITH_DISTRICT,
     {**NO_POSTAL_CODE, "municipality": {"municipality": OSLO, "districts": [GAMLE_OSLO]}},
     {**NOWHERE_KNOWN, "municipality": {"municipality": "unknown"},
      "own-municipality": {"municipality": OSLO, "districts": [GAMLE_OSLO]}}],
    ids=["postal-code", "list", "own-municipality"],
)
def test_a_municipality_with_districts_of_their_own_asks_for_the_district_after_the_location(
    answers,
):
    steps = journey.path({**PRIVATE, **answers})
    assert steps[steps.index("district") + 1] == "anonymity"
    assert steps.index("district") == max(steps.index(s) for s in steps
                                          if journey.section_of(s) == "location")


@pytest.mark.parametrize(
    "answers",
    [CONFIRMED,
     {**POSTAL_CODE, "location-confirm": {"confirmed": "yes", "receiving": "yes",
                                          "districts": []}},
     {**DECLINED, "municipality": {"municipality": BERGEN, "districts": []},
      "district": {"district": GAMLE_OSLO, "municipality": OSLO}}],
    ids=["no-districts-stored", "none-served-apart", "left-oslo-for-bergen"],
)
def test_a_municipality_without_districts_skips_the_step_and_its_answer_counts_for_nothing(
    answers,
):
    answers = {**PRIVATE, **answers}
    assert "district" not in journey.path(answers)
    done = [*done_up_to(answers, "check"), "district"]
    assert "district" not in journey.counted(answers, done)
    assert journey.district(journey.counted(answers, done)) is None


def test_the_chosen_district_routes_the_report_and_i_do_not_know_routes_to_the_default():
    chosen = {**PRIVATE, **OSLO_WITH_DISTRICT,
              "district": {"district": GAMLE_OSLO, "municipality": OSLO, "receiving": "yes"}}
    assert journey.district(chosen) == GAMLE_OSLO
    unknown = {**chosen, "district": {"district": "unknown", "municipality": OSLO}}
    assert journey.district(unknown) is None
    assert journey.municipality_number(unknown) == OSLO
    # A district the journey did not offer (a forged or stale answer) is not followed.
    assert journey.district({**chosen, "district": {"district": "030102"}}) is None


def test_a_district_whose_service_cannot_receive_ends_the_journey_after_the_district():
    answers = {**PRIVATE, **OSLO_WITH_DISTRICT,
               "district": {"district": GAMLE_OSLO, "municipality": OSLO,
                            "receiving": "no-key"}}
    assert journey.path(answers)[-3:] == ["location-confirm", "district", journey.NOT_RECEIVING]
    # Given for another municipality, that answer says nothing about this one's service.
    elsewhere = {**answers, "district": {**answers["district"], "municipality": BERGEN}}
    assert journey.NOT_RECEIVING not in journey.path(elsewhere)


# --- the path, worked out once per set of the answers it depends on --------------------------

PATH_VALUES = {
    "answer": ["yes", "no", "unsure"],
    "reporter_type": ["private", "professional", "child"],
    "mode": ["postal_code", "list", "where_was"],
    "suggested": [OSLO, BERGEN],
    "confirmed": ["yes", "no"],
    "districts": [[], [GAMLE_OSLO], [GAMLE_OSLO, "030102"]],
    "receiving": ["yes", "no-key", "no-service"],
    "municipality": [OSLO, BERGEN, "unknown"],
    "anonymity": ["named", "anonymous"],
    "count": ["1", "2", "10", "11", "two"],
}
# Never in a draft the server wrote; the path must still be the one these answers give.
ODD_VALUES = [1, True, 2.0, {"x": "y"}, [["nested"]], ""]


class _Reads(Mapping):
    """Answers that note every (step, field) read through them."""

    def __init__(self, answers, reads, step=None):
        self.answers, self.reads, self.step = answers, reads, step

    def __getitem__(self, key):
        if self.step is None:
            return _Reads(self.answers[key], self.reads, key)
        self.reads.add((self.step, key))
        return self.answers[key]

    def get(self, key, default=None):
        if self.step is None:
            return _Reads(self.answers.get(key, {}), self.reads, key)
        self.reads.add((self.step, key))
        return self.answers.get(key, default)

    def __iter__(self):
        self.reads.add((self.step, "*every field*"))
        return iter(self.answers)

    def __len__(self):
        return len(self.answers)


@st.composite
def path_answers(draw):
    answers = {}
    for step, field in journey.PATH_INPUTS:
        choices = [None, *PATH_VALUES[field]]
        value = draw(st.sampled_from(choices) | st.sampled_from(ODD_VALUES)) if draw(
            st.integers(0, 20)) == 0 else draw(st.sampled_from(choices))
        if value is not None:
            answers.setdefault(step, {})[field] = value
    if draw(st.booleans()):  # answers the path does not depend on
        answers.setdefault("location", {})["postal_code"] = "0150"
        answers["child-1-name"] = {"name": "Ola"}
    return answers


@settings(max_examples=600, deadline=None)
@given(path_answers())
def test_the_kept_path_is_the_path_the_answers_give(answers):
    worked_out = list(journey._worked_out(answers))
    assert journey.path(answers) == worked_out
    done = worked_out[:-1]
    assert journey.next_step(answers, done) == worked_out[-1]
    assert journey.is_complete(answers, done) == (worked_out[-1] == "check")


@settings(max_examples=600, deadline=None)
@given(path_answers())
def test_the_path_reads_no_answer_but_those_it_is_kept_by(answers):
    # A step whose `applies` read an answer not in PATH_INPUTS would be shown or skipped by a
    # path kept for other answers: whoever adds one must add it there.
    reads: set[tuple[str, str]] = set()
    journey._worked_out(_Reads(answers, reads))
    assert reads <= set(journey.PATH_INPUTS)
