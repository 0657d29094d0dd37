"""A person walks the wizard in real Chromium: on a 320 px phone with JavaScript off, and with
axe-core checking every page they see."""

from __future__ import annotations

import re
import time
from pathlib import Path

from babel.support import Translations
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from database import Database
from routing.models import Envelope

PHONE = {"width": 320, "height": 640}


def block_other_hosts(page: Page, base_url: str) -> list[str]:
    """Nothing may be requested from anywhere but the app; record and refuse anything else."""
    refused: list[str] = []

    def route(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return refused


NB = Translations.load(str(Path(__file__).parents[2] / "translations"), ["nb"])


def nb(message: str) -> str:
    """The bokmål a person sees for an English message id; fails loudly if it is untranslated."""
    translated = NB.gettext(message)
    assert translated != message, f"no bokmål for {message!r}"
    return translated


def continue_(page: Page) -> None:
    page.get_by_role("button", name=nb("Continue")).click()


def choose(page: Page, label: str) -> None:
    page.get_by_label(nb(label), exact=True).check()
    continue_(page)


def walk_private_path(page: Page, base_url: str, check=lambda page: None) -> str:  # type: ignore[no-untyped-def]
    """An anonymous neighbour, the way §5.2 of the UX research lays the steps out."""
    page.goto(base_url + "/")
    check(page)
    page.get_by_role("link", name=nb("Start now")).click()
    check(page)
    continue_(page)  # nothing chosen: the error summary shows
    assert page.title().startswith("Feil:")
    check(page)
    choose(page, "No")
    check(page)
    choose(page, "I am worried about a child I know")
    check(page)
    page.get_by_label(nb("What is the postal code where the child lives?")).fill("01500")
    continue_(page)  # five digits: told what is wrong, and the typing is kept
    check(page)
    assert page.title().startswith("Feil:")
    assert page.get_by_label(nb("What is the postal code where the child lives?")).input_value() == "01500"
    page.get_by_label(nb("What is the postal code where the child lives?")).fill("0150")
    continue_(page)
    check(page)
    choose(page, "Yes")
    check(page)
    choose(page, "No, I want to be anonymous")
    check(page)
    page.get_by_label(nb("What is the child's name?")).fill("Sara Ødegård")
    continue_(page)
    check(page)
    page.get_by_label(nb("Age in years (optional)")).fill("seks")
    continue_(page)
    check(page)
    assert page.get_by_label(nb("Age in years (optional)")).input_value() == "seks"
    page.get_by_label(nb("Age in years (optional)")).fill("6")
    continue_(page)
    check(page)
    page.get_by_label(nb("Address"), exact=True).fill("Storgata 1")
    continue_(page)
    check(page)
    choose(page, "I am a neighbour")
    check(page)
    choose(page, "No")  # no brothers or sisters to add
    check(page)
    continue_(page)  # nothing known about the parents
    check(page)
    page.get_by_label(nb("The child does not get food, clothes, care or supervision")).check()
    continue_(page)
    check(page)
    page.get_by_label(nb("What have you seen or heard?")).fill(
        "Hun sier hun er redd for å gå hjem. خائفة")
    continue_(page)
    check(page)
    page.get_by_label(nb("I have seen or heard it myself")).check()
    continue_(page)
    check(page)
    choose(page, "Several times")
    check(page)
    continue_(page)  # the child's views: optional
    check(page)
    continue_(page)  # interpreter: optional
    check(page)
    assert "Sara Ødegård" in page.content()
    page.get_by_label(nb("I confirm that the information is correct as far as I know")).check()
    page.get_by_role("button", name=nb("Send the report")).click()
    check(page)
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", reference)
    return reference


def test_a_reporter_on_a_phone_without_javascript_sends_a_report(browser: Browser, live_system):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    refused = block_other_hosts(page, live_system.base_url)
    reference = walk_private_path(page, live_system.base_url)
    context.close()
    assert refused == []

    database = Database(live_system.database_url)
    deadline = time.monotonic() + 30
    while True:
        with database.session() as session:
            envelope = session.scalar(select(Envelope).where(Envelope.reference == reference))
        if envelope is not None and envelope.state == "delivered":
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    database.dispose()
    assert envelope.service_id == "oslo"


def test_every_page_of_the_walk_has_no_axe_violations_and_fits_a_phone(browser: Browser, live_system):
    axe = Axe()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    refused = block_other_hosts(page, live_system.base_url)
    problems: list[str] = []

    def check(page: Page) -> None:
        results = axe.run(page)
        if results.violations_count:
            problems.append(f"{page.url}: {results.generate_report()}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{page.url} scrolls sideways: {width} px")

    walk_private_path(page, live_system.base_url, check)
    context.close()
    assert refused == []
    assert problems == [], "\n".join(problems)
