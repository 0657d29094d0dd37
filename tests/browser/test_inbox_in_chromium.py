"""The intake team's inbox in real Chromium, as the team meets it: setting up the authenticator
app from the QR code, signing in with password and code through the forms, the list, opening a
report with a key file that `flask keys generate` made, acknowledging; every inbox page checked
with axe-core at 320 and 1280 px, in bokmål, English and Arabic."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from babel.support import Translations
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

import sealing
from database import Database
from inbox import totp
from inbox.auth import create_user
from inbox.models import Role
from routing.models import Coverage, Envelope, Service
from tests.browser.test_open_in_browser import PASSWORD, authenticator_code, delivered
from tests.conftest import LIVE_SERVICES, LiveSystem
from tests.helpers import HttpTransport, Wizard, walk_private
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
# Stavanger's service: its key pair is made by `flask keys generate` and registered with
# `flask keys register`, as an operator and a team would.
STAVANGER = ("1103", "stavanger")
TEAM_PASSPHRASE = "the Stavanger team's own passphrase ✓"
CONCERN = "Hun sier hun er redd.\nنحن قلقون على الطفلة 😢🧒🏽\n  «Ikke si det til pappa»."
CHILD_NAME = "Sara Ødegård سارة 🌷"


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


def new_user(system: LiveSystem, *, admin: bool = False, service_id: str = LIVE_SERVICES["0301"]
             ) -> str:
    """A new intake user of the service, who has no authenticator app yet."""
    username = f"team-{uuid.uuid4().hex[:8]}"
    database = Database(system.database_url)
    try:
        with database.session() as session:
            create_user(session, username, PASSWORD, service_id,
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


def enrol_from_the_page(page: Page, t: Words) -> str:
    """What a person does at the first sign-in: type the key the page shows into an app (here,
    inbox.totp computing what the app would) and enter the code it shows. Returns the key."""
    key = page.locator("main code.secret").inner_text().replace(" ", "")
    code = totp.hotp(base64.b32decode(key), totp.time_step(time.time()))
    page.get_by_label(t("Sign-in code"), exact=True).fill(code)
    page.get_by_role("button", name=t("Continue"), exact=True).click()
    page.wait_for_load_state()
    return key


def not_downloaded(page: Page) -> int:
    """The list's count of reports nobody has downloaded yet, as the page says it."""
    found = re.search(r"(\d+) reports? (has|have) not been downloaded",
                      page.locator("main").inner_text())
    assert found, "the list gives no count"
    return int(found.group(1))


def list_row(page: Page, reference: str) -> Any:
    return page.locator("main table tbody tr", has=page.locator(f"th:text-is('{reference}')"))


# --- Stavanger's team and its key file ---------------------------------------------------------


@dataclass(frozen=True)
class Team:
    service_id: str
    key_file: Path
    key_id: str


@pytest.fixture(scope="module")
def stavanger(shared_live_system: LiveSystem, tmp_path_factory: pytest.TempPathFactory) -> Team:
    """A service for Stavanger whose key file the real `flask keys generate` wrote (Argon2id at
    its default, MODERATE) and whose public key the real `flask keys register` registered."""
    number, service_id = STAVANGER
    database = Database(shared_live_system.database_url)
    try:
        with database.session() as session:
            session.add(Service(id=service_id, name="Barneverntjenesten Stavanger",
                                phone="+47 51 50 70 90"))
            session.flush()
            session.add(Coverage(service_id=service_id, municipality_number=number,
                                 valid_from=date(2024, 1, 1)))
    finally:
        database.dispose()
    key_file = tmp_path_factory.mktemp("team") / "stavanger.key"
    made = shared_live_system.flask("keys", "generate", "--out", str(key_file), "--label",
                                    "Stavanger", "--passphrase-stdin",
                                    input_text=TEAM_PASSPHRASE + "\n")
    assert made.returncode == 0, made.stderr
    printed = dict(re.findall(r"^([A-Z][a-z ]+):\s+(\S+)$", made.stdout, re.M))
    registered = shared_live_system.flask("keys", "register", service_id, printed["Public key"])
    assert registered.returncode == 0, registered.stderr
    assert f"Registered key {printed['Key id']} for {service_id}" in registered.stdout
    return Team(service_id, key_file, printed["Key id"])


