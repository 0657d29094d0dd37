"""Check your answers, as a person on a 320 px phone with JavaScript off meets it before
"Send" (issue 17): it says where the report goes, at the top and again by the button; it shows
what was answered and lists once what was not, short enough to read (each path's page height
is printed with `pytest -s`); and a professional is told to keep a copy, with a print that has
the answers and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE, opened_report
from tests.helpers.walks import PATHS, Person, neighbour_by_postal_code, sending_freely

MAX_CHECK_PAGE_HEIGHT = 3500
SERVICE = {"private-named": "Barneverntjenesten oslo",
           "private-anonymous": "Barneverntjenesten bergen",
           "professional": "Barneverntjenesten oslo",
           "child": "Barneverntjenesten bergen"}
SHOTS = "/tmp/journey-a"
ANONYMOUS_HINT = (
    "The family may be able to read what you write, so leave out details that reveal who you "
    "are. The service cannot ask you questions, so write as fully as you can. Your receipt lets "
    "you check that they received the report.")
# In Norwegian, what the anonymous option said before: the service "cannot ... tell you that
# they have received the report".
OLD_ANONYMOUS_WORDS = "gi deg beskjed om at de har fått meldingen"


@pytest.fixture(scope="module")
def shared_live_system(shared_live_system: LiveSystem) -> LiveSystem:
    return sending_freely(shared_live_system)


class CheckPage:
    """What the person saw the first time the check page came up on their walk, on screen and,
    for a professional, printed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: dict[str, Any] = {}

    def __call__(self, page: Page, state: str, name: str | None = None) -> None:
        if self.seen or not page.url.endswith("/report/check"):
            return
        self.seen["height"] = page.evaluate("document.documentElement.scrollHeight")
        self.seen["main"] = page.inner_text("main")
        self.seen["destinations"] = [
            (text, box["y"]) for text, box in zip(
                page.locator(".destination").all_inner_texts(),
                [found.bounding_box() for found in page.locator(".destination").all()],
                strict=True)]
        self.seen["send_button_y"] = page.locator("#step-form button.button").bounding_box()["y"]
        self.seen["first_section_y"] = page.locator("main h2").first.bounding_box()["y"]
        page.screenshot(path=f"{SHOTS}/check-{self.path}.png", full_page=True)
        page.emulate_media(media="print")
        self.seen["printed"] = {
            "header": page.locator("header").is_visible(),
            "footer": page.locator("footer").is_visible(),
            "buttons": [button.is_visible() for button in page.locator("button").all()],
            "checkboxes": [box.is_visible() for box in page.locator("input[type=checkbox]").all()],
            "answers": page.locator(".summary-list").first.is_visible(),
            "text": page.inner_text("body"),
        }
        page.emulate_media(media="screen")


@pytest.mark.parametrize("language", ["nb", "ar"])
@pytest.mark.parametrize("path", list(PATHS))
def test_the_check_page_is_short_and_says_where_the_report_goes(
        browser: Browser, shared_live_system: LiveSystem, path: str, language: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    check_page = CheckPage(f"{path}-{language}")
    person = Person(page, language, check=check_page)
    PATHS[path](person, shared_live_system.base_url)
    context.close()
    seen = check_page.seen

    print(f"\ncheck page at 320 px, {path}, {language}: {seen['height']} px")
    assert seen["height"] < MAX_CHECK_PAGE_HEIGHT
    # Where it goes, by name: at the top, and again just above "Send".
    goes_to = person.t("The report goes to: %(service)s") % {"service": SERVICE[path]}
    (top, top_y), (by_send, by_send_y) = seen["destinations"]
    assert top == by_send == goes_to
    assert top_y < seen["first_section_y"] and 0 < seen["send_button_y"] - by_send_y < 200
    # No question shown as answered "Not given"; what was left open is listed once.
    assert person.t("Not given") not in seen["main"]
    assert person.t("I do not know the child's name") not in seen["main"] or path == (
        "private-anonymous")  # ticked there: it is her answer
    if path == "private-named":
        assert person.t("Not answered") in seen["main"]


def test_a_professional_is_told_to_keep_a_copy_and_the_print_has_only_the_answers(
        browser: Browser, shared_live_system: LiveSystem) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    check_page = CheckPage("professional-print")
    person = Person(page, "nb", check=check_page)
    PATHS["professional"](person, shared_live_system.base_url)
    context.close()
    seen, printed = check_page.seen, check_page.seen["printed"]

    assert person.t("Print or save this page as PDF if you need a copy: after sending, your "
                    "answers are deleted here.") in seen["main"]
    assert not printed["header"] and not printed["footer"]
    assert not any(printed["buttons"]) and not any(printed["checkboxes"])
    assert printed["answers"] and "Jonas Berg" in printed["text"]
    assert person.t("Send the report") not in printed["text"]
    assert person.t("Delete my answers") not in printed["text"]


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_reporter_the_family_must_not_know_of_says_how_to_be_contacted_safely(
        browser: Browser, shared_live_system: LiveSystem, language: str) -> None:
    """Issue 17, point 7: the "contact you safely" question, once only a child's, is asked of
    a private reporter who gives their name but not to the family; and the anonymous option no
    longer says the service cannot tell them the report arrived (the receipt's code does)."""
    safe = "Ring etter klokka 15, ikke send brev hjem."
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    person = Person(page, language)
    neighbour_by_postal_code(person, shared_live_system.base_url, "0150")
    person.answer("Yes")
    said = page.inner_text("main")
    assert person.t(ANONYMOUS_HINT) in said
    if language == "nb":
        assert OLD_ANONYMOUS_WORDS not in said
    person.answer("Yes, but I do not want the family to know it was me")
    person.fill("What is the child's name?", "Sara")
    person.next_page()
    person.next_page()  # age
    person.fill("Address", "Storgata 1")
    person.next_page()
    person.answer("I am a neighbour")
    person.answer("No")  # no more children
    person.next_page()  # who the child lives with
    person.next_page()  # topics
    person.fill("What have you seen or heard?", "Hun gråter hver kveld.")
    for _ in range(5):  # source, timing, the child's views, interpreter: all optional
        if page.url.endswith("/report/about-you"):
            break
        person.next_page()
    person.fill("Your name", "Kari Nordmann")
    person.fill("How can the child welfare service contact you safely? (optional)", safe)
    person.next_page()
    assert safe in page.inner_text("main")
    reference = person.send()
    context.close()

    report = opened_report(shared_live_system, reference)
    assert report["anonymity"] == "confidential"
    assert report["reporter"] == {"name": "Kari Nordmann", "phone": None, "email": None,
                                  "safe_contact": safe}
