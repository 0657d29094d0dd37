"""axe-core on every page of the wizard, empty, with errors (every step with a required answer)
and filled in, in every shipped language, at 320 px and 1280 px; no page scrolls sideways on a
320 px phone; and in Arabic and Urdu every number reads left to right.

Every state of every page is seen and counted; a state is audited at both widths unless the
very same markup was already audited (axe's verdict depends only on the document and the
viewport), so a reporter type's own version of a step at the same URL (the professional's
child-1-age, say) is audited, while the same page met again unchanged is not audited twice."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import i18n
from database import Database
from intake import journey
from intake.forms import FORMS, StepContext
from routing.models import Coverage, Service
from tests.conftest import LIVE_PHONE, LiveSystem
from tests.helpers.services import add_service
from tests.helpers.walks import MORE_PAGES, PATHS, Person, sending_freely


@pytest.fixture(scope="module")
def shared_live_system(shared_live_system: LiveSystem) -> LiveSystem:
    """This module sends many reports from one address: the per-client limit raised. And
    Trondheim has a district served apart, so a walk meets the district step (a_district)."""
    with_a_district(shared_live_system)
    return sending_freely(shared_live_system)


def with_a_district(system: LiveSystem) -> None:
    database = Database(system.database_url)
    try:
        with database.session() as session:
            if session.get(Service, "trondheim") is not None:
                return
        add_service(database, "trondheim", "5001", key_dir=system.root, phone=LIVE_PHONE)
        add_service(database, "trondheim-midtbyen", "5001", key_dir=system.root,
                    phone=LIVE_PHONE)
        with database.session() as session:
            session.scalars(select(Coverage).where(
                Coverage.service_id == "trondheim-midtbyen")).one().district = "500101"
    finally:
        database.dispose()

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WIDTHS = (320, 1280)
# The research's tag set (ux-accessibility.md §7.1). axe_playwright_python's Axe.run(page,
# options=...) passes `options` to axe.run() as they are; axe is called directly here with the
# same options so that it is injected once per page and run at both widths.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
    # Fetching the stylesheets again serves only css-orientation-lock, an experimental rule
    # these tags do not run; without it each run takes a third less time.
    "preload": False,
}
RUN_AXE = """async (options) => {
  const results = await axe.run(document, options);
  return results.violations.map(
    v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""
# The page's markup without what differs on every load (the CSRF token).
MARKUP = """() => document.documentElement.outerHTML
  .replace(/name="csrf_token" value="[^"]*"/g, "")"""
REPORTER_TYPES = {"private-named": "private", "private-anonymous": "private",
                  "professional": "professional", "child": "child",
                  "where-the-child-was": "private", "siblings-then-gone": "professional",
                  "a-district": "private", "svalbard": "private"}
BEFORE_REPORTER_TYPE = {"emergency", "emergency-call", "reporter-type"}


def page_name(url: str) -> str:
    path = urlsplit(url).path
    # A page rendered in answer to a POST has the address it was posted to.
    return {"/": "start", "/report/delete": "deleted", "/report/send": "check"}.get(
        path, path.rsplit("/", 1)[-1])


class Audit:
    """Sees every page a walk shows; audits each distinct one; remembers what it saw."""

    def __init__(self, language: str) -> None:
        self.locale = i18n.BY_CODE[language]
        self.walk = ""
        self.seen: set[tuple[str | None, str, str]] = set()  # (reporter type, page, state)
        self.audited: set[str] = set()
        self.problems: list[str] = []
        self.axe_runs = 0

    def __call__(self, page: Page, state: str, name: str | None = None) -> None:
        name = name or page_name(page.url)
        reporter_type = None if name in BEFORE_REPORTER_TYPE else REPORTER_TYPES.get(self.walk)
        self.seen.add((reporter_type, name, state))
        markup = hashlib.sha256(page.evaluate(MARKUP).encode()).hexdigest()
        # axe's verdict depends only on the document and the viewport: a state whose markup
        # was already audited (a filled page shown again unchanged, the same page reached by
        # another walk) would get the same answer, so it is counted as seen, not audited twice.
        key = markup
        if key in self.audited:
            return
        self.audited.add(key)
        where = f"{self.locale.code} {self.walk} {name} {state}"
        html = page.locator("html")
        if (html.get_attribute("lang"), html.get_attribute("dir")) != (
            self.locale.tag, self.locale.direction
        ):
            self.problems.append(f"{where}: lang/dir {html.get_attribute('lang')}/"
                                 f"{html.get_attribute('dir')}")
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE_SOURCE)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            self.axe_runs += 1
            for violation in page.evaluate(RUN_AXE, AXE_OPTIONS):
                self.problems.append(f"{where} at {width} px: {violation}")
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > width:
                self.problems.append(f"{where} at {width} px scrolls sideways ({overflow} px)")
            if self.locale.direction == "rtl":
                self.problems += [f"{where} at {width} px: {wrong}"
                                  for wrong in numbers_drawn_out_of_order(page)]
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})


