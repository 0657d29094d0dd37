"""axe-core on every page of every path, empty, with errors and filled in, in every shipped
language, at 320 px and 1280 px; and no page scrolls sideways on a 320 px phone."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, Page

import i18n
from tests.browser.walks import PATHS, Person
from tests.conftest import LiveSystem

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WIDTHS = (320, 1280)
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(
    v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


class Audit:
    """Checks each distinct page once per state; a child's version of a step, with its own
    heading, counts as a page of its own."""

    def __init__(self, language: str) -> None:
        self.locale = i18n.BY_CODE[language]
        self.seen: set[tuple[str, str, str]] = set()
        self.problems: list[str] = []

    def __call__(self, page: Page, state: str) -> None:
        heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
        key = (urlsplit(page.url).path, state, heading)
        if key in self.seen:
            return
        self.seen.add(key)
        where = f"{self.locale.code} {state} {urlsplit(page.url).path}"
        html = page.locator("html")
        if (html.get_attribute("lang"), html.get_attribute("dir")) != (
            self.locale.code, self.locale.direction
        ):
            self.problems.append(f"{where}: lang/dir {html.get_attribute('lang')}/"
                                 f"{html.get_attribute('dir')}")
        page.evaluate(AXE_SOURCE)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for violation in page.evaluate(RUN_AXE):
                self.problems.append(f"{where} at {width} px: {violation}")
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > width:
                self.problems.append(f"{where} at {width} px scrolls sideways ({overflow} px)")
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})


@pytest.mark.parametrize("language", [locale.code for locale in i18n.LOCALES])
def test_every_page_in_every_state_has_no_axe_violations_and_fits(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    audit = Audit(language)
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800})
    page = context.new_page()
    for walk in PATHS.values():
        walk(Person(page, language, audit), shared_live_system.base_url)
        page.context.clear_cookies()
    page.goto(f"{shared_live_system.base_url}/about-exit?lang={language}")
    audit(page, "empty")
    context.close()

    assert audit.problems == [], "\n".join(audit.problems)
    assert len(audit.seen) >= 60, f"only {len(audit.seen)} page states checked"


@pytest.mark.parametrize("language", [l.code for l in i18n.LOCALES if l.direction == "rtl"])
def test_right_to_left_pages_are_mirrored_and_numbers_stay_left_to_right(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    person = Person(page, language)
    person.open(f"{shared_live_system.base_url}/?lang={language}")
    person.follow("Start now")
    service_name = page.locator(".service-name").bounding_box()
    exit_link = page.locator(".exit-link").bounding_box()
    assert service_name and exit_link
    assert exit_link["x"] < service_name["x"], "the exit link should be on the left in RTL"
    person.answer("No")
    person.answer("I am worried about a child I know")
    postal_code = page.get_by_label(person.t("What is the postal code where the child lives?"))
    assert postal_code.get_attribute("dir") == "ltr"
    label_box = page.locator(f"label[for={postal_code.get_attribute('id')}]").bounding_box()
    assert label_box and label_box["x"] + label_box["width"] > 1280 / 2, "labels start on the right"
    context.close()


# Every number of several groups ("116 111", "+47 912 34 567") in the page's visible text, with
# where each group is drawn: in a right-to-left sentence such a number must still read left to
# right (an LTR island), or "116 111" shows as "111 116".
NUMBERS_ON_SCREEN = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const pattern = /\+?[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[ \u00a0][0-9\u0660-\u0669\u06f0-\u06f9]+)+/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.checkVisibility() || node.parentElement.closest(".visually-hidden")) continue;
    for (const match of node.data.matchAll(pattern)) {
      const groups = [];
      let offset = match.index;
      for (const group of match[0].split(/[ \u00a0]/)) {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + group.length);
        const box = range.getBoundingClientRect();
        groups.push({left: box.left, top: Math.round(box.top)});
        offset += group.length + 1;
      }
      found.push({number: match[0], groups});
    }
  }
  return found;
}"""


def numbers_drawn_out_of_order(page: Page) -> list[str]:
    """The numbers on the page whose groups are not drawn left to right on one line."""
    wrong = []
    for number in page.evaluate(NUMBERS_ON_SCREEN):
        lefts = [group["left"] for group in number["groups"]]
        lines = {group["top"] for group in number["groups"]}
        if lefts != sorted(lefts) or len(lines) > 1:
            wrong.append(f"{number['number']!r} drawn at {lefts} on {len(lines)} line(s)")
    return wrong


@pytest.mark.parametrize("language", [l.code for l in i18n.LOCALES if l.direction == "rtl"])
def test_emergency_numbers_read_left_to_right_in_right_to_left_sentences(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    person = Person(page, language)
    person.open(f"{shared_live_system.base_url}/?lang={language}")
    seen = {page.url: page.evaluate(NUMBERS_ON_SCREEN)}
    wrong = {page.url: numbers_drawn_out_of_order(page)}
    person.follow("Start now")
    person.answer("Yes")
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 800})
        seen[f"{page.url} at {width}"] = page.evaluate(NUMBERS_ON_SCREEN)
        wrong[f"{page.url} at {width}"] = numbers_drawn_out_of_order(page)
    context.close()

    for where, numbers in seen.items():
        assert "116 111" in {number["number"] for number in numbers}, where
    assert {where: problems for where, problems in wrong.items() if problems} == {}
