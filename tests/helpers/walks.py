"""A person walking the wizard in Chromium, in one language, finding things by the words they
see on the page (the shipped catalog's translation of each English message id).

Each of the four paths returns the whole report it expects the service to open, built from
what the person typed on the path they finally took, and the words it typed on branches it
turned away from, which must be nowhere in the report.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from babel.support import Translations
from playwright.sync_api import Page

from routing.acceptance import REPORT_SCHEMA

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

    def switch_language(self, code: str) -> None:
        """Open the language menu in the header and choose a language (on a question page the
        choice submits the form)."""
        # The page's lang is BCP 47 (fa-AF); ?lang= and Babel use the CLDR code (fa_AF).
        tag = code.replace("_", "-")
        menu = self.page.locator(".language-switch details")
        if menu.get_attribute("open") is None:
            menu.locator("summary").click()
        with self.page.expect_navigation():
            self.page.locator(f".language-switch li [lang='{tag}']").click()
        assert self.page.locator("html").get_attribute("lang") == tag

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
        found = self.page.locator(".reference")
        assert found.count() == 1, f"no receipt at {self.page.url}: {self.page.inner_text('main')}"
        reference = found.inner_text()
        assert re.fullmatch(r"[A-Z0-9]{8}", reference), reference
        return reference


def sending_freely(system: Any) -> Any:
    """The live system with the per-client limit on sending reports (rate_limits.py) raised:
    these walks send many reports from 127.0.0.1, where real reporters each have their own
    address. The web app restarts to read the new setting."""
    if system.env.get("SUBMISSIONS_PER_HOUR") != "100000":
        system.env["SUBMISSIONS_PER_HOUR"] = "100000"
        system.kill("web", signal.SIGTERM)
        system.start_web()
    return system


# --- the report the service should open -------------------------------------------------------


def child_report(**given: Any) -> dict[str, Any]:
    """One child in the report: what was given, and nothing for the rest."""
    return {"name": None, "approximate_age": None, "national_id": None, "birth_date": None,
            "unborn": False, "address": None, "found_at": None, "description": None,
            "relation": None, "relation_other": None, "told": None, "why_not_told": None,
            **given}


def expected_report(
    person: Person,
    *,
    reporter_type: str,
    danger: str,
    municipality: tuple[str, str],
    postal_code: str,
    children: list[dict[str, Any]],
    reporter: dict[str, Any] | None,
    anonymity: str | None = None,
    parents: dict[str, Any] | None = None,
    concern: dict[str, Any] | None = None,
    interpreter: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole concern-report/1 document but its submission time."""
    return {
        "schema": REPORT_SCHEMA,
        "language": person.language,
        "reporter_type": reporter_type,
        "anonymity": anonymity,
        "child_in_danger_now": danger,
        "location": {"municipality_number": municipality[0], "municipality_name": municipality[1],
                     "postal_code": postal_code, "found_by": "postal_code"},
        "children": children,
        "parents": {"guardians": [], "lives_with": None, "told": None, "why_not_told": None,
                    **(parents or {})},
        "concern": {"topics": [], "description": None, "sources": [], "frequency": None,
                    "since": None, "background": None, "measures": None, "other_agencies": None,
                    "other_views": None, "child_views": None, **(concern or {})},
        "interpreter": {"needed": None, "language": None, **(interpreter or {})},
        "reporter": reporter,
        "anonymous": reporter is None,
    }


# --- the four paths --------------------------------------------------------------------------


def start(person: Person, base_url: str) -> None:
    person.open(f"{base_url}/?lang={person.language}")
    person.follow("Start now")
    person.continue_empty()


