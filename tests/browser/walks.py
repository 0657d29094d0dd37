"""A person walking the wizard in Chromium, in one language, finding things by the words they
see on the page (the shipped catalog's translation of each English message id).

Each walk returns the answers it expects to arrive in the sealed report, so a test can compare
what the service opens with what the person typed on the path they finally took.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from babel.support import Translations
from playwright.sync_api import Page

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@cache
def extracted_messages() -> frozenset[str]:
    """The message ids in messages.pot. One written since the last extraction is shown in
    English until it is translated (tests/unit/test_catalogs.py fails meanwhile), so the walk
    looks for the English words; every extracted one must have been translated."""
    with open(TRANSLATIONS / "messages.pot", "rb") as template:
        return frozenset(str(m.id) for m in read_po(template) if m.id and isinstance(m.id, str))
Check = Callable[[Page, str, str | None], None]


def no_check(page: Page, state: str, name: str | None = None) -> None:
    """The default: look at nothing."""


@dataclass
class Person:
    page: Page
    language: str
    check: Check = no_check
    _catalog: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._catalog = Translations.load(str(TRANSLATIONS), [self.language])

    def t(self, message: str) -> str:
        """What this person reads where the English message id is `message`."""
        translated = self._catalog.gettext(message)
        if self.language != "en" and message in extracted_messages():
            assert translated != message, f"{self.language} has no translation of {message!r}"
        return translated

    # --- looking -----------------------------------------------------------------------------

    def look(self, state: str = "empty", name: str | None = None) -> None:
        """Let the check see the page in this state; `name` names a page its URL does not
        (the no-draft page shown at a step's address)."""
        self.check(self.page, state, name)

    def sees_error(self) -> None:
        assert self.page.title().startswith(self.t("Error:")), self.page.title()
        assert self.page.locator(".error-summary").is_visible()
        self.look("error")

    # --- doing -------------------------------------------------------------------------------

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.look()

    def continue_(self, label: str = "Continue") -> None:
        self.click("button", self.t(label))

    def click(self, role: str, name: str) -> None:
        """Click and wait for the page it leads to (every button and link here leads on)."""
        with self.page.expect_navigation():
            self.page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]

    def continue_empty(self, label: str = "Continue") -> None:
        """Continue without answering: the page must come back with an error summary."""
        self.continue_(label)
        self.sees_error()

    def next_page(self, label: str = "Continue") -> None:
        self.look("filled")
        self.continue_(label)
        self.look()

    def choose(self, label: str) -> None:
        self.page.get_by_label(self.t(label), exact=True).check()

    def fill(self, label: str, text: str) -> None:
        self.page.get_by_label(self.t(label), exact=True).fill(text)

    def select(self, label: str, option: str) -> None:
        self.page.get_by_label(self.t(label), exact=True).select_option(label=option)

    def follow(self, link: str) -> None:
        self.click("link", self.t(link))
        self.look()

    def value(self, label: str) -> str:
        return self.page.get_by_label(self.t(label), exact=True).input_value()

    def press(self, label: str) -> None:
        self.continue_(label)
        self.look()

    def answer(self, label: str) -> None:
        """Choose one option and go on."""
        self.choose(label)
        self.next_page()

    def send(self) -> str:
        self.choose("I confirm that the information is correct as far as I know")
        return self.send_without_declaration()

    def send_without_declaration(self) -> str:
        self.look("filled")
        self.continue_("Send the report")
        self.look()
        reference = self.page.locator(".reference").inner_text()
        assert re.fullmatch(r"[A-Z0-9]{8}", reference), reference
        return reference


# --- the four paths --------------------------------------------------------------------------


def start(person: Person, base_url: str) -> None:
    person.open(f"{base_url}/?lang={person.language}")
    person.follow("Start now")
    person.continue_empty()


