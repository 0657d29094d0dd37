"""The KS Fiks bekymringsmelding v2 export's tests share: reports built the way the wizard
builds them, and the v2 JSON Schemas (data/fiks-schema) to check an export against."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from flask import Flask
from jsonschema import Draft201909Validator
from referencing import Registry
from referencing.jsonschema import DRAFT201909

from inbox.cli import inbox_cli
from intake import journey, report
from routing.envelope_file import to_file
from routing.models import Envelope
from sealing import KDF_INTERACTIVE, KeyPair, seal, write_key_file

SUBMITTED = datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC)  # 13:30:05 in Oslo (winter time)
CONCERN = "Ola sier: «أنا خائف من البيت» 😢 – han har blåmerker.\nAndre linje: ÆØÅ æøå."


def build(answers: dict[str, dict[str, Any]], municipality_name: str = "Oslo") -> dict[str, Any]:
    done = [step for step in journey.path(answers) if step != "check"]
    assert journey.is_complete(answers, done), "the test's answers must make a complete report"
    return report.build(answers, done, language="nb", submitted_at=SUBMITTED,
                        municipality_name=municipality_name)


def private_answers(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {
        "emergency": {"answer": "no"},
        "reporter-type": {"reporter_type": "private"},
        "location": {"mode": "postal_code", "postal_code": "0150",
                     "postal_code_normalised": "0150", "suggested": "0301"},
        "location-confirm": {"confirmed": "yes", "receiving": "yes"},
        "anonymity": {"anonymity": "named"},
        "child-1-name": {"name": "Sara Ødegård"},
        "child-1-age": {"age": "6"},
        "child-1-address": {"address": "Storgata 1", "found_at": "Sagene skole",
                            "description": "Lyst hår, rød jakke."},
        "child-1-relation": {"relation": "neighbour"},
        "children": {"add_another": "no"},
        "parents": {"lives_with": "Mor og lillebror"},
        "topics": {"topics": ["violence", "neglect"]},
        "concern": {"description": CONCERN},
        "source": {"sources": ["seen-heard", "others-told"]},
        "timing": {"frequency": "several", "since": "januar 2025"},
        "child-views": {"views": "Hun vil ikke hjem etter skolen."},
        "interpreter": {"needed": "yes", "language": "Arabisk"},
        "about-you": {"name": "Kari Nordmann", "phone": "912 34 567",
                      "email": "kari@example.no"},
    }
    answers.update(changes)
    return answers


def professional_answers(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {
        "emergency": {"answer": "unsure"},
        "emergency-call": {},
        "reporter-type": {"reporter_type": "professional"},
        "location": {"mode": "postal_code", "postal_code": "5003",
                     "postal_code_normalised": "5003", "suggested": "4601"},
        "location-confirm": {"confirmed": "yes", "receiving": "yes"},
        "child-1-name": {"name": "Jonas Berg"},
        "child-1-age": {"national_id": "010180 12371", "birth_date": ""},
        "child-1-address": {"address": "Skolegata 2, 5003 Bergen", "found_at": "Sentrum skole"},
        "child-1-told": {"told": "no", "why_not": "Han er redd for at far får vite det.\n"
                                                  "Han ba meg vente."},
        "child-2-name": {"name": "Emma Berg"},
        "child-2-age": {"national_id": "", "birth_date": "27.3.2015"},
        "child-2-address": {"address": "Skolegata 2"},
        "child-2-told": {"told": "yes", "why_not": ""},
        "children": {"count": "2", "add_another": "no"},
        "parents": {"parent1_name": "Per Berg", "parent1_phone": "+47 456 78 901",
                    "parent2_name": "Anna Berg", "parent2_phone": ""},
        "parents-told": {"told": "no", "why_not": "Mistanke om vold."},
        "topics": {"topics": ["violence", "domestic-violence"]},
        "concern": {"description": CONCERN},
        "source": {"sources": ["seen-heard", "child-told"]},
        "timing": {"frequency": "long", "since": "høsten 2024"},
        "background": {"background": "Ny elev i høst. Mye fravær.",
                       "measures": "Samtaler med helsesykepleier.",
                       "other_agencies": "Helsestasjonen kjenner familien.",
                       "other_views": "Mor virker sliten."},
        "child-views": {"views": "Jonas vil bo hos mormor."},
        "interpreter": {"needed": "yes", "language": "Polsk"},
        "about-you": {"name": "Lena Lærer", "role": "Kontaktlærer", "workplace": "Sentrum skole",
                      "workplace_address": "Skoleveien 1, 5003 Bergen",
                      "organisation_number": "974 760 673", "phone": "+47 22 00 00 00",
                      "email": "lena.laerer@skole.no"},
    }
    answers.update(changes)
    return answers


SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "fiks-schema"
ANONYMOUS_MESSAGE = (
    "An anonymous report cannot be exported to KS Fiks v2: the format requires the reporter's "
    "name. Use the concern-report/1 JSON instead."
)
CHILD_MESSAGE = (
    "A report from a child about themselves cannot be exported to KS Fiks v2: the format has no "
    "such case (it requires an adult reporter's name). Use the concern-report/1 JSON instead."
)


def load_schema_file(relative: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / relative).read_text(encoding="utf-8"))


PRIVATE_SCHEMA = load_schema_file("domain/v2/privat.bekymringsmelding.v2.json")
PROFESSIONAL_SCHEMA = load_schema_file("domain/v2/offentlig.bekymringsmelding.v2.json")
ADDRESS_SCHEMA = load_schema_file("domain/adresse.json")
# Both v2 schemas say `"$ref": "../adresse.json"`. Against their `$id`s that is the URI below,
# not the `$id` the address schema declares, so the file is registered where the reference
# points (as a file path in the source repository, it is the same file).
ADDRESS_URIS = {urljoin(PRIVATE_SCHEMA["$id"], "../adresse.json"),
                urljoin(PROFESSIONAL_SCHEMA["$id"], "../adresse.json")}
REGISTRY = Registry().with_resources(
    [(uri, DRAFT201909.create_resource(ADDRESS_SCHEMA)) for uri in ADDRESS_URIS]
    + [(schema["$id"], DRAFT201909.create_resource(schema))
       for schema in (PRIVATE_SCHEMA, PROFESSIONAL_SCHEMA, ADDRESS_SCHEMA)]
)
SCHEMA_FOR = {"privat": PRIVATE_SCHEMA, "offentlig": PROFESSIONAL_SCHEMA}


def schema_errors(document: Any, kind: str) -> list[str]:
    schema = SCHEMA_FOR[kind]
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema, registry=REGISTRY)
    return sorted(f"{list(error.absolute_path)}: {error.message}"
                  for error in validator.iter_errors(document))


def assert_valid(document: Any, kind: str) -> None:
    assert schema_errors(document, kind) == []


# --- a download opened with `flask inbox open` --------------------------------------------

PASSPHRASE = "correct horse battery staple"


def sealed_download(tmp_path: Path, document: dict[str, Any]) -> tuple[Path, Path, str]:
    """An envelope file as the inbox serves it, and the key file that opens it."""
    pair = KeyPair.generate()
    key_file = tmp_path / "service.key"
    key_file.write_text(write_key_file(pair, PASSPHRASE, params=KDF_INTERACTIVE))
    envelope = Envelope(
        id="0123456789abcdef0123456789abcdef", reference="K7M2P9XQ", service_id="oslo",
        key_id=pair.key_id, schema="concern-report/1",
        sealed=seal(report.encode(document), pair.public_key),
        created_at=SUBMITTED, review_deadline=SUBMITTED,
    )
    envelope_file = tmp_path / "download.json"
    envelope_file.write_bytes(to_file(envelope))
    return envelope_file, key_file, envelope.reference


def run_open(envelope_file: Path, key_file: Path, out: Path, *extra: str) -> Any:
    app = Flask("test")
    app.cli.add_command(inbox_cli)
    return app.test_cli_runner().invoke(
        args=["inbox", "open", str(envelope_file), "--key", str(key_file), "--passphrase-stdin",
              "--out", str(out), *extra],
        input=PASSPHRASE + "\n",
    )


# --- reports that take every turn of the export (browser and Python compared) ---------------

OSLO_LOCATION = {"mode": "postal_code", "postal_code": "0150", "postal_code_normalised": "0150",
                 "suggested": "0301"}


def oslo_professional() -> dict[str, Any]:
    """The unit tests' professional report (two children, guardians, background, interpreter),
    about children in Oslo."""
    return build(professional_answers(
        location=OSLO_LOCATION,
        **{"child-1-address": {"address": "Skolegata 2, 0150 Oslo", "found_at": "Sentrum skole"}},
    ))


def variants() -> dict[str, dict[str, Any]]:
    """Reports that take every turn of fiks_export.py: the unit tests' cases, and documents
    changed by hand where Python and JavaScript read text differently."""
    private, professional = build(private_answers()), oslo_professional()
    cases: dict[str, dict[str, Any]] = {
        "private": private,
        "professional": professional,
        "confidential": build(private_answers(anonymity={"anonymity": "confidential"})),
        "confidential, with a safe way to reach them": build(private_answers(
            anonymity={"anonymity": "confidential"},
            **{"about-you": {"name": "Kari Nordmann", "phone": "", "email": "",
                             "safe_contact": "Ring etter kl. 15, ikke send brev hjem."}})),
        "unknown topic, own relation": build(private_answers(
            topics={"topics": ["honour", "a-topic-added-later"]},
            timing={"frequency": "once", "since": ""},
            **{"child-1-relation": {"relation": "other", "relation_other": "Fotballtrener"}})),
        "private knew little": build(private_answers(
            **{"child-1-name": {"name": "", "name_unknown": True}, "child-1-age": {"age": ""},
               "child-1-address": {"address": "", "address_unknown": True,
                                   "found_at": "Skolen på Nordnes", "description": ""},
               "child-1-relation": {"relation": "family-friend"}, "parents": {},
               "topics": {"topics": []}, "source": {}, "timing": {}, "child-views": {},
               "interpreter": {}, "about-you": {"name": "Kari Nordmann", "phone": "",
                                                "email": ""}})),
        "private unborn": build(private_answers(
            **{"child-1-age": {"age": "", "unborn": True}})),
        "private two children": build(private_answers(
            children={"count": "2", "add_another": "no"},
            **{"child-2-name": {"name": "Lise Ødegård"}, "child-2-age": {"age": "3"},
               "child-2-address": {"address": "Bakken 4, 0152 Oslo"},
               "child-2-relation": {"relation": "neighbour"}})),
        "professional gave little": build(professional_answers(
            children={"add_another": "no"},
            parents={"parent1_name": "Per Berg", "parent1_phone": ""},
            **{"parents-told": {"told": "yes", "why_not": ""},
               "child-1-told": {"told": "yes", "why_not": ""},
               "child-1-address": {"address": "Skolegata 2", "found_at": ""},
               "background": {"background": "Ny elev i høst."}, "interpreter": {},
               "child-views": {}, "timing": {}, "topics": {"topics": []},
               "about-you": {**professional_answers()["about-you"],
                             "organisation_number": ""}})),
        "professional unborn": build(professional_answers(
            children={"add_another": "no"},
            **{"child-1-name": {"name": "Ufødt barn av Anna Berg"},
               "child-1-age": {"national_id": "", "birth_date": "", "unborn": True}})),
        "anonymous": build(private_answers(anonymity={"anonymity": "anonymous"})),
        "not a report": {"schema": "concern-report/2", "reporter_type": "private"},
    }

    def changed(base: dict[str, Any], change: Any) -> dict[str, Any]:
        document = copy.deepcopy(base)
        change(document)
        return document

    hand_made = {
        "summer time, microseconds": (private, lambda d: d.update(
            submitted_at="2025-07-01T21:59:59.999999Z")),
        "an offset": (private, lambda d: d.update(submitted_at="2025-12-31T23:30:00-01:00")),
        "no time zone": (private, lambda d: d.update(submitted_at="2025-03-01T12:30:05")),
        "not a time": (private, lambda d: d.update(submitted_at="1. mars 2025 kl. 12")),
        "no time": (private, lambda d: d.pop("submitted_at")),
        "no municipality": (professional, lambda d: d["location"].pop("municipality_number")),
        "Arabic-Indic postal code": (private, lambda d: d["children"][0].update(
            address="Storgata 1, ٠١٥٠ أوسلو")),
        "Python's line breaks": (professional, lambda d: d["children"][0].update(
            name=" Jonas\u2028Berg\x85 ", why_not_told="Han\x1cer redd.\x0bHan ba meg vente.")),
        "a phone the format refuses, private": (private, lambda d: d["reporter"].update(
            phone="ring etter kl. 16")),
        "a phone the format refuses": (professional, lambda d: d["reporter"].update(
            phone="22 00 00 00 (sentralbord)")),
        "an e-mail with a quote": (professional, lambda d: d["reporter"].update(
            email="o'neil@skole.no")),
        "an e-mail and a newline": (professional, lambda d: d["reporter"].update(
            email="lena@skole.no\n")),
        "three guardians": (professional, lambda d: d["parents"]["guardians"].append(
            {"name": "Ola Berg", "phone": "+4790000000"})),
        "no guardian": (professional, lambda d: d["parents"].update(guardians=[])),
        "parents' answer missing": (professional, lambda d: d["parents"].pop("told")),
        "a child's answer missing": (professional, lambda d: d["children"][1].pop("told")),
        "unknown language and way found": (private, lambda d: (
            d.update(language="xx"), d["location"].update(found_by="something-new"))),
        "chosen from the list": (private, lambda d: d["location"].update(
            found_by="chosen_from_list")),
        "a district": (private, lambda d: d["location"].update(district="030101")),
        "district not known": (professional, lambda d: d["location"].update(district=None)),
        "another municipality's district": (private, lambda d: d["location"].update(
            district="460101")),
        "district 00": (professional, lambda d: d["location"].update(district="030100")),
        "a district and a newline": (private, lambda d: d["location"].update(
            district="030101\n")),
        "a field added later": (private, lambda d: d["children"][0].update(
            favourite_colour="blå", relation="cousin", birth_date="2015-02-30")),
        "unknown reporter type": (private, lambda d: d.update(reporter_type="robot")),
        "no reporter type": (private, lambda d: d.update(reporter_type=None)),
        "no children": (private, lambda d: d.update(children=[])),
        "child": (private, lambda d: d.update(reporter_type="child")),
        "anonymous flag": (private, lambda d: d.update(anonymous=True)),
    }
    for name, (base, change) in hand_made.items():
        cases[name] = changed(base, change)
    return cases
