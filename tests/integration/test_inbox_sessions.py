"""Inbox sessions against a determined outsider: a copied cookie, the initial password, a
stranger guessing.

A session lives on the server (inbox/signin.py): a copy of the cookie taken before the session
ended opens nothing afterwards, on any inbox route. The authenticator key shown while enrolling
belongs to the browser session that showed it, and the password somebody else chose works for
one sign-in. Guessing locks out the guesser's client, not the user's.

Time is moved by replacing `inbox.views.clock` (the `clock` fixture).
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select, text

from database import Database
from inbox import second_factor, signin
from inbox.auth import create_user
from inbox.models import AuditEntry, InboxSession, IntakeUser
from routing.models import Envelope, EnvelopeState
from tests.helpers import csrf_token
from tests.helpers.inbox import (
    PASSWORD,
    deliver_report,
    listing,
    own_password,
    report_document,
    shown_secret,
    sign_in,
)
from tests.helpers.signin import (
    LOCKED_15,
    code_at,
    enrol,
    password_step,
    sign_out,
    signed_in,
    user_id,
    words,
)

STRANGER = "203.0.113.66"
USERS_OWN = "198.51.100.10"


def copied_cookie(client) -> str:  # type: ignore[no-untyped-def]
    """The session cookie as someone looking over the browser would copy it."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replayed(app, cookie: str):  # type: ignore[no-untyped-def]
    """Another browser carrying the copied cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def every_inbox_request(app, envelope_id: str, other_user_id: int):  # type: ignore[no-untyped-def]
    """(method, url) for every inbox route but the sign-in page and sign-out."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("inbox.") or rule.endpoint in ("inbox.login",):
            continue
        url = (rule.rule.replace("<envelope_id>", envelope_id)
               .replace("<int:user_id>", str(other_user_id)))
        assert "<" not in url, f"a new route parameter in {rule.rule}: teach this test about it"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def assert_cookie_opens_nothing(app, database: Database, cookie: str, token: str,
                                envelope_id: str) -> None:
    """Every inbox route, with the copied cookie and the page's CSRF token (which the copy
    carries too), answers with the sign-in page; nothing is read, downloaded or changed."""
    olsen = user_id(database, "olsen")
    before = audit_count(database)
    reached = set()
    for endpoint, method, url in every_inbox_request(app, envelope_id, olsen):
        other = replayed(app, cookie)
        response = other.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in (302, 303), (method, url, response.status_code)
        assert response.location.startswith("/inbox/login"), (method, url, response.location)
        assert b"concern-envelope" not in response.data
        reached.add(endpoint)
    assert {"inbox.index", "inbox.download", "inbox.open_report", "inbox.acknowledge",
            "inbox.admin.user_list", "inbox.admin.audit", "inbox.admin.audit_csv",
            "inbox.admin.reset_authenticator", "inbox.admin.deactivate",
            "inbox.admin.end_sessions"} <= reached
    with database.session() as session:
        envelope = session.get(Envelope, envelope_id)
        assert envelope.state == EnvelopeState.DELIVERED and envelope.downloaded_at is None
        assert session.get(IntakeUser, olsen).active and session.get(
            IntakeUser, olsen).totp_secret is not None
    assert audit_count(database) == before, "nothing was done in the copied session's name"


def audit_count(database: Database) -> int:
    with database.session() as session:
        return len(session.scalars(select(AuditEntry.id)).all())


