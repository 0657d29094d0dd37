"""Abuse: sending reports and signing in to the inbox are limited per client, with counters in
Redis under a keyed hash that holds no address and expires with its window. A reporter who hits
the limit is told what happened and when to try again, and loses nothing: the same draft sends
once the window is over. Another client is not affected, and a Redis outage stops nobody."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from app import create_app
from rate_limits import client_key
from tests.helpers import FlaskTransport, Page, Wizard, csrf_token, walk_private
from tests.helpers.inbox import PASSWORD, add_member
from tests.helpers.services import add_service

SCHOOL = "203.0.113.7"
HOME = "198.51.100.23"


@dataclass
class HeldWizard(Wizard):
    """Walks to check-your-answers and stops there; `send_now` sends."""

    def send(self) -> str:
        return ""

    def send_now(self) -> Page:
        page = self.transport.get("/report/check")
        return self.transport.post("/report/send", {"declaration": "y",
                                                    "csrf_token": csrf_token(page.html)})


def reporter(app, address: str) -> HeldWizard:  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.get("/?lang=en")
    wizard = HeldWizard(FlaskTransport(client))
    walk_private(wizard, child={"name": "Ola", "age": "7"}, concern="Ola er ofte sulten.")
    return wizard


@pytest.fixture
def limited_app(app_config, tmp_path, redis_client):  # type: ignore[no-untyped-def]
    app = create_app({**app_config, "SUBMISSIONS_PER_HOUR": 2, "SIGN_INS_PER_TEN_MINUTES": 3})
    add_service(app.extensions["database"], "oslo", "0301", key_dir=tmp_path)
    yield app
    app.extensions["database"].dispose()


def test_a_client_over_the_limit_is_asked_to_wait_and_keeps_the_draft(limited_app,
                                                                        redis_client):
    first, second, third = (reporter(limited_app, SCHOOL) for _ in range(3))
    assert first.send_now().status == 303
    assert second.send_now().status == 303

    refused = third.send_now()

    assert refused.status == 429
    said = re.sub(r"<[^>]+>", "", refused.html)
    assert "Please wait a little" in said
    assert "Your answers are kept. Try again in 60 minutes." in said
    # Still a draft, with every answer: check-your-answers shows them.
    check = third.transport.get("/report/check")
    assert check.status == 200 and "Ola er ofte sulten." in check.html
    # The window ends (its counter expires); the same draft now sends.
    for key in redis_client.scan_iter("rate:send:*"):
        redis_client.delete(key)
    assert third.send_now().status == 303
    receipt = third.transport.get("/report/receipt")
    assert receipt.status == 200


def test_the_limit_is_per_client(limited_app):
    for _ in range(2):
        assert reporter(limited_app, SCHOOL).send_now().status == 303
    assert reporter(limited_app, SCHOOL).send_now().status == 429
    assert reporter(limited_app, HOME).send_now().status == 303


def test_the_counters_hold_no_address_and_expire(limited_app, redis_client):
    reporter(limited_app, SCHOOL).send_now()
    keys = [key.decode() for key in redis_client.scan_iter("rate:*")]
    assert keys == [client_key(limited_app.config["SECRET_KEY"], "send", SCHOOL)]
    assert SCHOOL not in keys[0]
    assert 0 < redis_client.ttl(keys[0]) <= 3600
    dump = b"".join(redis_client.dump(key) or b"" for key in redis_client.scan_iter("*"))
    assert SCHOOL.encode() not in dump


def test_with_redis_down_reports_are_still_sent(app_config, tmp_path, redis_client):
    app = create_app({**app_config, "SUBMISSIONS_PER_HOUR": 1})
    add_service(app.extensions["database"], "oslo", "0301", key_dir=tmp_path)
    wizards = [reporter(app, SCHOOL) for _ in range(2)]
    app.extensions["redis"] = lambda: __import__("redis").Redis(
        unix_socket_path=str(tmp_path / "nobody-listens.sock"))
    assert [wizard.send_now().status for wizard in wizards] == [303, 303]
    app.extensions["database"].dispose()


def test_sign_in_attempts_are_limited_per_client(limited_app, tmp_path):
    with limited_app.extensions["database"].session() as session:
        add_member(session, "olsen", "oslo")

    def attempt(client, password: str) -> int:  # type: ignore[no-untyped-def]
        page = client.get("/inbox/login?lang=en").get_data(as_text=True)
        return client.post("/inbox/login?lang=en", data={
            "username": "olsen", "password": password, "csrf_token": csrf_token(page)}
        ).status_code

    guesser = limited_app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = SCHOOL
    assert [attempt(guesser, f"guess {n}") for n in range(3)] != [429] * 3
    page = guesser.get("/inbox/login?lang=en").get_data(as_text=True)
    refused = guesser.post("/inbox/login?lang=en", data={
        "username": "olsen", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert refused.status_code == 429
    assert "many sign-in attempts from this connection" in re.sub(
        r"<[^>]+>", "", refused.get_data(as_text=True))
    assert int(refused.headers["Retry-After"]) <= 600
    colleague = limited_app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = HOME
    assert attempt(colleague, PASSWORD) == 303


def test_behind_a_proxy_the_forwarded_address_is_the_client(app_config, tmp_path):
    app = create_app({**app_config, "SUBMISSIONS_PER_HOUR": 1, "PROXY_HOPS": 1})
    add_service(app.extensions["database"], "oslo", "0301", key_dir=tmp_path)

    def via_proxy(address: str) -> HeldWizard:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the load balancer
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        wizard = HeldWizard(FlaskTransport(client))
        walk_private(wizard, child={"name": "Ola", "age": "7"}, concern="Sulten.")
        return wizard

    assert via_proxy(SCHOOL).send_now().status == 303
    assert via_proxy(HOME).send_now().status == 303
    assert via_proxy(SCHOOL).send_now().status == 429
    app.extensions["database"].dispose()
