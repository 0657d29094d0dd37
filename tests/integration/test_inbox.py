"""The intake team's inbox, as the team meets it: signing in and out, the list of their own
service's reports, downloading, acknowledging, opening a download with `flask inbox open`, and
adding users with `flask inbox add-user`. (The second factor, lockout, administrators and the
audit log are in test_inbox_security.py.)

Deny by default: a stranger reaches nothing but the sign-in page, and another service's report
is 404 on every route, exactly like one that does not exist. CSRF stays on: every form is posted
with the token the page rendered.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox import signin
from inbox.models import AuditEntry, IntakeUser
from routing.envelope_file import parse
from routing.models import Envelope, EnvelopeState
from sealing import unseal
from tests.helpers import csrf_token
from tests.helpers.environment import KEY_PASSPHRASE
from tests.helpers.inbox import (
    EMOJI,
    audit_actions,
    deliver_report,
    listing,
    report_document,
    sign_in,
    state_shown,
)
from tests.helpers.pages import check_page

ARABIC = "نحن قلقون على الطفلة"


# --- who may see what --------------------------------------------------------------------------


def test_a_stranger_is_sent_to_sign_in_from_every_inbox_route_but_sign_in(app, client, database,
                                                                          services):
    envelope = deliver_report(database, "0301", report_document("Bekymret"))
    sign_in_page = client.get("/inbox/login")
    assert sign_in_page.status_code == 200
    check_page(sign_in_page.get_data(as_text=True))
    token = csrf_token(sign_in_page.get_data(as_text=True))
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("inbox.") or rule.endpoint == "inbox.login":
            continue
        url = rule.rule.replace("<envelope_id>", envelope.id).replace("<int:user_id>", "1")
        assert "<" not in url, f"a new route parameter in {rule.rule}: teach this test about it"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 303), (method, url, response.status_code)
            assert response.location.startswith("/inbox/login"), (method, url)
            checked.append(rule.endpoint)
    assert {"inbox.index", "inbox.download", "inbox.acknowledge", "inbox.feedback_page",
            "inbox.logout", "inbox.code", "inbox.enrol", "inbox.admin.user_list",
            "inbox.admin.audit_csv"} <= set(checked)
    with database.session() as session:
        untouched = session.get(Envelope, envelope.id)
        assert untouched.state == EnvelopeState.DELIVERED and untouched.downloaded_at is None
    assert [action for action, _, _ in audit_actions(database)] == []


def test_a_user_of_oslo_never_sees_or_reaches_a_report_for_bergen(client, database, services):
    bergen = deliver_report(database, "4601", report_document("Bergen sin melding"))
    oslo = deliver_report(database, "0301", report_document("Oslo sin melding"))
    assert sign_in(client, "olsen").status_code == 303

    html = listing(client)
    assert oslo.reference in html and bergen.reference not in html and bergen.id not in html

    token = csrf_token(html)
    unknown = client.get(f"/inbox/envelopes/{'f' * 32}/download")
    other_download = client.get(f"/inbox/envelopes/{bergen.id}/download")
    other_acknowledge = client.post(f"/inbox/envelopes/{bergen.id}/acknowledge",
                                    data={"csrf_token": token})
    assert unknown.status_code == other_download.status_code == other_acknowledge.status_code == 404
    # The page links to itself in other languages; apart from the id in those links, the same.
    assert other_download.get_data(as_text=True).replace(bergen.id, "ID") == (
        unknown.get_data(as_text=True).replace("f" * 32, "ID")
    ), "another service's report must look exactly like no report"
    assert bergen.reference.encode() not in other_download.data

    # Bergen's team still finds their report new and untouched.
    client.post("/inbox/logout", data={"csrf_token": csrf_token(listing(client))})
    sign_in(client, "berg")
    assert state_shown(listing(client), bergen.reference) == "New"
    assert all(envelope_id != bergen.id for _, _, envelope_id in audit_actions(database))


def inbox_routes(app, *, parameter: str | None = None):  # type: ignore[no-untyped-def]
    """(rule, method) for every inbox route, or only those taking `parameter`."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("inbox.") or rule.endpoint in (
                "inbox.login", "inbox.logout"):
            continue
        if parameter is not None and parameter not in rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_with_a_report_id_answers_404_for_another_services_report(app, client,
                                                                             database, services):
    bergen = deliver_report(database, "4601", report_document("Bergen sin melding"))
    sign_in(client, "oslo-admin")
    token = csrf_token(listing(client))
    checked = []
    for rule, method in inbox_routes(app, parameter="envelope_id"):
        url = rule.rule.replace("<envelope_id>", bergen.id)
        assert "<" not in url, f"a new route parameter in {rule.rule}: teach this test about it"
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, url, response.status_code)
        checked.append(rule.endpoint)
    assert {"inbox.download", "inbox.acknowledge", "inbox.feedback_page"} <= set(checked)
    assert all(envelope_id != bergen.id for _, _, envelope_id in audit_actions(database))


