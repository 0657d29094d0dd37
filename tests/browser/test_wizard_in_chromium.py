"""A person walks the wizard in real Chromium: on a 320 px phone with JavaScript off, and with
axe-core checking every page they see."""

from __future__ import annotations

import re
import time

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


def continue_(page: Page) -> None:
    page.get_by_role("button", name="Neste steg").click()


def walk_private_path(page: Page, base_url: str, check=lambda page: None) -> str:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/")
    check(page)
    page.get_by_role("link", name="Start nå").click()
    check(page)
    continue_(page)  # nothing chosen: the error summary shows
    assert page.title().startswith("Feil:")
    check(page)
    page.get_by_label("Nei").check()
    continue_(page)
    check(page)
    page.get_by_label("Jeg er bekymret for et barn jeg kjenner").check()
    continue_(page)
    check(page)
    page.get_by_label("Barnets fulle navn").fill("Sara Ødegård")
    page.get_by_label("Omtrent hvor gammel er barnet? (valgfritt)").fill("seks")
    continue_(page)
    check(page)
    assert page.get_by_label("Barnets fulle navn").input_value() == "Sara Ødegård"
    page.get_by_label("Omtrent hvor gammel er barnet? (valgfritt)").fill("6")
    continue_(page)
    check(page)
    page.get_by_label("Hva er postnummeret der barnet bor?").fill("0150")
    continue_(page)
    check(page)
    page.get_by_label("Ja").check()
    continue_(page)
    check(page)
    page.get_by_label("Hva har du sett eller hørt?").fill("Hun sier hun er redd for å gå hjem. خائفة")
    continue_(page)
    check(page)
    continue_(page)  # anonymous: nothing about the reporter
    check(page)
    assert "Sara Ødegård" in page.content()
    page.get_by_label("Jeg bekrefter at opplysningene er riktige så langt jeg vet").check()
    page.get_by_role("button", name="Send meldingen").click()
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