def neighbour_by_postal_code(person: Person, base_url: str, postal_code: str) -> None:
    """From the front page: no emergency, a private person who knows the child, and the
    postal code where the child lives, given and sent."""
    start(person, base_url)
    person.answer("No")
    person.answer("I am worried about a child I know")
    person.fill("What is the postal code where the child lives?", postal_code)
    person.next_page()


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
    sara, lars = "Sara Ødegård", "Lars Ødegård"
    address, lives_with = "Storgata 1", "Mor og lillebror"
    description = "Hun sier hun er redd for å gå hjem. خائفة"
    language, name, phone = "Arabisk", "Kari Nordmann", "912 34 567"
    other = "en" if person.language != "en" else "nb"

    start(person, base_url)
    person.answer("No")
    person.continue_empty()
    person.answer("I am worried about a child I know")
    postal_code_after_trying_the_list(person, "Bergen (Vestland)")
    person.continue_empty()
    person.answer("Yes")  # I will give my name
    person.continue_empty()  # a name, or a tick that it is not known
    person.fill("What is the child's name?", sara)
    person.next_page()
    person.fill("Age in years (optional)", "seks")
    person.continue_()
    person.sees_error()
    assert person.value("Age in years (optional)") == "seks"
    person.fill("Age in years (optional)", "6")
    person.next_page()
    person.continue_empty()
    person.fill("Address", address)
    person.next_page()
    person.continue_empty()
    person.answer("I am a neighbour")
    person.continue_empty()
    person.answer("Yes")  # her brother, with the same concern
    person.continue_empty()
    person.fill("What is the child's name?", lars)
    person.next_page()
    person.next_page()  # his age: not known
    person.continue_empty()
    person.choose("I do not know the address")
    person.next_page()
    person.continue_empty()
    person.answer("I am a neighbour")
    person.answer("No")  # no more children to add
    person.fill("Do you know who the child lives with? (optional)", lives_with)
    person.next_page()
    person.choose("The child does not get food, clothes, care or supervision")
    person.next_page()
    person.continue_empty()
    person.fill("What have you seen or heard?", description)
    # Mid-sentence, the page in another language and back: not a word of it lost.
    person.switch_language(other)
    assert person.page.locator("textarea").input_value() == description
    person.switch_language(person.language)
    assert person.value("What have you seen or heard?") == description
    person.next_page()
    person.choose("I have seen or heard it myself")
    person.next_page()
    person.answer("Several times")
    person.next_page()  # the child's views: optional
    person.choose("Yes")
    person.fill("If yes: which language?", language)
    person.next_page()
    person.continue_empty()  # the name is required once you said you would give it
    person.fill("Your name", name)
    # One step back and forward again: what was typed here, not yet sent on, is still here.
    person.press("Previous step")
    assert person.value("If yes: which language?") == language
    person.next_page()
    assert person.value("Your name") == name
    person.fill("Phone number (optional)", phone)
    person.next_page()
    assert sara in person.page.content() and lars in person.page.content()
    person.continue_empty("Send the report")  # the declaration
    return {
        "reference": person.send(),
        "report": expected_report(
            person, reporter_type="private", anonymity="named", danger="no",
            municipality=("0301", "Oslo"), postal_code="0150",
            children=[child_report(name=sara, approximate_age=6, address=address,
                                   relation="neighbour"),
                      child_report(name=lars, relation="neighbour")],
            parents={"lives_with": lives_with},
            concern={"topics": ["neglect"], "description": description,
                     "sources": ["seen-heard"], "frequency": "several"},
            interpreter={"needed": "yes", "language": language},
            reporter={"name": name, "phone": "91234567", "email": None}),
        "abandoned": ["Bergen", "4601", "01500"],
    }


def anonymous_to_the_concern_step(person: Person) -> None:
    """From the anonymity step, the shortest anonymous way to "What have you seen or heard?"."""
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
    assert person.page.url.endswith("/report/concern"), person.page.url


def private_anonymous(person: Person, base_url: str) -> dict[str, Any]:
    found_at = "Skolen på Nordnes"
    description = "Gutten har ikke vært på skolen på to uker."

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
    person.fill("Where can the child welfare service find the child? (optional)", found_at)
    person.next_page()
    person.answer("I am a friend of the family")
    person.answer("No")
    person.next_page()  # parents: optional
    person.next_page()  # topics: optional
    person.fill("What have you seen or heard?", description)
    person.next_page()
    person.next_page()  # source: optional
    person.next_page()  # timing: optional
    person.next_page()
    person.next_page()
    assert person.t(
        "You report anonymously. The family may be able to read what you write, "
        "so leave out details that reveal who you are."
    ) in person.page.inner_text("main")
    person.continue_empty("Send the report")
    return {
        "reference": person.send(),
        "report": expected_report(
            person, reporter_type="private", anonymity="anonymous", danger="unsure",
            municipality=("4601", "Bergen"), postal_code="5003",
            children=[child_report(found_at=found_at, relation="family-friend")],
            concern={"description": description},
            reporter=None),
        "abandoned": [],
    }


