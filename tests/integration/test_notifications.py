"""E-mail to intake teams through a real SMTP server (aiosmtpd on loopback): one arrival mail per
service with the count, a reminder 24 hours after delivery, an escalation to the fallback contact
after 2 working days, each exactly once, and never a word from a report. Time is passed in."""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from app import create_app
from config import Config
from database import Database
from inbox.envelopes import acknowledge, mark_downloaded
from routing import alerts, mail
from routing.acceptance import REPORT_SCHEMA, accept
from routing.delivery import deliver, mark_failed
from routing.housekeeping import Housekeeping
from routing.models import Envelope, Service
from routing.notifications import due_notifications, send_due, send_notices
from routing.working_days import OSLO
from tests.helpers.environment import TEST_SECRET
from tests.helpers.mail import MailServer
from tests.helpers.services import add_service

OSLO_NUMBER, BERGEN_NUMBER = "0301", "4601"
CANARY = "KANARIFUGL-varsel-5c2a"
CHILD = "Ingrid Kanarifuglsen"
CONCERN = "Hun kommer sulten på skolen hver dag"
BASE_URL = "https://bekymring.example.no"
INBOX_URL = BASE_URL + "/inbox/"
BERGEN_TEAM = "mottak@bergen.example.no"
BERGEN_FALLBACK = "leder@bergen.example.no"
OSLO_TEAM = "mottak@oslo.example.no"


@pytest.fixture
def config(mail_server: MailServer) -> Config:
    return Config.from_mapping(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": mail_server.port,
            "PUBLIC_BASE_URL": BASE_URL,
            "MAIL_FROM": "ikke-svar@bekymring.example.no",
        }
    )


# --- setting the scene ------------------------------------------------------------------------


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)  # type: ignore[misc]


def team(
    db: Database, service_id: str, number: str, town: str, email_: str | None,
    fallback: str | None = None,
) -> None:
    add_service(db, service_id, number)
    with db.session() as session:
        service = session.get(Service, service_id)
        assert service is not None
        service.name = f"Barneverntjenesten i {town}"
        service.email, service.fallback_email = email_, fallback


@pytest.fixture
def bergen(db: Database) -> str:
    team(db, "bergen", BERGEN_NUMBER, "Bergen", BERGEN_TEAM, BERGEN_FALLBACK)
    return "bergen"


@pytest.fixture
def oslo_team(db: Database) -> str:
    team(db, "oslo", OSLO_NUMBER, "Oslo", OSLO_TEAM)
    return "oslo"


def document() -> bytes:
    return json.dumps(
        {
            "schema": REPORT_SCHEMA,
            "children": [{"name": CHILD}],
            "concern": {"description": f"{CONCERN} {CANARY}"},
        },
        ensure_ascii=False,
    ).encode("utf-8")


def arrive(db: Database, number: str, at: datetime, *, delivered: bool = True) -> str:
    """A report accepted (and delivered) at `at`, its plaintext holding the canary."""
    with db.session() as session:
        envelope = accept(session, document(), number, now=at)
        if delivered:
            assert deliver(session, envelope.id, now=at)
        return envelope.id


def run(db: Database, config: Config, now: datetime) -> int:
    """One housekeeping round: a fresh session, as the worker gives each task."""
    with db.session() as session:
        return send_due(session, config, now)


def envelope(db: Database, envelope_id: str) -> Envelope:
    with db.session() as session:
        found = session.get(Envelope, envelope_id)
        assert found is not None
        return found


def download(db: Database, envelope_id: str, at: datetime) -> None:
    with db.session() as session:
        mark_downloaded(session, session.get_one(Envelope, envelope_id), now=at)


def acknowledge_at(db: Database, envelope_id: str, at: datetime) -> None:
    with db.session() as session:
        assert acknowledge(session, session.get_one(Envelope, envelope_id), now=at)


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[no-any-return]


def subjects(messages: list[EmailMessage]) -> list[str]:
    return [str(message["Subject"]) for message in messages]


def escalations(messages: list[EmailMessage]) -> list[EmailMessage]:
    return [m for m in messages if str(m["Subject"]).startswith("Ikke bekreftet mottatt")]


def reminders(messages: list[EmailMessage]) -> list[EmailMessage]:
    return [m for m in messages if str(m["Subject"]).startswith("Påminnelse")]


