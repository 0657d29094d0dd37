"""Signing in to the inbox step by step, as the security tests take it apart: the password
step, the code step, enrolment with a password of one's own, and what a person reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from database import Database
from inbox import totp
from inbox.models import AuditEntry, IntakeUser
from tests.helpers.inbox import PASSWORD, listing
from tests.helpers.wizard import csrf_token

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Oslo
LOCKED_15 = "Too many failed attempts. Try again in 15 minutes."


def words(html: str) -> str:
    """The text a person reads: tags gone (a number in a message is its own dir=ltr island)."""
    return re.sub(r"<[^>]+>", "", html)


def code_at(secret: str, now: datetime, steps: int = 0) -> str:
    return totp.code_for_step(secret.replace(" ", ""), totp.time_step(now.timestamp()) + steps)


def password_step(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/inbox/login?lang=en").get_data(as_text=True)
    return client.post("/inbox/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(page)})


def code_step(client, code: str, path: str = "/inbox/login/code"):  # type: ignore[no-untyped-def]
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"code": code, "csrf_token": csrf_token(page.get_data(
        as_text=True))})


def sign_out(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/inbox/logout", data={"csrf_token": csrf_token(listing(client))})


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/inbox/").status_code == 200


def audit_rows(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        session.expunge_all()
        return list(rows)


def user_id(database: Database, username: str) -> int:
    with database.session() as session:
        return session.scalar(select(IntakeUser.id).where(IntakeUser.username == username))


def enrol(client, code: str, new_password: str | None = None):  # type: ignore[no-untyped-def]
    """The enrolment page's form: the code and, when asked for, a password of one's own."""
    page = client.get("/inbox/login/enrol")
    assert page.status_code == 200, page.status_code
    data = {"code": code, "csrf_token": csrf_token(page.get_data(as_text=True))}
    if new_password is not None:
        data["new_password"] = data["new_password_again"] = new_password
    return client.post("/inbox/login/enrol", data=data)


class Clock:
    """The inbox's clock, standing still at T0 until a test moves it (the `clock` fixture)."""

    now = T0

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)
