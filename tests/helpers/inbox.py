"""The intake teams of a test: Oslo's and Bergen's services with enrolled users, reports
accepted and delivered to them, and signing in as a team member would, through the test
client or over HTTP."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from database import Database
from inbox import totp, views
from inbox.auth import create_user
from inbox.models import AuditEntry, IntakeUser, Role
from routing.acceptance import accept
from routing.delivery import deliver
from routing.models import Envelope
from tests.helpers.services import ServiceUnderTest, add_service
from tests.helpers.wizard import csrf_token

PASSWORD = "a long enough password"
# The authenticator app key of the fixture's users, who set up their app long ago.
TOTP_SECRET = base64.b32encode(b"the fixture users app").decode()
SET_UP_LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)
EMOJI = "😢🧒🏽"


def add_teams(database: Database, key_dir: Path) -> dict[str, ServiceUnderTest]:
    """Oslo's service (0301) with the members "olsen" and "oslo-admin" (an administrator) and
    Bergen's (4601) with "berg", all with PASSWORD and an app set up with TOTP_SECRET."""
    key_dir.mkdir(exist_ok=True)
    found = {"oslo": add_service(database, "oslo", "0301", key_dir=key_dir),
             "bergen": add_service(database, "bergen", "4601", key_dir=key_dir)}
    with database.session() as session:
        for username, service_id in (("olsen", "oslo"), ("berg", "bergen")):
            add_member(session, username, service_id)
        add_member(session, "oslo-admin", "oslo", Role.ADMIN)
    return found


_password_hash: str | None = None  # PASSWORD's hash from the first add_member, reused


def add_member(session: Session, username: str, service_id: str,
               role: Role = Role.MEMBER) -> IntakeUser:
    """A team member with PASSWORD who set up the app long ago (TOTP_SECRET). The first is made
    by the inbox's own create_user; later ones reuse that Argon2id hash, which verifies just
    the same: hashing is slow on purpose (a fifth of a second of CPU), and most inbox tests
    begin with three members."""
    global _password_hash
    if _password_hash is None:
        user = create_user(session, username, PASSWORD, service_id, role)
        _password_hash = user.password_hash
    else:
        user = IntakeUser(username=username, password_hash=_password_hash,
                          service_id=service_id, role=role)
        session.add(user)
        session.flush()
    return enrolled(user)


def enrolled(user: IntakeUser) -> IntakeUser:
    """A user who has set up their authenticator app with TOTP_SECRET (and, then, chosen their
    own password: PASSWORD stands for it)."""
    user.totp_secret = TOTP_SECRET
    user.totp_confirmed_at = SET_UP_LONG_AGO
    user.password_is_initial = False
    return user


def report_document(description: str, **extra: object) -> bytes:
    document = {
        "schema": "concern-report/1",
        "language": "nb",
        "submitted_at": "2025-06-30T22:30:00Z",
        "children": [{"name": f"Aisha Ødegård {EMOJI}", "age": 6}],
        "concern": {"description": description},
        "location": {"municipality_number": "0301"},
        **extra,
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def deliver_report(database: Database, municipality: str, document: bytes,
                   now: datetime | None = None, *, delivered: bool = True) -> Envelope:
    with database.session() as session:
        envelope = accept(session, document, municipality, now=now)
        if delivered:
            deliver(session, envelope.id)
    return envelope


def authenticator_code(database: Database, username: str, now: float | None = None) -> str:
    """The code the user's app shows: for the current time step, or the next one if the
    current one was used (signing in twice within 30 seconds, as tests do)."""
    with database.session() as session:
        user = session.scalar(select(IntakeUser).where(IntakeUser.username == username))
        secret, last = user.totp_secret, user.totp_last_step
    # The inbox's own clock, so the code is right when a test has moved that clock.
    step = totp.time_step(views.clock().timestamp() if now is None else now)
    if last is not None and last >= step:
        step = last + 1
    return totp.code_for_step(secret, step)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Through the test client: the password, then the code its app would show now (setting
    the app up first, with a password of the user's own, if the user has none); the response of
    the last step. A wrong password returns the password step's answer."""
    page = client.get("/inbox/login?lang=en").get_data(as_text=True)
    response = client.post("/inbox/login", data={"username": username, "password": password,
                                                 "csrf_token": csrf_token(page)})
    if response.status_code != 303:
        return response
    second = client.get(response.location).get_data(as_text=True)
    if response.location.endswith("/enrol"):
        secret = shown_secret(second)
        data = {"code": totp.code_for_step(secret, totp.time_step(views.clock().timestamp())),
                "csrf_token": csrf_token(second)}
        if 'name="new_password"' in second:
            data["new_password"] = data["new_password_again"] = own_password(password)
        return client.post(response.location, data=data)
    return client.post(response.location, data={
        "code": authenticator_code(client.application.extensions["database"], username),
        "csrf_token": csrf_token(second)})


def own_password(initial: str) -> str:
    """The password a user chooses at enrolment to replace the one they were given."""
    return f"{initial}, now my own"


def shown_secret(enrol_page: str) -> str:
    """The authenticator key an enrolment page shows, as the app takes it."""
    found = re.search(r'<code dir="ltr" class="secret">([A-Z2-7 ]+)</code>', enrol_page)
    assert found, "the enrolment page shows no key"
    return found.group(1).replace(" ", "")


def sign_in_over_http(base_url: str, username: str, password: str) -> requests.Session:
    """A new user over real HTTP: the password, then setting up the authenticator app with the
    key the page shows and choosing a password of their own (the one they were given works
    this once)."""
    browser = requests.Session()
    page = browser.get(base_url + "/inbox/login", timeout=10)
    response = browser.post(
        base_url + "/inbox/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        timeout=30,
    )
    assert response.url.endswith("/inbox/login/enrol"), "a new user sets up the app first"
    code = totp.code_for_step(shown_secret(response.text), totp.time_step(time.time()))
    response = browser.post(base_url + "/inbox/login/enrol",
                            data={"code": code, "new_password": own_password(password),
                                  "new_password_again": own_password(password),
                                  "csrf_token": csrf_token(response.text)},
                            timeout=30)
    assert response.status_code == 200 and "/inbox/login" not in response.url, "sign-in failed"
    return browser


def listing(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/inbox/")  # the test client checks the page (tests/helpers/pages.py)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def state_shown(html: str, reference: str) -> str:
    row = re.search(rf"<tr>\s*<th scope=\"row\" dir=\"ltr\">{reference}</th>(.*?)</tr>", html, re.S)
    assert row, f"{reference} is not in the list"
    cell = re.search(r'<td class="state-\w+"[^>]*>([^<]*)</td>', row.group(1))
    assert cell
    return cell.group(1).strip()


def audit_actions(database: Database) -> list[tuple[str, int | None, str | None]]:
    with database.session() as session:
        return [(entry.action, entry.user_id, entry.envelope_id)
                for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
