"""The journey: which steps a reporter walks, and which answers count."""

from __future__ import annotations

from intake import journey

BASE = {
    "emergency": {"answer": "no"},
    "reporter-type": {"reporter_type": "private"},
    "child": {"name": "Ola"},
}


def test_a_child_in_danger_adds_the_call_for_help_page():
    assert "emergency-call" not in journey.path(BASE)
    danger = {**BASE, "emergency": {"answer": "yes"}}
    assert journey.path(danger)[:3] == ["emergency", "emergency-call", "reporter-type"]


def test_a_known_postal_code_asks_for_confirmation_and_an_unknown_one_for_the_list():
    known = {**BASE, "location": {"postal_code": "0150", "suggested": "0301"}}
    assert "location-confirm" in journey.path(known)
    assert "municipality" not in journey.path(known)
    unknown = {**BASE, "location": {"unknown": "1"}}
    assert "municipality" in journey.path(unknown)
    assert "location-confirm" not in journey.path(unknown)
    declined = {**known, "location-confirm": {"confirmed": "no"}}
    assert "municipality" in journey.path(declined)


def test_a_step_cannot_be_visited_before_the_steps_before_it_are_done():
    done = ["emergency"]
    assert journey.can_visit("reporter-type", BASE, done)
    assert not journey.can_visit("concern", BASE, done)
    assert journey.next_step(BASE, done) == "reporter-type"


def test_an_abandoned_branch_does_not_count_and_does_not_route_the_report():
    answers = {
        **BASE,
        "location": {"postal_code": "0150", "suggested": "0301"},
        "location-confirm": {"confirmed": "yes"},
        "municipality": {"municipality": "4601"},  # chosen earlier, then the reporter went back
    }
    done = ["emergency", "reporter-type", "child", "location", "location-confirm", "municipality"]
    counted = journey.counted(answers, done)
    assert "municipality" not in counted
    assert journey.municipality_number(counted) == "0301"


def test_the_list_choice_routes_when_the_suggestion_was_declined():
    answers = {
        **BASE,
        "location": {"postal_code": "0150", "suggested": "0301"},
        "location-confirm": {"confirmed": "no"},
        "municipality": {"municipality": "4601"},
    }
    assert journey.municipality_number(answers) == "4601"
