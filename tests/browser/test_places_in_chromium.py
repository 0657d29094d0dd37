"""Where the child lives, as a reporter meets it in Chromium on a 320 px phone with JavaScript
off: a postal code on Svalbard, and a city whose districts (bydeler) each have a service."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page
from sqlalchemy import select

from database import Database
from routing.models import Coverage
from tests.conftest import LIVE_PHONE, LiveSystem
from tests.helpers.browser import PHONE, opened_report
from tests.helpers.services import add_service
from tests.helpers.walks import (
    Person,
    anonymous_to_the_concern_step,
    neighbour_by_postal_code,
    sending_freely,
    svalbard,
)


def anonymous_report_from_the_anonymity_step(person: Person, check_contains: str = "") -> str:
    """From the anonymity step to the receipt, the shortest way; returns the reference."""
    anonymous_to_the_concern_step(person)
    person.fill("What have you seen or heard?", "Bekymret.")
    while not person.page.url.endswith("/report/check"):  # the optional steps
        person.next_page()
    assert check_contains in person.page.inner_text("main")
    return person.send()


def phone(browser: Browser) -> tuple[Page, object]:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    return context.new_page(), context


def test_a_child_on_svalbard_keeps_the_postal_code_and_the_service_reads_where_it_lives(
    browser: Browser, shared_live_system: LiveSystem
):
    sending_freely(shared_live_system)
    page, context = phone(browser)
    person = Person(page, "nb")
    svalbard(person, shared_live_system.base_url)
    reference = anonymous_report_from_the_anonymity_step(person)
    location = opened_report(shared_live_system, reference)["location"]
    assert location == {"municipality_number": "4601", "municipality_name": "Bergen",
                        "postal_code": "9170", "found_by": "lives_on_svalbard"}
    context.close()  # type: ignore[attr-defined]


def with_gamle_oslo(system: LiveSystem) -> None:
    """Oslo's district 030101 served by a service of its own, as Oslo's are."""
    if "030101" in system.key_files:
        return
    database = Database(system.database_url)
    try:
        added = add_service(database, "gamle-oslo", "0301", key_dir=system.root,
                            phone=LIVE_PHONE)
        with database.session() as session:
            session.scalars(select(Coverage).where(
                Coverage.service_id == "gamle-oslo")).one().district = "030101"
    finally:
        database.dispose()
    system.key_files["030101"] = added.key_file


def test_a_neighbour_chooses_the_district_by_its_name_and_sees_it_until_the_receipt(
    browser: Browser, shared_live_system: LiveSystem
):
    sending_freely(shared_live_system)
    with_gamle_oslo(shared_live_system)
    page, context = phone(browser)
    person = Person(page, "nb")
    neighbour_by_postal_code(person, shared_live_system.base_url, "0150")
    person.answer("Yes")
    assert page.url.endswith("/report/district"), page.url
    main = page.inner_text("main")
    assert "Gamle Oslo" in main and "bydel 01" not in main
    assert person.t("The postal code alone does not tell which district it is.") in main
    page.screenshot(path=str(shared_live_system.root / "district-320.png"), full_page=True)
    person.answer("Gamle Oslo")
    reference = anonymous_report_from_the_anonymity_step(person, check_contains="Gamle Oslo")
    assert "Gamle Oslo" in re.sub(r"\s+", " ", page.inner_text("main"))  # the receipt
    location = opened_report(shared_live_system, reference)["location"]
    assert location["district"] == "030101" and location["district_name"] == "Gamle Oslo"
    context.close()  # type: ignore[attr-defined]