def postal_code_after_trying_the_list(person: Person, wrong_municipality: str) -> None:
    """Choose from the list first, then go back and give the postal code instead: the list
    choice is an abandoned branch and must not route the report."""
    person.press("I do not know the postal code – choose the municipality from a list")
    person.continue_empty()
    person.select("Which municipality does the child live in?", wrong_municipality)
    person.look("filled")
    person.press("Previous step")
    person.fill("What is the postal code where the child lives?", "01500")
    person.continue_()  # five digits: an error, and what was typed stays
    person.sees_error()
    assert person.value("What is the postal code where the child lives?") == "01500"
    person.fill("What is the postal code where the child lives?", "0 150")
    person.next_page()
    person.continue_empty()
    person.answer("Yes")


def private_named(person: Person, base_url: str) -> dict[str, Any]:
    start(person, base_url)
    person.answer("No")
    person.continue_empty()
    person.answer("I am worried about a child I know")
    postal_code_after_trying_the_list(person, "Bergen (Vestland)")
    person.continue_empty()
    person.answer("Yes")  # I will give my name
    person.continue_empty()  # a name, or a tick that it is not known
    person.fill("What is the child's name?", "Sara Ødegård")
    person.next_page()
    person.fill("Age in years (optional)", "seks")
    person.continue_()
    person.sees_error()
    assert person.value("Age in years (optional)") == "seks"
    person.fill("Age in years (optional)", "6")
    person.next_page()
    person.continue_empty()
    person.fill("Address", "Storgata 1")
    person.next_page()
    person.continue_empty()
    person.answer("I am a neighbour")
    person.continue_empty()
    person.answer("Yes")  # her brother, with the same concern
    person.continue_empty()
    person.fill("What is the child's name?", "Lars Ødegård")
    person.next_page()
    person.next_page()  # his age: not known
    person.continue_empty()
    person.choose("I do not know the address")
    person.next_page()
    person.continue_empty()
    person.answer("I am a neighbour")
    person.answer("No")  # no more children to add
    person.fill("Do you know who the child lives with? (optional)", "Mor og lillebror")
    person.next_page()
    person.choose("The child does not get food, clothes, care or supervision")
    person.next_page()
    person.continue_empty()
    person.fill("What have you seen or heard?", "Hun sier hun er redd for å gå hjem. خائفة")
    person.next_page()
    person.choose("I have seen or heard it myself")
    person.next_page()
    person.answer("Several times")
    person.next_page()  # the child's views: optional
    person.next_page()  # interpreter: optional
    person.continue_empty()  # the name is required once you said you would give it
    person.fill("Your name", "Kari Nordmann")
    person.fill("Phone number (optional)", "912 34 567")
    person.next_page()
    assert "Sara Ødegård" in person.page.content()
    person.continue_empty("Send the report")  # the declaration
    reference = person.send()
    return {
        "reference": reference,
        "reporter_type": "private",
        "anonymity": "named",
        "municipality_number": "0301",
        "found_by": "postal_code",
        "children": [{"name": "Sara Ødegård", "approximate_age": 6, "address": "Storgata 1",
                      "relation": "neighbour"},
                     {"name": "Lars Ødegård", "approximate_age": None, "address": None,
                      "relation": "neighbour"}],
        "description": "Hun sier hun er redd for å gå hjem. خائفة",
        "topics": ["neglect"],
        "reporter": {"name": "Kari Nordmann", "phone": "91234567"},
    }


def private_anonymous(person: Person, base_url: str) -> dict[str, Any]:
    start(person, base_url)
    person.answer("I am not sure")
    person.next_page("Continue to the written report")
    person.answer("I am worried about a child I know")
    person.fill("What is the postal code where the child lives?", "5003")
    person.next_page()
    person.answer("Yes")
    person.answer("No, I want to be anonymous")
    person.choose("I do not know the child's name")
    person.next_page()
    person.next_page()  # age: optional
    person.continue_empty()  # no address and no way to find the child
    person.choose("I do not know the address")
    person.fill("Where can the child welfare service find the child? (optional)",
                "Skolen på Nordnes")
    person.next_page()
    person.answer("I am a friend of the family")
    person.answer("No")
    person.next_page()  # parents: optional
    person.next_page()  # topics: optional
    person.fill("What have you seen or heard?", "Gutten har ikke vært på skolen på to uker.")
    person.next_page()
    person.next_page()  # source: optional
    person.next_page()  # timing: optional
    person.next_page()
    person.next_page()
    assert person.t("You report anonymously. The family may be able to read what you write, "
                    "so leave out details that reveal who you are.") in person.page.inner_text("main")
    person.continue_empty("Send the report")
    reference = person.send()
    return {
        "reference": reference,
        "reporter_type": "private",
        "anonymity": "anonymous",
        "municipality_number": "4601",
        "found_by": "postal_code",
        "children": [{"name": None, "found_at": "Skolen på Nordnes", "relation": "family-friend"}],
        "description": "Gutten har ikke vært på skolen på to uker.",
        "topics": [],
        "reporter": None,
    }


