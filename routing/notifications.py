"""E-mail to intake teams: new reports arrived, reports lie unopened, reports are not acknowledged.

A mail says how many, for which service, the oldest review deadline and where the inbox is; never
anything from a report (the reports stay sealed; nothing here opens them). Each envelope is
announced, reminded and escalated at most once: the mark is claimed with a conditional UPDATE and
committed only after the SMTP server has accepted the mail.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from config import Config
from database import utcnow
from routing.delivery import in_inbox
from routing.models import Envelope, Service
from routing.working_days import OSLO, add_working_days

log = logging.getLogger(__name__)

ARRIVAL = "arrival"
REMINDER = "reminder"
ESCALATION = "escalation"

REMIND_AFTER = timedelta(hours=24)
ACKNOWLEDGE_WITHIN_WORKING_DAYS = 2
# Shorter than SQLite's busy timeout (30 s): another worker may wait on our claim meanwhile.
SMTP_TIMEOUT_SECONDS = 10

_MARKS: dict[str, InstrumentedAttribute[datetime | None]] = {
    ARRIVAL: Envelope.notified_at,
    REMINDER: Envelope.reminded_at,
    ESCALATION: Envelope.escalated_at,
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

    @property
    def count(self) -> int:
        return len(self.envelope_ids)


class SmtpClient(Protocol):
    def send_message(self, msg: EmailMessage) -> object: ...
    def quit(self) -> object: ...


Sender = Callable[[str, int], SmtpClient]


def connect_smtp(host: str, port: int) -> SmtpClient:
    return smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)


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
    return [
        *_group(ARRIVAL, arrived),
        *_group(REMINDER, unopened),
        *_group(ESCALATION, unacknowledged),
    ]


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
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = config.mail_from
    message["To"] = notice.to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain=config.mail_from.rpartition("@")[2] or None)
    # RFC 3834: tells mail servers not to answer with vacation notices.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "\n".join(
            [
                *lines,
                "",
                f"Eldste frist for vurdering: {_oslo(notice.oldest_review_deadline)}.",
                "",
                "Logg inn i innboksen for å laste ned og lese meldingene:",
                inbox_url,
                "",
                "Av personvernhensyn står ingenting fra meldingene i denne e-posten.",
                "E-posten er sendt automatisk og kan ikke besvares.",
            ]
        )
        + "\n",
        # 7-bit safe for any mail server, and still readable.
        cte="quoted-printable",
    )
    # Python folds some ASCII subjects of 70-odd characters onto a continuation line, which
    # readers then show with a leading space. Our headers are short: do not fold them at all.
    message.policy = email.policy.SMTP.clone(max_line_length=None)
    return message


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


_TEXTS: dict[str, Callable[[Notice], tuple[str, list[str]]]] = {
    ARRIVAL: _arrival,
    REMINDER: _reminder,
    ESCALATION: _escalation,
}


def _oslo(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


# --- sending ----------------------------------------------------------------------------------


def send_due(
    session: Session,
    config: Config,
    now: datetime | None = None,
    sender: Sender = connect_smtp,
) -> int:
    """Send every due mail; return how many were sent (or logged, with no SMTP host).

    Give it a session of its own: it commits once per mail. A mail the server accepted cannot be
    taken back, so its mark must be durable at once; a failed one leaves nothing marked and is
    tried again on the next run.
    """
    now = now or utcnow()
    return send_notices(session, config, due_notifications(session, now), now, sender)


def send_notices(
    session: Session,
    config: Config,
    notices: Iterable[Notice],
    now: datetime,
    sender: Sender = connect_smtp,
) -> int:
    """Claim, send and commit each notice in turn (see `send_due`)."""
    notices = list(notices)
    if not notices:
        return 0
    client: SmtpClient | None = None
    if config.smtp_host and any(notice.to for notice in notices):
        try:
            client = sender(config.smtp_host, config.smtp_port)
        except OSError as error:
            log.warning("mail server unreachable (%s); %d mail(s) wait", _why(error), len(notices))
            return 0
    sent = 0
    try:
        for notice in notices:
            message = compose(notice, config, now) if notice.to else None
            # The claim comes first and holds the rows until commit: a second worker's claim
            # waits, then finds them marked and sends nothing.
            if not _claim(session, notice, now):
                session.rollback()
                continue
            if message is None:
                log.warning(
                    "service %s has no e-mail address: %s about %d report(s) not sent",
                    notice.service_id, notice.kind, notice.count,
                )
            elif client is None:
                log.info(
                    "no SMTP host: would send %s to service %s about %d report(s)",
                    notice.kind, notice.service_id, notice.count,
                )
            else:
                try:
                    client.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                    # This mail was refused; the server still answers, so try the others.
                    session.rollback()
                    log.warning("mail server refused %s to service %s (%s); will retry",
                                notice.kind, notice.service_id, _why(error))
                    continue
                except OSError as error:
                    session.rollback()
                    log.warning("mail server lost (%s); the rest wait for the next run",
                                _why(error))
                    break
            session.commit()
            sent += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except OSError:
                pass
    return sent


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


def _why(error: BaseException) -> str:
    # The type and SMTP code only: a server's message may echo addresses back.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def housekeeping_task(config: Config) -> Callable[[Session], int]:
    """The worker's periodic task: housekeeping calls each task with a fresh session only."""

    def send_due_notifications(session: Session) -> int:
        # The operators' alerts ride along (the app factory registers this one task); imported
        # here because `routing.alerts` builds on this module's SMTP plumbing.
        from routing import alerts

        try:
            return send_due(session, config)
        finally:
            session.rollback()  # whatever a failure above left open
            alerts.send_pending(session, config)

    return send_due_notifications
