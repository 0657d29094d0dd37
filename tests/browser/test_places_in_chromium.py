"""Where the child lives, as a reporter meets it in Chromium on a 320 px phone with JavaScript
off: a postal code on Svalbard, and a city whose districts (bydeler) each have a service."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE, opened_report
from tests.helpers.walks import Person, sending_freely, svalbard


def anonymous_report_from_the_anonymity_step(person: Person) -> str:
    """From the anonymity step to the receipt, the shortest way; returns the reference."""
    person.answer("No, I want to be anonymous")
    person.choose("I do not know the child's name")
    person.next_page()
    person.next_page()  # age: optional
    person.choose("I do not know the address")
    person.fill("Where can the child welfare service find the child? (optional)", "Skolen")
    person.next_page()
    person.answer("I am a friend of the family")
    person.answer("No")
    person.next_page()  # parents
    person.next_page()  # topics
    person.fill("What have you seen or heard?", "Bekymret.")
    while not person.page.url.endswith("/report/check"):  # the optional steps
        person.next_page()
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
    assert location == {"municipality_number": "0301", "municipality_name": "Oslo",
                        "postal_code": "9170", "found_by": "lives_on_svalbard"}
    context.close()  # type: ignore[attr-defined]
