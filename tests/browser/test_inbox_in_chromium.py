"""The intake team's inbox in real Chromium, as the team meets it: setting up the authenticator
app from the QR code, signing in with password and code through the forms, the list, opening a
report with a key file that `flask keys generate` made, acknowledging; every inbox page checked
with axe-core at 320 and 1280 px, in bokmål, English and Arabic."""

from __future__ import annotations

import json
import re
import signal
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

import i18n
import sealing
from database import Database
from inbox import totp
from inbox.auth import create_user
from inbox.fiks_export import CannotExport, to_fiks_v2
from inbox.models import IntakeUser, Role
from intake import report as report_document
from routing.acceptance import accept
from routing.delivery import deliver
from routing.models import Coverage, Envelope, EnvelopeState, Service
from routing.retention import delete_sealed_copies
from tests.conftest import LIVE_SERVICES, LiveSystem
from tests.helpers import HttpTransport, Wizard, fiks, walk_private
from tests.helpers.axe import AXE_SOURCE, AXE_TAGS, RUN_AXE
from tests.helpers.browser import (
    OWN_PASSWORD,
    authenticator_code,
    code_from_key,
    delivered,
    open_with,
    sign_in,
)
from tests.helpers.environment import KEY_PASSPHRASE
from tests.helpers.fiks import variants
from tests.helpers.inbox import PASSWORD
from tests.helpers.qr import drawn_modules, qr_modules

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
WIDTHS = (320, 1280)
LANGUAGES = ("nb", "en", "ar")
# Stavanger's service: its key pair is made by `flask keys generate` and registered with
# `flask keys register`, as an operator and a team would.
STAVANGER = ("1103", "stavanger")
TEAM_PASSPHRASE = "the Stavanger team's own passphrase ✓"
CONCERN = "Hun sier hun er redd.\nنحن قلقون على الطفلة 😢🧒🏽\n  «Ikke si det til pappa»."
CHILD_NAME = "Sara Ødegård سارة 🌷"
FIKS_EXPORT_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "fiks-export.js"
# The one table of the report's words, which both exports read.
REPORT_LABELS = json.loads((Path(__file__).resolve().parents[2] / "static" /
                            "report-labels.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shared_live_system(shared_live_system: LiveSystem) -> LiveSystem:
    """The module's live system, with the per-client sign-in limit (rate_limits.py) raised:
    here every team member signs in from 127.0.0.1, many times over, where a real team's
    members would sign in from their own machines. The lockout per username stays as it is."""
    shared_live_system.env["SIGN_INS_PER_TEN_MINUTES"] = "100000"
    shared_live_system.kill("web", signal.SIGTERM)
    shared_live_system.start_web()
    return shared_live_system


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

    def plural(self, singular: str, plural: str, number: int) -> str:
        return str(self._catalog.ngettext(singular, plural, number)) % {"num": number}


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


def open_with_key(page: Page, t: Words, key_file: Path, passphrase: str) -> None:
    page.get_by_label(t("The service’s key file"), exact=True).set_input_files(str(key_file))
    page.get_by_label(t("The key file’s passphrase"), exact=True).fill(passphrase)
    page.get_by_role("button", name=t("Open the report"), exact=True).click()


def wrong_code(system: LiveSystem, username: str) -> str:
    """A well-formed code the user's app will not show for minutes."""
    database = Database(system.database_url)
    try:
        with database.session() as session:
            secret = session.scalar(select(IntakeUser.totp_secret)
                                    .where(IntakeUser.username == username))
    finally:
        database.dispose()
    return totp.code_for_step(secret, totp.time_step(time.time()) + 20)


def key_on_the_page(page: Page) -> str:
    return page.locator("main code.secret").inner_text().replace(" ", "")


def choose_own_password(page: Page, t: Words) -> None:
    """At the first sign-in the inbox asks for a password of one's own, twice."""
    page.get_by_label(t("New password"), exact=True).fill(OWN_PASSWORD)
    page.get_by_label(t("New password again"), exact=True).fill(OWN_PASSWORD)


def enrol_from_the_page(page: Page, t: Words) -> str:
    """What a person does at the first sign-in: choose their own password, type the key the
    page shows into an app (here, inbox.totp computing what the app would) and enter the code
    it shows. Returns the key."""
    key = key_on_the_page(page)
    choose_own_password(page, t)
    page.get_by_label(t("Sign-in code"), exact=True).fill(code_from_key(key))
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
    return delivered(shared_live_system, reference).id, reference


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

    picture = page.get_by_role("img", name=re.compile("QR"))
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

    enrol_from_the_page(page, t)
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
    # Signed out and in again, with the password chosen then: now only the code is asked.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/inbox/login"))
    password_step(page, shared_live_system, t, username, OWN_PASSWORD)
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
    description = document.locator(
        "section:has(> h3:text-is('The concern')) "
        ".summary-row:has(> dt:text-is('What the reporter has seen or heard')) > dd")
    assert description.evaluate("node => node.textContent") == CONCERN
    name = document.locator("section:has(> h3:text-is('The child')) "
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


# --- the KS Fiks export in the browser ------------------------------------------------------


def python_export(document: dict[str, Any]) -> dict[str, str]:
    """What `flask inbox open --fiks` makes of a report: the file's text, or why not (the
    message, and the name of the reason the open page words in the inbox's language)."""
    try:
        exported = to_fiks_v2(document)
    except CannotExport as error:
        return {"refused": str(error), "reason": error.reason}
    return {"text": json.dumps(exported, ensure_ascii=False, indent=2) + "\n"}


def test_the_browsers_ks_export_is_the_python_export_for_every_kind_of_report(
    context: BrowserContext
):
    page = context.new_page()
    page.set_content("<!doctype html><title>KS</title>")
    page.add_script_tag(path=str(FIKS_EXPORT_JS))
    cases = variants()
    expected = {name: python_export(document) for name, document in cases.items()}
    shown = page.evaluate(
        "([cases, table]) => Object.fromEntries(Object.entries(cases).map("
        "([name, report]) => [name, window.ConcernFiksExport.tryExport(report, table)]))",
        [cases, REPORT_LABELS])
    assert {name: shown[name] for name in cases} == expected
    refused = {name for name, outcome in expected.items() if "refused" in outcome}
    assert {"anonymous", "child", "not a report", "no time zone", "no guardian"} <= refused
    assert len(refused) < len(cases) - 8, "most cases take the exporting turns"
    for name in ("private", "professional", "confidential", "private knew little",
                 "professional gave little", "summer time, microseconds"):
        document = json.loads(expected[name]["text"])
        fiks.assert_valid(document, "privat" if "privatMelder" in document else "offentlig")
    assert json.loads(expected["a district"]["text"])["bydelsnummer"] == "01"
    assert json.loads(expected["another municipality's district"]["text"])["bydelsnummer"] == "00"
    summer = json.loads(expected["summer time, microseconds"]["text"])
    assert summer["sendingstidspunkt"] == "2025-07-01T23:59:59"


@pytest.fixture(scope="module")
def oslo_reports(shared_live_system: LiveSystem) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Oslo's reports, sealed by Python (routing.acceptance.accept) and delivered: kind →
    (envelope id, reference, the report)."""
    documents = {
        "private": fiks.build(fiks.private_answers()),
        "professional": fiks.oslo_professional(),
        "anonymous": fiks.build(fiks.private_answers(anonymity={"anonymity": "anonymous"})),
        "child": fiks.build({
            "emergency": {"answer": "no"}, "reporter-type": {"reporter_type": "child"},
            "location": fiks.OSLO_LOCATION,
            "location-confirm": {"confirmed": "yes", "receiving": "yes"},
            "child-1-name": {"name": ""}, "child-1-age": {"age": "13"}, "topics": {"topics": []},
            "concern": {"description": "Det er mye krangling hjemme. 😔"}, "timing": {},
            "child-views": {"views": ""}, "about-you": {"safe_contact": ""}}),
    }
    found = {}
    database = Database(shared_live_system.database_url)
    try:
        for kind, document in documents.items():
            with database.session() as session:
                envelope = accept(session, report_document.encode(document), "0301")
                deliver(session, envelope.id)
                found[kind] = (envelope.id, envelope.reference, document)
    finally:
        database.dispose()
    return found


def open_in_browser(page: Page, system: LiveSystem, envelope_id: str) -> None:
    page.goto(f"{system.base_url}/inbox/reports/{envelope_id}/open")
    open_with(page, system.key_files["0301"], KEY_PASSPHRASE)
    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)


def test_save_ks_fiks_format_saves_the_file_the_command_line_tool_writes(
    context: BrowserContext, shared_live_system: LiveSystem,
    oslo_reports: dict[str, tuple[str, str, dict[str, Any]]], tmp_path: Path
):
    page = context.new_page()
    sign_in(page, shared_live_system, new_user(shared_live_system))
    for kind, schema in (("private", "privat"), ("professional", "offentlig")):
        envelope_id, reference, document = oslo_reports[kind]
        open_in_browser(page, shared_live_system, envelope_id)
        expect(page.locator("#fiks-refused")).to_be_hidden()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Save KS Fiks format (JSON)").click()
        download = download_info.value
        assert download.suggested_filename == f"{reference}.fiks-v2.json", "as the CLI names it"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        written = saved.read_bytes()
        assert written == python_export(document)["text"].encode("utf-8"), kind
        fiks.assert_valid(json.loads(written), schema)
        assert fiks.CONCERN.split("\n")[0] in written.decode("utf-8"), "UTF-8, not escapes"

    # Why not, in the inbox's language (the command line says it in English).
    for kind, message in (
            ("anonymous", "The KS Fiks format requires the reporter’s name, and this report is "
                          "anonymous."),
            ("child", "The KS Fiks format has no place for a report from a child about "
                      "themselves: it requires an adult reporter’s name.")):
        envelope_id, _, _ = oslo_reports[kind]
        open_in_browser(page, shared_live_system, envelope_id)
        expect(page.get_by_role("button", name="Save KS Fiks format (JSON)")).to_be_hidden()
        refusal = page.locator("#fiks-refused")
        expect(refusal).to_be_visible()
        expect(refusal).to_contain_text("This report cannot be saved in the KS Fiks format.")
        expect(page.locator("#fiks-refused-message")).to_have_text(Words("en")(message))
        expect(page.locator("#fiks-refused-message")).not_to_have_attribute("lang", "en")
        # The report itself is there to read and to save as JSON all the same.
        expect(page.get_by_role("button", name="Save the report as a file (JSON)")).to_be_visible()


# --- every inbox page: axe, 320 px, three languages ------------------------------------------


@pytest.fixture(scope="module")
def quiet_service(shared_live_system: LiveSystem) -> str:
    """A service nothing has been sent to yet."""
    database = Database(shared_live_system.database_url)
    try:
        with database.session() as session:
            session.add(Service(id="quiet", name="Barneverntjenesten Stille"))
    finally:
        database.dispose()
    return "quiet"


@pytest.fixture(scope="module")
def deleted_report(shared_live_system: LiveSystem) -> str:
    """An Oslo report acknowledged 31 days ago, whose sealed copy the retention job deleted."""
    database = Database(shared_live_system.database_url)
    now = datetime.now(UTC)
    try:
        with database.session() as session:
            envelope = accept(session, report_document.encode(fiks.build(fiks.private_answers())),
                              "0301")
            deliver(session, envelope.id)
            # As if a month had passed since the team acknowledged it.
            envelope.acknowledged_at = now - timedelta(days=31)
            envelope.state = EnvelopeState.ACKNOWLEDGED
            session.flush()
            assert delete_sealed_copies(session, now, 30) == 1
            return envelope.id
    finally:
        database.dispose()


def submit(page: Page, t: Words, button: str) -> int:
    """Press the main form's button; the status of the page that comes back."""
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role("button", name=t(button), exact=True).click()
    response = navigation.value
    return response.status if response is not None else 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_inbox_page_in_every_state_passes_axe_and_fits_a_320_px_phone(
    browser: Browser, shared_live_system: LiveSystem, language: str, quiet_service: str,
    oslo_reports: dict[str, tuple[str, str, dict[str, Any]]], deleted_report: str
):
    system, t = shared_live_system, Words(language)
    base = system.base_url
    audit = Audit(t)
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Signing in, and each way it can go wrong.
    page.goto(f"{base}/inbox/login?lang={language}")
    audit(page, "login")
    assert submit(page, t, "Sign in") == 422
    audit(page, "login, nothing typed")
    page.goto(f"{base}/inbox/login?expired=1")
    expect(page.get_by_text(t("You were signed out after 30 minutes without activity."))
           ).to_be_visible()
    audit(page, "login after 30 idle minutes")
    admin = new_user(system, admin=True)
    password_step(page, system, t, admin, "not the password at all")
    expect(page.locator(".error-summary")).to_contain_text(t("The username or password is wrong"))
    audit(page, "login, wrong password")
    stranger = f"nobody-{uuid.uuid4().hex[:8]}"
    for _ in range(5):
        password_step(page, system, t, stranger, "guessing")
    expect(page.locator(".error-summary")).to_contain_text(t.plural(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.", 15))
    audit(page, "locked out")

    # The first sign-in: the authenticator app.
    password_step(page, system, t, admin)
    audit(page, "enrol")
    assert submit(page, t, "Continue") == 422
    audit(page, "enrol, nothing typed")
    choose_own_password(page, t)
    page.get_by_label(t("Sign-in code"), exact=True).fill(
        code_from_key(key_on_the_page(page), steps_ahead=20))
    assert submit(page, t, "Continue") == 401
    audit(page, "enrol, wrong code")
    enrol_from_the_page(page, t)
    assert page.url == base + "/inbox/"

    # The list, filtered and not; a report opened, and the ways opening can go wrong.
    audit(page, "list with reports")
    page.goto(f"{base}/inbox/?state=delivered")
    audit(page, "list filtered")
    page.goto(f"{base}/inbox/?state=failed")
    expect(page.get_by_text(t("No reports in this state."))).to_be_visible()
    audit(page, "list filtered, none")
    page.goto(f"{base}/inbox/reports/{oslo_reports['professional'][0]}/open")
    audit(page, "open")
    open_with_key(page, t, system.key_files["0301"], "not the passphrase")
    expect(page.locator("#open-error")).to_be_visible(timeout=30_000)
    audit(page, "open, wrong passphrase")
    open_with_key(page, t, system.key_files["0301"], KEY_PASSPHRASE)
    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)
    audit(page, "open, report shown")
    page.goto(f"{base}/inbox/reports/{oslo_reports['anonymous'][0]}/open")
    open_with_key(page, t, system.key_files["0301"], KEY_PASSPHRASE)
    expect(page.locator("#fiks-refused")).to_be_visible(timeout=30_000)
    expect(page.locator("#fiks-refused-message")).to_have_text(
        t("The KS Fiks format requires the reporter’s name, and this report is anonymous."))
    audit(page, "open, no KS export")
    response = page.goto(f"{base}/inbox/envelopes/{deleted_report}/download")
    assert response is not None and response.status == 410
    audit(page, "deleted report")
    response = page.goto(f"{base}/inbox/reports/{'f' * 32}/open")
    assert response is not None and response.status == 404
    audit(page, "not found")

    # The administrator's pages.
    page.goto(f"{base}/inbox/admin/users")
    audit(page, "users")
    assert submit(page, t, "Add a member") == 422
    audit(page, "users, nothing typed")
    page.get_by_label(t("Username"), exact=True).fill(f"member-{uuid.uuid4().hex[:6]}")
    submit(page, t, "Add a member")
    expect(page.locator(".panel code.secret")).to_be_visible()
    audit(page, "users, a new member's password")
    page.goto(f"{base}/inbox/admin/audit")
    audit(page, "audit log")

    # The code at a later sign-in.
    page.get_by_role("button", name=t("Sign out"), exact=True).click()
    page.wait_for_url(re.compile(r"/inbox/login"))
    password_step(page, system, t, admin, OWN_PASSWORD)
    audit(page, "code")
    assert submit(page, t, "Sign in") == 422
    audit(page, "code, nothing typed")
    page.get_by_label(t("Sign-in code"), exact=True).fill(wrong_code(system, admin))
    assert submit(page, t, "Sign in") == 401
    audit(page, "code, wrong code")

    # A service nothing has arrived for.
    context.clear_cookies()
    member = new_user(system, service_id=quiet_service)
    password_step(page, system, t, member)
    enrol_from_the_page(page, t)
    expect(page.get_by_text(t("No reports have arrived."))).to_be_visible()
    audit(page, "list, empty")
    context.close()

    assert audit.problems == [], "\n".join(audit.problems)
    assert len(audit.checked) == 25, audit.checked
    assert errors == []


# --- the keyboard alone ---------------------------------------------------------------------


def tab_to(page: Page, target: Any, limit: int = 80) -> None:
    """Tab until `target` has the focus, and check that the focus can be seen there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError(f"Tab never reaches {target} on {page.url}")
    assert page.evaluate(
        "() => { const style = getComputedStyle(document.activeElement);"
        " return style.outlineStyle !== 'none' || style.boxShadow !== 'none'; }"
    ), f"no visible focus on {target} at {page.url}"


def type_into(page: Page, target: Any, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def press_enter_on(page: Page, target: Any) -> None:
    tab_to(page, target)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["nb", "ar"])
def test_a_team_member_signs_in_and_acknowledges_with_the_keyboard_alone(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    system, t = shared_live_system, Words(language)
    database = Database(system.database_url)
    try:
        with database.session() as session:
            envelope = accept(session, report_document.encode(fiks.build(fiks.private_answers())),
                              "0301")
            deliver(session, envelope.id)
            reference = envelope.reference
    finally:
        database.dispose()
    username = new_user(system)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320,
                                                                       "height": 800})
    page = context.new_page()
    page.goto(f"{system.base_url}/inbox/login?lang={language}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    # The password, then the app set up from the key on the page, all typed.
    type_into(page, page.get_by_label(t("Username"), exact=True), username)
    type_into(page, page.get_by_label(t("Password"), exact=True), PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/login/enrol")
    key = key_on_the_page(page)
    type_into(page, page.get_by_label(t("New password"), exact=True), OWN_PASSWORD)
    type_into(page, page.get_by_label(t("New password again"), exact=True), OWN_PASSWORD)
    type_into(page, page.get_by_label(t("Sign-in code"), exact=True), code_from_key(key))
    press_enter_on(page, page.get_by_role("button", name=t("Continue"), exact=True))
    assert page.url == system.base_url + "/inbox/"

    # Out, and in again with the password chosen then and a code.
    press_enter_on(page, page.get_by_role("button", name=t("Sign out"), exact=True))
    type_into(page, page.get_by_label(t("Username"), exact=True), username)
    type_into(page, page.get_by_label(t("Password"), exact=True), OWN_PASSWORD)
    press_enter_on(page, page.get_by_role("button", name=t("Sign in"), exact=True))
    assert page.url.endswith("/inbox/login/code")
    type_into(page, page.get_by_label(t("Sign-in code"), exact=True),
              authenticator_code(system, username))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == system.base_url + "/inbox/"

    # The list: to the report's row through its filter link, then acknowledge it.
    press_enter_on(page, page.get_by_role("link", name=t("New"), exact=True))
    row = list_row(page, reference)
    expect(row.locator("td[class^=state-]")).to_have_text(t("New"))
    # The table scrolls on a phone: it is a focusable region the keyboard can scroll.
    tab_to(page, page.locator(".table-wrap"))
    press_enter_on(page, row.locator("form button"))
    page.goto(f"{system.base_url}/inbox/?state=acknowledged")
    expect(list_row(page, reference).locator("td[class^=state-]")).to_have_text(
        t("Acknowledged"))
    context.close()


# --- the list on a phone ----------------------------------------------------------------------

# Every word in <main> whose letters are laid out on more than one line (a word broken where it
# is not hyphenated), and every link or button not wholly on the screen or cut by a box that
# scrolls or clips it.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement || node.parentElement.closest(".visually-hidden")) continue;
    for (const found of node.data.matchAll(/[^\\s\\-\\u2010]+/gu)) {
      const range = document.createRange();
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      const lines = new Set([...range.getClientRects()].filter(rect => rect.width > 0)
                            .map(rect => Math.round(rect.top)));
      if (lines.size > 1) broken.push(found[0]);
    }
  }
  return broken;
}"""
CUT_OFF = """() => [...document.querySelectorAll("main a, main button")].filter(element => {
  const box = element.getBoundingClientRect();
  if (box.width === 0) return false;
  if (box.left < 0 || box.right > document.documentElement.clientWidth) return true;
  for (let parent = element.parentElement; parent; parent = parent.parentElement) {
    if (getComputedStyle(parent).overflowX === "visible") continue;
    const outer = parent.getBoundingClientRect();
    if (box.left < outer.left - 1 || box.right > outer.right + 1) return true;
  }
  return false;
}).map(element => element.textContent.trim())"""


def test_the_list_reads_on_a_320_px_phone_in_every_language(
    context: BrowserContext, shared_live_system: LiveSystem,
    oslo_reports: dict[str, tuple[str, str, dict[str, Any]]],
):
    """No word broken letter by letter, no button cut off, in each of the eleven languages, on
    a phone and on a desktop; and each report's times and actions are there to read."""
    page = context.new_page()
    sign_in(page, shared_live_system, new_user(shared_live_system))
    problems = []
    for locale in i18n.LOCALES:
        t = Words(locale.code)
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{shared_live_system.base_url}/inbox/?lang={locale.code}")
            where = f"{locale.code} at {width} px"
            problems += [f"{where}: {word!r} broken" for word in page.evaluate(BROKEN_WORDS)]
            problems += [f"{where}: {name!r} cut off" for name in page.evaluate(CUT_OFF)]
            if page.evaluate("document.documentElement.scrollWidth") > width:
                problems.append(f"{where}: the page scrolls sideways")
            _, reference, _ = oslo_reports["private"]
            row = list_row(page, reference)
            for action in ("Open", "Download", "Acknowledge"):
                expect(row.get_by_role(row_role(action), name=f"{t(action)} {reference}",
                                       exact=True)).to_be_visible()
            if width == 320:
                # The cells say what they are: their column's name above each value.
                label = row.locator("td").first.evaluate(
                    "cell => getComputedStyle(cell, '::before').content")
                assert label == f'"{t("Received")}" / ""', label
    assert problems == [], "\n".join(problems)


def row_role(action: str) -> str:
    return "button" if action == "Acknowledge" else "link"
