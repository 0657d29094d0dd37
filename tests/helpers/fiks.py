"""The KS Fiks bekymringsmelding v2 export's tests share: reports built the way the wizard
builds them, and the v2 JSON Schemas (data/fiks-schema) to check an export against."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jsonschema import Draft201909Validator
from referencing import Registry
from referencing.jsonschema import DRAFT201909

from intake import journey, report

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
