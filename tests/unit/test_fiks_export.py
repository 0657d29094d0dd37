"""The export to KS Fiks bekymringsmelding v2, the format Norwegian case systems import: a named
private report and a professional's report become documents the v2 JSON Schemas accept, with
every answer somewhere in them and nothing made up; reports the format cannot hold are refused
with a message that says so; `flask inbox open --fiks` writes the file beside the others."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inbox.fiks_export import CannotExport, to_fiks_v2
from tests.helpers.fiks import (
    ANONYMOUS_MESSAGE,
    CHILD_MESSAGE,
    CONCERN,
    assert_valid,
    build,
    load_schema_file,
    private_answers,
    professional_answers,
    run_open,
    schema_errors,
    sealed_download,
)


def values_in(document: Any) -> list[Any]:
    """Every leaf value of a JSON document."""
    if isinstance(document, dict):
        return [leaf for value in document.values() for leaf in values_in(value)]
    if isinstance(document, list):
        return [leaf for value in document for leaf in values_in(value)]
    return [document]


def test_the_validator_resolves_the_address_reference_and_accepts_ks_own_examples():
    """Guards the other tests: if `../adresse.json` were not resolved, a broken address would
    pass (or validation would crash), and every "valid" below would mean nothing."""
    for kind, example in (("privat", "privatBekymringsmeldingV2.json"),
                          ("offentlig", "offentligBekymringsmeldingV2.json")):
        document = load_schema_file(f"examples/{example}")
        assert_valid(document, kind)
        children = document["privatBarn" if kind == "privat" else "offentligBarn"]
        del children[0]["adresse"]["adresselinje1"]
        children[0]["adresse"]["postnummer"] = 5020
        assert schema_errors(document, kind) == [
            f"['{'privatBarn' if kind == 'privat' else 'offentligBarn'}', 0, 'adresse', "
            f"'postnummer']: 5020 is not of type 'string'",
            f"['{'privatBarn' if kind == 'privat' else 'offentligBarn'}', 0, 'adresse']: "
            f"'adresselinje1' is a required property",
        ]


# --- reports, built the way the wizard builds them -----------------------------------------


def extras_of(text: str) -> list[str]:
    """The lines after the heading that introduces what has no field of its own."""
    heading = "Opplysninger fra skjemaet som ikke har eget felt i KS-formatet:"
    assert heading in text
    return text.split(heading, 1)[1].strip("\n").split("\n")


# --- private ---------------------------------------------------------------------------------


def test_named_private_report_is_a_valid_privat_document_with_the_reporters_answers():
    document = to_fiks_v2(build(private_answers()))

    assert_valid(document, "privat")
    assert document["kommunenummer"] == "0301" and document["kommunenavn"] == "Oslo"
    assert document["privatMelder"] == {"personnavn": "Kari Nordmann", "telefonnummer": "91234567"}
    assert document["privatBarn"] == [{
        "personnavn": "Sara Ødegård",
        "antattAlder": "6",
        "relasjon": "Nabo",
        # The postal code the reporter gave for where the (one) child lives.
        "adresse": {"adresselinje1": "Storgata 1", "postnummer": "0150"},
    }]
    assert document["sendingstidspunkt"] == "2025-03-01T13:30:05", "Norwegian time, no zone"
    assert document["leveringskanal"]


def test_private_answers_without_a_field_of_their_own_follow_the_concern_in_norwegian():
    document = to_fiks_v2(build(private_answers()))
    assert document["melding"].startswith(CONCERN + "\n\n")
    assert extras_of(document["melding"]) == [
        "Er et barn i fare akkurat nå? Melderen svarte: Nei",
        "Bekymringen gjelder: Vold mot barnet; Barnet får ikke mat, klær, stell eller tilsyn",
        "Hvordan melderen vet dette: Melderen har sett eller hørt det selv; "
        "Andre har fortalt det til melderen",
        "Hvor ofte: Flere ganger",
        "Melderen ble bekymret: januar 2025",
        "Hva barnet mener eller ønsker: Hun vil ikke hjem etter skolen.",
        "Barn 1 (Sara Ødegård):",
        "  Der barnet kan treffes: Sagene skole",
        "  Beskrivelse av barnet: Lyst hår, rød jakke.",
        "Hvem barnet bor med: Mor og lillebror",
        "Behov for tolk: Ja, språk: Arabisk",
        "Melderens e-post: kari@example.no",
        "Kommunen ble funnet fra postnummeret der barnet bor: 0150.",
        "Skjemaet ble fylt ut på norsk bokmål.",
    ]


def test_a_reporter_who_wants_to_stay_unknown_to_the_family_is_said_first():
    document = to_fiks_v2(build(private_answers(anonymity={"anonymity": "confidential"})))
    assert_valid(document, "privat")
    assert document["privatMelder"]["personnavn"] == "Kari Nordmann"
    assert extras_of(document["melding"])[0] == (
        "VIKTIG: Melderen har gitt navnet sitt, men vil ikke at familien skal få vite hvem som "
        "meldte.")
    plain = to_fiks_v2(build(private_answers()))
    assert "VIKTIG" not in plain["melding"]


def test_our_choices_become_the_formats_free_text_and_an_unknown_value_is_kept_as_it_is():
    answers = private_answers(
        topics={"topics": ["honour", "a-topic-added-later"]},
        timing={"frequency": "once", "since": ""},
        **{"child-1-relation": {"relation": "other", "relation_other": "Trener på fotballaget"}},
    )
    document = to_fiks_v2(build(answers))
    assert_valid(document, "privat")
    assert document["privatBarn"][0]["relasjon"] == "Trener på fotballaget"
    extras = extras_of(document["melding"])
    assert ("Bekymringen gjelder: Tvangsekteskap, kjønnslemlestelse eller æresrelatert vold; "
            "a-topic-added-later") in extras
    assert "Hvor ofte: Én gang" in extras
    assert not any(line.startswith("Melderen ble bekymret") for line in extras)

    family = to_fiks_v2(build(private_answers(**{"child-1-relation": {"relation": "family"}})))
    assert family["privatBarn"][0]["relasjon"] == "Familie"


def test_what_a_private_reporter_did_not_know_is_left_out_or_empty_never_made_up():
    answers = private_answers(
        **{"child-1-name": {"name": "", "name_unknown": True},
           "child-1-age": {"age": ""},
           "child-1-address": {"address": "", "address_unknown": True,
                               "found_at": "Skolen på Nordnes", "description": ""},
           "child-1-relation": {"relation": "family-friend"},
           "parents": {}, "topics": {"topics": []}, "source": {}, "timing": {},
           "child-views": {}, "interpreter": {},
           "about-you": {"name": "Kari Nordmann", "phone": "", "email": ""}},
    )
    document = to_fiks_v2(build(answers))

    assert_valid(document, "privat")
    assert None not in values_in(document), "the schemas allow no nulls"
    assert document["privatMelder"] == {"personnavn": "Kari Nordmann"}
    # The format requires a name and an address line: empty, not "Ukjent" or a guess.
    assert document["privatBarn"] == [{"personnavn": "", "relasjon": "Venn av familien",
                                       "adresse": {"adresselinje1": "", "postnummer": "0150"}}]
    assert document["melding"] == "\n\n".join([
        CONCERN,
        "Opplysninger fra skjemaet som ikke har eget felt i KS-formatet:\n"
        "Er et barn i fare akkurat nå? Melderen svarte: Nei\n"
        "Barn 1:\n"
        "  Navnet er ikke kjent.\n"
        "  Adressen er ikke kjent.\n"
        "  Der barnet kan treffes: Skolen på Nordnes\n"
        "Kommunen ble funnet fra postnummeret der barnet bor: 0150.\n"
        "Skjemaet ble fylt ut på norsk bokmål.",
    ])


def test_an_unborn_child_is_said_to_be_unborn():
    answers = private_answers(**{"child-1-age": {"age": "", "unborn": True}})
    document = to_fiks_v2(build(answers))
    assert_valid(document, "privat")
    assert "antattAlder" not in document["privatBarn"][0]
    assert "  Barnet er ikke født ennå." in extras_of(document["melding"])


def test_a_postal_code_that_is_not_known_to_be_every_childs_is_only_in_the_text():
    answers = private_answers(
        children={"count": "2", "add_another": "no"},
        **{"child-2-name": {"name": "Lise Ødegård"}, "child-2-age": {"age": "3"},
           "child-2-address": {"address": "Bakken 4, 0152 Oslo"},
           "child-2-relation": {"relation": "neighbour"}},
    )
    document = to_fiks_v2(build(answers))
    assert_valid(document, "privat")
    assert [child["adresse"] for child in document["privatBarn"]] == [
        {"adresselinje1": "Storgata 1"},
        {"adresselinje1": "Bakken 4", "postnummer": "0152", "poststed": "Oslo"},
    ]
    assert "Kommunen ble funnet fra postnummeret der barnet bor: 0150." in extras_of(
        document["melding"])


# --- professional ----------------------------------------------------------------------------


def test_professional_report_about_two_children_is_a_valid_offentlig_document():
    document = to_fiks_v2(build(professional_answers(), municipality_name="Bergen"))

    assert_valid(document, "offentlig")
    assert (document["kommunenummer"], document["kommunenavn"]) == ("4601", "Bergen")
    assert document["offentligMelder"] == {
        "personnavn": "Lena Lærer",
        "rolle": "Kontaktlærer",
        "telefonnummer": "+4722000000",
        "epost": "lena.laerer@skole.no",
        "virksomhet": {
            "navn": "Sentrum skole",
            "orgnr": "974760673",
            "adresse": {"adresselinje1": "Skoleveien 1", "postnummer": "5003",
                        "poststed": "Bergen"},
        },
    }
    assert document["offentligBarn"] == [
        {"fnr": "01018012371", "ufoedt": False, "personnavn": "Jonas Berg",
         "adresse": {"adresselinje1": "Skolegata 2", "postnummer": "5003", "poststed": "Bergen"},
         "orientert": False,
         # The schema's `^(.*)$` holds one line; the words are kept.
         "orientertGrunn": "Han er redd for at far får vite det. Han ba meg vente."},
        {"fnr": "", "ufoedt": False, "personnavn": "Emma Berg",
         "adresse": {"adresselinje1": "Skolegata 2"}, "orientert": True},
    ]
    assert document["foresatte"] == [
        {"personnavn": "Per Berg", "telefonnummer": "+4745678901", "orientert": False,
         "orientertGrunn": "Mistanke om vold."},
        {"personnavn": "Anna Berg", "orientert": False, "orientertGrunn": "Mistanke om vold."},
    ]
    assert document["behovForTolk"] == "Ja, språk: Polsk"
    assert document["andreHjelpeinstanser"] == "Helsestasjonen kjenner familien."
    assert document["melding"]["historie"] == (
        "Ny elev i høst. Mye fravær.\n\n"
        "Hva melderen har gjort for å hjelpe barnet: Samtaler med helsesykepleier.")
    assert document["melding"]["andreSynspunkter"] == "Mor virker sliten."
    assert document["sendingstidspunkt"] == "2025-03-01T13:30:05"


def test_professional_answers_without_a_field_of_their_own_follow_the_concern():
    document = to_fiks_v2(build(professional_answers(), municipality_name="Bergen"))
    text = document["melding"]["melding"]
    assert text.startswith(CONCERN + "\n\n")
    assert extras_of(text) == [
        "Er et barn i fare akkurat nå? Melderen svarte: Usikker",
        "Bekymringen gjelder: Vold mot barnet; Vold mellom voksne i hjemmet",
        "Hvordan melderen vet dette: Melderen har sett eller hørt det selv; "
        "Barnet har fortalt det til melderen",
        "Hvor ofte: Over lang tid",
        "Melderen ble bekymret: høsten 2024",
        "Hva barnet mener eller ønsker: Jonas vil bo hos mormor.",
        "Barn 1 (Jonas Berg):",
        "  Der barnet kan treffes: Sentrum skole",
        "Barn 2 (Emma Berg):",
        "  Fødselsdato: 27.03.2015",
        "Kommunen ble funnet fra postnummeret der barnet bor: 5003.",
        "Skjemaet ble fylt ut på norsk bokmål.",
    ]


def test_what_a_professional_did_not_give_is_left_out_never_made_up():
    answers = professional_answers(
        children={"add_another": "no"},
        parents={"parent1_name": "Per Berg", "parent1_phone": ""},
        **{"parents-told": {"told": "yes", "why_not": ""},
           "child-1-told": {"told": "yes", "why_not": ""},
           "child-1-address": {"address": "Skolegata 2", "found_at": ""},
           "background": {"background": "Ny elev i høst."},
           "interpreter": {}, "child-views": {}, "timing": {}, "topics": {"topics": []},
           "about-you": {**professional_answers()["about-you"], "organisation_number": ""}},
    )
    document = to_fiks_v2(build(answers, municipality_name="Bergen"))

    assert_valid(document, "offentlig")
    assert None not in values_in(document)
    assert "orgnr" not in document["offentligMelder"]["virksomhet"]
    (child,) = document["offentligBarn"]
    assert set(child) == {"fnr", "ufoedt", "personnavn", "adresse", "orientert"}
    assert child["adresse"] == {"adresselinje1": "Skolegata 2", "postnummer": "5003"}
    assert document["foresatte"] == [{"personnavn": "Per Berg", "orientert": True}]
    for absent in ("behovForTolk", "andreHjelpeinstanser"):
        assert absent not in document
    assert document["melding"]["historie"] == "Ny elev i høst."
    assert "andreSynspunkter" not in document["melding"]


def test_an_unborn_child_of_a_professionals_report_is_marked_unborn():
    answers = professional_answers(
        children={"add_another": "no"},
        **{"child-1-name": {"name": "Ufødt barn av Anna Berg"},
           "child-1-age": {"national_id": "", "birth_date": "", "unborn": True}},
    )
    document = to_fiks_v2(build(answers))
    assert_valid(document, "offentlig")
    (child,) = document["offentligBarn"]
    assert child["ufoedt"] is True and child["fnr"] == ""


def test_a_professional_email_the_format_rejects_is_refused_not_changed():
    answers = professional_answers(
        **{"about-you": {**professional_answers()["about-you"], "email": "lena+bv@skole.no"}})
    with pytest.raises(CannotExport, match=r"e-mail address 'lena\+bv@skole.no' does not fit"):
        to_fiks_v2(build(answers))


# --- reports the format cannot hold ----------------------------------------------------------


def test_an_anonymous_report_cannot_be_exported_and_the_message_says_why():
    answers = private_answers(anonymity={"anonymity": "anonymous"})
    document = build(answers)
    assert document["reporter"] is None
    with pytest.raises(CannotExport) as raised:
        to_fiks_v2(document)
    assert str(raised.value) == ANONYMOUS_MESSAGE


def test_a_childs_report_about_themselves_cannot_be_exported_and_the_message_says_why():
    answers = {
        "emergency": {"answer": "no"},
        "reporter-type": {"reporter_type": "child"},
        "location": {"mode": "postal_code", "postal_code": "5003",
                     "postal_code_normalised": "5003", "suggested": "4601"},
        "location-confirm": {"confirmed": "yes", "receiving": "yes"},
        "child-1-name": {"name": ""},
        "child-1-age": {"age": "13"},
        "topics": {"topics": []},
        "concern": {"description": "Det er mye krangling hjemme og jeg får ikke sove."},
        "timing": {},
        "child-views": {"views": "At noen snakker med mamma."},
        "about-you": {"safe_contact": ""},
    }
    with pytest.raises(CannotExport) as raised:
        to_fiks_v2(build(answers, municipality_name="Bergen"))
    assert str(raised.value) == CHILD_MESSAGE


def test_a_document_that_is_not_a_report_is_refused_plainly():
    with pytest.raises(CannotExport, match="Only a concern-report/1 report"):
        to_fiks_v2({"schema": "concern-report/2", "reporter_type": "private"})


# --- nothing lost, nothing changed -----------------------------------------------------------


@pytest.mark.parametrize("make", [private_answers, professional_answers])
def test_the_concern_in_norwegian_arabic_and_emoji_arrives_unchanged(make):
    document = to_fiks_v2(build(make()))
    text = document["melding"] if isinstance(document["melding"], str) else (
        document["melding"]["melding"])
    assert text.split("\n\n")[0] == CONCERN
    written = json.dumps(document, ensure_ascii=False)
    assert json.dumps(CONCERN, ensure_ascii=False)[1:-1] in written, "UTF-8, not \\u escapes"


@pytest.mark.parametrize("make", [private_answers, professional_answers])
def test_every_answer_the_reporter_wrote_is_somewhere_in_the_export(make):
    """A canary in every free-text answer: each must reach the document (its own field or the
    text), or the service would import a report with something missing."""
    answers = make()
    canaries = []
    for step, fields in answers.items():
        for field, value in fields.items():
            if isinstance(value, str) and value and field not in (
                    "postal_code", "postal_code_normalised", "suggested", "confirmed",
                    "receiving", "mode", "anonymity", "answer", "reporter_type", "add_another",
                    "count", "told", "relation", "frequency", "needed", "national_id",
                    "birth_date", "phone", "parent1_phone", "parent2_phone",
                    "organisation_number", "age", "email"):
                canary = f"Kanari-{step}-{field}"
                fields[field] = canary
                canaries.append(canary)
    assert len(canaries) >= 10
    written = json.dumps(to_fiks_v2(build(answers)), ensure_ascii=False)
    assert [canary for canary in canaries if canary not in written] == []


# --- flask inbox open --fiks -----------------------------------------------------------------

def test_open_with_fiks_writes_the_v2_document_beside_the_report(tmp_path):
    document = build(professional_answers())
    envelope_file, key_file, reference = sealed_download(tmp_path, document)
    out = tmp_path / "opened"

    result = run_open(envelope_file, key_file, out, "--fiks")
    assert result.exit_code == 0, result.output
    fiks_path = out / f"{reference}.fiks-v2.json"
    assert f"Wrote {fiks_path}" in result.output
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [f"{reference}.json", f"{reference}.txt", fiks_path.name])
    written = json.loads(fiks_path.read_text(encoding="utf-8"))
    assert written == to_fiks_v2(document)
    assert_valid(written, "offentlig")
    assert CONCERN.split("\n")[0] in fiks_path.read_text(encoding="utf-8"), "UTF-8, not escapes"
    assert fiks_path.stat().st_mode & 0o077 == 0, "private to its owner, like the report"


def test_open_without_fiks_writes_no_v2_document(tmp_path):
    envelope_file, key_file, reference = sealed_download(tmp_path, build(private_answers()))
    out = tmp_path / "opened"
    result = run_open(envelope_file, key_file, out)
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == [f"{reference}.json",
                                                           f"{reference}.txt"]


def test_open_with_fiks_of_an_anonymous_report_says_why_and_still_opens_it(tmp_path):
    document = build(private_answers(anonymity={"anonymity": "anonymous"}))
    envelope_file, key_file, reference = sealed_download(tmp_path, document)
    out = tmp_path / "opened"

    result = run_open(envelope_file, key_file, out, "--fiks")
    assert result.exit_code == 0, result.output
    assert ANONYMOUS_MESSAGE in result.output
    assert sorted(path.name for path in out.iterdir()) == [f"{reference}.json",
                                                           f"{reference}.txt"]
    assert json.loads((out / f"{reference}.json").read_text(encoding="utf-8")) == document


def test_open_with_fiks_never_overwrites_an_earlier_export(tmp_path):
    envelope_file, key_file, reference = sealed_download(tmp_path, build(private_answers()))
    out = tmp_path / "opened"
    out.mkdir()
    earlier = out / f"{reference}.fiks-v2.json"
    earlier.write_text("edited by the team\n", encoding="utf-8")

    result = run_open(envelope_file, key_file, out, "--fiks")
    assert result.exit_code != 0
    assert "exists; nothing was written" in result.output
    assert earlier.read_text(encoding="utf-8") == "edited by the team\n"
    assert [path.name for path in out.iterdir()] == [earlier.name]
