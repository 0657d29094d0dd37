"""The language switch, as Chromium resolves it, never leads to another site: on ordinary pages
and on every error page (404, 405, 413, 429) reached through a crafted address with a
backslash, a tab, a newline, a doubled slash or their percent-encoded forms. Before, an error
page for /%5cevil.example/ linked to "/\\evil.example/?lang=nn", which Chromium opens as
http://evil.example/.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

import i18n

pytestmark = pytest.mark.browser

HOSTILE = [
    "/%5cevil.example/",
    "/%5C%5Cevil.example/",
    "/%09/evil.example/",
    "/%0a/evil.example/",
    "/%0D%0A/evil.example/",
    "/%2f%2fevil.example/",
    "//evil.example/",
    "/%5c/evil.example/",
]


@pytest.fixture
def app_config(app_config):  # type: ignore[no-untyped-def]
    # One sign-in attempt per ten minutes, so the second meets the 429 page.
    return {**app_config, "SIGN_INS_PER_TEN_MINUTES": 1}


@pytest.fixture
def origin(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served on loopback, so Chromium resolves the links against a real origin."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def resolved_language_links(page: Page) -> list[str]:
    """Where each language link and language button would take the person, as Chromium reads
    it (a.href and button.formAction are resolved URLs)."""
    return page.eval_on_selector_all(
        "nav.language-switch a, nav.language-switch button[formaction]",
        "elements => elements.map(e => e.tagName === 'A' ? e.href : e.formAction)")


def assert_on_origin(page: Page, origin: str, status: int | None, expected: int) -> None:
    assert status == expected, (page.url, status)
    # One control in the header opens the list (a <details> menu; open already on the start
    # page); every other language is then in view.
    menu = page.locator("nav.language-switch details")
    assert menu.count() == 1
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    choices = page.locator("nav.language-switch li a, nav.language-switch li button")
    assert choices.count() == len(i18n.LOCALES) - 1
    assert all(choices.nth(index).is_visible() for index in range(choices.count()))
    links = resolved_language_links(page)
    assert len(links) == len(i18n.LOCALES) - 1, links
    for link in links:
        assert link.startswith(origin + "/"), link


def post_from_page(page: Page, action: str, fields: dict[str, str]) -> int | None:
    """Submit a form the way a crafted page would, and wait for the answer."""
    with page.expect_navigation() as navigation:
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement('textarea');
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [action, fields])
    response = navigation.value
    return response.status if response else None


@pytest.mark.parametrize("path", HOSTILE)
def test_a_404_and_a_405_for_a_crafted_address_link_only_to_this_site(page, origin, path):
    response = page.goto(origin + path)
    assert_on_origin(page, origin, response.status if response else None, 404)

    # The same characters as one path segment of a route: a GET where only POST is allowed.
    segment = path.strip("/").replace("/", "")
    encoded_slash = "%2f" in segment.lower()  # a slash after all: no route matches
    response = page.goto(f"{origin}/inbox/envelopes/{segment}/acknowledge")
    assert_on_origin(page, origin, response.status if response else None,
                     404 if encoded_slash else 405)

    response = page.goto(f"{origin}/report/{segment}")
    assert_on_origin(page, origin, response.status if response else None, 404)


@pytest.mark.parametrize("path", HOSTILE[:4])
def test_a_413_for_a_crafted_address_links_only_to_this_site(page, origin, path):
    page.goto(origin + "/")
    status = post_from_page(page, f"{origin}/report/{path.strip('/').replace('/', '')}",
                            {"description": "x" * (300 * 1024)})
    assert_on_origin(page, origin, status, 413)


def test_a_429_links_only_to_this_site_and_ordinary_pages_do_too(page, origin):
    statuses = []
    for _ in range(2):
        page.goto(origin + "/inbox/login")
        token = page.input_value("input[name=csrf_token]")
        statuses.append(post_from_page(
            page, f"{origin}/inbox/login?next=%5C%5Cevil.example%09",
            {"username": "nobody", "password": "a guess", "csrf_token": token}))
    assert statuses[0] == 401
    assert_on_origin(page, origin, statuses[1], 429)

    for ordinary in ("/", "/?from=%5C%5Cevil.example", "/report/emergency", "/status",
                     "/inbox/login", "/about-exit"):
        response = page.goto(origin + ordinary)
        assert_on_origin(page, origin, response.status if response else None, 200)