def admin_ends(app, database: Database, action: str) -> None:
    """oslo-admin, in a browser of their own, does `action` to oslo-admin-2."""
    admin = app.test_client()
    assert sign_in(admin, "oslo-admin").status_code == 303
    page = admin.get("/inbox/admin/users").get_data(as_text=True)
    target = user_id(database, "oslo-admin-2")
    response = admin.post(f"/inbox/admin/users/{target}/{action}",
                          data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303


@pytest.fixture
def second_admin(database, services):  # type: ignore[no-untyped-def]
    """An enrolled administrator whose cookie the tests copy (every admin route is theirs)."""
    from inbox.models import Role
    from tests.helpers.inbox import enrolled

    with database.session() as session:
        enrolled(create_user(session, "oslo-admin-2", PASSWORD, "oslo", Role.ADMIN))


@pytest.mark.parametrize("how", ["sign-out", "reset-authenticator", "end-sessions", "deactivate"])
def test_a_cookie_copied_before_the_session_ended_opens_nothing_on_any_inbox_route(
        app, client, database, services, second_admin, how):
    envelope = deliver_report(database, "0301", report_document("Bekymret for nabojenta"))
    assert sign_in(client, "oslo-admin-2").status_code == 303
    token = csrf_token(listing(client))
    cookie = copied_cookie(client)
    assert replayed(app, cookie).get("/inbox/").status_code == 200, "the copy works until then"

    if how == "sign-out":
        response = client.post("/inbox/logout", data={"csrf_token": token})
        assert response.status_code == 303
    else:
        admin_ends(app, database, how)
        assert not signed_in(client), "the user's own browser is signed out too"

    assert_cookie_opens_nothing(app, database, cookie, token, envelope.id)


def test_signing_out_ends_only_that_browsers_session(app, client, database, services):
    other = app.test_client()
    assert sign_in(client, "olsen").status_code == 303
    assert sign_in(other, "olsen").status_code == 303
    sign_out(client)
    assert not signed_in(client) and signed_in(other)


def test_the_cookie_holds_a_token_only_and_the_server_keeps_only_its_hash(app, client, database,
                                                                          services):
    sign_in(client, "olsen")
    data = app.session_interface.get_signing_serializer(app).loads(copied_cookie(client))
    assert set(data) <= {signin.TOKEN_KEY, "lang", "csrf_token"}
    with database.session() as session:
        (row,) = session.scalars(select(InboxSession)).all()
        assert row.token_hash == signin.token_hash(data[signin.TOKEN_KEY])
        assert data[signin.TOKEN_KEY] not in {str(value) for value in (
            row.token_hash, row.user_id, row.stage, row.started_at, row.seen_at)}
    columns = {column.name for column in InboxSession.__table__.columns}
    assert columns == {"id", "token_hash", "user_id", "stage", "started_at", "seen_at",
                       "enrolment_secret"}, "no address, no user agent"


def test_the_server_signs_out_after_30_idle_minutes_and_after_12_hours(app, client, database,
                                                                       services, clock):
    sign_in(client, "olsen")
    cookie = copied_cookie(client)
    clock.move(minutes=29)
    assert signed_in(client), "29 idle minutes must not sign anyone out"
    clock.move(minutes=29)
    assert signed_in(client)

    clock.move(minutes=31)
    # The same cookie: nothing in it changed, the server decides.
    response = replayed(app, cookie).get("/inbox/")
    assert response.status_code == 302 and response.location.startswith("/inbox/login")
    page = replayed(app, cookie).get(response.location + "&lang=en").get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page
    assert not signed_in(client), "the sign-in is gone"
    with database.session() as session:
        assert session.scalars(select(InboxSession)).all() == []

    # Busy all day: a request every 20 minutes, and still out after 12 hours.
    clock.move(seconds=30)
    sign_in(client, "olsen")
    for _ in range(35):  # 11 h 40 min
        clock.move(minutes=20)
        assert signed_in(client)
    clock.move(minutes=20)
    assert not signed_in(client)


def test_an_administrator_sees_a_users_open_sessions_and_signs_them_out_everywhere(
        app, client, database, services, clock):
    first, second = app.test_client(), app.test_client()
    sign_in(first, "olsen")
    clock.move(minutes=5)
    sign_in(second, "olsen")
    clock.move(minutes=2)
    assert signed_in(first)  # last request 10:07 Oslo time

    assert sign_in(client, "oslo-admin").status_code == 303
    page = client.get("/inbox/admin/users").get_data(as_text=True)
    row = re.search(r'<li><span dir="ltr">olsen</span>(.*?)</form>', page, re.S).group(1)
    shown = re.sub(r"<[^>]+>", "", row)
    assert "Since 10.03.2025 10:00, last request 10.03.2025 10:07" in shown
    assert "Since 10.03.2025 10:05, last request 10.03.2025 10:05" in shown
    olsen = user_id(database, "olsen")
    end = f"/inbox/admin/users/{olsen}/end-sessions"
    assert end in row

    assert client.post(end, data={"csrf_token": csrf_token(page)}).status_code == 303
    assert not signed_in(first) and not signed_in(second)
    assert signed_in(client), "the administrator's own session goes on"
    page = client.get("/inbox/admin/users").get_data(as_text=True)
    assert end not in page
    with database.session() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "sessions-ended")).one()
        assert entry.subject_user_id == olsen and entry.user_id == user_id(database, "oslo-admin")


