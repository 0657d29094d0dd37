"""E-mail to intake teams: new reports arrived, reports lie unopened, reports are not acknowledged,
feedback to reporters is due within five working days (routing/feedback.py).

Every mail to a team also names how many feedback deadlines fall within the next five working
days and how many have passed, with the earliest.

A mail says how many, for which service, the oldest review deadline and where the inbox is; never
anything from a report (the reports stay sealed; nothing here opens them). Each envelope is
announced, reminded and escalated at most once: the mark is claimed with a conditional UPDATE and
committed only after the SMTP server has accepted the mail.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from config import Config
from database import utcnow
from routing import feedback, mail
from routing.delivery import in_inbox
from routing.housekeeping import Task
from routing.models import Envelope, Service
from routing.working_days import OSLO, add_working_days

log = logging.getLogger(__name__)

ARRIVAL = "arrival"
REMINDER = "reminder"
ESCALATION = "escalation"
FEEDBACK = "feedback"

REMIND_AFTER = timedelta(hours=24)
ACKNOWLEDGE_WITHIN_WORKING_DAYS = 2

_MARKS: dict[str, InstrumentedAttribute[datetime | None]] = {
    ARRIVAL: Envelope.notified_at,
    REMINDER: Envelope.reminded_at,
    ESCALATION: Envelope.escalated_at,
    FEEDBACK: Envelope.feedback_reminded_at,
}


@dataclass(frozen=True)
class Notice:
    """One mail to send: what kind, to whom, about which envelopes. Nothing secret."""

    kind: str
    service_id: str
    service_name: str
    to: str | None  # None: the service has no address at all
    envelope_ids: tuple[str, ...]
    oldest_review_deadline: datetime
    to_fallback: bool = False
    # The service's feedback deadlines near and passed, named in every mail to the team.
    feedback_due: feedback.DueSummary | None = None

    @property
    def count(self) -> int:
        return len(self.envelope_ids)


# --- deciding ---------------------------------------------------------------------------------


def due_notifications(session: Session, now: datetime | None = None) -> list[Notice]:
    """Every mail that should go out now: at most one per kind and service, counting envelopes."""
    now = now or utcnow()
    # By the times, not the state: a failed envelope is in the inbox as well (see
    # `delivery.in_inbox`), and the team must hear of it like any other.
    arrived = _due(
        session,
        Envelope.downloaded_at.is_(None),
        Envelope.acknowledged_at.is_(None),
        Envelope.notified_at.is_(None),
    )
    unopened = _due(
        session,
        Envelope.downloaded_at.is_(None),
        Envelope.acknowledged_at.is_(None),
        # A failed delivery put the envelope in the inbox when it failed.
        func.coalesce(Envelope.delivered_at, Envelope.failed_at) <= now - REMIND_AFTER,
        Envelope.reminded_at.is_(None),
    )
    # The deadline is in working days, which SQL cannot count: the query only narrows to
    # envelopes old enough to possibly be late (every deadline is 2 days or more after arrival).
    unacknowledged = [
        (envelope, service)
        for envelope, service in _due(
            session,
            Envelope.acknowledged_at.is_(None),
            Envelope.escalated_at.is_(None),
            Envelope.created_at <= now - timedelta(days=ACKNOWLEDGE_WITHIN_WORKING_DAYS),
        )
        if now > acknowledgement_deadline(envelope.created_at)
    ]
    # Once per report, when its feedback deadline comes within five working days (or has
    # passed by the time it reached the inbox).
    feedback_due = _due(
        session,
        feedback.due_soon_condition(now),
        Envelope.feedback_reminded_at.is_(None),
    )
    notices = [
        *_group(ARRIVAL, arrived),
        *_group(REMINDER, unopened),
        *_group(ESCALATION, unacknowledged),
        *_group(FEEDBACK, feedback_due),
    ]
    summaries: dict[str, feedback.DueSummary] = {}
    for notice in notices:
        if notice.service_id not in summaries:
            summaries[notice.service_id] = feedback.due_summary(session, notice.service_id, now)
    return [dataclasses.replace(notice, feedback_due=summaries[notice.service_id])
            for notice in notices]


def acknowledgement_deadline(received_at: datetime) -> datetime:
    """When a report must be acknowledged before the fallback contact is told. It counts from
    acceptance (what the inbox shows as received), the earlier of the two timestamps."""
    return add_working_days(received_at, ACKNOWLEDGE_WITHIN_WORKING_DAYS)


def _due(session: Session, *conditions: ColumnElement[bool]) -> list[tuple[Envelope, Service]]:
    rows = session.execute(
        select(Envelope, Service)
        .join(Service, Service.id == Envelope.service_id)
        .where(in_inbox(), *conditions)
        .order_by(Envelope.service_id, Envelope.created_at, Envelope.id)
    )
    return [(envelope, service) for envelope, service in rows]


def _group(kind: str, rows: Iterable[tuple[Envelope, Service]]) -> list[Notice]:
    by_service: dict[str, tuple[Service, list[Envelope]]] = {}
    for envelope, service in rows:
        by_service.setdefault(service.id, (service, []))[1].append(envelope)
    notices = []
    for service, envelopes in by_service.values():
        to, to_fallback = service.email, False
        if kind == ESCALATION:
            if service.fallback_email:
                to, to_fallback = service.fallback_email, True
            elif service.email:
                log.warning(
                    "service %s has no fallback e-mail; escalating to its own address", service.id
                )
        notices.append(
            Notice(
                kind=kind,
                service_id=service.id,
                service_name=service.name,
                to=to or None,
                envelope_ids=tuple(envelope.id for envelope in envelopes),
                oldest_review_deadline=min(envelope.review_deadline for envelope in envelopes),
                to_fallback=to_fallback,
            )
        )
    return notices


# --- writing ----------------------------------------------------------------------------------


def compose(notice: Notice, config: Config, now: datetime | None = None) -> EmailMessage:
    """The mail in Norwegian bokmål, plain text: counts, the service, a deadline and the link."""
    assert notice.to is not None
    subject, lines = _TEXTS[notice.kind](notice)
    inbox_url = config.public_base_url.rstrip("/") + "/inbox/"
    review = ([] if notice.kind == FEEDBACK else
              ["", f"Eldste frist for vurdering: {_oslo(notice.oldest_review_deadline)}."])
    body = "\n".join(
        [
            *lines,
            *review,
            *_feedback_lines(notice.feedback_due),
            "",
            "Logg inn i innboksen for å laste ned og lese meldingene:",
            inbox_url,
            "",
            "Av personvernhensyn står ingenting fra meldingene i denne e-posten.",
            "E-posten er sendt automatisk og kan ikke besvares.",
        ]
    ) + "\n"
    return mail.new_message(config, notice.to, subject, body, now or utcnow())


def _reports(count: int, *, new: bool = False) -> str:
    if count == 1:
        return "1 ny bekymringsmelding" if new else "1 bekymringsmelding"
    return f"{count} nye bekymringsmeldinger" if new else f"{count} bekymringsmeldinger"


def _arrival(notice: Notice) -> tuple[str, list[str]]:
    reports = _reports(notice.count, new=True)
    return f"{reports} til {notice.service_name}", [
        f"{notice.service_name} har fått {reports}."
    ]


def _reminder(notice: Notice) -> tuple[str, list[str]]:
    reports = _reports(notice.count)
    return f"Påminnelse: {reports} til {notice.service_name} er ikke lastet ned", [
        f"{reports.capitalize()} til {notice.service_name} har ligget i innboksen i mer enn "
        f"24 timer uten å bli lastet ned."
    ]


def _escalation(notice: Notice) -> tuple[str, list[str]]:
    reports = _reports(notice.count)
    lines = [
        f"{reports.capitalize()} til {notice.service_name} er ikke bekreftet mottatt innen "
        f"{ACKNOWLEDGE_WITHIN_WORKING_DAYS} virkedager.",
    ]
    if notice.to_fallback:
        lines.append("Du får denne e-posten fordi du er reservekontakt for tjenesten.")
    return f"Ikke bekreftet mottatt: {reports} til {notice.service_name}", lines


def _feedback(notice: Notice) -> tuple[str, list[str]]:
    return f"Frist for tilbakemelding til melder nærmer seg: {notice.service_name}", [
        f"{notice.service_name} har meldinger der fristen for tilbakemelding til melderen "
        f"(bekreftelse på mottatt melding, og til meldepliktige om det er åpnet undersøkelse) "
        f"er innen {feedback.REMIND_WORKING_DAYS} virkedager eller passert."
    ]


def _feedback_lines(summary: feedback.DueSummary | None) -> list[str]:
    """Counts and the earliest deadline; no references, as the rest of the mail."""
    if summary is None or summary.earliest is None:
        return []
    return [
        "",
        f"Tilbakemelding til melder (frist {feedback.WEEKS} uker etter barnevernsloven):",
        f"- frist innen {feedback.REMIND_WORKING_DAYS} virkedager: {summary.soon}",
        f"- frist passert: {summary.overdue}",
        f"- tidligste frist: {_oslo(summary.earliest)}",
    ]


_TEXTS: dict[str, Callable[[Notice], tuple[str, list[str]]]] = {
    ARRIVAL: _arrival,
    REMINDER: _reminder,
    ESCALATION: _escalation,
    FEEDBACK: _feedback,
}


def _oslo(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


# --- sending ----------------------------------------------------------------------------------


def send_due(
    session: Session,
    config: Config,
    now: datetime | None = None,
    sender: mail.Sender = mail.connect_smtp,
) -> int:
    """Send every due mail; return how many were sent (or logged, with no SMTP host).

    Give it a session of its own: it commits once per mail (see `mail.send`); a failed one
    leaves nothing marked and is tried again on the next run.
    """
    now = now or utcnow()
    return send_notices(session, config, due_notifications(session, now), now, sender)


def send_notices(
    session: Session,
    config: Config,
    notices: Iterable[Notice],
    now: datetime,
    sender: mail.Sender = mail.connect_smtp,
) -> int:
    """Claim, send and commit each notice in turn (see `send_due`)."""
    return mail.send(session, config, [_letter(notice, config, now) for notice in notices],
                     sender)


def _letter(notice: Notice, config: Config, now: datetime) -> mail.Letter:
    def claim(session: Session) -> bool:
        return _claim(session, notice, now)

    return mail.Letter(
        claim=claim,
        message=compose(notice, config, now) if notice.to else None,
        about=f"{notice.kind} to service {notice.service_id} about {notice.count} report(s)",
        nobody=f"service {notice.service_id} has no e-mail address",
    )


def _claim(session: Session, notice: Notice, now: datetime) -> bool:
    """Mark the notice's envelopes, if no one has; False if any was marked meanwhile (the next
    run recomputes what is still due from the database)."""
    mark = _MARKS[notice.kind]
    result = session.execute(
        update(Envelope)
        .where(Envelope.id.in_(notice.envelope_ids), mark.is_(None))
        .values({mark: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == notice.count  # type: ignore[attr-defined]


def housekeeping_task(config: Config) -> Task:
    """The worker's periodic task: the teams' mail that is due."""

    def send_due_notifications(session: Session) -> int:
        return send_due(session, config)

    return Task("notification mail", mail.CHECK_EVERY, send_due_notifications)
