"""Alerts to the operators, who run the site (not the intake teams, whom `notifications` tells):
an envelope whose delivery failed after the last try, and a service that cannot receive because
it has no key in force.

Each alert is logged at once (log.error) and written to the `operator_alerts` outbox in the
caller's transaction; the worker's housekeeping mails what is unsent to OPERATOR_ALERT_EMAIL,
one mail per run, and marks it sent only once the mail server has accepted it. Ids, states,
channels and HTTP statuses only: nothing from a report, not even its reference (which the
reporter holds), and no push URL (it may carry a credential).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import Config
from database import insert_unless_present, utcnow
from routing import mail
from routing.housekeeping import Task
from routing.models import OperatorAlert, Service

log = logging.getLogger(__name__)

ENVELOPE_FAILED = "envelope-failed"
NO_KEY = "no-key"
# A service without a key is found by every reporter who chooses one of its municipalities;
# an hour between mails keeps the operators told without burying them.
NO_KEY_EVERY = timedelta(hours=1)
# One mail per housekeeping run; during a long outage the rest follow in the next runs.
MAX_PER_MAIL = 200


def envelope_failed(
    session: Session,
    envelope_id: str,
    service_id: str,
    detail: str,
    now: datetime | None = None,
) -> bool:
    """Alert the operators that an envelope's delivery failed after the last try. Logged every
    time; mailed once per envelope, ever (a second failure after a retry is in the log and in
    `flask routing status`). True if this call raised the alert. The caller commits."""
    log.error(
        "envelope %s of service %s failed: %s; it stays in the inbox", envelope_id, service_id,
        detail,
    )
    return _raise_once(session, ENVELOPE_FAILED, envelope_id, service_id, detail, now or utcnow())


def alert_no_key(session: Session, service_id: str, now: datetime | None = None) -> bool:
    """Alert the operators that a service has no key in force, so reports for its
    municipalities cannot be sealed and the reporter is shown its phone number instead.

    For the wizard to call whenever it finds a service in that state; the alert is mailed at
    most once an hour per service, however many reporters meet it. True if this call raised
    one. The caller commits (after a rollback too: this is a fresh write of its own).
    """
    now = now or utcnow()
    if session.get(Service, service_id) is None:
        return False
    # One row per service, raised again once an hour has passed: a conditional UPDATE, so two
    # requests at the same moment cannot both raise it.
    again = session.execute(
        update(OperatorAlert)
        .where(
            OperatorAlert.kind == NO_KEY,
            OperatorAlert.subject == service_id,
            OperatorAlert.raised_at <= now - NO_KEY_EVERY,
        )
        .values(raised_at=now, sent_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    raised = bool(again) or _raise_once(
        session, NO_KEY, service_id, service_id, "no key in force", now
    )
    if raised:
        log.error(
            "service %s has no key in force: reports for it cannot be sealed (register one with "
            "`flask keys register`)", service_id,
        )
    return raised


def _raise_once(
    session: Session, kind: str, subject: str, service_id: str, detail: str, now: datetime
) -> bool:
    # Once per kind and subject, with no savepoint: a wizard step raises it without a transaction.
    raise_ = _RAISE[session.get_bind().dialect.name]
    values = {"kind": kind, "subject": subject, "service_id": service_id,
              "detail": detail[:200], "raised_at": now}
    return session.connection().execute(raise_, values).first() is not None


_RAISE = insert_unless_present(OperatorAlert.__table__, ["kind", "subject"],
                               OperatorAlert.__table__.c.id)


def unsent(session: Session, limit: int = MAX_PER_MAIL) -> list[OperatorAlert]:
    return list(
        session.scalars(
            select(OperatorAlert)
            .where(OperatorAlert.sent_at.is_(None))
            .order_by(OperatorAlert.raised_at, OperatorAlert.id)
            .limit(limit)
        )
    )


def compose(alerts: Sequence[OperatorAlert], config: Config, now: datetime) -> EmailMessage:
    """One plain-text mail in English (the operators' CLI and logs are English), listing each
    alert with what to do about it."""
    failed = [alert for alert in alerts if alert.kind == ENVELOPE_FAILED]
    keyless = [alert for alert in alerts if alert.kind == NO_KEY]
    parts = []
    if failed:
        parts.append(f"{len(failed)} failed deliver{'y' if len(failed) == 1 else 'ies'}")
    if keyless:
        parts.append(f"{len(keyless)} service{'' if len(keyless) == 1 else 's'} without a key")
    lines: list[str] = []
    if failed:
        lines += [
            "Deliveries that failed after the last try. Each envelope stays in its service's "
            "inbox, where the team can still download and acknowledge it:",
            "",
            *(f"- envelope {a.subject}, service {a.service_id}: {a.detail} "
              f"({_when(a.raised_at)})" for a in failed),
            "",
            "Once the cause is fixed: `flask routing push-retry ENVELOPE_ID` (or --all-failed) for "
            "a push, `flask routing redeliver ENVELOPE_ID` (or --all-failed) for the inbox.",
            "",
        ]
    if keyless:
        lines += [
            "Services that cannot receive reports because they have no key in force; reporters "
            "are shown the service's phone number instead:",
            "",
            *(f"- service {a.service_id} ({_when(a.raised_at)})" for a in keyless),
            "",
            "Register a key: `flask keys register SERVICE_ID PUBLIC_KEY` (the team makes it "
            "with `flask keys generate` on their own machine).",
            "",
        ]
    lines += ["`flask routing status` shows every service's envelopes and channels.",
              "No report content is ever included in this mail."]
    return mail.new_message(config, config.operator_alert_email,
                            "Concern reports: " + " and ".join(parts), "\n".join(lines) + "\n",
                            now)


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def send_pending(
    session: Session,
    config: Config,
    now: datetime | None = None,
    sender: mail.Sender = mail.connect_smtp,
) -> int:
    """Mail every unsent alert (up to MAX_PER_MAIL) in one message; return how many it covered.

    Claimed and committed as `mail.send` does, so two workers send it once, and a mail server
    that is down leaves everything unsent for the next run. Without OPERATOR_ALERT_EMAIL or an
    SMTP host the alerts were logged when raised, and are marked handled here so they are not
    logged again every run.
    """
    now = now or utcnow()
    alerts = unsent(session)
    if not alerts:
        return 0
    ids = [alert.id for alert in alerts]

    def claim(session: Session) -> bool:
        claimed = session.execute(
            update(OperatorAlert)
            .where(OperatorAlert.id.in_(ids), OperatorAlert.sent_at.is_(None))
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        return bool(claimed == len(ids))  # else another worker is sending them

    letter = mail.Letter(
        claim=claim,
        message=compose(alerts, config, now) if config.operator_alert_email else None,
        about=f"{len(ids)} operator alert(s)",
        nobody="OPERATOR_ALERT_EMAIL is not set",
    )
    return len(ids) if mail.send(session, config, [letter], sender) else 0


def housekeeping_task(config: Config) -> Task:
    """The worker's periodic task: the operators' alerts that are not yet mailed."""

    def send_pending_alerts(session: Session) -> int:
        return send_pending(session, config)

    return Task("operator alerts", mail.CHECK_EVERY, send_pending_alerts)
