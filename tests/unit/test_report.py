"""The report document (`concern-report/1`) the intake team reads: exactly the answers that
count, in plain UTF-8 JSON, with the schema, the reporter's language and the submission time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from intake import journey, report

SUBMITTED = datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC)
OSLO, BERGEN = "0301", "4601"
ABANDONED = "FORLATT-SVAR-c4n4ry"
CONCERN = "Ola sier: «أنا خائف من البيت» 😢 – han har blåmerker."


def private_answers(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {
        "emergency": {"answer": "no"},
        "reporter-type": {"reporter_type": "private"},
        "location": {"mode": "postal_code", "postal_code": " 0 150 ",
                     "postal_code_normalised": "0150", "suggested": OSLO},
        "location-confirm": {"confirmed": "yes", "receiving": "yes"},
        "anonymity": {"anonymity": "named"},
        "child-1-name": {"name": "  Ola Nordmann "},
        "child-1-age": {"age": "8"},
        "child-1-address": {"address": "Storgata 1", "found_at": "Sagene skole", "description": ""},
        "child-1-relation": {"relation": "neighbour"},
        "children": {"add_another": "no"},
        "parents": {"lives_with": "Mor og hennes kjæreste"},
        "topics": {"topics": ["violence", "neglect"]},
        "concern": {"description": CONCERN},
        "source": {"sources": ["seen-heard"]},
        "timing": {"frequency": "several", "since": "januar 2025"},
        "child-views": {"views": ""},
        "interpreter": {"needed": "no", "language": ""},
        "about-you": {"name": "Per Hansen", "phone": "+47 912-34-567", "email": "per@example.no"},
    }
    answers.update(changes)
    return answers


def everything_done(answers: dict[str, dict[str, Any]]) -> list[str]:
    return [step for step in journey.path(answers) if step != "check"]


def build(
    answers: dict[str, dict[str, Any]], done: list[str] | None = None, **kwargs: Any
) -> dict[str, Any]:
    options = {"language": "nb", "submitted_at": SUBMITTED, "municipality_name": "Oslo", **kwargs}
    return report.build(answers, everything_done(answers) if done is None else done, **options)


def test_report_names_its_schema_language_and_submission_time():
    document = build(private_answers(), language="en")
    assert document["schema"] == "concern-report/1"
    assert document["language"] == "en"
    assert document["submitted_at"] == "2025-03-01T12:30:05Z"


def test_report_holds_what_the_reporter_answered():
    document = build(private_answers())
    assert document["reporter_type"] == "private"
    assert document["child_in_danger_now"] == "no"
    assert document["location"] == {
        "municipality_number": OSLO,
        "municipality_name": "Oslo",
        "postal_code": "0150",
        "found_by": "postal_code",
    }
    (child,) = document["children"]
    assert child["name"] == "Ola Nordmann", "surrounding spaces are not part of the answer"
    assert child["approximate_age"] == 8
    assert child["address"] == "Storgata 1" and child["found_at"] == "Sagene skole"
    assert child["description"] is None, "an empty answer is given as null"
    assert child["relation"] == "neighbour"
    assert document["concern"]["description"] == CONCERN
    assert document["concern"]["topics"] == ["violence", "neglect"]
    assert document["concern"]["sources"] == ["seen-heard"]
    assert document["concern"]["frequency"] == "several"
    assert document["parents"]["lives_with"] == "Mor og hennes kjæreste"
    assert document["reporter"] == {"name": "Per Hansen", "phone": "+4791234567",
                                    "email": "per@example.no"}
    assert document["anonymous"] is False


def test_report_is_utf8_json_that_keeps_every_character():
    encoded = report.encode(build(private_answers()))
    assert CONCERN.encode("utf-8") in encoded, "written as UTF-8, not as \\u escapes"
    assert json.loads(encoded.decode("utf-8"))["concern"]["description"] == CONCERN


def test_anonymous_private_reporter_is_marked_anonymous_and_gives_no_details():
    answers = private_answers(anonymity={"anonymity": "anonymous"},
                              **{"about-you": {"name": ABANDONED, "phone": "912 34 567"}})
    document = build(answers, done=[*everything_done(answers), "about-you"])
    assert document["anonymous"] is True
    assert document["reporter"] is None
    assert ABANDONED.encode() not in report.encode(document)


def test_named_private_reporter_is_not_anonymous():
    document = build(private_answers(anonymity={"anonymity": "confidential"}))
    assert document["anonymous"] is False
    assert document["anonymity"] == "confidential"
    assert document["reporter"]["name"] == "Per Hansen"


def test_a_confidential_reporter_says_how_to_be_contacted_safely_and_a_named_one_is_not_asked():
    safe = "Ring etter klokka 15, ikke send brev hjem."
    you = {"name": "Per Hansen", "phone": "", "email": "", "safe_contact": safe}
    confidential = build(private_answers(anonymity={"anonymity": "confidential"},
                                         **{"about-you": you}))
    named = build(private_answers(**{"about-you": you}))
    assert confidential["reporter"] == {"name": "Per Hansen", "phone": None, "email": None,
                                        "safe_contact": safe}
    assert named["reporter"] == {"name": "Per Hansen", "phone": None, "email": None}


def test_professional_is_never_anonymous_even_with_an_anonymity_answer_left_over():
    answers = private_answers(
        **{"reporter-type": {"reporter_type": "professional"},
           "anonymity": {"anonymity": "anonymous"},
           "about-you": {"name": "Kari Lærer", "role": "Lærer", "workplace": "Sagene skole",
                         "workplace_address": "Kierschows gate 2", "phone": "912 34 567",
                         "email": "kari@osloskolen.no"}}
    )
    document = build(answers)
    assert document["anonymous"] is False
    assert document["anonymity"] is None
    assert document["reporter"]["name"] == "Kari Lærer"
    assert document["reporter"]["workplace"] == "Sagene skole"


def test_answers_left_on_abandoned_branches_are_not_in_the_report():
    answers = private_answers(
        # Chosen from the list before the reporter went back and confirmed the postal code.
        municipality={"municipality": BERGEN, "receiving": "yes"},
        # Typed while the reporter had said they were a professional.
        background={"background": ABANDONED},
        **{"child-1-told": {"told": "no", "why_not": ABANDONED},
           # A second child, added and then removed.
           "child-2-name": {"name": ABANDONED}},
    )
    done = [*everything_done(answers), "municipality", "background", "child-1-told", "child-2-name"]
    document = build(answers, done=done)
    assert document["location"]["municipality_number"] == OSLO
    assert len(document["children"]) == 1
    assert document["concern"]["background"] is None
    assert ABANDONED.encode() not in report.encode(document)
    assert BERGEN.encode() not in report.encode(document)


def test_answers_of_steps_not_completed_are_not_in_the_report():
    answers = private_answers(concern={"description": ABANDONED})
    done = [step for step in everything_done(answers) if step != "concern"]
    document = build(answers, done=done)
    assert document["concern"]["description"] is None
    assert ABANDONED.encode() not in report.encode(document)


def test_report_says_the_municipality_was_chosen_from_the_list_when_the_suggestion_was_declined():
    answers = private_answers(
        **{"location-confirm": {"confirmed": "no"},
           "municipality": {"municipality": BERGEN, "receiving": "yes"}}
    )
    document = build(answers, municipality_name="Bergen")
    assert document["location"]["municipality_number"] == BERGEN
    assert document["location"]["municipality_name"] == "Bergen"
    assert document["location"]["found_by"] == "chosen_from_list"


def test_every_child_added_is_in_the_report_in_order():
    answers = private_answers(
        children={"count": "2", "add_another": "no"},
        **{"child-2-name": {"name": "Kari Nordmann"}, "child-2-age": {"age": "5"},
           "child-2-address": {"address": "Storgata 1"},
           "child-2-relation": {"relation": "neighbour"}},
    )
    document = build(answers)
    assert [child["name"] for child in document["children"]] == ["Ola Nordmann", "Kari Nordmann"]
    assert [child["approximate_age"] for child in document["children"]] == [8, 5]


def test_child_reporting_about_themselves_is_the_child_in_the_report():
    answers = {
        "emergency": {"answer": "no"},
        "reporter-type": {"reporter_type": "child"},
        "location": {"mode": "list"},
        "municipality": {"municipality": BERGEN, "receiving": "yes"},
        "child-1-name": {"name": ""},
        "child-1-age": {"age": "14"},
        "topics": {"topics": []},
        "concern": {"description": "Det er vanskelig hjemme."},
        "timing": {},
        "child-views": {"views": "Jeg vil bo hos mormor."},
        "about-you": {"safe_contact": "Ring skolen og spør etter meg"},
    }
    document = build(answers, municipality_name="Bergen")
    assert document["reporter_type"] == "child"
    (child,) = document["children"]
    assert child["is_the_reporter"] is True and child["approximate_age"] == 14
    assert document["reporter"] == {"safe_contact": "Ring skolen og spør etter meg"}
    assert document["anonymous"] is False
    assert document["location"]["found_by"] == "chosen_from_list"


@pytest.mark.parametrize("reporter_type", ["private", "professional"])
def test_report_field_names_are_english_and_stable(reporter_type):
    answers = private_answers(**{"reporter-type": {"reporter_type": reporter_type}})
    document = build(answers)
    assert set(document) == {
        "schema", "submitted_at", "language", "reporter_type", "anonymity",
        "child_in_danger_now", "location", "children", "parents", "concern", "interpreter",
        "reporter", "anonymous",
    }
