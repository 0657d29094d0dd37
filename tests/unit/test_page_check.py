"""The page check every test client applies (tests/helpers/pages.py) refuses what a person, a
screen reader or the CSP would trip over, so a page that breaks one of the rules fails the test
that fetched it."""

from __future__ import annotations

import flask
import pytest

from tests.helpers.pages import PageCheckingClient, check_page

PAGE = """<!doctype html><html lang="nb" dir="ltr"><head><title>{title} – Bekymringsmelding</title>
<link rel="stylesheet" href="/static/style.css"><script src="/static/js/x.js"></script></head>
<body><main><h1>Hva er postnummeret?</h1>{body}
<form method="post"><input type="hidden" name="csrf_token" value="t">
<label for="postal_code">Postnummer</label><input id="postal_code" name="postal_code">
</form></main></body></html>"""


def page(title: str = "Postnummer", body: str = "") -> str:
    return PAGE.format(title=title, body=body)


def test_a_whole_page_passes():
    check_page(page(), 200)
    check_page(page(body='<div class="error-summary"><h2>Det er et problem</h2></div>'), 422)


@pytest.mark.parametrize(("html", "status", "problem"), [
    (page(), 204, "a page answered 204"),
    (page(body='<div class="error-summary"></div>'), 200, "an error summary with 200"),
    (page(), 422, "422 without an error summary"),
    (page().replace(' lang="nb"', ""), 200, "html lang/dir"),
    (page(body="<h1>Enda en</h1>"), 200, "2 h1 elements"),
    (page(title=""), 200, "does not name the page"),
    (page(body='<p style="color: red">!</p>'), 200, "inline style"),
    (page(body="<script>alert(1)</script>"), 200, "inline script"),
    (page(body='<button onclick="x()">x</button>'), 200, "inline script"),
    (page(body='<input id="postal_code">'), 200, "duplicate ids"),
    (page(body='<input id="phone" name="phone">'), 200, "fields without a label"),
    (page(body='<form method="get"></form>'), 200, "a form without CSRF"),
    (page(body="<table><tr><th>A</th></tr></table>"), 200, "a table without a caption"),
])
def test_a_page_that_breaks_a_rule_is_refused_saying_which(html, status, problem):
    with pytest.raises(AssertionError, match=problem):
        check_page(html, status)


def test_every_apps_test_client_checks_the_pages_it_fetches():
    app = flask.Flask(__name__)
    app.add_url_rule("/broken", "broken", lambda: "<html><body><h1>x</h1></body></html>")
    app.add_url_rule("/data", "data", lambda: {"not": "a page"})
    client = app.test_client()
    assert isinstance(client, PageCheckingClient)
    assert client.get("/data").status_code == 200  # not HTML: not a page
    with pytest.raises(AssertionError, match="GET /broken: html lang/dir"):
        client.get("/broken")