def professional(person: Person, base_url: str) -> dict[str, Any]:
    start(person, base_url)
    person.answer("Yes")
    person.next_page("I have called and want to send a written report")
    person.answer("I am reporting as part of my job")
    person.continue_empty()
    person.fill("What is the postal code where the child lives?", "0150")
    person.next_page()
    person.continue_empty()
    person.answer("No, choose another municipality")  # then back, and yes after all
    person.continue_empty()
    person.press("Previous step")
    person.answer("Yes")
    person.continue_empty()
    person.fill("What is the child's name?", "Jonas Berg")
    person.next_page()
    person.continue_empty()
    person.fill("National identity number (11 digits)", "010180 12371")
    person.next_page()
    person.continue_empty()
    person.fill("Address", "Skolegata 2")
    person.next_page()
    person.choose("No")
    person.continue_()
    person.sees_error()  # "if no, why not?" is required
    person.fill("If no: why not?", "Han er redd for at far får vite det.")
    person.next_page()
    person.continue_empty()
    person.answer("No")
    person.continue_empty()
    person.fill("Name of parent or guardian 1", "Per Berg")
    person.next_page()
    person.continue_empty()
    person.choose("No")
    person.fill("If no: why not?", "Mistanke om vold.")
    person.next_page()
    person.choose("Violence against the child")
    person.next_page()
    person.continue_empty()
    person.fill("What have you seen or heard?", "Blåmerker på armene, sier han falt.")
    person.next_page()
    person.continue_empty()
    person.choose("I have seen or heard it myself")
    person.choose("The child has told me")
    person.next_page()
    person.answer("Over a long time")
    person.continue_empty()
    person.fill("Background and history", "Ny elev i høst. Mye fravær.")
    person.next_page()
    person.next_page()  # the child's views
    person.choose("Yes")
    person.fill("If yes: which language?", "Polsk")
    person.next_page()
    person.continue_empty()
    person.fill("Your name", "Lena Lærer")
    person.fill("Your role or job title", "Kontaktlærer")
    person.fill("Your workplace", "Sentrum skole")
    person.fill("Your workplace's address", "Skoleveien 1, 0150 Oslo")
    person.fill("Organisation number (optional)", "974 760 673")
    person.fill("Phone number", "+47 22 00 00 00")
    person.fill("Email address", "lena@skole.example")
    person.next_page()
    assert person.t("If you need a copy for your records, print this page or save it as PDF "
                    "from your browser's menu now. After you send, your answers are deleted "
                    "from this website and only the child welfare service has them."
                    ) in person.page.inner_text("main")
    person.continue_empty("Send the report")
    reference = person.send()
    return {
        "reference": reference,
        "reporter_type": "professional",
        "anonymity": None,
        "municipality_number": "0301",
        "found_by": "postal_code",
        "children": [{"name": "Jonas Berg", "national_id": "01018012371",
                      "address": "Skolegata 2", "told": "no",
                      "why_not_told": "Han er redd for at far får vite det."}],
        "description": "Blåmerker på armene, sier han falt.",
        "topics": ["violence"],
        "reporter": {"name": "Lena Lærer", "role": "Kontaktlærer", "workplace": "Sentrum skole",
                     "organisation_number": "974760673", "phone": "+4722000000",
                     "email": "lena@skole.example"},
    }


