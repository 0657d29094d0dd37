"""The session cookie (the language a reporter chose, the page's form token) is signed with
SECRET_KEY. The app keeps one serializer for it (session_cookie.py), which must follow the key:
once an operator replaces the key, no cookie signed with the old one is read, and during a
rotation the old key in SECRET_KEY_FALLBACKS still reads them."""

from __future__ import annotations

import re
from datetime import timedelta

LANG_RE = re.compile(r'<html lang="([^"]+)"')


def _language(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert page.status_code == 200
    found = LANG_RE.search(page.get_data(as_text=True))
    assert found, "the page has no language"
    return found.group(1)


def test_a_replaced_key_reads_no_cookie_signed_with_the_old_one(app, client):
    client.get("/?lang=uk")
    assert _language(client) == "uk"

    app.secret_key = "a new key, " + "x" * 40
    assert _language(client) == "nb"


def test_a_cookie_signed_before_a_rotation_is_read_while_the_old_key_is_a_fallback(app, client):
    client.get("/?lang=ar")
    assert _language(client) == "ar"

    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "the next key, " + "y" * 40
    assert _language(client) == "ar"

    app.config["SECRET_KEY_FALLBACKS"] = []
    assert _language(client) == "nb"


def test_a_cookie_read_before_is_not_read_once_past_its_lifetime(app, client):
    # The app keeps what a cookie it has opened holds: that must not outlive the cookie.
    client.get("/?lang=uk")
    assert _language(client) == "uk"
    assert _language(client) == "uk"

    app.permanent_session_lifetime = timedelta(seconds=-1)
    assert _language(client) == "nb"


def test_a_page_that_changes_its_session_leaves_the_old_cookie_as_it_was(app):
    # Two tabs share one browser's cookie: one changes the language (a new cookie), and a
    # request still carrying the old cookie reads what that cookie says, not the change.
    first = app.test_client()
    first.get("/?lang=uk")
    assert _language(first) == "uk"
    old_cookie = first.get_cookie("session").value

    first.get("/?lang=ar")
    assert _language(first) == "ar"

    other = app.test_client()
    other.set_cookie("session", old_cookie)
    assert _language(other) == "uk"


def test_a_page_that_reads_the_session_varies_by_cookie_and_sets_one_only_on_a_change(client):
    # A shared cache must not give one person's page (in their language) to another; and a
    # cookie sent again on every page would only repeat what the browser has.
    first = client.get("/?lang=pl")
    assert "session=" in first.headers.get("Set-Cookie", "")
    assert first.headers.getlist("Vary") == ["Cookie"]
    client.get("/report/emergency")  # the first form page adds its form token
    again = client.get("/report/emergency")
    assert again.headers.getlist("Vary") == ["Cookie"]
    assert "Set-Cookie" not in again.headers
    assert _language(client) == "pl"
