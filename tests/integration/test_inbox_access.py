"""The intake team's inbox: who may see what. Deny by default; another service's envelope is
404 on every route, exactly like one that does not exist."""

from __future__ import annotations

import json

import pytest
from click.testing import Result
from sqlalchemy import select

from inbox.auth import create_user
from inbox.models import AuditEntry
from routing.acceptance import accept
from routing.delivery import deliver
from routing.envelope_file import parse
from sealing import read_key_file, unseal
from tests.conftest import KEY_PASSPHRASE, add_service
from tests.helpers import csrf_token

PASSWORD = "a long enough password"


@pytest.fixture
def services(database, tmp_path):
    keys = {"oslo": add_service(database, "0301", "oslo", tmp_path),
            "bergen": add_service(database, "4601", "bergen", tmp_path)}
    with database.session() as session:
        create_user(session, "olsen", PASSWORD, "oslo")
        create_user(session, "berg", PASSWORD, "bergen")
    return keys


def deliver_report(database, municipality: str, text: str) -> str:
    document = json.dumps({"schema": "concern-report/1", "concern": {"description": text}},
                          ensure_ascii=False).encode()
    with database.session() as session:
        envelope = accept(session, document, municipality)
        deliver(session, envelope.id)
        return envelope.id


def sign_in(client, username: str, password: str = PASSWORD):
    page = client.get("/inbox/login").get_data(as_text=True)
    return client.post("/inbox/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(page)})


def test_every_inbox_route_but_sign_in_sends_a_stranger_to_sign_in(app, client, services):
    checked = []
    token = csrf_token(client.get("/inbox/login").get_data(as_text=True))
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("inbox.") or rule.endpoint == "inbox.login":
            continue
        url = rule.rule.replace("<envelope_id>", "0" * 32)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 303), (method, url, response.status_code)
            assert "/inbox/login" in response.location
            checked.append((method, url))
    assert len(checked) >= 4


def test_a_user_of_oslo_gets_404_for_every_route_to_bergens_report(client, database, services):
    bergen_id = deliver_report(database, "4601", "Bergen sin melding")
    oslo_id = deliver_report(database, "0301", "Oslo sin melding")
    assert sign_in(client, "olsen").status_code == 303
    listing = client.get("/inbox/").get_data(as_text=True)
    assert oslo_id in listing and bergen_id not in listing

    token = csrf_token(listing)
    assert client.get(f"/inbox/envelopes/{bergen_id}/download").status_code == 404
    assert client.post(f"/inbox/envelopes/{bergen_id}/acknowledge",
                       data={"csrf_token": token}).status_code == 404
    assert client.get(f"/inbox/envelopes/{'f' * 32}/download").status_code == 404
    assert client.get(f"/inbox/envelopes/{oslo_id}/download").status_code == 200


def test_a_download_opens_with_the_services_key_and_is_recorded(client, database, services):
    envelope_id = deliver_report(database, "0301", "Hun gråter hver dag. تبكي 😢")
    sign_in(client, "olsen")
    response = client.get(f"/inbox/envelopes/{envelope_id}/download")
    assert "attachment" in response.headers["Content-Disposition"]
    envelope = parse(response.data)
    pair = read_key_file(services["oslo"].read_text(), KEY_PASSPHRASE)
    report = json.loads(unseal(envelope.sealed, pair.private_key))
    assert report["concern"]["description"] == "Hun gråter hver dag. تبكي 😢"
    assert "Downloaded" in client.get("/inbox/").get_data(as_text=True) or "Lastet ned" in (
        client.get("/inbox/").get_data(as_text=True))
    with database.session() as session:
        actions = [entry.action for entry in session.scalars(select(AuditEntry))]
    assert actions.count("download") == 1


def test_acknowledging_changes_the_state_the_team_sees(client, database, services):
    envelope_id = deliver_report(database, "0301", "Bekymret")
    sign_in(client, "olsen")
    listing = client.get("/inbox/").get_data(as_text=True)
    assert f"/inbox/envelopes/{envelope_id}/acknowledge" in listing
    response = client.post(f"/inbox/envelopes/{envelope_id}/acknowledge",
                           data={"csrf_token": csrf_token(listing)})
    assert response.status_code == 303
    listing = client.get("/inbox/").get_data(as_text=True)
    assert f"/inbox/envelopes/{envelope_id}/acknowledge" not in listing
    assert "state-acknowledged" in listing


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, services):
    response = sign_in(client, "olsen", "not the password at all")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "error-summary" in html
    assert client.get("/inbox/").status_code == 302
    unknown = sign_in(client, "nobody", "not the password at all").get_data(as_text=True)
    assert unknown.count("error-summary") == html.count("error-summary")


def test_a_session_left_idle_for_half_an_hour_is_signed_out(client, services):
    sign_in(client, "olsen")
    assert client.get("/inbox/").status_code == 200
    with client.session_transaction() as session:
        session["inbox_seen"] -= 31 * 60
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/inbox/login" in response.location


def test_flask_inbox_open_writes_the_report_exactly_as_sealed(app, client, database, services, tmp_path):
    text = "Mor sier: «نحن بخير» 🙂\nAndre linje"
    envelope_id = deliver_report(database, "0301", text)
    sign_in(client, "olsen")
    download = tmp_path / "download.json"
    download.write_bytes(client.get(f"/inbox/envelopes/{envelope_id}/download").data)
    out = tmp_path / "out"
    runner = app.test_cli_runner()
    result: Result = runner.invoke(args=["inbox", "open", str(download), "--key",
                                         str(services["oslo"]), "--passphrase-stdin",
                                         "--out", str(out)], input=KEY_PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    reference = parse(download.read_bytes()).reference
    report = json.loads((out / f"{reference}.json").read_text(encoding="utf-8"))
    assert report["concern"]["description"] == text
    assert "نحن بخير" in (out / f"{reference}.txt").read_text(encoding="utf-8")

    wrong_key = runner.invoke(args=["inbox", "open", str(download), "--key", str(services["bergen"]),
                                    "--passphrase-stdin", "--out", str(tmp_path / "x")],
                              input=KEY_PASSPHRASE + "\n")
    assert wrong_key.exit_code != 0 and "sealed to key" in wrong_key.output


def test_flask_inbox_add_user_creates_a_user_who_can_sign_in(app, client, services):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["inbox", "add-user", "Ny.Bruker", "--service", "bergen",
                                 "--password-stdin"], input="another long password\n")
    assert result.exit_code == 0, result.output
    assert sign_in(client, "ny.bruker", "another long password").status_code == 303
    short = runner.invoke(args=["inbox", "add-user", "kort", "--service", "bergen",
                                "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