def assert_nothing_from_the_reports(server: MailServer) -> None:
    assert server.handler.raw, "no mail to check"
    for raw, message in zip(server.handler.raw, server.messages, strict=True):
        text = str(message["Subject"]) + "\n" + body(message)
        for secret in (CANARY, CHILD, CONCERN, "Ingrid", "sulten"):
            assert secret not in text, f"{secret!r} in a mail"
            assert secret.encode() not in raw, f"{secret!r} in a raw mail"


# --- arrival ----------------------------------------------------------------------------------


def test_arrival_mail_goes_once_per_service_with_the_count_and_nothing_from_the_reports(
    db, config, mail_server, bergen, oslo_team
):
    at = oslo(2027, 3, 1, 9, 0)
    to_bergen = [
        arrive(db, BERGEN_NUMBER, at),
        arrive(db, BERGEN_NUMBER, at + timedelta(minutes=3)),
    ]
    to_oslo = arrive(db, OSLO_NUMBER, at)
    on_its_way = arrive(db, BERGEN_NUMBER, at, delivered=False)

    assert run(db, config, at + timedelta(minutes=5)) == 2

    assert_nothing_from_the_reports(mail_server)
    mails = {str(m["To"]): m for m in mail_server.take()}
    assert sorted(mails) == [BERGEN_TEAM, OSLO_TEAM]
    to_team = mails[BERGEN_TEAM]
    assert to_team["Subject"] == "2 nye bekymringsmeldinger til Barneverntjenesten i Bergen"
    assert to_team["From"] == "ikke-svar@bekymring.example.no"
    assert INBOX_URL in body(to_team)
    # The oldest review deadline: a week after the first report, in Oslo time.
    assert "Eldste frist for vurdering: 08.03.2027 kl. 09:00" in body(to_team)
    assert "2 nye bekymringsmeldinger" in body(to_team)
    assert mails[OSLO_TEAM]["Subject"] == "1 ny bekymringsmelding til Barneverntjenesten i Oslo"
    for envelope_id in [*to_bergen, to_oslo]:
        assert envelope(db, envelope_id).notified_at == at + timedelta(minutes=5)
    assert envelope(db, on_its_way).notified_at is None

    assert run(db, config, at + timedelta(minutes=6)) == 0
    assert mail_server.take() == []

    with db.session() as session:
        deliver(session, on_its_way, now=at + timedelta(minutes=7))
    assert run(db, config, at + timedelta(minutes=8)) == 1
    assert subjects(mail_server.take()) == [
        "1 ny bekymringsmelding til Barneverntjenesten i Bergen"
    ]


def test_arrival_mail_says_nothing_about_reports_already_downloaded(
    db, config, mail_server, bergen
):
    at = oslo(2027, 3, 1, 9, 0)
    envelope_id = arrive(db, BERGEN_NUMBER, at)
    download(db, envelope_id, at + timedelta(minutes=1))
    assert run(db, config, at + timedelta(minutes=2)) == 0
    assert mail_server.take() == []


# --- reminder ---------------------------------------------------------------------------------


def test_reminder_24_hours_after_delivery_not_before_not_if_downloaded_and_not_twice(
    db, config, mail_server, bergen
):
    at = oslo(2027, 3, 1, 9, 0)  # a Monday
    unopened = arrive(db, BERGEN_NUMBER, at)
    opened = arrive(db, BERGEN_NUMBER, at)
    run(db, config, at)
    mail_server.take()
    download(db, opened, at + timedelta(hours=2))

    assert run(db, config, at + timedelta(hours=23, minutes=59)) == 0
    assert mail_server.take() == []

    assert run(db, config, at + timedelta(hours=24)) == 1
    [reminder] = mail_server.messages
    assert reminder["To"] == BERGEN_TEAM
    assert reminder["Subject"] == (
        "Påminnelse: 1 bekymringsmelding til Barneverntjenesten i Bergen er ikke lastet ned"
    )
    assert "mer enn 24 timer" in body(reminder) and INBOX_URL in body(reminder)
    assert_nothing_from_the_reports(mail_server)
    mail_server.take()
    assert envelope(db, unopened).reminded_at == at + timedelta(hours=24)
    assert envelope(db, opened).reminded_at is None

    assert run(db, config, at + timedelta(hours=25)) == 0
    assert mail_server.take() == []