def professional(person: Person, base_url: str) -> dict[str, Any]:
    child_name, national_id, address = "Jonas Berg", "010180 12371", "Skolegata 2"
    why_not_child = "Han er redd for at far får vite det."
    parent, why_not_parents = "Per Berg", "Mistanke om vold."
    description, background = "Blåmerker på armene, sier han falt.", "Ny elev i høst. Mye fravær."
    you = {"name": "Lena Lærer", "role": "Kontaktlærer", "workplace": "Sentrum skole",
           "workplace_address": "Skoleveien 1, 0150 Oslo", "email": "lena@skole.example"}

    start(person, base_url)
    person.answer("Yes")
    person.next_page("I have called and want to send a written report")
    person.continue_empty()
    person.answer("I am reporting as part of my job")
    person.continue_empty()
    person.fill("What is the postal code where the child lives?", "0150")
    person.next_page()
    person.continue_empty()
    # Another municipality from the list, and on from there; then back after all to the one
    # the postal code gave. Bergen is an abandoned branch.
    person.answer("No, choose another municipality")
    person.continue_empty()
    person.select("Which municipality does the child live in?", "Bergen (Vestland)")
    person.next_page()
    assert person.page.url.endswith("/report/child-1-name"), person.page.url
    person.press("Previous step")
    person.press("Previous step")
    person.answer("Yes")
    person.continue_empty()
    person.fill("What is the child's name?", child_name)
    person.next_page()
    person.continue_empty()
    person.fill("National identity number (11 digits)", national_id)
    person.next_page()
    person.continue_empty()
    person.fill("Address", address)
    person.next_page()
    person.choose("No")
    person.continue_()
    person.sees_error()  # "if no, why not?" is required
    person.fill("If no: why not?", why_not_child)
    person.next_page()
    person.continue_empty()
    person.answer("No")
    person.continue_empty()
    person.fill("Name of parent or guardian 1", parent)
    person.next_page()
    person.continue_empty()
    person.choose("No")
    person.fill("If no: why not?", why_not_parents)
    person.next_page()
    person.choose("Violence against the child")
    person.next_page()
    person.continue_empty()
    person.fill("What have you seen or heard?", description)
    person.next_page()
    person.continue_empty()
    person.choose("I have seen or heard it myself")
    person.choose("The child has told me")
    person.next_page()
    person.answer("Over a long time")
    person.continue_empty()
    person.fill("Background and history", background)
    person.next_page()
    person.next_page()  # the child's views
    # "Yes" and a language typed, then "I do not know" after all: the language was not asked.
    person.choose("Yes")
    person.fill("If yes: which language?", "Tigrinja")
    person.choose("I do not know")
    person.next_page()
    person.continue_empty()
    person.fill("Your name", you["name"])
    person.fill("Your role or job title", you["role"])
    person.fill("Your workplace", you["workplace"])
    person.fill("Your workplace's address", you["workplace_address"])
    person.fill("Organisation number (optional)", "974 760 673")
    person.fill("Phone number", "+47 22 00 00 00")
    person.fill("Email address", you["email"])
    person.next_page()
    assert person.t("Print or save this page as PDF if you need a copy: after sending, your "
                    "answers are deleted here.") in person.page.inner_text("main")
    person.continue_empty("Send the report")
    return {
        "reference": person.send(),
        "report": expected_report(
            person, reporter_type="professional", danger="yes",
            municipality=("0301", "Oslo"), postal_code="0150",
            children=[child_report(name=child_name, national_id="01018012371", address=address,
                                   told="no", why_not_told=why_not_child)],
            parents={"guardians": [{"name": parent, "phone": None}], "told": "no",
                     "why_not_told": why_not_parents},
            concern={"topics": ["violence"], "description": description,
                     "sources": ["seen-heard", "child-told"], "frequency": "long",
                     "background": background},
            interpreter={"needed": "unknown"},
            reporter={**you, "organisation_number": "974760673", "phone": "+4722000000"}),
        "abandoned": ["Bergen", "4601", "Tigrinja"],
    }


def child(person: Person, base_url: str) -> dict[str, Any]:
    description = "Det er mye krangling hjemme og jeg får ikke sove."
    views = "At noen snakker med mamma."

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
    person.fill("What is happening?", description)
    person.next_page()
    person.next_page()  # timing
    person.fill("What do you want to happen? (optional)", views)
    person.next_page()
    person.next_page()  # a safe way to contact me: optional
    reference = person.send_without_declaration()
    assert "116 111" in person.page.inner_text("main")
    return {
        "reference": reference,
        "report": expected_report(
            person, reporter_type="child", danger="no",
            municipality=("4601", "Bergen"), postal_code="5003",
            children=[child_report(approximate_age=13, is_the_reporter=True)],
            concern={"description": description, "child_views": views},
            reporter={"safe_contact": None}),
        "abandoned": [],
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
    person.select("Which municipality do you live in yourself?", "Tromsø (Troms)")
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


def a_district(person: Person, base_url: str) -> None:
    """A municipality with a district served by a service of its own (Trondheim's 500101,
    which the accessibility module's live system adds): the district step, empty, with its
    error and filled in."""
    neighbour_by_postal_code(person, base_url, "7010")
    person.answer("Yes")
    assert person.page.url.endswith("/report/district"), person.page.url
    person.continue_empty()
    person.answer("I do not know / another district")
    assert person.page.url.endswith("/report/anonymity"), person.page.url


def svalbard(person: Person, base_url: str) -> None:
    """A postal code on Svalbard: refused, with its own button on to the list, which asks
    where the family is registered; the postal code stays on the location page."""
    start(person, base_url)
    person.answer("No")
    person.answer("I am worried about a child I know")
    person.fill("What is the postal code where the child lives?", "9170")
    person.continue_()
    person.sees_error()
    person.press("Choose the municipality from the list")
    assert person.page.url.endswith("/report/municipality"), person.page.url
    person.continue_empty()
    person.select("Which municipality is the child's family registered in?", "Bergen (Vestland)")
    person.next_page()
    assert person.page.url.endswith("/report/anonymity"), person.page.url


def expired_draft_cookie() -> str:
    """A well-formed draft cookie whose draft the server no longer has."""
    from intake.drafts import DraftKey

    return DraftKey.new().to_cookie()


MORE_PAGES = {
    "where-the-child-was": where_the_child_was,
    "siblings-then-gone": siblings_then_gone,
    "a-district": a_district,
    "svalbard": svalbard,
}
