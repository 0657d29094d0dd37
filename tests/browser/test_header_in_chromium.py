"""The header on a 320 x 720 phone leaves the question in view: on a question page it takes at
most 120 px in every shipped language (title, exit button, one language control, a one-line
translation notice), and the language control opens with the keyboard alone, with JavaScript
off, and switches the language without losing what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

import i18n
from tests.conftest import LiveSystem
from tests.helpers.walks import Person

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 720}
MAX_HEADER_PX = 120


def header_height(page: Page) -> float:
    box = page.locator("header.site-header").bounding_box()
    assert box, page.url
    return box["height"]


def test_the_header_of_a_question_page_takes_at_most_120_px_on_a_phone_in_every_language(
    browser: Browser, shared_live_system: LiveSystem
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    heights, start_heights, notice_lines = {}, {}, {}
    for locale in i18n.LOCALES:
        page.goto(f"{shared_live_system.base_url}/?lang={locale.code}")
        start_heights[locale.code] = header_height(page)
        page.goto(f"{shared_live_system.base_url}/report/emergency?lang={locale.code}")
        heights[locale.code] = header_height(page)
        # The notice is one line, and says where the whole text is.
        notice = page.locator(".translation-notice")
        if not locale.reviewed:
            lines = notice.evaluate(
                "e => Math.round(e.getBoundingClientRect().height"
                " / parseFloat(getComputedStyle(e).lineHeight))")
            notice_lines[locale.code] = lines
            target = notice.locator("a").get_attribute("href")
            assert target and page.locator(target).count() == 1, (locale.code, target)
    context.close()
    for code in heights:
        print(f"header at 320 px, {code}: question page {heights[code]:.0f} px, "
              f"start page {start_heights[code]:.0f} px")
    assert {code: h for code, h in heights.items() if h > MAX_HEADER_PX} == {}
    assert {code: n for code, n in notice_lines.items() if n != 1} == {}


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_the_language_menu_opens_and_switches_by_keyboard_and_keeps_what_was_typed(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    person = Person(page, language)
    person.open(f"{shared_live_system.base_url}/?lang={language}")
    person.follow("Start now")
    person.answer("No")
    person.answer("I am worried about a child I know")
    postal_code = page.get_by_label(person.t("What is the postal code where the child lives?"))
    postal_code.fill("0150")

    menu = page.locator(".language-switch details")
    assert not page.get_by_role("button", name="English").is_visible()  # closed
    page.locator("body").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None
    english = page.get_by_role("button", name="English")
    assert english.is_visible()
    while not english.evaluate("e => e === document.activeElement"):
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("What is the postal code where the child lives?").input_value() \
        == "0150"
    context.close()