# --- escalation -------------------------------------------------------------------------------


def test_escalation_across_a_weekend_goes_to_the_fallback_after_2_working_days_once(
    db, config, mail_server, bergen
):
    friday = oslo(2027, 3, 5, 15, 0)
    late = arrive(db, BERGEN_NUMBER, friday)
    acknowledged = arrive(db, BERGEN_NUMBER, friday)
    run(db, config, friday)
    acknowledge_at(db, acknowledged, oslo(2027, 3, 8, 10, 0))

    # Saturday's reminder aside, nothing escalates until Tuesday is over.
    assert run(db, config, oslo(2027, 3, 6, 16, 0)) == 1
    assert escalations(mail_server.take()) == []
    assert run(db, config, oslo(2027, 3, 9, 23, 59, 59)) == 0
    assert mail_server.take() == []

    assert run(db, config, oslo(2027, 3, 10, 0, 0, 1)) == 1
    [escalation] = mail_server.messages
    assert escalation["To"] == BERGEN_FALLBACK
    assert escalation["Subject"] == (
        "Ikke bekreftet mottatt: 1 bekymringsmelding til Barneverntjenesten i Bergen"
    )
    assert "innen 2 virkedager" in body(escalation)
    assert "reservekontakt" in body(escalation)
    assert INBOX_URL in body(escalation)
    assert_nothing_from_the_reports(mail_server)
    mail_server.take()
    assert envelope(db, late).escalated_at == oslo(2027, 3, 10, 0, 0, 1)
    assert envelope(db, acknowledged).escalated_at is None

    assert run(db, config, oslo(2027, 3, 10, 9, 0)) == 0
    assert mail_server.take() == []


def test_a_downloaded_but_unacknowledged_report_is_escalated_too(db, config, mail_server, bergen):
    friday = oslo(2027, 3, 5, 15, 0)
    envelope_id = arrive(db, BERGEN_NUMBER, friday)
    run(db, config, friday)
    download(db, envelope_id, oslo(2027, 3, 8, 9, 0))
    mail_server.take()
    assert run(db, config, oslo(2027, 3, 10, 8, 0)) == 1
    assert [m["To"] for m in escalations(mail_server.take())] == [BERGEN_FALLBACK]


def test_escalation_across_easter_2027_waits_for_the_holidays(db, config, mail_server, bergen):
    # Wednesday 24 March 2027; Thursday 25, Friday 26 and Monday 29 are holidays, so the two
    # working days are Tuesday 30 and Wednesday 31 March (and summer time begins on the 28th).
    wednesday = oslo(2027, 3, 24, 10, 0)
    envelope_id = arrive(db, BERGEN_NUMBER, wednesday)
    run(db, config, wednesday)
    download(db, envelope_id, oslo(2027, 3, 24, 11, 0))
    mail_server.take()

    for not_yet in (oslo(2027, 3, 26, 23, 0), oslo(2027, 3, 30, 12, 0), oslo(2027, 3, 31, 23, 59)):
        assert run(db, config, not_yet) == 0, not_yet
    assert mail_server.take() == []

    assert run(db, config, oslo(2027, 4, 1, 0, 0, 1)) == 1
    assert [m["To"] for m in escalations(mail_server.take())] == [BERGEN_FALLBACK]


def test_escalation_without_a_fallback_goes_to_the_team_with_a_warning(
    db, config, mail_server, oslo_team, caplog
):
    monday = oslo(2027, 3, 1, 9, 0)
    envelope_id = arrive(db, OSLO_NUMBER, monday)
    download(db, envelope_id, monday + timedelta(hours=1))
    run(db, config, monday)
    mail_server.take()
    with caplog.at_level(logging.WARNING, logger="routing.notifications"):
        assert run(db, config, oslo(2027, 3, 4, 0, 0, 1)) == 1
    [escalation] = escalations(mail_server.take())
    assert escalation["To"] == OSLO_TEAM
    assert "reservekontakt" not in body(escalation)
    assert "no fallback e-mail" in caplog.text


# --- when mail fails ---------------------------------------------------------------------------


