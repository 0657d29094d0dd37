"""The inbox's defences and its administrators, as the team meets them: the authenticator app
(setting it up at the first sign-in, the code after the password, a code used once only), the
lockout after repeated failures, the service administrator's users page and audit log, and the
list's due dates and filters.

Time is moved by replacing `inbox.views.clock`, or by passing `now` to the plain functions.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from inbox import envelopes, lockout, second_factor, totp
from inbox.auth import create_user
from inbox.models import IntakeUser, Role
from routing.models import Envelope
from tests.helpers import csrf_token
from tests.helpers.inbox import (
    PASSWORD,
    TOTP_SECRET,
    audit_actions,
    deliver_report,
    listing,
    own_password,
    report_document,
    shown_secret,
    sign_in,
)
from tests.helpers.pages import check_page
from tests.helpers.qr import drawn_modules, qr_modules
from tests.helpers.signin import (
    LOCKED_15,
    T0,
    audit_rows,
    code_at,
    code_step,
    enrol,
    password_step,
    sign_out,
    signed_in,
    user_id,
    words,
)

# --- the authenticator app -----------------------------------------------------------------------


def test_a_new_user_sets_up_the_app_at_the_first_sign_in_and_gives_a_code_after(client, database,
                                                                                services, clock):
    with database.session() as session:
        create_user(session, "ny.bruker", PASSWORD, "oslo")
    response = password_step(client, "ny.bruker")
    assert response.status_code == 303 and response.location == "/inbox/login/enrol"
    assert not signed_in(client), "a password alone signs nobody in"
    first = client.get("/inbox/login/enrol").get_data(as_text=True)
    page = client.get("/inbox/login/enrol").get_data(as_text=True)
    check_page(page)
    secret = shown_secret(page)
    assert shown_secret(first) == secret, "a reload shows the same key"
    with database.session() as session:
        stored = session.scalar(select(IntakeUser).where(IntakeUser.username == "ny.bruker"))
        assert stored.totp_secret is None, "a key shown is not the user's until confirmed"
    assert "otpauth://totp/" in page and "secret=" + secret in page
    assert 'type="password" autocomplete="new-password"' in page

    done = enrol(client, code_at(secret, clock.now), own_password(PASSWORD))
    assert done.status_code == 303 and done.location == "/inbox/"
    assert "ny.bruker · Barneverntjenesten oslo" in listing(client)
    assert [action for action, _, _ in audit_actions(database)] == [
        "authenticator-key-shown", "authenticator-enrolled", "password-changed", "sign-in"]
    with database.session() as session:
        stored = session.scalar(select(IntakeUser).where(IntakeUser.username == "ny.bruker"))
        assert stored.totp_secret == secret and not stored.password_is_initial

    sign_out(client)
    clock.move(seconds=30)
    assert password_step(client, "ny.bruker").status_code == 401, "the given password is spent"
    again = password_step(client, "ny.bruker", own_password(PASSWORD))
    assert again.location == "/inbox/login/code", "the app is set up: only the code is asked"
    page = client.get("/inbox/login/code").get_data(as_text=True)
    check_page(page)
    assert "secret" not in page, "the key is never shown again"
    assert code_step(client, code_at(secret, clock.now)).status_code == 303
    assert signed_in(client)


def test_enrolling_refuses_a_new_password_that_is_short_repeated_wrong_or_the_old_one(
        client, database, services, clock):
    with database.session() as session:
        create_user(session, "ny.bruker", PASSWORD, "oslo")
    password_step(client, "ny.bruker")
    page = client.get("/inbox/login/enrol").get_data(as_text=True)
    secret = shown_secret(page)
    for new, again, message in [
        ("", "", "Enter a new password"),
        ("kort", "kort", "Use at least 12 characters"),
        ("a long new password", "another long one", "The two passwords are not the same"),
        (PASSWORD, PASSWORD, "Choose a password other than the one you were given"),
    ]:
        response = client.post("/inbox/login/enrol", data={
            "code": code_at(secret, clock.now), "new_password": new, "new_password_again": again,
            "csrf_token": csrf_token(page)})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in words(html), (new, again)
        check_page(html)
        assert not new or f'value="{new}"' not in html, "a password never comes back"
    # None of those used up the code: it still enrols, with a good password.
    assert enrol(client, code_at(secret, clock.now), own_password(PASSWORD)).status_code == 303


def test_the_enrolment_page_draws_the_set_up_link_as_a_qr_code_and_writes_the_key_out(
        client, database, services, clock):
    with database.session() as session:
        create_user(session, "kari.nordmann", PASSWORD, "oslo")
    password_step(client, "kari.nordmann")
    page = client.get("/inbox/login/enrol").get_data(as_text=True)
    check_page(page)  # among other things: no style attribute the CSP would block
    secret = shown_secret(page)
    link = totp.provisioning_uri(secret, "kari.nordmann", second_factor.ISSUER)
    # Every picture but the header's globe (the language menu's sign).
    pictures = re.findall(r'<svg\b(?![^>]*class="globe").*?</svg>', page, re.S)
    assert len(pictures) == 1
    assert drawn_modules(pictures[0]) in qr_modules(link), "the QR code holds the set-up link"
    assert 'role="img"' in pictures[0] and "<title>QR code with the set-up link" in pictures[0]
    # For an app that cannot scan and a person who cannot: the key and the link, as text.
    shown_key = re.search(r'<code dir="ltr" class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert shown_key.replace(" ", "") == secret
    assert f'href="{link.replace("&", "&amp;")}"' in page


def test_a_wrong_code_signs_nobody_in_and_says_so(client, database, services, clock):
    assert password_step(client, "olsen").status_code == 303
    wrong = code_at(TOTP_SECRET, clock.now, steps=5)
    response = code_step(client, wrong)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    check_page(html)
    assert "The code is wrong or has been used. Wait for a new one." in html
    assert not signed_in(client)
    assert ("sign-in-code-failed", user_id(database, "olsen"), None) in audit_actions(database)
    # The password is still good for this attempt: the right code now goes through.
    assert code_step(client, code_at(TOTP_SECRET, clock.now)).status_code == 303


def test_a_used_code_is_refused_even_within_its_30_seconds(client, database, services, clock):
    code = code_at(TOTP_SECRET, clock.now)
    password_step(client, "olsen")
    assert code_step(client, code).status_code == 303
    sign_out(client)

    clock.move(seconds=10)
    password_step(client, "olsen")
    replayed = code_step(client, code)
    assert replayed.status_code == 401 and not signed_in(client)
    # The previous step's code is older than the used one: refused as well.
    assert code_step(client, code_at(TOTP_SECRET, clock.now, steps=-1)).status_code == 401
    assert code_step(client, code_at(TOTP_SECRET, clock.now, steps=1)).status_code == 303


def test_the_code_page_forgets_a_password_after_ten_minutes(client, services, clock):
    password_step(client, "olsen")
    clock.move(minutes=10)
    response = client.get("/inbox/login/code")
    assert response.status_code == 302 and response.location.startswith("/inbox/login")


# --- lockout -------------------------------------------------------------------------------------


def test_five_failures_lock_the_name_for_15_minutes_with_a_message_and_an_audit_row(
        client, database, services, clock):
    for attempt in range(4):
        assert password_step(client, "olsen", f"wrong password {attempt}").status_code == 401
    fifth = password_step(client, "olsen", "wrong password 5")
    html = fifth.get_data(as_text=True)
    assert fifth.status_code == 429
    check_page(html)
    assert LOCKED_15 in words(html)

    clock.move(minutes=5)
    right = password_step(client, "olsen")
    assert right.status_code == 429 and "Try again in 10 minutes." in words(
        right.get_data(as_text=True))
    assert not signed_in(client)

    locked = [row for row in audit_rows(database) if row.action == "locked-out"]
    assert len(locked) == 1
    assert locked[0].subject_user_id == user_id(database, "olsen")
    assert locked[0].service_id == "oslo" and locked[0].envelope_id is None
    assert "sign-in-while-locked" in [row.action for row in audit_rows(database)]

    clock.move(minutes=10)  # 15 minutes after the fifth failure
    assert sign_in(client, "olsen").status_code == 303 and signed_in(client)


def test_an_unknown_username_is_locked_with_the_same_message(client, database, services, clock):
    def summary(html: str) -> str:
        return re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)

    for _ in range(5):
        known = password_step(client, "olsen", "wrong password here")
        unknown = password_step(client, "nobody-here", "wrong password here")
    assert known.status_code == unknown.status_code == 429
    assert summary(known.get_data(as_text=True)) == summary(unknown.get_data(as_text=True))
    assert LOCKED_15 in words(unknown.get_data(as_text=True))
    # A lock is on the name: another user of the service is not affected.
    assert sign_in(client, "oslo-admin").status_code == 303


def test_wrong_codes_count_toward_the_lockout(client, database, services, clock):
    password_step(client, "olsen")
    for _ in range(4):
        assert code_step(client, "000000").status_code == 401
    fifth = code_step(client, "000000")
    assert fifth.status_code == 429 and LOCKED_15 in words(fifth.get_data(as_text=True))
    # The half-finished sign-in is gone, and the right password does not help for now.
    assert client.get("/inbox/login/code").status_code == 302
    assert password_step(client, "olsen").status_code == 429


def test_the_lockout_rules_as_plain_functions(database):
    digest = lockout.attempt_digest("key", "olsen", "client")
    assert digest != lockout.attempt_digest("other key", "olsen", "client")
    assert digest != lockout.attempt_digest("key", "olsen", "another client")
    assert "olsen" not in digest
    with database.session() as session:
        for minute in range(4):
            assert not lockout.record_failure(session, digest, T0 + timedelta(minutes=minute))
        assert lockout.locked_until(session, digest, T0 + timedelta(minutes=4)) is None
        # Failures spread over more than 15 minutes start a new count.
        assert not lockout.record_failure(session, digest, T0 + timedelta(minutes=15))
        for minute in range(16, 19):
            assert not lockout.record_failure(session, digest, T0 + timedelta(minutes=minute))
        locked_at = T0 + timedelta(minutes=19)
        assert lockout.record_failure(session, digest, locked_at)
        until = lockout.locked_until(session, digest, locked_at)
        assert until == locked_at + timedelta(minutes=15)
        assert lockout.minutes_left(until, locked_at + timedelta(seconds=61)) == 14
        assert lockout.locked_until(session, digest, until - timedelta(seconds=1)) == until
        assert lockout.locked_until(session, digest, until) is None
        # After the lock, one failure is one failure again.
        assert not lockout.record_failure(session, digest, until)
        lockout.clear(session, digest)
        assert lockout.locked_until(session, digest, until) is None


# --- the service administrator ------------------------------------------------------------------


def users_page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/inbox/admin/users")
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    check_page(html)
    return html


def add_member(client, username: str):  # type: ignore[no-untyped-def]
    return client.post("/inbox/admin/users", data={"username": username,
                                                   "csrf_token": csrf_token(users_page(client))})


def test_an_administrator_adds_a_member_who_signs_in_with_the_password_shown_once(
        app, client, database, services):
    sign_in(client, "oslo-admin")
    listed = users_page(client)
    assert "olsen" in listed and "berg" not in listed, "only the own service's users"

    response = add_member(client, "Kari.Nordmann")
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    check_page(html)
    password = re.search(r'<code dir="ltr" class="secret">([^<]+)</code>', html).group(1)
    assert "kari.nordmann" in html and "shown only once" in html
    assert password not in users_page(client), "the password is shown once"
    with database.session() as session:
        kari = session.scalar(select(IntakeUser).where(IntakeUser.username == "kari.nordmann"))
        assert kari.service_id == "oslo" and kari.role == Role.MEMBER
        assert password not in kari.password_hash
    rows = [(row.action, row.user_id, row.subject_user_id) for row in audit_rows(database)]
    assert ("user-added", user_id(database, "oslo-admin"), kari.id) in rows

    taken = add_member(client, "berg")
    assert taken.status_code == 422 and "That username is taken" in taken.get_data(as_text=True)
    invalid = add_member(client, "../root")
    assert invalid.status_code == 422

    sign_out(client)
    first = password_step(client.application.test_client(), "kari.nordmann", password)
    assert first.status_code == 303 and first.location == "/inbox/login/enrol"


def test_a_member_gets_404_on_the_users_page(client, services):
    sign_in(client, "olsen")
    assert client.get("/inbox/admin/users").status_code == 404
    assert client.get("/inbox/admin/audit").status_code == 404


def test_resetting_the_app_makes_the_user_set_it_up_again(client, database, services):
    olsen = user_id(database, "olsen")
    sign_in(client, "oslo-admin")
    response = client.post(f"/inbox/admin/users/{olsen}/reset-authenticator",
                           data={"csrf_token": csrf_token(users_page(client))})
    assert response.status_code == 303
    sign_out(client)
    assert password_step(client, "olsen").location == "/inbox/login/enrol"
    assert ("authenticator-reset", user_id(database, "oslo-admin"), None) in audit_actions(database)


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(app, client, database, services):
    olsen_client = app.test_client()
    sign_in(olsen_client, "olsen")
    assert signed_in(olsen_client)

    sign_in(client, "oslo-admin")
    html = users_page(client)
    own = user_id(database, "oslo-admin")
    assert f"/inbox/admin/users/{own}/deactivate" not in html, "no way to lock oneself out"
    olsen = user_id(database, "olsen")
    client.post(f"/inbox/admin/users/{olsen}/deactivate", data={"csrf_token": csrf_token(html)})

    assert not signed_in(olsen_client)
    again = password_step(olsen_client, "olsen")
    assert again.status_code == 401
    assert "The username or password is wrong" in again.get_data(as_text=True)
    assert "Deactivated" in users_page(client)


# --- the audit log -------------------------------------------------------------------------------


def test_the_audit_log_and_its_csv_hold_only_the_own_services_rows_and_no_content(
        client, database, services):
    secret_words = "Hemmelig innhold om barnet"
    oslo = deliver_report(database, "0301", report_document(secret_words))
    bergen = deliver_report(database, "4601", report_document(secret_words))
    sign_in(client, "berg")
    client.get(f"/inbox/envelopes/{bergen.id}/download")
    sign_out(client)
    sign_in(client, "olsen")
    client.get(f"/inbox/envelopes/{oslo.id}/download")
    sign_out(client)

    sign_in(client, "oslo-admin")
    page = client.get("/inbox/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    check_page(html)
    assert oslo.reference in html and "olsen" in html
    assert bergen.reference not in html and "berg<" not in html and ">berg" not in html

    export = client.get("/inbox/admin/audit.csv")
    assert export.status_code == 200
    assert export.mimetype == "text/csv" and export.mimetype_params["charset"] == "utf-8"
    text = export.data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["time_utc", "user", "action", "subject_user", "report_reference",
                       "envelope_id"]
    body = rows[1:]
    assert {row[1] for row in body} <= {"olsen", "oslo-admin"}
    assert ["olsen", "download", "", oslo.reference, oslo.id] in [row[1:] for row in body]
    assert bergen.id not in text and bergen.reference not in text and "berg," not in text
    assert secret_words not in text and "Aisha" not in text
    with database.session() as session:
        assert session.get(Envelope, oslo.id).sealed not in export.data


# --- the list: due dates and filters -------------------------------------------------------------


def due_cell(html: str, reference: str) -> str:
    row = re.search(rf'<th scope="row" dir="ltr">{reference}</th>(.*?)</tr>', html, re.S)
    assert row, f"{reference} is not in the list"
    return re.findall(r"<td[^>]*>.*?</td>", row.group(1), re.S)[1]


def test_days_left_counts_norwegian_dates_not_hours():
    deadline = datetime(2025, 3, 16, 23, 30, tzinfo=UTC)  # 17 March 00:30 in Oslo
    assert envelopes.days_left(deadline, datetime(2025, 3, 16, 22, 0, tzinfo=UTC)) == 1
    assert envelopes.days_left(deadline, datetime(2025, 3, 16, 23, 0, tzinfo=UTC)) == 0
    assert envelopes.days_left(deadline, datetime(2025, 3, 17, 22, 59, tzinfo=UTC)) == 0
    assert envelopes.days_left(deadline, datetime(2025, 3, 17, 23, 0, tzinfo=UTC)) == -1
    # Across the change to summer time (30 March) a day is still a day.
    late = datetime(2025, 3, 31, 8, 0, tzinfo=UTC)
    assert envelopes.days_left(late, datetime(2025, 3, 29, 12, 0, tzinfo=UTC)) == 2


def test_the_list_says_when_a_report_is_due_and_marks_it_when_close(client, database, services,
                                                                    clock):
    envelope = deliver_report(database, "0301", report_document("Frist"), now=T0)
    # Sent Monday 10 March 10:00 in Oslo: to be reviewed by Monday 17 March 10:00.
    seen = {}
    for when, expected in [
        (T0, "Due in 7 days"),
        (T0 + timedelta(days=4), "Due in 3 days"),
        (T0 + timedelta(days=5), "Due in 2 days"),
        (T0 + timedelta(days=6), "Due in 1 day"),
        (T0 + timedelta(days=7, hours=5), "Due today"),
        (T0 + timedelta(days=8), "Overdue by 1 day"),
        (T0 + timedelta(days=10), "Overdue by 3 days"),
    ]:
        clock.now = when
        if not signed_in(client):
            sign_in(client, "olsen")
        cell = due_cell(listing(client), envelope.reference)
        assert expected in cell, (when, cell)
        seen[expected] = cell
    assert 'class="due-text"' in seen["Due in 3 days"] and "<strong" not in seen["Due in 3 days"]
    assert 'class="due-soon"' in seen["Due in 2 days"] and "<strong" in seen["Due in 2 days"]
    assert 'class="due-soon"' in seen["Due today"]
    assert 'class="overdue"' in seen["Overdue by 1 day"] and "<strong" in seen["Overdue by 1 day"]

    acknowledge = client.post(f"/inbox/envelopes/{envelope.id}/acknowledge",
                              data={"csrf_token": csrf_token(listing(client))})
    assert acknowledge.status_code == 303
    cell = due_cell(listing(client), envelope.reference)
    assert "Overdue" not in cell and "overdue" not in cell, "an acknowledged report is not late"


def test_the_list_filters_by_state_with_plain_links_and_keeps_the_count(client, database,
                                                                        services):
    new = deliver_report(database, "0301", report_document("Ny"))
    downloaded = deliver_report(database, "0301", report_document("Lastet ned"))
    acknowledged = deliver_report(database, "0301", report_document("Kvittert"))
    sign_in(client, "olsen")
    client.get(f"/inbox/envelopes/{downloaded.id}/download")
    client.post(f"/inbox/envelopes/{acknowledged.id}/acknowledge",
                data={"csrf_token": csrf_token(listing(client))})

    everything = listing(client)
    for state in ("delivered", "downloaded", "acknowledged", "failed"):
        assert f'href="/inbox/?state={state}"' in everything
    assert all(envelope.reference in everything for envelope in (new, downloaded, acknowledged))
    assert "2 reports have not been downloaded." in everything

    only = client.get("/inbox/?state=downloaded").get_data(as_text=True)
    check_page(only)
    assert downloaded.reference in only
    assert new.reference not in only and acknowledged.reference not in only
    assert '<a href="/inbox/?state=downloaded" aria-current="page">' in only
    assert "2 reports have not been downloaded." in only, "the count is of all reports"

    assert new.reference in client.get("/inbox/?state=delivered").get_data(as_text=True)
    none = client.get("/inbox/?state=failed").get_data(as_text=True)
    assert "No reports in this state." in none
    # An unknown state is no filter at all, not an error.
    assert new.reference in client.get("/inbox/?state=nonsense").get_data(as_text=True)


def test_flask_inbox_add_user_admin_creates_the_services_first_administrator(app, client,
                                                                             database, services):
    result = app.test_cli_runner().invoke(
        args=["inbox", "add-user", "sjef", "--service", "bergen", "--admin", "--password-stdin"],
        input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created administrator sjef for service bergen." in result.output
    sign_in(client, "sjef")
    html = users_page(client)
    assert "berg" in html and "olsen" not in html