def test_every_route_with_a_user_id_answers_404_for_another_services_user(app, client, database,
                                                                          services):
    with database.session() as session:
        berg = session.scalar(select(IntakeUser).where(IntakeUser.username == "berg"))
        berg_id, berg_secret = berg.id, berg.totp_secret
    sign_in(client, "oslo-admin")
    token = csrf_token(listing(client))
    checked = []
    for rule, method in inbox_routes(app, parameter="user_id"):
        url = rule.rule.replace("<int:user_id>", str(berg_id))
        assert "<" not in url, f"a new route parameter in {rule.rule}: teach this test about it"
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, url, response.status_code)
        checked.append(rule.endpoint)
    assert {"inbox.admin.reset_authenticator", "inbox.admin.deactivate"} <= set(checked)
    with database.session() as session:
        berg = session.get(IntakeUser, berg_id)
        assert berg.active and berg.totp_secret == berg_secret


def test_every_administrator_route_answers_404_to_a_member(app, client, database, services):
    with database.session() as session:
        admin_id = session.scalar(select(IntakeUser.id).where(IntakeUser.username == "oslo-admin"))
    sign_in(client, "olsen")
    html = listing(client)
    token = csrf_token(html)
    assert "/inbox/admin/" not in html, "a member is shown no way to the administrator's pages"
    checked = []
    for rule, method in inbox_routes(app):
        if not rule.endpoint.startswith("inbox.admin."):
            continue
        url = rule.rule.replace("<int:user_id>", str(admin_id))
        response = client.open(url, method=method, data={"csrf_token": token, "username": "x"})
        assert response.status_code == 404, (method, url, response.status_code)
        checked.append(rule.endpoint)
    assert {"inbox.admin.user_list", "inbox.admin.add_member", "inbox.admin.audit",
            "inbox.admin.audit_csv"} <= set(checked)
    with database.session() as session:
        assert session.get(IntakeUser, admin_id).active
        assert session.scalar(select(IntakeUser).where(IntakeUser.username == "x")) is None


def test_a_report_still_on_its_way_is_not_in_the_inbox_yet(client, database, services):
    on_its_way = deliver_report(database, "0301", report_document("Ikke levert"), delivered=False)
    sign_in(client, "olsen")
    assert on_its_way.reference not in listing(client)
    assert client.get(f"/inbox/envelopes/{on_its_way.id}/download").status_code == 404


# --- signing in and out --------------------------------------------------------------------------


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client, services):
    wrong = sign_in(client, "olsen", "not the password at all")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 401
    check_page(html)
    assert "The username or password is wrong" in html
    assert "<title>Error:" in html
    assert 'value="not the password at all"' not in html, "the password came back to the browser"
    with client.session_transaction() as session:
        assert signin.TOKEN_KEY not in session
    assert client.get("/inbox/").location.startswith("/inbox/login")

    unknown = sign_in(client, "nobody", "not the password at all").get_data(as_text=True)
    summary = re.compile(r'<div class="error-summary".*?</div>', re.S)
    assert summary.search(unknown).group(0) == summary.search(html).group(0), (
        "an unknown username must get exactly the message a wrong password gets"
    )


