"""The intake team reads a report as a colleague wrote it: `flask inbox open`'s text opens with
the notices that apply (and no others), then a summary, then every answer under a Norwegian (or
English) label from the one table the page and the KS export use too; no code or field name of
concern-report/1 is shown; times are Norwegian to the minute; questions left unanswered are
listed once at the end, and only where they were asked; what the reporter typed cannot hide
itself behind bidirectional or zero-width characters. The report's JSON Schema matches what the
wizard builds and offers."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import i18n
from inbox.fiks_export import CannotExport, to_fiks_v2
from inbox.report_labels import table, words
from inbox.report_outline import outline, reveal
from inbox.report_text import render_text
from intake import journey
from intake.forms.child import RELATIONS, ChildToldForm
from intake.forms.concern import (
    SOURCES,
    TOPICS,
    InterpreterForm,
    ParentsToldForm,
    TimingForm,
)
from intake.forms.opening import AnonymityForm, EmergencyForm, ReporterTypeForm
from tests.helpers import fiks, reading

OPEN_HTML = Path(__file__).resolve().parents[2] / "templates" / "inbox" / "open.html"
RECEIVED, REVIEW_BY = "01.07.2026 23:59", "08.07.2026 23:59"


def text_of(report: Any, language: str = "nb") -> str:
    return render_text(report, language, reference="K7M2P9XQ", received=RECEIVED,
                       review_by=REVIEW_BY)


def sections(text: str) -> list[tuple[str, list[str]]]:
    """The text's sections: (heading, lines), in order, the title first."""
    found: list[tuple[str, list[str]]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if number + 1 < len(lines) and lines[number + 1] and set(lines[number + 1]) <= {"=", "-"} \
                and len(lines[number + 1]) == len(line):
            found.append((line, []))
        elif found and line and not set(line) <= {"=", "-"}:
            found[-1][1].append(line)
    return found


# --- the schema and the table ------------------------------------------------------------------


def location_paths() -> dict[str, dict[str, dict[str, Any]]]:
    """Answers for each way the wizard finds the municipality, and for districts."""
    listed = {"location": {"mode": "list"},
              "municipality": {"municipality": "0301", "receiving": "yes"}}
    return {
        "chosen_from_list": listed,
        "where_the_child_was": {**listed, "location": {"mode": "where_was"}},
        "reporter_municipality": {
            "location": {"mode": "where_was"}, "municipality": {"municipality": "unknown"},
            "own-municipality": {"municipality": "0301", "receiving": "yes"}},
        "lives_on_svalbard": {**listed, "location": {
            "mode": "list", "postal_code_normalised": "9170", "area": "Svalbard"}},
        "lives_on_jan_mayen": {**listed, "location": {
            "mode": "list", "postal_code_normalised": "8099", "area": "Jan Mayen"}},
        "district": {"location-confirm": {"confirmed": "yes", "receiving": "yes",
                                          "districts": ["030101"]},
                     "district": {"district": "030101", "municipality": "0301",
                                  "receiving": "yes"}},
        "district unknown": {"location-confirm": {"confirmed": "yes", "receiving": "yes",
                                                  "districts": ["030101"]},
                             "district": {"district": "unknown", "municipality": "0301",
                                          "receiving": "yes"}},
    }


def built_reports() -> list[dict[str, Any]]:
    reports = [reading.report_of(kind) for kind in reading.KINDS]
    for changes in location_paths().values():
        answers = fiks.private_answers()
        answers.pop("location-confirm")
        answers.update(copy.deepcopy(changes))
        reports.append(fiks.build(answers))
    return reports


def test_the_schema_describes_every_report_the_wizard_builds():
    validator = Draft202012Validator(reading.SCHEMA)
    Draft202012Validator.check_schema(reading.SCHEMA)
    reports = built_reports()
    for report in reports:
        assert sorted(error.message for error in validator.iter_errors(report)) == []
    found_by = {report["location"]["found_by"] for report in reports}
    assert found_by == set(reading.enums()["location.found_by"])
    assert [r["location"].get("district", "-") for r in reports][-2:] == ["030101", None]
    # And a document it does not describe is refused: the check can fail.
    broken = copy.deepcopy(reports[0])
    broken["concern"]["topics"] = ["neglect", "a-topic-nobody-offers"]
    assert list(validator.iter_errors(broken))


def choices(field: Any) -> list[str]:
    return [choice.value for choice in field.kwargs["choices"]]


def test_the_schemas_codes_are_the_choices_the_wizard_offers():
    assert reading.enums() == {
        "schema": ["concern-report/1"],
        "language": [locale.code for locale in i18n.LOCALES],
        "reporter_type": choices(ReporterTypeForm.reporter_type),
        "anonymity": choices(AnonymityForm.anonymity),
        "child_in_danger_now": choices(EmergencyForm.answer),
        "location.found_by": ["postal_code", "chosen_from_list", "where_the_child_was",
                              "reporter_municipality",
                              *journey.OUTSIDE_MUNICIPALITIES.values()],
        "children[].relation": [choice.value for choice in RELATIONS],
        "children[].told": choices(ChildToldForm.told),
        "parents.told": choices(ParentsToldForm.told),
        "concern.topics[]": [choice.value for choice in TOPICS],
        "concern.sources[]": [choice.value for choice in SOURCES],
        "concern.frequency": choices(TimingForm.frequency),
        "interpreter.needed": choices(InterpreterForm.needed),
    }


GROUPS = {"child_in_danger_now": "answers", "children[].told": "answers",
          "parents.told": "answers", "interpreter.needed": "answers",
          "concern.topics[]": "topics", "concern.sources[]": "sources",
          "concern.frequency": "frequencies", "children[].relation": "relations",
          "location.found_by": "found_by", "language": "languages",
          "reporter_type": "reporter_types", "anonymity": "anonymity"}


def keys_and_placeholders(node: Any, path: str = "") -> dict[str, set[str]]:
    if isinstance(node, dict):
        found: dict[str, set[str]] = {}
        for key, value in node.items():
            found |= keys_and_placeholders(value, f"{path}.{key}")
        return found
    assert isinstance(node, str) and node.strip(), f"{path} is empty"
    return {path: set(re.findall(r"\{[a-z_]+\}", node))}


def test_the_table_words_every_code_the_same_way_in_bokmal_nynorsk_and_english():
    shape = keys_and_placeholders(table()["nb"])
    for language in reading.LANGUAGES:
        values = table()[language]["values"]
        for path, group in GROUPS.items():
            for code in reading.enums()[path]:
                assert values[group][code].strip(), (language, path, code)
        mine = keys_and_placeholders({key: value for key, value in table()[language].items()})
        # The KS export's own phrases are bokmål only; everything else is in all three.
        assert mine == {key: value for key, value in shape.items()
                        if language == "nb" or not key.startswith(".ks.")}, language


def test_the_ks_export_takes_its_words_from_the_same_table():
    document = fiks.build(fiks.private_answers(anonymity={"anonymity": "confidential"}))
    exported = to_fiks_v2(document)["melding"]
    nb = words("nb")
    for text in (nb["notices"]["confidential"], nb["values"]["topics"]["violence"],
                 nb["values"]["sources"]["seen-heard"], nb["fields"]["concern.child_views"],
                 nb["ks"]["extras_heading"]):
        assert text in exported


def test_every_reason_the_ks_export_refuses_has_words_on_the_open_page():
    """The page says why in the inbox's language, by the reason's name."""
    page = OPEN_HTML.read_text(encoding="utf-8")
    private = fiks.build(fiks.private_answers())
    professional = fiks.build(fiks.professional_answers())
    refused = {
        "not-a-report": {"schema": "concern-report/2"},
        "child": {**private, "reporter_type": "child"},
        "anonymous": {**private, "anonymous": True},
        "reporter-type": {**private, "reporter_type": "robot"},
        "no-child": {**private, "children": []},
        "no-municipality": {**private, "location": {}},
        "missing-reporter": {**professional, "reporter": {**professional["reporter"],
                                                          "role": None}},
        "email-pattern": {**professional, "reporter": {**professional["reporter"],
                                                       "email": "a+b@skole.no"}},
        "phone-pattern": {**professional, "reporter": {**professional["reporter"],
                                                       "phone": "ring meg"}},
        "no-guardian": {**professional, "parents": {**professional["parents"],
                                                    "guardians": []}},
        "not-told": {**professional, "parents": {**professional["parents"], "told": None}},
        "time": {**private, "submitted_at": "i går"},
    }
    for reason, document in refused.items():
        with pytest.raises(CannotExport) as raised:
            to_fiks_v2(document)
        assert raised.value.reason == reason
        assert f'data-fiks-refused-{reason}="' in page
    assert len(re.findall(r'data-fiks-refused-[a-z-]+="', page)) == len(refused)


# --- the text, as the team reads it ------------------------------------------------------------


@pytest.mark.parametrize("language", reading.LANGUAGES)
@pytest.mark.parametrize("kind", list(reading.KINDS))
def test_the_text_opens_with_the_notices_that_apply_and_no_others(kind, language):
    text = text_of(reading.report_of(kind), language)
    found = sections(text)
    assert found[0][0] == f"{table()[language]['title']} K7M2P9XQ"
    expected = reading.expected_notices(kind, language)
    if expected:
        assert found[1] == (table()[language]["headings"]["notices"],
                            [f"! {notice}" for notice in expected])
        assert found[2][0] == table()[language]["headings"]["summary"]
    else:
        assert found[1][0] == table()[language]["headings"]["summary"]
        assert "! " not in text
    every_notice = set(table()[language]["notices"].values()) | set(expected)
    assert [line for line in text.splitlines() if line[2:] in every_notice] == [
        f"! {notice}" for notice in expected], "each notice once, first"


@pytest.mark.parametrize("language", reading.LANGUAGES)
@pytest.mark.parametrize("kind", list(reading.KINDS))
def test_the_text_holds_every_answer_and_no_code_or_field_name(kind, language):
    report = reading.report_of(kind)
    text = text_of(report, language)
    assert reading.codes_shown(text, language, reading.typed_answers(report)) == []
    for answer in reading.typed_answers(report):
        for line in answer.splitlines():
            assert line in text, line
    assert reading.missing_from(text, reading.coded_answers(report, language)) == []
    assert reading.SUMMER_OSLO in text and "2026-07-01" not in text


@pytest.mark.parametrize("language", reading.LANGUAGES)
def test_no_value_of_any_enumeration_is_shown_as_its_code(language):
    for report in reading.enum_walk():
        text = text_of(report, language)
        assert reading.codes_shown(text, language, reading.typed_answers(report)) == [], (
            report["language"])
        assert reading.missing_from(text, reading.coded_answers(report, language)) == []


def test_the_check_for_codes_finds_the_old_way_of_showing_a_report():
    """The check can fail: the generic rendering the team had before shows codes."""
    old = ("Schema: concern-report/1\nReporter type: private\nAnonymity: confidential\n"
           "Topics 1: neglect\nFound by: postal_code\nChild in danger now: no\n"
           "Interpreter:\n  Needed: yes\n")
    for language in reading.LANGUAGES:
        assert {"concern-report/1", "confidential", "neglect", "postal_code", "private",
                "no", "yes"} <= set(reading.codes_shown(old, language))
    assert {"schema", "reporter", "topics", "interpreter", "needed"} <= set(
        reading.codes_shown(old, "nb"))


@pytest.mark.parametrize(("submitted_at", "shown"), [
    ("2026-07-01T21:59:30.123456Z", "01.07.2026 23:59"),  # summer time: UTC+2
    ("2026-12-05T12:21:56.041572Z", "05.12.2026 13:21"),  # winter time: UTC+1
    ("2026-03-29T00:30:00+00:00", "29.03.2026 01:30"),  # the hour before the clocks go forward
    ("2026-03-29T01:30:00Z", "29.03.2026 03:30"),  # and after
])
def test_the_time_sent_is_norwegian_time_to_the_minute(submitted_at, shown):
    report = reading.report_of("private named", submitted_at=submitted_at)
    assert f"{words('nb')['fields']['submitted_at']}: {shown}\n" in text_of(report)


def test_a_time_that_is_not_one_is_shown_as_it_was_written():
    report = reading.report_of("private named", submitted_at="1. mars kl. 12")
    assert f"{words('nb')['fields']['submitted_at']}: 1. mars kl. 12\n" in text_of(report)


def test_unanswered_questions_are_listed_once_at_the_end_and_only_where_they_were_asked():
    private = fiks.build(fiks.private_answers(
        **{"about-you": {"name": "Kari Nordmann", "phone": "", "email": ""}},
        timing={"frequency": "once"}))
    found = sections(text_of(private))
    assert found[-1] == ("Ikke besvart", ["Bekymringen: Melderen ble bekymret",
                                          "Melderen: Telefonnummer; E-post"])
    assert "(ikke oppgitt)" not in text_of(private)
    assert "ikke oppgitt" not in text_of(private).lower()

    # A professional was never asked to describe the child; a child was never asked for the
    # address, the parents, how they know it or about an interpreter.
    professional = fiks.build(fiks.professional_answers(
        **{"child-1-address": {"address": "Skolegata 2", "found_at": ""}}))
    assert sections(text_of(professional))[-1] == (
        "Ikke besvart", ["Barn 1: Der barnet kan treffes", "Barn 2: Der barnet kan treffes"])
    child = fiks.build(reading.child_answers(timing={}, **{"child-views": {}}))
    unanswered = sections(text_of(child))[-1]
    assert unanswered == ("Ikke besvart", [
        "Bekymringen: Hvor ofte; Melderen ble bekymret; Hva barnet ønsker skal skje"])
    # Everything answered: no such section at all.
    everything = reading.report_of("professional")
    everything["children"][0]["found_at"] = "Sentrum skole"
    everything["children"][1]["found_at"] = "Sentrum skole"
    assert "Ikke besvart" not in text_of(everything)


def test_what_a_private_reporter_did_not_know_is_said_as_not_known():
    report = fiks.build(fiks.private_answers(
        **{"child-1-name": {"name": "", "name_unknown": True},
           "child-1-address": {"address": "", "address_unknown": True,
                               "found_at": "Skolen på Nordnes"}}))
    text = text_of(report)
    assert "Navn: Ikke kjent\n" in text and "Adresse: Ikke kjent\n" in text
    assert "Barn: Navn ikke kjent, ca. 6 år\n" in text


def test_the_summary_says_who_reports_about_whom_what_where_and_by_when():
    summary = dict(line.split(": ", 1) for line in sections(text_of(
        reading.report_of("professional")))[2][1] if ": " in line)
    assert summary["Melder"] == "Offentlig ansatt eller fagperson: Lena Lærer"
    assert summary["Rolle og arbeidssted"] == "Kontaktlærer, Sentrum skole"
    assert summary["Hvor ofte"] == "Over lang tid"
    assert summary["Melderen ble bekymret"] == "høsten 2024"
    assert summary["Hvor"] == "Oslo (0301), postnummer 0150"
    assert (summary["Mottatt"], summary["Frist for vurdering"]) == (RECEIVED, REVIEW_BY)
    lines = sections(text_of(reading.report_of("professional")))[2][1]
    # Born 1 January 1980 by the fødselsnummer; the second child is not born yet.
    assert lines[lines.index("Barn:") + 1:lines.index("Barn:") + 3] == [
        "  - Jonas Berg, født 01.01.1980 (46 år)", "  - Emma Berg, ikke født ennå"]
    assert "  - Vold mot barnet" in lines and "  - Vold mellom voksne i hjemmet" in lines


def test_a_report_that_went_to_the_reporters_own_municipality_or_an_unknown_district_says_so():
    for path, notice in (("reporter_municipality", "reporter_municipality"),
                         ("district unknown", "district_unknown")):
        answers = fiks.private_answers(interpreter={})
        answers.pop("location-confirm")
        answers.update(copy.deepcopy(location_paths()[path]))
        for language in reading.LANGUAGES:
            report = fiks.build(answers)
            text = text_of(report, language)
            assert sections(text)[1][1] == [f"! {table()[language]['notices'][notice]}"]
            assert reading.codes_shown(text, language, reading.typed_answers(report)) == []


def test_a_field_nobody_knows_yet_is_kept_under_other_information():
    report = reading.report_of("private named")
    report["children"][0]["favourite_colour"] = "blå"
    report["note"] = {"from": "a later version"}
    found = dict(sections(text_of(report)))
    assert found["Andre opplysninger i meldingen"] == [
        "children.1.favourite_colour: blå", 'note: {"from":"a later version"}']


def test_something_that_is_not_a_report_at_all_is_shown_as_it_is():
    assert 'Bekymringsmelding: ["not", "a", "report"]' not in text_of(["not", "a", "report"])
    assert 'Bekymringsmelding: ["not","a","report"]' in text_of(["not", "a", "report"])


# --- what typed text hides ----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "shown"), [
    ("Ali\u202eecilA Nordmann", "Ali⟨U+202E⟩ecilA Nordmann"),
    ("\u2067نورا\u2069 Berg", "⟨U+2067⟩نورا⟨U+2069⟩ Berg"),
    ("Ka\u200bri\u200d\u2060\ufeff", "Ka⟨U+200B⟩ri⟨U+200D⟩⟨U+2060⟩⟨U+FEFF⟩"),
    ("\u202a\u202b\u202c\u202d\u2066\u2068\u200e\u200f\u061c\u00ad",
     "⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩⟨U+202D⟩⟨U+2066⟩⟨U+2068⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩⟨U+00AD⟩"),
    # A joiner doing its ordinary work is not marked: an emoji family, a Persian word.
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
    ("❤\ufe0f\u200d🔥", "❤\ufe0f\u200d🔥"),
    ("می\u200cخواهم", "می\u200cخواهم"),
    ("a\u200cb", "a⟨U+200C⟩b"),
    ("😢\u200d", "😢⟨U+200D⟩"),
])
def test_characters_that_would_hide_or_rearrange_typed_text_are_shown(typed, shown):
    assert "".join(piece["text"] for piece in reveal(typed)) == shown
    for piece in reveal(typed):
        assert piece["hidden"] == bool(re.fullmatch(r"⟨U\+[0-9A-F]{4}⟩", piece["text"]))


