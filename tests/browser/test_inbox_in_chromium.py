"""The intake team's inbox in real Chromium, as the team meets it: setting up the authenticator
app from the QR code, signing in with password and code through the forms, the list, opening a
report with a key file that `flask keys generate` made, acknowledging; every inbox page checked
with axe-core at 320 and 1280 px, in bokmål, English and Arabic."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from babel.support import Translations
from playwright.sync_api import Browser, BrowserContext, Page, expect

from database import Database
from inbox.auth import create_user
from inbox.models import Role
from tests.browser.test_open_in_browser import PASSWORD, authenticator_code
from tests.conftest import LIVE_SERVICES, LiveSystem
from tests.unit.test_totp import drawn_modules, qr_modules

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                           resultTypes: ["violations"]});
  return results.violations.map(
    v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""
WIDTHS = (320, 1280)
LANGUAGES = ("nb", "en", "ar")


# --- people and their words ------------------------------------------------------------------


class Words:
    """What a person reading `language` sees where the English message id is `message`. New
    messages are English in every catalog until the lead translates them, so a missing
    translation falls back to the English, as the site itself does."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = Translations.load(str(TRANSLATIONS), [language])

    def __call__(self, message: str) -> str:
        return str(self._catalog.gettext(message))


def new_user(system: LiveSystem, *, admin: bool = False, number: str = "0301") -> str:
    """A new intake user of the service for `number`, who has no authenticator app yet."""
    username = f"team-{uuid.uuid4().hex[:8]}"
    database = Database(system.database_url)
    try:
        with database.session() as session:
            create_user(session, username, PASSWORD, LIVE_SERVICES[number],
                        Role.ADMIN if admin else Role.MEMBER)
    finally:
        database.dispose()
    return username


def password_step(page: Page, system: LiveSystem, t: Words, username: str,
                  password: str = PASSWORD) -> None:
    page.goto(f"{system.base_url}/inbox/login?lang={t.language}")
    page.get_by_label(t("Username"), exact=True).fill(username)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
    page.wait_for_load_state()


def code_step(page: Page, system: LiveSystem, t: Words, username: str,
              code: str | None = None) -> None:
    page.get_by_label(t("Sign-in code"), exact=True).fill(code or authenticator_code(system,
                                                                                    username))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


# --- axe and the 320 px phone ------------------------------------------------------------------


class Audit:
    """axe-core (the WCAG 2.0–2.2 A and AA rules and best practice) and sideways scrolling, at
    320 and 1280 px, for each page it is shown; collects what is wrong."""

    def __init__(self, t: Words) -> None:
        self.t = t
        self.problems: list[str] = []
        self.checked: list[str] = []

    def __call__(self, page: Page, state: str) -> None:
        where = f"{self.t.language} {state} ({page.url})"
        self.checked.append(state)
        direction = "rtl" if self.t.language in ("ar", "ur") else "ltr"
        html = page.locator("html")
        if (html.get_attribute("lang"), html.get_attribute("dir")) != (self.t.language,
                                                                       direction):
            self.problems.append(f"{where}: lang/dir {html.get_attribute('lang')}/"
                                 f"{html.get_attribute('dir')}")
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(AXE_SOURCE)
        size = page.viewport_size
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for violation in page.evaluate(RUN_AXE, AXE_TAGS):
                self.problems.append(f"{where} at {width} px: {violation}")
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > width:
                self.problems.append(f"{where} at {width} px scrolls sideways ({overflow} px)")
        if size:
            page.set_viewport_size(size)


@pytest.fixture
def context(browser: Browser) -> Any:
    context = browser.new_context(viewport={"width": 320, "height": 800}, accept_downloads=True)
    yield context
    context.close()


# --- setting up the authenticator app --------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_enrolment_qr_code_holds_the_set_up_link_and_the_page_passes_axe(
    context: BrowserContext, shared_live_system: LiveSystem, language: str
):
    t = Words(language)
    username = new_user(shared_live_system)
    page = context.new_page()
    password_step(page, shared_live_system, t, username)
    assert page.url.endswith("/inbox/login/enrol")

    picture = page.get_by_role("img", name=re.compile("^QR"))
    expect(picture).to_be_visible()
    link = page.locator("main a.secret").inner_text()
    assert link.startswith("otpauth://totp/") and f":{username}?" in link
    assert drawn_modules(picture.evaluate("node => node.outerHTML")) in qr_modules(link)
    key = page.locator("main code.secret").inner_text().replace(" ", "")
    assert f"secret={key}&" in link, "the key written out is the one in the QR code"
    box = picture.bounding_box()
    assert box and box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= 320
    audit = Audit(t)
    audit(page, "enrol")
    assert audit.problems == [], "\n".join(audit.problems)

    code_step(page, shared_live_system, t, username)
    assert page.url == shared_live_system.base_url + "/inbox/", "the app is set up"
