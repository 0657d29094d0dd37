"""Each of the four paths, walked to the receipt in real Chromium on a 320 px phone with
JavaScript off, in bokmål, Arabic and Northern Sami; the report the service opens is exactly
what was typed on the path taken, and holds nothing typed on a branch the person left (a
municipality chosen and then changed, a follow-up answer to an option not chosen). On the way
the language is switched and a step gone back over with unsent text on the page. Every page
view is weighed."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request

from database import Database
from intake.drafts import DraftKey
from intake.models import Draft
from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE, assert_report_matches, opened_report
from tests.helpers.walks import PATHS, Person, neighbour_by_postal_code, sending_freely


@pytest.fixture(scope="module")
def shared_live_system(shared_live_system: LiveSystem) -> LiveSystem:
    """This module sends many reports from one address: the per-client limit raised."""
    return sending_freely(shared_live_system)

MAX_REQUESTS_PER_VIEW = 4
MAX_BYTES_PER_VIEW = 60 * 1024


class Traffic:
    """Every request the page makes, grouped by page view (a GET of a document and what it
    pulls in); anything for another host is refused and remembered."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.base_url = base_url
        self.views: list[list[Request]] = []
        self.refused: list[str] = []
        page.route("**/*", self._route)
        page.on("requestfinished", self._finished)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def _finished(self, request: Request) -> None:
        # A page rendered in answer to a POST (a step shown again with its errors) is a view of
        # its own: what it pulls in must not be counted against the GET view before it.
        if request.resource_type == "document":
            self.views.append([request])
        elif self.views:
            self.views[-1].append(request)

    def heaviest(self) -> tuple[int, int, str]:
        """(requests, bytes on the wire, url) of the costliest first view of a page (a GET)."""
        costs = []
        for view in (view for view in self.views if view[0].method == "GET"):
            wire = 0
            for request in view:
                sizes = request.sizes()
                wire += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            costs.append((len(view), wire, view[0].url))
        return max(costs, key=lambda cost: (cost[0], cost[1]))


@pytest.mark.parametrize("language", ["nb", "ar", "se"])
@pytest.mark.parametrize("path", list(PATHS))
def test_each_path_reaches_the_receipt_and_the_service_opens_exactly_what_was_typed(
    browser: Browser, shared_live_system: LiveSystem, path: str, language: str
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    traffic = Traffic(page, shared_live_system.base_url)
    person = Person(page, language)
    expected = PATHS[path](person, shared_live_system.base_url)
    requests_, wire, url = traffic.heaviest()
    context.close()

    assert traffic.refused == []
    assert requests_ <= MAX_REQUESTS_PER_VIEW, f"{url} needs {requests_} requests"
    assert wire <= MAX_BYTES_PER_VIEW, f"{url} weighs {wire} bytes"

    assert_report_matches(opened_report(shared_live_system, expected["reference"]), expected)


def test_exit_this_page_deletes_the_draft_and_leaves_for_the_exit_site(
    browser: Browser, shared_live_system: LiveSystem
):
    """JavaScript off: the exit link is a plain link. It lands on EXIT_URL (here the app's own
    front page, so nothing leaves loopback), the draft is gone from the database, and going
    back shows no answers."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    person = Person(page, "nb")
    neighbour_by_postal_code(person, shared_live_system.base_url, "0150")
    cookie = next(c["value"] for c in context.cookies() if c["name"] == "draft")
    draft_id = DraftKey.from_cookie(cookie).draft_id  # type: ignore[union-attr]
    assert draft_exists(shared_live_system, draft_id)

    person.follow("Exit this page")

    assert page.url == shared_live_system.env["EXIT_URL"]
    assert not draft_exists(shared_live_system, draft_id)
    assert "draft" not in {c["name"] for c in context.cookies()}
    page.go_back()
    assert person.t("Start from the beginning") in page.locator("h1").inner_text()
    assert "0150" not in page.content()
    context.close()


def draft_exists(system: LiveSystem, draft_id: str) -> bool:
    database = Database(system.database_url)
    try:
        with database.session() as session:
            return session.get(Draft, draft_id) is not None
    finally:
        database.dispose()


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_child_sees_116_111_first_and_large_before_saying_who_they_are(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    person = Person(page, language)
    person.open(f"{shared_live_system.base_url}/?lang={language}")
    child_line = page.locator("main a[href='tel:116111']")
    danger = page.get_by_role("heading", name=person.t("Is a child in danger now?"))
    assert box(child_line)["y"] < box(danger)["y"]
    person.follow("Start now")
    person.answer("Yes")
    first_number = page.locator("main a[href^='tel:']").first
    assert first_number.get_attribute("href") == "tel:116111"
    police = page.locator("main a[href='tel:112']")
    assert box(first_number)["y"] < box(police)["y"]
    assert font_size(first_number) >= 1.5 * font_size(page.locator("main p").first)
    context.close()


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found, locator
    return found


def font_size(locator: Any) -> float:
    return float(locator.evaluate("element => parseFloat(getComputedStyle(element).fontSize)"))