def test_the_text_shows_the_markers_where_the_reporter_typed_them():
    report = fiks.build(fiks.private_answers(
        **{"about-you": {"name": reading.HIDDEN_NAME, "phone": "", "email": ""}}))
    text = text_of(report)
    assert f"Navn: {reading.HIDDEN_NAME_SHOWN}\n" in text
    assert f"Privatperson: {reading.HIDDEN_NAME_SHOWN}\n" in text
    assert "\u202e" not in text and "\u200b" not in text
    # Our own words are never marked, and the outline keeps what was typed as it was.
    shape = outline(report, "nb")
    assert {"text": reading.HIDDEN_NAME, "typed": True} in shape["summary"]["rows"][0]["lines"][0]


# --- flask inbox open --------------------------------------------------------------------------


@pytest.mark.parametrize("language", reading.LANGUAGES)
@pytest.mark.parametrize("kind", list(reading.KINDS))
def test_flask_inbox_open_writes_the_text_a_colleague_would(tmp_path, kind, language):
    report = reading.report_of(kind)
    envelope_file, key_file, reference = fiks.sealed_download(tmp_path, report)
    result = fiks.run_open(envelope_file, key_file, tmp_path / "out", "--language", language)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / f"{reference}.txt").read_text(encoding="utf-8")
    assert text == render_text(report, language, reference=reference,
                               received="01.03.2025 13:30", review_by="08.03.2025 13:30")
    assert reading.codes_shown(text, language, reading.typed_answers(report)) == []
    expected = reading.expected_notices(kind, language)
    assert [line[2:] for line in text.splitlines() if line.startswith("! ")] == expected