def test_when_the_mail_server_is_down_nothing_is_marked_and_the_next_run_sends(
    db, config, mail_server, bergen
):
    at = oslo(2027, 3, 1, 9, 0)
    envelope_id = arrive(db, BERGEN_NUMBER, at)
    mail_server.stop()

    assert run(db, config, at + timedelta(minutes=1)) == 0
    assert envelope(db, envelope_id).notified_at is None

    mail_server.start()
    assert run(db, config, at + timedelta(minutes=2)) == 1
    assert subjects(mail_server.take()) == [
        "1 ny bekymringsmelding til Barneverntjenesten i Bergen"
    ]
    assert envelope(db, envelope_id).notified_at == at + timedelta(minutes=2)
    assert run(db, config, at + timedelta(minutes=3)) == 0


def test_a_mail_server_lost_mid_run_keeps_what_was_sent_and_retries_the_rest(
    db, config, mail_server, bergen, oslo_team
):
    at = oslo(2027, 3, 1, 9, 0)
    to_bergen = arrive(db, BERGEN_NUMBER, at)
    to_oslo = arrive(db, OSLO_NUMBER, at)

    class GoesDownAfterOneMail(smtplib.SMTP):
        def send_message(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            refused = super().send_message(*args, **kwargs)
            mail_server.stop()
            return refused

    def sender(host: str, port: int) -> smtplib.SMTP:
        return GoesDownAfterOneMail(host, port, timeout=5)

    with db.session() as session:
        assert send_due(session, config, at, sender) == 1
    [first] = mail_server.take()
    sent, waiting = (to_bergen, to_oslo) if first["To"] == BERGEN_TEAM else (to_oslo, to_bergen)
    assert envelope(db, sent).notified_at == at
    assert envelope(db, waiting).notified_at is None

    mail_server.start()
    assert run(db, config, at + timedelta(minutes=1)) == 1
    [second] = mail_server.take()
    assert second["To"] != first["To"]
    assert envelope(db, waiting).notified_at == at + timedelta(minutes=1)


def test_a_mail_server_that_never_answers_holds_the_worker_only_until_the_timeout(
    db, bergen, monkeypatch, caplog
):
    """The kernel completes the connection and nobody ever speaks: without a timeout the
    worker's housekeeping would wait for ever, and a stopping worker would leave it behind."""
    monkeypatch.setattr(mail, "SMTP_TIMEOUT_SECONDS", 0.5)
    at = oslo(2027, 3, 1, 9, 0)
    envelope_id = arrive(db, BERGEN_NUMBER, at)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        config = Config.from_mapping({"SMTP_HOST": "127.0.0.1",
                                      "SMTP_PORT": silent.getsockname()[1]})
        sent: list[int] = []

        def housekeeping() -> None:
            with db.session() as session:
                sent.append(send_due(session, config, at))

        thread = threading.Thread(target=housekeeping, daemon=True)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="routing.mail"):
            thread.start()
            thread.join(10)
        took = time.monotonic() - started
    assert not thread.is_alive(), "still waiting for a mail server that never answers"
    assert sent == [0] and took < 5
    assert "mail server unreachable (SMTPServerDisconnected); 1 mail(s) wait" in caplog.text
    assert envelope(db, envelope_id).notified_at is None, "it waits for the next run"


def test_a_refused_recipient_is_retried_and_does_not_hold_back_the_others(
    db, config, mail_server, bergen, oslo_team
):
    at = oslo(2027, 3, 1, 9, 0)
    to_bergen = arrive(db, BERGEN_NUMBER, at)
    to_oslo = arrive(db, OSLO_NUMBER, at)
    mail_server.handler.refuse.add(BERGEN_TEAM)

    assert run(db, config, at) == 1
    assert [m["To"] for m in mail_server.take()] == [OSLO_TEAM]
    assert envelope(db, to_bergen).notified_at is None
    assert envelope(db, to_oslo).notified_at == at

    mail_server.handler.refuse.clear()
    assert run(db, config, at + timedelta(minutes=1)) == 1
    assert [m["To"] for m in mail_server.take()] == [BERGEN_TEAM]