# --- enrolment ---------------------------------------------------------------------------------


def test_a_key_seen_in_another_browser_before_the_user_enrols_is_useless(app, database, services,
                                                                       clock):
    """The outsider knows the initial password and opens the enrolment page first (browser X);
    the user enrols in browser Y. X's key, X's session and the initial password are all spent."""
    with database.session() as session:
        create_user(session, "ny.bruker", PASSWORD, "oslo")
    outsider, user = app.test_client(), app.test_client()

    assert password_step(outsider, "ny.bruker").location == "/inbox/login/enrol"
    outsiders_page = outsider.get("/inbox/login/enrol").get_data(as_text=True)
    outsiders_key = shown_secret(outsiders_page)

    assert password_step(user, "ny.bruker").location == "/inbox/login/enrol"
    users_key = shown_secret(user.get("/inbox/login/enrol").get_data(as_text=True))
    assert users_key != outsiders_key, "each session is shown a key of its own"
    with database.session() as session:
        assert session.scalar(select(IntakeUser.totp_secret).where(
            IntakeUser.username == "ny.bruker")) is None

    # Neither the outsider's cookie nor the database holds the key readably.
    cookie = app.session_interface.get_signing_serializer(app).loads(copied_cookie(outsider))
    assert outsiders_key not in repr(cookie)
    with database.session() as session:
        stored = b"".join(row.enrolment_secret for row in session.scalars(select(InboxSession)))
        assert outsiders_key.encode() not in stored and users_key.encode() not in stored

    assert enrol(user, code_at(users_key, clock.now), own_password(PASSWORD)).status_code == 303
    assert signed_in(user)

    # The outsider's enrolment session is gone: a code from their key goes nowhere.
    late = outsider.post("/inbox/login/enrol", data={
        "code": code_at(outsiders_key, clock.now, steps=1),
        "new_password": "the outsider's choice", "new_password_again": "the outsider's choice",
        "csrf_token": csrf_token(outsiders_page)})
    assert late.status_code == 302 and late.location.startswith("/inbox/login")
    # The initial password no longer signs in, from anywhere.
    clock.move(seconds=30)
    assert password_step(outsider, "ny.bruker").status_code == 401
    # And the outsider's key is not the user's second factor.
    with database.session() as session:
        stored_user = session.scalar(select(IntakeUser).where(IntakeUser.username == "ny.bruker"))
        assert stored_user.totp_secret == users_key
        assert not second_factor.check_code(stored_user, code_at(outsiders_key, clock.now),
                                            clock.now)
        session.rollback()
    shown = [row for row in _audit(database) if row.action == "authenticator-key-shown"]
    assert len(shown) == 2 and {row.user_id for row in shown} == {user_id(database, "ny.bruker")}


