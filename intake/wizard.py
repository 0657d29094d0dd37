"""The wizard's domain logic: saving a step's answers, and sending the finished report.

Plain functions over a draft, a session and formdata; the views only parse the request, call
one of these, and render or redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from database import utcnow
from intake import journey, report
from intake.drafts import DraftData
from intake.forms import (
    AboutYouForm,
    CheckForm,
    ChildForm,
    ConcernForm,
    EmergencyCallForm,
    EmergencyForm,
    LocationConfirmForm,
    LocationForm,
    MunicipalityForm,
    ReporterTypeForm,
    StepContext,
    StepForm,
)
from routing import directory
from routing.acceptance import accept
from routing.models import Envelope, Municipality, Service

FORMS: dict[str, type[StepForm]] = {
    "emergency": EmergencyForm,
    "emergency-call": EmergencyCallForm,
    "reporter-type": ReporterTypeForm,
    "child": ChildForm,
    "location": LocationForm,
    "location-confirm": LocationConfirmForm,
    "municipality": MunicipalityForm,
    "concern": ConcernForm,
    "about-you": AboutYouForm,
    "check": CheckForm,
}
assert set(FORMS) == journey.STEP_NAMES


def context_for(session: Session, draft: DraftData) -> StepContext:
    return StepContext(
        reporter_type=journey.answer(draft.answers, "reporter-type", "reporter_type"),
        look_up_postal_code=lambda code: directory.look_up_postal_code(session, code),
        municipality_choices=municipality_choices(session),
    )


def municipality_choices(session: Session) -> list[tuple[str, str]]:
    # The county is shown because two pairs of municipalities share a name (Herøy, Våler).
    return [
        (m.number, f"{m.name} ({m.county_name})") for m in directory.all_municipalities(session)
    ]


def form_for(step: str, draft: DraftData, context: StepContext, formdata: Any = None) -> StepForm:
    """The step's form, filled from `formdata` or else from what the draft holds."""
    if formdata is None:
        formdata = MultiDict(_as_pairs(draft.answers.get(step, {})))
    return FORMS[step](formdata, context)


def raw_answers(step: str, formdata: MultiDict[str, str]) -> dict[str, Any]:
    """What the reporter sent for this step's fields, exactly as sent, valid or not."""
    form = FORMS[step]()
    kept: dict[str, Any] = {}
    for field in form:
        values = formdata.getlist(field.name)
        if values:
            kept[field.name] = values if len(values) > 1 else values[0]
    return kept


@dataclass
class Saved:
    form: StepForm
    valid: bool


def save_step(
    session: Session, draft: DraftData, step: str, formdata: MultiDict[str, str]
) -> Saved:
    """Store the step's input as typed, validate it, and re-check the steps it may affect.

    Input is stored whether or not it is valid, so nothing typed is lost to an error, to
    "previous step" or to the language switch; only valid input marks the step complete.
    """
    if step == "location" and formdata.get("action") == "unknown":
        draft.answers[step] = {"unknown": "1"}
        _mark(draft, step, True)
        _recheck_others(session, draft, step)
        return Saved(FORMS[step](), True)
    context = context_for(session, draft)
    form = FORMS[step](formdata, context)
    valid = form.validate()
    draft.answers[step] = {**raw_answers(step, formdata), **(form.derived() if valid else {})}
    _mark(draft, step, valid)
    _recheck_others(session, draft, step)
    return Saved(form, valid)


def _mark(draft: DraftData, step: str, valid: bool) -> None:
    if valid and step not in draft.done:
        draft.done.append(step)
    if not valid and step in draft.done:
        draft.done.remove(step)


def _recheck_others(session: Session, draft: DraftData, changed: str) -> None:
    """An answer can make a later one insufficient (a private reporter who becomes a
    professional owes more details): such steps are no longer complete, so the journey walks
    the reporter through them again before check-your-answers."""
    context = context_for(session, draft)
    for name in list(draft.done):
        if name in (changed, "check", "emergency-call") or name not in draft.answers:
            continue
        if name == "location" and draft.answers[name].get("unknown"):
            continue
        if not form_for(name, draft, context).validate():
            draft.done.remove(name)
    if changed != "check" and "check" in draft.done:
        draft.done.remove("check")


@dataclass(frozen=True)
class Sent:
    envelope: Envelope
    service_name: str
    service_phone: str


def send(
    session: Session,
    draft: DraftData,
    *,
    language: str,
    review_days: int,
    now: datetime | None = None,
) -> Sent:
    """Build the report from the answers that count, then route, seal and accept it.

    The caller has checked `journey.is_complete`; the municipality is recomputed here from the
    answers, never taken from the request.
    """
    now = now or utcnow()
    number = journey.municipality_number(journey.counted(draft.answers, draft.done))
    municipality = session.get(Municipality, number) if number else None
    if municipality is None:
        raise ValueError("the journey is complete but names no known municipality")
    document = report.build(
        draft.answers,
        draft.done,
        language=language,
        submitted_at=now,
        municipality_name=municipality.name,
    )
    envelope = accept(
        session, report.encode(document), municipality.number, review_days=review_days, now=now
    )
    service = session.get(Service, envelope.service_id)
    assert service is not None
    draft.answers = {}
    draft.done = []
    draft.sent = {"envelope_id": envelope.id}
    return Sent(envelope, service.name, service.phone)


def _as_pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        elif value is not None:
            pairs.append((key, str(value)))
    return pairs