def test_two_workers_deciding_at_the_same_time_send_once(db, config, mail_server, bergen):
    at = oslo(2027, 3, 1, 9, 0)
    arrive(db, BERGEN_NUMBER, at)
    with db.session() as late_worker:
        decided = due_notifications(late_worker, at)
        assert len(decided) == 1
        late_worker.rollback()
        assert run(db, config, at) == 1  # the other worker is faster
        assert send_notices(late_worker, config, decided, at) == 0
    assert len(mail_server.take()) == 1


def test_without_an_smtp_host_each_mail_is_one_log_line_without_content_and_marked(
    db, mail_server, bergen, oslo_team, caplog
):
    at = oslo(2027, 3, 1, 9, 0)
    envelope_id = arrive(db, BERGEN_NUMBER, at)
    arrive(db, OSLO_NUMBER, at)
    logged = Config.from_mapping({"PUBLIC_BASE_URL": BASE_URL})
    with caplog.at_level(logging.INFO, logger="routing.mail"):
        assert run(db, logged, at) == 2
        assert run(db, logged, at + timedelta(minutes=1)) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "routing.mail"]
    assert len(lines) == 2 and all("no SMTP host" in line for line in lines)
    for secret in (CANARY, CHILD, CONCERN):
        assert secret not in caplog.text
    assert envelope(db, envelope_id).notified_at == at
    assert mail_server.take() == []


def test_a_service_without_any_address_is_logged_once_not_mailed(db, config, mail_server, caplog):
    team(db, "tromso", "5501", "Tromsø", None)
    at = oslo(2027, 3, 1, 9, 0)
    envelope_id = arrive(db, "5501", at)
    with caplog.at_level(logging.WARNING, logger="routing.mail"):
        assert run(db, config, at) == 1
        assert run(db, config, at + timedelta(minutes=1)) == 0
    assert caplog.text.count("no e-mail address") == 1
    assert envelope(db, envelope_id).notified_at == at
    assert mail_server.take() == []


# --- wiring ------------------------------------------------------------------------------------


def housekeeping_round(db: Database, mail_server: MailServer, tmp_path: Path,
                       **settings: str) -> None:
    """One round of the worker's housekeeping (every task is due in the first), with the tasks
    the app factory registers."""
    app = create_app({"SECRET_KEY": TEST_SECRET, "VAR_DIR": tmp_path / "var",
                      "DATABASE_URL": db.url, "SMTP_HOST": "127.0.0.1",
                      "SMTP_PORT": mail_server.port, **settings})
    try:
        Housekeeping(db, app.extensions["housekeeping"]).run_due()
    finally:
        app.extensions["database"].dispose()


def test_the_workers_housekeeping_sends_the_arrival_mail(db, mail_server, bergen, tmp_path):
    envelope_id = arrive(db, BERGEN_NUMBER, datetime.now(UTC))
    housekeeping_round(db, mail_server, tmp_path, PUBLIC_BASE_URL=BASE_URL)
    assert subjects(mail_server.take()) == [
        "1 ny bekymringsmelding til Barneverntjenesten i Bergen"
    ]
    assert envelope(db, envelope_id).notified_at is not None


def test_the_workers_housekeeping_mails_the_operators_about_a_failed_delivery(
    db, mail_server, bergen, tmp_path
):
    envelope_id = fail(db, BERGEN_NUMBER, datetime.now(UTC))
    housekeeping_round(db, mail_server, tmp_path, OPERATOR_ALERT_EMAIL="drift@bekymring.example.no")
    assert_nothing_from_the_reports(mail_server)
    mails = {str(m["To"]): m for m in mail_server.take()}
    assert sorted(mails) == ["drift@bekymring.example.no", BERGEN_TEAM]
    assert envelope_id in body(mails["drift@bekymring.example.no"])


# --- failed deliveries are in the inbox, and the team hears of them ------------------------------


def fail(db: Database, number: str, at: datetime) -> str:
    """A report accepted at `at` whose inbox delivery ran out of tries at once."""
    with db.session() as session:
        envelope = accept(session, document(), number, now=at)
        assert mark_failed(session, envelope.id, now=at) == envelope.service_id
        alerts.envelope_failed(session, envelope.id, envelope.service_id, "inbox delivery failed")
        return envelope.id