def test_flask_inbox_open_shows_hidden_characters_and_keeps_them_in_the_files(tmp_path):
    report = fiks.build(fiks.private_answers(
        **{"about-you": {"name": reading.HIDDEN_NAME, "phone": "", "email": ""},
           "child-1-name": {"name": "Sa\u2066ra\u2069"}}))
    envelope_file, key_file, reference = fiks.sealed_download(tmp_path, report)
    result = fiks.run_open(envelope_file, key_file, tmp_path / "out", "--fiks")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    text = (out / f"{reference}.txt").read_text(encoding="utf-8")
    assert reading.HIDDEN_NAME_SHOWN in text and "Sa⟨U+2066⟩ra⟨U+2069⟩" in text
    saved = json.loads((out / f"{reference}.json").read_text(encoding="utf-8"))
    assert saved["reporter"]["name"] == reading.HIDDEN_NAME
    assert saved["children"][0]["name"] == "Sa\u2066ra\u2069"
    exported = json.loads((out / f"{reference}.fiks-v2.json").read_text(encoding="utf-8"))
    assert exported["privatMelder"]["personnavn"] == reading.HIDDEN_NAME
    assert exported["privatBarn"][0]["personnavn"] == "Sa\u2066ra\u2069"


def test_the_deadline_in_the_text_is_the_one_the_inbox_shows(tmp_path):
    """Received plus the review days (7), in Norwegian time, as inbox.views.oslo_time."""
    report = reading.report_of("private named")
    envelope_file, key_file, reference = fiks.sealed_download(tmp_path, report)
    fiks.run_open(envelope_file, key_file, tmp_path / "out", "--language", "nn")
    text = (tmp_path / "out" / f"{reference}.txt").read_text(encoding="utf-8")
    received = fiks.SUBMITTED
    assert received == datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC)
    assert "Motteke: 01.03.2025 13:30\n" in text
    assert "Frist for vurdering: 08.03.2025 13:30\n" in text
    assert (received + timedelta(days=7)).strftime("%d.%m.%Y") == "08.03.2025"


def test_the_team_reads_the_district_by_its_name_and_its_ks_number():
    answers = fiks.private_answers(interpreter={})
    answers.pop("location-confirm")
    answers.update(copy.deepcopy(location_paths()["district"]))
    report = fiks.build(answers)
    report["location"]["district_name"] = "Gamle Oslo"
    text = text_of(report)
    assert "bydel Gamle Oslo (01)" in text, text
    assert "district_name" not in text  # a field the outline knows, not "other information"