def child(person: Person, base_url: str) -> dict[str, Any]:
    start(person, base_url)
    person.answer("No")
    person.answer("I am under 18 and this is about me")
    person.continue_empty()
    person.fill("What is the postal code where you live?", "5003")
    person.next_page()
    person.continue_empty()
    person.answer("Yes")
    person.next_page()  # my name: optional, and left out
    person.fill("How old are you? (optional)", "13")
    person.next_page()
    person.next_page()  # topics: optional
    person.continue_empty()
    person.fill("What is happening?", "Det er mye krangling hjemme og jeg får ikke sove.")
    person.next_page()
    person.next_page()  # timing
    person.fill("What do you want to happen? (optional)", "At noen snakker med mamma.")
    person.next_page()
    person.next_page()  # a safe way to contact me: optional
    reference = person.send_without_declaration()
    assert "116 111" in person.page.inner_text("main")
    return {
        "reference": reference,
        "reporter_type": "child",
        "anonymity": None,
        "municipality_number": "4601",
        "found_by": "postal_code",
        "children": [{"name": None, "approximate_age": 13, "is_the_reporter": True}],
        "description": "Det er mye krangling hjemme og jeg får ikke sove.",
        "topics": [],
        "reporter": {"safe_contact": None},
    }


PATHS = {
    "private-named": private_named,
    "private-anonymous": private_anonymous,
    "professional": professional,
    "child": child,
}


# --- pages the four paths do not reach, for the accessibility audit ---------------------------


def where_the_child_was(person: Person, base_url: str) -> None:
    """Knows neither where the child lives nor where it was, and lives where no service is
    connected: the where-was list, the reporter's own municipality, the not-connected page."""
    start(person, base_url)
    person.answer("No")
    person.answer("I am worried about a child I know")
    person.press("I do not know where the child lives")
    person.continue_empty()
    person.select("Which municipality was the child in when you became worried?",
                  person.t("I do not know this either"))
    person.next_page()
    person.continue_empty()
    person.select("Which municipality do you live in?", "Tromsø (Troms)")
    person.next_page()  # no service covers Tromsø here: the not-connected page
    assert person.page.url.endswith("/report/not-connected"), person.page.url


def siblings_then_gone(person: Person, base_url: str) -> None:
    """A professional's two children, the second's own steps, the list with remove buttons;
    then the answers deleted, the pages that say there are none, and a page that does not
    exist."""
    start(person, base_url)
    person.answer("No")
    person.answer("I am reporting as part of my job")
    person.fill("What is the postal code where the child lives?", "0150")
    person.next_page()
    person.answer("Yes")
    person.fill("What is the child's name?", "Ola")
    person.next_page()
    person.fill("National identity number (11 digits)", "01018012371")
    person.next_page()
    person.fill("Address", "Storgata 1")
    person.next_page()
    person.answer("Yes")  # Ola knows
    person.answer("Yes")  # a brother or sister with the same concern
    assert person.page.url.endswith("/report/child-2-name"), person.page.url
    person.continue_empty()
    person.fill("What is the child's name?", "Kari")
    person.next_page()
    person.continue_empty()
    person.fill("National identity number (11 digits)", "15076500565")
    person.next_page()
    person.continue_empty()
    person.fill("Address", "Storgata 1")
    person.next_page()
    person.continue_empty()
    person.answer("Yes")
    person.continue_empty()  # two children, each with a remove button
    person.look("filled")
    remove = f"{person.t('Remove')} {person.t('child %(number)d') % {'number': 2}}"
    person.click("button", remove)
    person.look()
    assert "Kari" not in person.page.inner_text("main")
    person.press("Delete my answers")
    person.page.goto(f"{base_url}/report/concern")
    person.look(name="no-draft")
    person.page.context.add_cookies([{"name": "draft", "value": expired_draft_cookie(),
                                      "url": base_url}])
    person.page.goto(f"{base_url}/report/concern")
    person.look(name="no-draft-expired")
    person.page.goto(f"{base_url}/report/no-such-step")
    person.look(name="not-found")
    person.page.goto(f"{base_url}/no-such-page")
    person.look(name="not-found")


def expired_draft_cookie() -> str:
    """A well-formed draft cookie whose draft the server no longer has."""
    from intake.drafts import DraftKey

    return DraftKey.new().to_cookie()


MORE_PAGES = {
    "where-the-child-was": where_the_child_was,
    "siblings-then-gone": siblings_then_gone,
}
