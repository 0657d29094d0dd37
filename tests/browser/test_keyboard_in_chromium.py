"""A person who cannot use a mouse: one whole path with the keyboard alone, where every control
they reach shows where the focus is."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator

from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE, assert_report_matches, opened_report
from tests.helpers.walks import Person, professional, sending_freely


@pytest.fixture(scope="module")
def shared_live_system(shared_live_system: LiveSystem) -> LiveSystem:
    """This module sends many reports from one address: the per-client limit raised."""
    return sending_freely(shared_live_system)

MAX_TABS = 80


class KeyboardPerson(Person):
    """Moves with Tab, chooses with the arrow keys and Space, types, and submits with Enter."""

    def _is_focused(self, target: Locator) -> bool:
        return bool(target.evaluate("element => element === document.activeElement"))

    def _tab_to(self, target: Locator, *, same_group: bool = False) -> None:
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self._is_focused(target):
                break
            if same_group and target.evaluate(
                "element => document.activeElement.type === 'radio'"
                " && document.activeElement.name === element.name"
            ):
                break
        else:
            raise AssertionError(f"Tab never reaches {target}")
        shows_focus = self.page.evaluate(
            "() => { const style = getComputedStyle(document.activeElement);"
            " return style.outlineStyle !== 'none' || style.boxShadow !== 'none'; }"
        )
        assert shows_focus, f"no visible focus on {target} at {self.page.url}"

    def continue_(self, label: str = "Continue") -> None:
        self._tab_to(self.page.get_by_role("button", name=self.t(label), exact=True))
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def follow(self, link: str) -> None:
        self._tab_to(self.page.get_by_role("link", name=self.t(link), exact=True))
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.look()

    def choose(self, label: str) -> None:
        target = self.page.get_by_label(self.t(label), exact=True)
        if target.get_attribute("type") == "radio":
            self._tab_to(target, same_group=True)
            for _ in range(12):
                if self._is_focused(target):
                    break
                self.page.keyboard.press("ArrowDown")
            if not target.is_checked():
                self.page.keyboard.press("Space")
        else:
            self._tab_to(target)
            self.page.keyboard.press("Space")
        assert target.is_checked(), label

    def fill(self, label: str, text: str) -> None:
        target = self.page.get_by_label(self.t(label), exact=True)
        self._tab_to(target)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.type(text)

    def select(self, label: str, option: str) -> None:
        target = self.page.get_by_label(self.t(label), exact=True)
        self._tab_to(target)
        self.page.keyboard.type(option[:6])
        assert target.evaluate("element => element.selectedOptions[0].text") == option


# The reporter's whole path in a browser, through to the service's inbox, on each database.
@pytest.mark.each_database
def test_a_professional_sends_a_report_with_the_keyboard_alone(
    browser: Browser, shared_live_system: LiveSystem
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    person = KeyboardPerson(page, "nb")

    page.goto(shared_live_system.base_url + "/?lang=nb")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    expected = professional(person, shared_live_system.base_url)
    context.close()

    assert_report_matches(opened_report(shared_live_system, expected["reference"]), expected)


def test_enter_in_a_text_field_continues_and_keeps_the_answer(
    browser: Browser, shared_live_system: LiveSystem
):
    """Enter presses the form's default button: Continue, not the first language in the
    header (which also belongs to the form, so the language switch keeps what was typed)."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    person = Person(page, "nb")
    person.open(f"{shared_live_system.base_url}/?lang=nb")
    person.follow("Start now")
    person.answer("No")
    person.answer("I am worried about a child I know")
    postal_code = page.get_by_label(person.t("What is the postal code where the child lives?"),
                                    exact=True)
    postal_code.fill("0150")
    with page.expect_navigation():
        postal_code.press("Enter")

    assert page.url.endswith("/report/location-confirm"), page.url
    assert page.locator("html").get_attribute("lang") == "nb"
    assert "0150" in page.locator(".postal-code-summary").inner_text()
    person.press("Previous step")
    assert person.value("What is the postal code where the child lives?") == "0150"
    context.close()
