"""Security headers on every response the app gives, whatever the route, status or type: a
Content-Security-Policy with no inline script or style and no other origin, framing refused,
HSTS, no referrer, no MIME sniffing; and in production every cookie is Secure, HttpOnly and
SameSite. Oversized requests are refused before their body is read."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask import Response

from app import create_app
from config import Config
from tests.helpers import csrf_token
from tests.helpers.environment import PROJECT, TEST_SECRET, free_port

BIN = Path(sys.executable).parent


def check_headers(response, what: str) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip())
    assert directives.get("default-src") == ["'none'"], what
    assert directives.get("frame-ancestors") == ["'none'"], what
    for name, sources in directives.items():
        for source in sources:
            # Only our own origin, or nothing: no hosts, no schemes, no inline, no eval.
            assert source in ("'self'", "'none'"), f"{what}: {name} allows {source}"
    assert "script-src" in directives and "style-src" in directives, what
    assert headers.get("Strict-Transport-Security", "").startswith("max-age="), what
    assert int(re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"]).group(1)) >= (
        31536000), what
    assert headers.get("Referrer-Policy") == "no-referrer", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what


def every_get_route(app) -> list[str]:  # type: ignore[no-untyped-def]
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: {"step": "emergency",
                                                      "filename": "style.css"}.get(
            m.group(1), "0" * 32), rule.rule)
        paths.append(path)
    return sorted(set(paths))


def test_every_get_route_and_every_error_carries_the_security_headers(app, client):
    paths = every_get_route(app)
    assert len(paths) > 20
    seen_statuses = set()
    for path in [*paths, "/no/such/page", "/report/not-a-step", "/inbox/envelopes/x/download"]:
        response = client.get(path)
        seen_statuses.add(response.status_code)
        check_headers(response, f"GET {path} ({response.status_code})")
        response.close()
    for path in ("/report/send", "/inbox/login", "/api/v1/envelopes", "/report/emergency"):
        response = client.post(path, data={"x": "y"})
        seen_statuses.add(response.status_code)
        check_headers(response, f"POST {path} ({response.status_code})")
    # Pages, redirects, client errors, the API's own answers, static files: all of them.
    assert {200, 302, 404}.issubset(seen_statuses) and any(s >= 400 for s in seen_statuses)


def test_a_view_s_own_headers_give_way_to_ours_once_but_its_policy_stays(app):
    # The page that opens a report sets its own, wider policy; a view that asked to be framed or
    # cached would still be refused, with one header each (a second copy would be ambiguous).
    with app.test_request_context("/"):
        response = Response("<p>page</p>", mimetype="text/html", headers={
            "Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "max-age=600", "Referrer-Policy": "origin"})
        response = app.process_response(response)
    headers = response.headers
    assert headers.getlist("Content-Security-Policy") == ["default-src 'self'"]
    assert headers.getlist("X-Frame-Options") == ["DENY"]
    assert headers.getlist("Cache-Control") == ["no-store"]
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    with app.test_request_context("/static/style.css"):
        sheet = app.process_response(Response("p{}", mimetype="text/css",
                                              headers={"Cache-Control": "max-age=600"}))
    # Not a page: a stylesheet may be cached; the rest applies to it too.
    assert sheet.headers.getlist("Cache-Control") == ["max-age=600"]
    check_headers(sheet, "a stylesheet")


def test_in_production_every_cookie_is_secure_httponly_and_samesite(database_url, redis_server,
                                                                     tmp_path):
    app = create_app(Config.from_env({
        "APP_ENV": "production", "SECRET_KEY": "s" * 48, "VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url, "REDIS_URL": f"unix://{redis_server}"}))
    client = app.test_client()
    cookies: list[str] = []
    page = client.get("/report/emergency", base_url="https://localhost")
    cookies += page.headers.getlist("Set-Cookie")
    answered = client.post("/report/emergency", base_url="https://localhost",
                           data={"answer": "no", "csrf_token": csrf_token(page.get_data(True))})
    cookies += answered.headers.getlist("Set-Cookie")
    login = client.get("/inbox/login", base_url="https://localhost")
    cookies += login.headers.getlist("Set-Cookie")
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"session", "draft"} <= names
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "secure" in attributes, cookie
        assert "httponly" in attributes, cookie
        assert any(part.startswith("samesite=") for part in attributes), cookie
    app.extensions["database"].dispose()


@pytest.fixture
def web(database_url, redis_server, tmp_path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {"PATH": "", "HOME": str(tmp_path), "LANG": "C.UTF-8", "SECRET_KEY": TEST_SECRET,
           "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": database_url,
           "REDIS_URL": f"unix://{redis_server}", "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "1", "--bind",
                                f"127.0.0.1:{port}", "app:create_app()"], cwd=PROJECT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            break
        except requests.RequestException:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(20)


@pytest.mark.live  # `web` runs gunicorn
def test_an_oversized_request_is_refused_before_its_body_is_read(web, app):
    """The client announces 50 MB and sends none of it: the answer, 413, comes at once, so the
    server did not wait for (or read) a byte of the body."""
    limit = app.extensions["config"].max_content_length
    with socket.create_connection(("127.0.0.1", web), timeout=10) as connection:
        connection.sendall(
            b"POST /report/emergency HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {50 * 1024 * 1024}\r\n\r\n".encode()
            + b"answer=no&")
        answer = connection.recv(65536).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "too large" in answer.lower() or "for stor" in answer.lower()
    assert limit < 50 * 1024 * 1024


@pytest.mark.live  # `web` runs gunicorn
def test_a_body_just_under_the_limit_is_read_and_answered_with_the_form(web, app):
    limit = app.extensions["config"].max_content_length
    session = requests.Session()
    page = session.get(f"http://127.0.0.1:{web}/report/emergency", timeout=10)
    token = csrf_token(page.text)
    padding = "x" * (limit - 2000)
    response = session.post(f"http://127.0.0.1:{web}/report/emergency",
                            data={"answer": "no", "csrf_token": token, "padding": padding},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 303
