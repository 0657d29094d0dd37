"""Requests an outsider crafts: a wizard form posted without the page's CSRF token (whichever
button it names), and a link whose path would turn the language switch into a link to another
site. (The same links as Chromium resolves them: tests/browser/test_language_links_in_chromium.py.)
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from sqlalchemy import select

import i18n
from intake.models import Draft
from tests.helpers import FlaskTransport, Wizard, csrf_token
from tests.helpers.services import add_service
from tests.helpers.wizard import answer_opening as start

EXPIRED_NB = "Siden var utløpt"


@pytest.fixture
def wizard(client, database, tmp_path) -> Wizard:
    add_service(database, "oslo", "0301", key_dir=tmp_path, phone="+47 55 00 00 00")
    return Wizard(FlaskTransport(client))


def stored_drafts(database) -> list[tuple[str, bytes, int]]:
    with database.session() as session:
        return [(row.id, bytes(row.ciphertext), row.version)
                for row in session.scalars(select(Draft).order_by(Draft.id))]


@pytest.mark.parametrize("action", ["back", "language", "continue", None])
@pytest.mark.parametrize("token", ["forged", None])
def test_a_wizard_post_without_the_pages_token_stores_nothing_and_says_the_page_expired(
        client, database, wizard, action, token):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    page = client.get("/report/child-1-name").get_data(as_text=True)
    assert 'value="Ola Nordmann"' not in page
    before = stored_drafts(database)

    data = {"name": "Ola Nordmann"}
    if action is not None:
        data["action"] = action
    if token is not None:
        data["csrf_token"] = token
    url = "/report/child-1-name" + ("?lang=nb" if action == "language" else "")
    response = client.post(url, data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Ola Nordmann"' in html, "what was typed is on the page again"
    assert EXPIRED_NB in html
    assert csrf_token(html) != token, "with a token to send it with"
    assert stored_drafts(database) == before, "nothing was stored"
    # The same form with the page's own token is stored as before.
    good = client.post("/report/child-1-name", data={**data, "csrf_token": csrf_token(page)})
    assert good.status_code == 303
    assert stored_drafts(database) != before


@pytest.mark.parametrize("suffix", ["\u202e\x00", "\u200b", "\x00", "%"])
def test_the_pages_token_with_invisible_characters_appended_is_refused(
        client, database, wizard, suffix):
    """The token checker skips what is not base64; a changed token must still be refused."""
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    page = client.get("/report/child-1-name").get_data(as_text=True)
    before = stored_drafts(database)
    response = client.post("/report/child-1-name", data={
        "name": "Ola Nordmann", "csrf_token": csrf_token(page) + suffix})
    assert response.status_code == 422 and EXPIRED_NB in response.get_data(as_text=True)
    assert stored_drafts(database) == before


def test_a_forged_first_step_starts_no_draft(client, wizard, database):
    before = stored_drafts(database)
    response = client.post("/report/emergency", data={"answer": "no", "action": "back"})
    assert response.status_code == 422 and EXPIRED_NB in response.get_data(as_text=True)
    assert stored_drafts(database) == before and client.get_cookie("draft") is None


# --- the page's token is signed once per session and worker (form_tokens.py) -------------------


def test_a_token_the_app_has_accepted_is_refused_from_another_session(app, client, wizard,
                                                                      database):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    theirs = csrf_token(client.get("/report/child-1-name").get_data(as_text=True))
    assert client.post("/report/child-1-name", data={
        "name": "Kari", "csrf_token": theirs}).status_code == 303

    other = app.test_client()
    start(Wizard(FlaskTransport(other)))
    Wizard(FlaskTransport(other)).answer("anonymity", {"anonymity": "named"})
    before = stored_drafts(database)
    response = other.post("/report/child-1-name", data={"name": "Ola", "csrf_token": theirs})
    assert response.status_code == 422 and EXPIRED_NB in response.get_data(as_text=True)
    assert stored_drafts(database) == before


def test_a_new_form_key_refuses_the_pages_old_token_and_signs_a_new_one(app, client, wizard,
                                                                       database):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    old = csrf_token(client.get("/report/child-1-name").get_data(as_text=True))

    app.config["WTF_CSRF_SECRET_KEY"] = "a new form key, " + "z" * 40
    response = client.post("/report/child-1-name", data={"name": "Ola", "csrf_token": old})
    assert response.status_code == 422 and EXPIRED_NB in response.get_data(as_text=True)
    new = csrf_token(response.get_data(as_text=True))
    assert new != old
    assert client.post("/report/child-1-name", data={
        "name": "Ola", "csrf_token": new}).status_code == 303


def test_with_a_time_limit_set_an_old_token_expires(app, client, wizard):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    token = csrf_token(client.get("/report/child-1-name").get_data(as_text=True))
    app.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token is past it
    response = client.post("/report/child-1-name", data={"name": "Ola", "csrf_token": token})
    assert response.status_code == 422 and EXPIRED_NB in response.get_data(as_text=True)


def test_the_pages_token_is_flask_wtfs_own(app, client, wizard):
    """The intake team's forms check tokens with flask-wtf itself."""
    from flask_wtf.csrf import validate_csrf

    start(wizard)
    token = csrf_token(client.get("/report/anonymity").get_data(as_text=True))
    with client.session_transaction() as stored:
        session_token = stored["csrf_token"]
    with app.test_request_context():
        from flask import session

        session["csrf_token"] = session_token
        validate_csrf(token)  # raises if flask-wtf would refuse it


# --- the language switch never leads off the site -----------------------------------------------

HOSTILE_PATHS = [
    "/%5cevil.example/",
    "/%5Cevil.example/x",
    "/\\evil.example/",
    "/%09/evil.example/",
    "/%0a/evil.example/",
    "/%0d%0a/evil.example/",
    "//evil.example/",
    "/%2f%2fevil.example/",
    "/%2F/evil.example/",
    "/%5c%5cevil.example/",
    "/report/%5cevil.example",
    "/report/%09%2f%2fevil.example",
    "/inbox/envelopes/%5cevil.example/acknowledge",
    "/static/%5cevil.example",
]


def language_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="[^"]*language-switch[^"]*".*?</nav>', html, re.S)
    assert nav, "the page has no language switch"
    return [unescape(href) for href in re.findall(r'<a href="([^"]*)"', nav.group(0))]


def stays_on_site(href: str) -> bool:
    """As a browser reads it: tabs and newlines dropped, a backslash taken as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", href).replace("\\", "/")
    resolved = urlsplit(urljoin("http://site.example/here/", cleaned))
    return resolved.scheme == "http" and resolved.netloc == "site.example"


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_language_links_on_a_page_for_a_crafted_path_stay_on_the_site(client, path):
    # Given to the app as a server gives it (the test client would read "//x/" as a host).
    response = client.get("/", environ_overrides={"PATH_INFO": unquote(path), "RAW_URI": path})
    assert response.status_code in (404, 405), response.status_code
    links = language_links(response.get_data(as_text=True))
    assert len(links) == len(i18n.LOCALES) - 1, "one link to each other language"
    for href in links:
        assert href.startswith("/") and not href.startswith("//"), href
        assert stays_on_site(href), href
        assert not re.search(r"[\\\t\n\r]", href), href


def test_language_links_keep_the_page_and_its_arguments(client):
    html = client.get("/about-exit?from=start").get_data(as_text=True)
    assert "/about-exit?from=start&lang=en" in language_links(html)
    assert "/inbox/login?lang=en" in language_links(client.get("/inbox/login").get_data(
        as_text=True))
    assert "/no-such-page?lang=en" in language_links(client.get("/no-such-page").get_data(
        as_text=True))