def test_a_report_whose_delivery_failed_is_announced_reminded_and_escalated_like_any_other(
    db, config, mail_server, bergen
):
    at = oslo(2027, 3, 1, 9, 0)  # a Monday
    envelope_id = fail(db, BERGEN_NUMBER, at)

    assert run(db, config, at + timedelta(minutes=1)) == 1
    assert subjects(mail_server.take()) == [
        "1 ny bekymringsmelding til Barneverntjenesten i Bergen"]
    assert run(db, config, at + timedelta(hours=24, minutes=1)) == 1
    assert [str(m["To"]) for m in reminders(mail_server.take())] == [BERGEN_TEAM]
    assert run(db, config, oslo(2027, 3, 4, 0, 0, 1)) == 1  # Wednesday is over
    assert [str(m["To"]) for m in escalations(mail_server.take())] == [BERGEN_FALLBACK]
    assert envelope(db, envelope_id).state == "failed"


# --- feedback to reporters ---------------------------------------------------------------------


def professional(db: Database, envelope_id: str) -> None:
    with db.session() as session:
        session.get_one(Envelope, envelope_id).reporter_has_duty = True


def test_feedback_deadlines_within_five_working_days_are_mailed_once_and_named_when_passed(
    db, config, mail_server, bergen
):
    monday = oslo(2027, 3, 1, 9, 0)  # feedback due by the end of Monday 22 March
    waiting = arrive(db, BERGEN_NUMBER, monday)
    professional(db, waiting)
    told = arrive(db, BERGEN_NUMBER, monday)  # a private reporter's: receipt only
    assert run(db, config, monday + timedelta(minutes=5)) == 1  # the arrival mail
    mail_server.take()
    acknowledge_at(db, waiting, oslo(2027, 3, 2, 8, 0))
    acknowledge_at(db, told, oslo(2027, 3, 2, 8, 0))

    # Friday 12 March: the deadline is six working days away.
    assert run(db, config, oslo(2027, 3, 12, 10, 0)) == 0
    assert mail_server.take() == []

    assert run(db, config, oslo(2027, 3, 15, 8, 0)) == 1
    [reminder] = mail_server.take()
    assert reminder["To"] == BERGEN_TEAM
    assert reminder["Subject"] == (
        "Frist for tilbakemelding til melder nærmer seg: Barneverntjenesten i Bergen")
    text = body(reminder)
    assert "- frist innen 5 virkedager: 1" in text and "- frist passert: 0" in text
    assert "- tidligste frist: 22.03.2027 kl. 23:59" in text
    assert INBOX_URL in text
    assert envelope(db, waiting).feedback_reminded_at == oslo(2027, 3, 15, 8, 0)
    assert envelope(db, told).feedback_reminded_at is None
    assert run(db, config, oslo(2027, 3, 16, 8, 0)) == 0

    # Once passed, every mail the team gets names it.
    arrive(db, BERGEN_NUMBER, oslo(2027, 3, 23, 9, 0))
    assert run(db, config, oslo(2027, 3, 23, 9, 5)) == 1
    [arrival] = mail_server.messages
    assert "1 ny bekymringsmelding" in str(arrival["Subject"])
    assert "- frist passert: 1" in body(arrival)
    assert_nothing_from_the_reports(mail_server)


def test_a_service_whose_case_system_gives_feedback_gets_no_feedback_reminder(
    db, config, mail_server, bergen
):
    with db.session() as session:
        session.get_one(Service, "bergen").handles_feedback = True
    waiting = arrive(db, BERGEN_NUMBER, oslo(2027, 3, 1, 9, 0))
    professional(db, waiting)
    acknowledge_at(db, waiting, oslo(2027, 3, 1, 9, 1))
    assert run(db, config, oslo(2027, 3, 30, 8, 0)) == 0
    assert mail_server.take() == []


def test_feedback_is_overdue_from_the_first_moment_after_the_norwegian_deadline_day(db, bergen):
    from routing import feedback

    # 23:30 on 10 March 2027 in Oslo, before summer time: due by the end of 31 March (CEST).
    arrive(db, BERGEN_NUMBER, oslo(2027, 3, 10, 23, 30))
    with db.session() as session:
        assert feedback.count_overdue(session, oslo(2027, 3, 31, 23, 59, 59)) == 0
        assert feedback.count_overdue(session, oslo(2027, 4, 1, 0, 0, 1)) == 1
