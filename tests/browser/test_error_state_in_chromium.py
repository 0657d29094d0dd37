"""The error-state contract (§7.2 item 4 of the UX research): after a wrong answer, the page
says so in its title, puts the focus on a summary whose first link leads to the field, ties the
inline message to the field, and keeps what was typed. JavaScript is off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.conftest import LiveSystem
from tests.helpers.walks import Person


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_wrong_postal_code_gets_the_whole_error_contract(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    person = Person(page, language)
    person.open(f"{shared_live_system.base_url}/?lang={language}")
    person.follow("Start now")
    person.answer("No")
    person.answer("I am worried about a child I know")
    label = "What is the postal code where the child lives?"
    person.fill(label, "01 5O")
    with page.expect_navigation() as navigation:
        person.continue_()

    assert navigation.value.status == 422
    assert page.title().startswith(person.t("Error:") + " ")
    first_in_main = page.evaluate("document.querySelector('main').firstElementChild.className")
    assert "error-summary" in first_in_main
    assert page.evaluate(
        "document.querySelector('main .error-summary').compareDocumentPosition("
        "document.querySelector('main h1')) & Node.DOCUMENT_POSITION_FOLLOWING")
    assert "error-summary" in page.evaluate("document.activeElement.className")

    page.keyboard.press("Tab")
    fragment = page.evaluate("document.activeElement.getAttribute('href')")
    assert fragment and fragment.startswith("#")
    field = page.locator(fragment)
    assert field.get_attribute("id") == fragment[1:]
    assert field.input_value() == "01 5O"
    message_ids = (field.get_attribute("aria-describedby") or "").split()
    messages = [page.locator(f"#{message_id}").inner_text() for message_id in message_ids]
    assert any(person.t("Postal code must be 4 digits, like 0150") in text for text in messages)
    context.close()
