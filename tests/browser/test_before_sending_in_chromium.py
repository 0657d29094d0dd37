"""Check your answers, as a person on a 320 px phone with JavaScript off meets it before
"Send" (issue 17): it says where the report goes, at the top and again by the button; it shows
what was answered and lists once what was not, short enough to read (each path's page height
is printed with `pytest -s`); and a professional is told to keep a copy, with a print that has
the answers and nothing else."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE, opened_report
from tests.helpers.walks import Person, sending_freely, start

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
    start(person, shared_live_system.base_url)
    person.answer("No")
    person.answer("I am worried about a child I know")
    person.fill("What is the postal code where the child lives?", "0150")
    person.next_page()
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