def required_steps(reporter_type: str | None) -> set[str]:
    """The step kinds whose form refuses an empty answer from this reporter type."""
    answers = {"reporter-type": {"reporter_type": reporter_type}} if reporter_type else {}
    required = set()
    for kind, form_class in FORMS.items():
        context = StepContext(answers=answers, municipality_choices=[("0301", "Oslo (Oslo)")])
        form = form_class(MultiDict(), context)
        if list(form) and not form.validate():
            required.add(kind)
    return required


def has_fields(kind: str) -> bool:
    return any(list(FORMS[kind](MultiDict(), StepContext(
        answers={"reporter-type": {"reporter_type": reporter_type}})))
        for reporter_type in ("private", "professional", "child"))


def missing_coverage(seen: set[tuple[str | None, str, str]]) -> list[str]:
    """What the walks should have shown and did not."""
    missing = []
    pages = {name for _type, name, _state in seen}
    every_step = journey.FIXED_NAMES | {
        journey.child_step(index, kind) for index in (1, 2) for kind in journey.PER_CHILD_NAMES}
    for step in sorted(every_step):
        states = ("empty", "filled") if has_fields(journey.kind(step)) else ("empty",)
        missing += [f"{step} {state}" for state in states
                    if not any((name, st) == (step, state) for _t, name, st in seen)]
    # Every version of a step with a required answer, with its errors showing.
    for reporter_type, name, state in sorted(seen, key=str):
        if state == "empty" and journey.is_step(name) and (
            journey.kind(name) in required_steps(reporter_type)
        ) and (reporter_type, name, "error") not in seen:
            missing.append(f"{name} error for {reporter_type}")
    for page in ("start", "about-exit", "receipt", "deleted", "no-draft", "no-draft-expired",
                 "not-found"):
        if page not in pages:
            missing.append(page)
    for reporter_type in ("private", "professional", "child"):
        if (reporter_type, "receipt", "empty") not in seen:
            missing.append(f"receipt for {reporter_type}")
    return missing


@pytest.mark.parametrize("language", [locale.code for locale in i18n.LOCALES])
def test_every_page_in_every_state_has_no_axe_violations_and_fits(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    began = time.monotonic()
    audit = Audit(language)
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800})
    page = context.new_page()
    for name, walk in {**PATHS, **MORE_PAGES}.items():
        audit.walk = name
        walk(Person(page, language, audit), shared_live_system.base_url)
        context.clear_cookies()
    audit.walk = ""
    page.goto(f"{shared_live_system.base_url}/about-exit?lang={language}")
    audit(page, "empty")
    page.goto(f"{shared_live_system.base_url}/status?lang={language}")
    audit(page, "empty", "status")
    page.locator("form[action$='/status'] button[type=submit]").click()
    audit(page, "error", "status")
    page.locator("form[action$='/status'] input[name=reference]").fill("K7M2QX9B")
    page.locator("form[action$='/status'] input[name=code]").fill("3F8K-ABCD-EFGH-J")
    page.locator("form[action$='/status'] button[type=submit]").click()
    audit(page, "filled", "status")
    context.close()
    print(f"{language}: {len(audit.seen)} page states seen, {len(audit.audited)} audited, "
          f"{audit.axe_runs} axe runs, {time.monotonic() - began:.1f} s")

    assert audit.problems == [], "\n".join(audit.problems)
    missing = missing_coverage(audit.seen)
    assert missing == [], "\n".join(missing)


@pytest.mark.parametrize("language", [locale.code for locale in i18n.LOCALES
                                      if locale.direction == "rtl"])
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
  const digits = "[0-9\u0660-\u0669\u06f0-\u06f9]+";
  const pattern = new RegExp(`\\+?${digits}(?:[ \u00a0]${digits})+`, "g");
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent.checkVisibility() || parent.closest(".visually-hidden")) continue;
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


@pytest.mark.parametrize("language", [locale.code for locale in i18n.LOCALES
                                      if locale.direction == "rtl"])
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
