"""Limits before they bite, in Chromium on a 320 px phone: the hint states each field's limit,
a 100 KB paste is kept with an error saying how much to remove, and with JavaScript a counter
says how many characters are left, and a polite live region says it when typing pauses."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE
from tests.helpers.walks import (
    Person,
    anonymous_to_the_concern_step,
    neighbour_by_postal_code,
    sending_freely,
)

PASTE = ("Bekymret for gutten. " * 5000)[:100_000]


def to_the_concern_step(person: Person, base_url: str) -> None:
    neighbour_by_postal_code(person, base_url, "5003")
    person.answer("Yes")
    anonymous_to_the_concern_step(person)


def spaced(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_the_limit_is_stated_and_a_100_kb_paste_is_kept_with_how_much_to_remove(
    browser: Browser, shared_live_system: LiveSystem, javascript: bool
):
    sending_freely(shared_live_system)
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    page: Page = context.new_page()
    person = Person(page, "nb")
    to_the_concern_step(person, shared_live_system.base_url)
    field = page.get_by_label(person.t("What have you seen or heard?"), exact=True)
    hint = spaced(page.locator("#description-hint").inner_text())
    assert "Opptil 20 000 tegn." in hint
    counter = page.locator("#description-count")
    if javascript:
        assert counter.is_visible()
        field.fill("Hei")
        assert spaced(counter.inner_text()) == "Tegn igjen: 19 997"
        # Said once typing pauses, politely.
        live = page.locator("#description-count-live")
        assert live.get_attribute("aria-live") == "polite"
        page.wait_for_function(
            "() => document.getElementById('description-count-live').textContent !== ''")
        assert spaced(live.inner_text()) == "Tegn igjen: 19 997"
    else:
        assert not counter.is_visible()

    field.fill(PASTE)
    if javascript:
        assert spaced(counter.inner_text()) == "Tegn for mye: 80 000"
    page.screenshot(path=str(shared_live_system.root / f"limit-{javascript}.png"))
    person.continue_()
    person.sees_error()
    message = "For langt: 100 000 tegn, og grensen er 20 000. Fjern 80 000."
    assert message in spaced(page.locator(".error-summary").inner_text())
    assert message in spaced(page.locator("#description-error").inner_text())
    assert field.input_value() == PASTE  # nothing lost
    page.goto(page.url)  # a fresh GET: what the draft holds
    assert field.input_value() == PASTE  # the draft kept it
    context.close()