def _audit(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        session.expunge_all()
        return list(rows)


def test_after_an_authenticator_reset_the_user_enrols_without_a_new_password(
        app, client, database, services, clock):
    admin_ends_olsen = app.test_client()
    sign_in(admin_ends_olsen, "oslo-admin")
    page = admin_ends_olsen.get("/inbox/admin/users").get_data(as_text=True)
    admin_ends_olsen.post(f"/inbox/admin/users/{user_id(database, 'olsen')}/reset-authenticator",
                          data={"csrf_token": csrf_token(page)})
    assert password_step(client, "olsen").location == "/inbox/login/enrol"
    page = client.get("/inbox/login/enrol").get_data(as_text=True)
    assert 'name="new_password"' not in page, "their password is their own already"
    assert enrol(client, code_at(shown_secret(page), clock.now)).status_code == 303
    assert signed_in(client)


# --- lockout hits the guesser -----------------------------------------------------------------


def from_address(app, address: str):  # type: ignore[no-untyped-def]
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def test_a_stranger_guessing_is_locked_out_while_the_user_signs_in_from_their_own_client(
        app, database, services, clock, caplog):
    caplog.set_level(logging.DEBUG)
    stranger, user = from_address(app, STRANGER), from_address(app, USERS_OWN)
    for attempt in range(5):
        response = password_step(stranger, "olsen", f"guess number {attempt}")
    assert response.status_code == 429 and LOCKED_15 in words(response.get_data(as_text=True))
    assert password_step(stranger, "olsen").status_code == 429, "even the right password"

    assert sign_in(user, "olsen").status_code == 303 and signed_in(user)

    # Wrong codes after a right password count the same way, per client.
    sign_out(user)
    clock.move(seconds=30)
    assert password_step(user, "olsen").status_code == 303
    with database.session() as session:
        locked = session.scalars(select(AuditEntry).where(AuditEntry.action == "locked-out")).all()
        assert [entry.subject_user_id for entry in locked] == [user_id(database, "olsen")]
    # Nothing kept or logged says where anyone was.
    with database.session() as session:
        kept = " ".join(str(row) for row in session.execute(text(
            "SELECT * FROM sign_in_throttle")).all())
    for address in (STRANGER, USERS_OWN):
        assert address not in kept and address not in caplog.text


def test_a_stranger_trying_many_names_meets_the_per_client_limit_alone(app_config, tmp_path,
                                                                       redis_client):
    from app import create_app
    from tests.helpers.inbox import enrolled
    from tests.helpers.services import add_service

    limited = create_app({**app_config, "SIGN_INS_PER_TEN_MINUTES": 4})
    try:
        database = limited.extensions["database"]
        (tmp_path / "keys").mkdir()
        add_service(database, "oslo", "0301", key_dir=tmp_path / "keys")
        with database.session() as session:
            enrolled(create_user(session, "olsen", PASSWORD, "oslo"))
        stranger, user = from_address(limited, STRANGER), from_address(limited, USERS_OWN)
        answers = [password_step(stranger, f"name-{number}", "guess") for number in range(6)]
        assert [answer.status_code for answer in answers] == [401, 401, 401, 401, 429, 429]
        assert "many sign-in attempts from this connection" in words(
            answers[-1].get_data(as_text=True))
        assert sign_in(user, "olsen").status_code == 303 and signed_in(user)
    finally:
        limited.extensions["database"].dispose()


def test_the_pending_session_has_ten_minutes(client, services, clock):
    password_step(client, "olsen")
    clock.move(minutes=9, seconds=59)
    assert client.get("/inbox/login/code").status_code == 200
    clock.move(seconds=1)
    response = client.get("/inbox/login/code")
    assert response.status_code == 302 and response.location.startswith("/inbox/login")


def test_expired_rows_are_cleared_when_someone_signs_in(client, database, services, clock):
    sign_in(client, "olsen")
    clock.move(hours=13)
    other = client.application.test_client()
    sign_in(other, "berg")
    with database.session() as session:
        rows = session.scalars(select(InboxSession)).all()
        assert [row.user_id for row in rows] == [user_id(database, "berg")]
