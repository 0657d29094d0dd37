"""Sending the worker's mail, once: to intake teams (`notifications`) and to the operators
(`alerts`). Each mail is claimed in the database first (a conditional UPDATE that marks what
it is about), sent, and only then committed; a mail the server refused, or could not take,
leaves nothing marked and goes in the next run. So two workers send a mail once, and a mail
server that is down delays mail but cannot lose it.

Nothing from a report is ever in a mail or in a log line here: ids, counts and SMTP codes.
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

from sqlalchemy.orm import Session

from config import Config

log = logging.getLogger(__name__)

# Shorter than SQLite's busy timeout: another worker may wait on our claim meanwhile. Every
# read and write on the connection has this limit, so a silent server cannot hold a worker.
SMTP_TIMEOUT_SECONDS = 10
# How often the worker's housekeeping looks for mail to send.
CHECK_EVERY = timedelta(seconds=10)


class SmtpClient(Protocol):
    def send_message(self, msg: EmailMessage) -> object: ...
    def quit(self) -> object: ...


Sender = Callable[[str, int], SmtpClient]


def connect_smtp(host: str, port: int) -> SmtpClient:
    return smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class Letter:
    """One mail to send once. `claim` marks, in the session, what the mail is about, and says
    False if another worker did first. `message` is None when there is nobody to send it to
    (`nobody` says why, in the log). `about` names it in the log: kind, ids and counts."""

    claim: Callable[[Session], bool]
    message: EmailMessage | None
    about: str
    nobody: str = ""


def new_message(config: Config, to: str, subject: str, body: str,
                now: datetime) -> EmailMessage:
    """A plain-text, automatically generated mail from MAIL_FROM."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = config.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=config.mail_from.rpartition("@")[2] or None)
    # RFC 3834: tells mail servers not to answer with vacation notices.
    message["Auto-Submitted"] = "auto-generated"
    # 7-bit safe for any mail server, and still readable.
    message.set_content(body, cte="quoted-printable")
    # Python folds some ASCII subjects of 70-odd characters onto a continuation line, which
    # readers then show with a leading space. Our headers are short: do not fold them at all.
    message.policy = email.policy.SMTP.clone(max_line_length=None)
    return message


def send(session: Session, config: Config, letters: Iterable[Letter],
         sender: Sender = connect_smtp) -> int:
    """Claim, send and commit each letter in turn; return how many were handled (sent, or
    logged because there is nobody to send it to or no SMTP host).

    Give it a session of its own: it commits once per letter. A mail the server accepted cannot
    be taken back, so its mark must be durable at once.
    """
    letters = list(letters)
    if not letters:
        return 0
    client: SmtpClient | None = None
    if config.smtp_host and any(letter.message is not None for letter in letters):
        try:
            client = sender(config.smtp_host, config.smtp_port)
        except OSError as error:  # smtplib's errors are OSErrors too
            log.warning("mail server unreachable (%s); %d mail(s) wait", why(error), len(letters))
            return 0
    handled = 0
    try:
        for letter in letters:
            # The claim comes first and holds the rows until commit: a second worker's claim
            # waits, then finds them marked and sends nothing.
            if not letter.claim(session):
                session.rollback()
                continue
            if letter.message is None:
                log.warning("%s not mailed: %s", letter.about, letter.nobody)
            elif client is None:
                log.info("no SMTP host: %s logged, not mailed", letter.about)
            else:
                try:
                    client.send_message(letter.message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                    # This mail was refused; the server still answers, so try the others.
                    session.rollback()
                    log.warning("mail server refused %s (%s); will retry", letter.about,
                                why(error))
                    continue
                except OSError as error:
                    session.rollback()
                    log.warning("mail server lost (%s); the rest wait for the next run",
                                why(error))
                    break
            session.commit()
            handled += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except OSError:
                pass
    return handled


def why(error: BaseException) -> str:
    # The type and SMTP code only: a server's message may echo addresses back.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__
