"""Reports built the way the wizard builds them, for the KS Fiks export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