def test_an_empty_sign_in_form_names_each_missing_field_and_keeps_the_username(client, services):
    page = client.get("/inbox/login?lang=en").get_data(as_text=True)
    response = client.post("/inbox/login", data={"username": "olsen", "password": "",
                                                 "csrf_token": csrf_token(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    check_page(html)
    assert "Enter your password" in html and 'href="#password"' in html
    assert 'value="olsen"' in html


def test_signing_in_starts_a_fresh_session_and_keeps_only_the_language(client, services):
    client.get("/inbox/login?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"
    assert sign_in(client, "olsen").status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
    html = listing(client)
    assert "olsen · Barneverntjenesten oslo" in html and "Sign out" in html


def test_signing_out_ends_the_session(client, database, services):
    sign_in(client, "olsen")
    response = client.post("/inbox/logout", data={"csrf_token": csrf_token(listing(client))})
    assert response.status_code == 303 and response.location.startswith("/inbox/login")
    assert client.get("/inbox/").location.startswith("/inbox/login")
    assert [action for action, _, _ in audit_actions(database)] == ["sign-in", "sign-out"]


def test_sign_in_attempts_are_audited_without_names_or_addresses(client, database, services):
    sign_in(client, "olsen", "wrong password here")
    sign_in(client, "olsen")
    with database.session() as session:
        olsen = session.scalar(select(IntakeUser).where(IntakeUser.username == "olsen"))
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(entry.action, entry.user_id) for entry in entries] == [
            ("sign-in-failed", None), ("sign-in", olsen.id)]
        assert entries[1].service_id == "oslo"
    columns = {column.name for column in AuditEntry.__table__.columns}
    assert not columns & {"ip", "ip_address", "remote_addr", "username", "user_agent"}


# --- the list, download, acknowledge -------------------------------------------------------------


def test_the_list_shows_received_time_and_deadline_in_norwegian_time_newest_first(client, database,
                                                                                   services):
    long_ago = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)  # 1 July 00:30 in Oslo (summer time)
    older = deliver_report(database, "0301", report_document("Eldre"), now=long_ago)
    newer = deliver_report(database, "0301", report_document("Nyere"))
    sign_in(client, "olsen")
    html = listing(client)
    assert html.index(newer.reference) < html.index(older.reference)
    row = html[html.index(older.reference):]
    assert "01.07.2025 00:30" in row and "08.07.2025 00:30" in row
    assert "Overdue by" in row[: row.index("</tr>")]
    assert "2 reports have not been downloaded." in html


def test_a_download_is_a_file_that_opens_with_the_services_private_key(client, database, services):
    document = report_document(f"Hun gråter hver dag. {ARABIC} {EMOJI}")
    envelope = deliver_report(database, "0301", document)
    sign_in(client, "olsen")
    assert state_shown(listing(client), envelope.reference) == "New"

    response = client.get(f"/inbox/envelopes/{envelope.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{envelope.reference}.concern-envelope.json"')
    assert response.headers["Cache-Control"] == "no-store"
    assert ARABIC.encode() not in response.data and "gråter".encode() not in response.data
    downloaded = parse(response.data)
    assert downloaded.reference == envelope.reference
    assert downloaded.key_id == services["oslo"].pair.key_id
    assert unseal(downloaded.sealed, services["oslo"].pair.private_key) == document

    assert state_shown(listing(client), envelope.reference) == "Downloaded"
    assert "0 reports have not been downloaded." in listing(client)
    client.get(f"/inbox/envelopes/{envelope.id}/download")
    with database.session() as session:
        first_download = session.get(Envelope, envelope.id).downloaded_at
    assert first_download is not None
    assert [action for action, _, _ in audit_actions(database)].count("download") == 2


def test_acknowledging_changes_the_state_shown_in_the_list(client, database, services):
    envelope = deliver_report(database, "0301", report_document("Bekymret"))
    sign_in(client, "olsen")
    html = listing(client)
    acknowledge_url = f"/inbox/envelopes/{envelope.id}/acknowledge"
    assert acknowledge_url in html

    response = client.post(acknowledge_url, data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303 and response.location == "/inbox/"
    html = listing(client)
    assert state_shown(html, envelope.reference) == "Acknowledged"
    assert acknowledge_url not in html
    with database.session() as session:
        assert session.get(Envelope, envelope.id).acknowledged_at is not None
    assert ("acknowledge", None, envelope.id) not in audit_actions(database)
    assert [(action, envelope_id) for action, _, envelope_id in audit_actions(database)][-1] == (
        "acknowledge", envelope.id)


def test_acknowledging_without_the_pages_token_is_refused(client, database, services):
    envelope = deliver_report(database, "0301", report_document("Bekymret"))
    sign_in(client, "olsen")
    response = client.post(f"/inbox/envelopes/{envelope.id}/acknowledge", data={})
    assert response.status_code == 400
    assert state_shown(listing(client), envelope.reference) == "New"


# --- flask inbox open -------------------------------------------------------------------------


def download_to(client, envelope: Envelope, path: Path) -> Path:  # type: ignore[no-untyped-def]
    path.write_bytes(client.get(f"/inbox/envelopes/{envelope.id}/download").data)
    return path


def run_open(  # type: ignore[no-untyped-def]
    app, envelope_file: Path, key_file: Path, out: Path, passphrase: str = KEY_PASSPHRASE
):
    return app.test_cli_runner().invoke(
        args=["inbox", "open", str(envelope_file), "--key", str(key_file), "--passphrase-stdin",
              "--out", str(out)],
        input=passphrase + "\n",
    )


def test_flask_inbox_open_writes_the_report_exactly_as_sealed(app, client, database, services,
                                                               tmp_path):
    description = f"Mor sier: «{ARABIC}» {EMOJI}\nAndre linje."
    # A name inside the payload that would escape the output directory if it were ever used.
    document = report_document(description, reference="../../escaped")
    envelope = deliver_report(database, "0301", document)
    sign_in(client, "olsen")
    envelope_file = download_to(client, envelope, tmp_path / "download.json")
    out = tmp_path / "opened"

    result = run_open(app, envelope_file, services["oslo"].key_file, out)
    assert result.exit_code == 0, result.output
    json_path, text_path = out / f"{envelope.reference}.json", out / f"{envelope.reference}.txt"
    assert str(json_path) in result.output and str(text_path) in result.output
    assert sorted(path.name for path in out.iterdir()) == [json_path.name, text_path.name]
    assert not (tmp_path / "escaped").exists()

    written = json_path.read_text(encoding="utf-8")
    assert json.loads(written) == json.loads(document)
    assert written == json.dumps(json.loads(document), ensure_ascii=False, indent=2) + "\n"
    assert ARABIC in written and EMOJI in written
    text = text_path.read_text(encoding="utf-8")
    assert "Kommune: 0301" in text
    assert f"  | Mor sier: «{ARABIC}» {EMOJI}" in text
    assert json_path.stat().st_mode & 0o077 == 0, "the opened report must be private to its owner"


def test_flask_inbox_open_never_overwrites_and_says_so(app, client, database, services, tmp_path):
    envelope = deliver_report(database, "0301", report_document("Første"))
    sign_in(client, "olsen")
    envelope_file = download_to(client, envelope, tmp_path / "download.json")
    out = tmp_path / "opened"
    out.mkdir()
    existing = out / f"{envelope.reference}.txt"
    existing.write_text("the team's own notes\n", encoding="utf-8")

    result = run_open(app, envelope_file, services["oslo"].key_file, out)
    assert result.exit_code != 0
    assert "exists; nothing was written" in result.output
    assert existing.read_text(encoding="utf-8") == "the team's own notes\n"
    assert not (out / f"{envelope.reference}.json").exists()


def test_flask_inbox_open_with_another_services_key_names_both_keys(app, client, database, services,
                                                                     tmp_path):
    envelope = deliver_report(database, "0301", report_document("Oslo"))
    sign_in(client, "olsen")
    envelope_file = download_to(client, envelope, tmp_path / "download.json")
    out = tmp_path / "opened"

    wrong_key = run_open(app, envelope_file, services["bergen"].key_file, out)
    assert wrong_key.exit_code != 0
    assert services["oslo"].pair.key_id in wrong_key.output
    assert services["bergen"].pair.key_id in wrong_key.output
    wrong_passphrase = run_open(app, envelope_file, services["oslo"].key_file, out, "not it at all")
    assert wrong_passphrase.exit_code != 0 and "wrong passphrase" in wrong_passphrase.output
    assert not out.exists() or not any(out.iterdir())


def test_flask_inbox_open_refuses_a_damaged_envelope_file(app, services, tmp_path):
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "concern-envelope/1", "reference": "../../x"}')
    result = run_open(app, damaged, services["oslo"].key_file, tmp_path / "out")
    assert result.exit_code != 0 and "the envelope file lacks" in result.output
    assert "Traceback" not in result.output


# The report opens with it, in the text's language (bokmål by default).
REPORTER_MUNICIPALITY_SENTENCE = (
    "! Verken hvor barnet bor eller hvor barnet var da bekymringen oppsto, er kjent, så "
    "meldingen ble sendt til melderens egen kommune. Undersøk om en annen kommune skal ha den, "
    "og send den videre i så fall.")


def test_flask_inbox_open_says_plainly_a_report_went_to_the_reporters_own_municipality(
    app, client, database, services, tmp_path
):
    document = report_document("Liten jente alene på natta.", location={
        "municipality_number": "0301", "found_by": "reporter_municipality"})
    envelope = deliver_report(database, "0301", document)
    sign_in(client, "olsen")
    envelope_file = download_to(client, envelope, tmp_path / "download.json")
    result = run_open(app, envelope_file, services["oslo"].key_file, tmp_path / "opened")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "opened" / f"{envelope.reference}.txt").read_text(encoding="utf-8")
    assert f"\n{REPORTER_MUNICIPALITY_SENTENCE}\n" in text
    assert "reporter_municipality" not in text
    # The saved report keeps the code, for the case systems that read it.
    saved = json.loads((tmp_path / "opened" / f"{envelope.reference}.json").read_text("utf-8"))
    assert saved["location"]["found_by"] == "reporter_municipality"


# --- flask inbox add-user ------------------------------------------------------------------------


def test_flask_inbox_add_user_creates_a_user_who_can_sign_in(app, client, services):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["inbox", "add-user", "Kari.Intake", "--service", "bergen",
                                 "--password-stdin"], input="another long password\n")
    assert result.exit_code == 0, result.output
    assert "kari.intake" in result.output
    assert sign_in(client, "kari.intake", "another long password").status_code == 303
    assert "kari.intake · Barneverntjenesten bergen" in listing(client)
    # The password the operator typed was for the first sign-in only.
    sign_out = client.post("/inbox/logout", data={"csrf_token": csrf_token(listing(client))})
    assert sign_out.status_code == 303
    assert sign_in(client, "kari.intake", "another long password").status_code == 401


@pytest.mark.parametrize(
    ("username", "service", "password", "message"),
    [
        ("kort", "bergen", "short", "at least 12 characters"),
        ("ukjent", "no-such-service", "a long enough password", "no service with id"),
        ("olsen", "oslo", "a long enough password", "a user named 'olsen' exists"),
        ("../root", "oslo", "a long enough password", "a username is"),
    ],
)
def test_flask_inbox_add_user_refuses_what_it_cannot_do_and_says_why(app, database, services,
                                                                     username, service, password,
                                                                     message):
    result = app.test_cli_runner().invoke(
        args=["inbox", "add-user", username, "--service", service, "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code != 0 and message in result.output
    with database.session() as session:
        assert sorted(session.scalars(select(IntakeUser.username))) == [
            "berg", "olsen", "oslo-admin"]


@pytest.mark.parametrize("path", ["/inbox/login", "/report/emergency", "/status"])
def test_a_form_part_without_a_readable_name_is_a_clear_400_not_a_server_error(client, path):
    """What no browser sends (a multipart part named "\\r"), hypothesis did: Werkzeug names the
    field None, and CSRF checking failed on it with a 500."""
    body = (b'--b\r\nContent-Disposition: form-data; name="\r"\r\n\r\nx\r\n'
            b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nolsen\r\n--b--\r\n')
    response = client.post(path, data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400
    assert "Noe gikk galt med denne siden" in response.get_data(as_text=True)
