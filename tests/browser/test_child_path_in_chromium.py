"""The child's own path, read as a child reads it: every page from the start page to the
receipt, in bokmål and English, scores at most 35 on LIX (easy text; tests/helpers/readability.py),
and from the first page after "Who are you?" on speaks to the child, not about "the child"."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from babel.support import Translations
from playwright.sync_api import Browser, Page

from tests.conftest import LiveSystem
from tests.helpers.browser import PHONE
from tests.helpers.readability import lix
from tests.helpers.walks import TRANSLATIONS, Person, child, sending_freely

pytestmark = pytest.mark.browser

MAX_LIX = 35
# Words about a child in the third person; "the child welfare service" is the service's name.
THIRD_PERSON = {
    "en": re.compile(r"\bthe child\b(?! welfare)|\bthe parents\b", re.IGNORECASE),
    "nb": re.compile(r"\bbarnets?\b|\bforeldrene\b", re.IGNORECASE),
}
# Pages a child meets before saying they are a child are written for everyone (and must be easy
# too); from the page after "Who are you?" on, every word is the child's.
CHILD_PAGES_FROM = "location"


@pytest.fixture(scope="module")
def shared_live_system(shared_live_system: LiveSystem) -> LiveSystem:
    return sending_freely(shared_live_system)


class Reader:
    """Keeps the text of `main` of each page the walk shows, the first time it is shown."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}

    def __call__(self, page: Page, state: str, name: str | None = None) -> None:
        name = name or urlsplit(page.url).path.rsplit("/", 1)[-1] or "start"
        if state == "empty" and name not in self.pages:
            self.pages[name] = page.locator("main").inner_text()


def read_child_path(browser: Browser, system: LiveSystem, language: str) -> dict[str, str]:
    """The text of each page of the child's path, from the start page on."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    reader = Reader()
    child(Person(context.new_page(), language, reader), system.base_url)
    context.close()
    return reader.pages


def childs_own_pages(pages: dict[str, str]) -> dict[str, str]:
    names = list(pages)
    return {name: pages[name] for name in names[names.index(CHILD_PAGES_FROM):]}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_page_of_the_childs_path_is_easy_to_read(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    pages = read_child_path(browser, shared_live_system, language)
    scores = {name: lix(text).score for name, text in pages.items()}
    for name, score in scores.items():
        print(f"LIX {language} {name}: {score:.1f}")
    assert {"start", "reporter-type", "check", "receipt"} <= set(scores), list(scores)
    assert {name: round(score, 1) for name, score in scores.items() if score > MAX_LIX} == {}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_childs_path_speaks_to_the_child_and_has_one_about_you(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    pages = childs_own_pages(read_child_path(browser, shared_live_system, language))
    heading = Translations.load(str(TRANSLATIONS), [language]).gettext("About you")

    about_the_child = {name: THIRD_PERSON[language].findall(text)
                       for name, text in pages.items()}
    assert {name: found for name, found in about_the_child.items() if found} == {}
    assert pages["check"].splitlines().count(heading) == 1, pages["check"]