def python_opens(system: LiveSystem, team: Team, reference: str) -> dict[str, Any]:
    """The report as the Python side opens it, with the team's key file."""
    database = Database(system.database_url)
    try:
        with database.session() as session:
            envelope = session.scalar(select(Envelope).where(Envelope.reference == reference))
            assert envelope.key_id == team.key_id, "sealed to the key the CLI made"
            sealed = envelope.sealed
    finally:
        database.dispose()
    pair = sealing.read_key_file(team.key_file.read_text(encoding="utf-8"), TEAM_PASSPHRASE)
    return json.loads(sealing.unseal(sealed, pair.private_key))


@pytest.fixture(scope="module")
def stavanger_report(shared_live_system: LiveSystem, stavanger: Team) -> tuple[str, str]:
    """A named private report for Stavanger, sent through the wizard over HTTP, sealed by the
    web app and delivered by the worker: (envelope id, reference)."""
    wizard = Wizard(HttpTransport(shared_live_system.base_url))
    reference = walk_private(wizard, child={"name": CHILD_NAME, "age": "9"}, concern=CONCERN,
                             you={"name": "Kari Nordmann", "phone": "912 34 567"},
                             postal_code="4006")
    return delivered(shared_live_system, reference), reference


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


# --- the whole round: sign in, open, acknowledge ------------------------------------------------


def test_a_team_member_signs_in_opens_a_report_with_the_cli_made_key_file_and_acknowledges_it(
    context: BrowserContext, shared_live_system: LiveSystem, stavanger: Team,
    stavanger_report: tuple[str, str], tmp_path: Path
):
    envelope_id, reference = stavanger_report
    t = Words("en")
    username = new_user(shared_live_system, service_id=stavanger.service_id)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Password, then the authenticator app set up from the page, then signed in.
    password_step(page, shared_live_system, t, username)
    assert page.url.endswith("/inbox/login/enrol")
    enrol_from_the_page(page, t)
    assert page.url == shared_live_system.base_url + "/inbox/"
    # Signed out and in again: now only the code is asked.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/inbox/login"))
    password_step(page, shared_live_system, t, username)
    assert page.url.endswith("/inbox/login/code")
    code_step(page, shared_live_system, t, username)
    assert page.url == shared_live_system.base_url + "/inbox/"
    expect(page.locator(".signed-in-as")).to_have_text(f"{username} · Barneverntjenesten Stavanger")

    row = list_row(page, reference)
    expect(row).to_have_count(1)
    expect(row.locator("td[class^=state-]")).to_have_text("New")
    waiting = not_downloaded(page)
    assert waiting >= 1

    row.get_by_role("link", name=f"Open {reference}").click()
    page.wait_for_url(f"**/inbox/reports/{envelope_id}/open")
    page.get_by_label("The service’s key file").set_input_files(str(stavanger.key_file))
    page.get_by_label("The key file’s passphrase").fill(TEAM_PASSPHRASE)
    page.get_by_role("button", name="Open the report").click()
    expect(page.locator("#opened-report")).to_be_visible(timeout=60_000)

    # Exactly what was sent: the words on the page, and the saved file.
    sent = python_opens(shared_live_system, stavanger, reference)
    assert sent["concern"]["description"] == CONCERN and sent["children"][0]["name"] == CHILD_NAME
    document = page.locator("#report-document")
    description = document.locator("section:has(> h3:text-is('Concern')) "
                                   ".summary-row:has(> dt:text-is('Description')) > dd")
    assert description.evaluate("node => node.textContent") == CONCERN
    name = document.locator("section:has(> h3:text-is('Children 1')) "
                            ".summary-row:has(> dt:text-is('Name')) > dd")
    assert name.evaluate("node => node.textContent") == CHILD_NAME
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save the report as a file (JSON)").click()
    saved = tmp_path / "saved.json"
    download_info.value.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8")) == sent

    # Back to the list: opened means downloaded; acknowledging is the last state.
    page.get_by_role("link", name="Inbox").click()
    row = list_row(page, reference)
    expect(row.locator("td[class^=state-]")).to_have_text("Downloaded")
    assert not_downloaded(page) == waiting - 1
    row.get_by_role("button", name=f"Acknowledge {reference}").click()
    page.wait_for_url(shared_live_system.base_url + "/inbox/")
    row = list_row(page, reference)
    expect(row.locator("td[class^=state-]")).to_have_text("Acknowledged")
    expect(row.get_by_role("button", name=f"Acknowledge {reference}")).to_have_count(0)
    expect(row.locator(".due-text")).to_have_count(0)  # an acknowledged report is due no more
    page.get_by_role("link", name="Acknowledged", exact=True).click()
    expect(list_row(page, reference)).to_have_count(1)
    assert errors == []
