"""Opening a report in the browser, in real Chromium: a team member picks the service's key file
and types its passphrase on /inbox/reports/<id>/open, and libsodium's WebAssembly build opens the
envelope that Python sealed, showing exactly what the reporter wrote. The key file, the
passphrase and the private key never leave the browser. A key file made in the browser opens in
Python, and the other way round."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

import sealing
from app import CONTENT_SECURITY_POLICY
from database import Database
from inbox.auth import create_user
from routing.acceptance import accept
from routing.delivery import deliver
from routing.models import Envelope
from tests.conftest import LIVE_SERVICES, LiveSystem
from tests.helpers import HttpTransport, Wizard, reading, walk_private
from tests.helpers.browser import delivered, open_with, sign_in
from tests.helpers.environment import KEY_PASSPHRASE
from tests.helpers.inbox import PASSWORD

CONCERN = "Vi er bekymret for jenta.\nنحن قلقون على الطفلة 😢🧒🏽\n  Hun sier:   «ikke fortell»."
WRONG_PASSPHRASE = "not the passphrase at all"
BROWSER_PASSPHRASE = "a passphrase typed in the browser ✓"
OPEN_PAGE_CSP = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
)


# --- the scene ------------------------------------------------------------------------------


@pytest.fixture
def team(shared_live_system: LiveSystem) -> str:
    """A new intake user of Oslo's service (0301) for each test: each sets up an authenticator
    app at the first sign-in, so no test waits for a fresh code."""
    username = f"opener-{uuid.uuid4().hex[:8]}"
    database = Database(shared_live_system.database_url)
    try:
        with database.session() as session:
            create_user(session, username, PASSWORD, LIVE_SERVICES["0301"])
    finally:
        database.dispose()
    return username


@pytest.fixture(scope="module")
def oslo_report(shared_live_system: LiveSystem) -> tuple[str, str]:
    """A report for Oslo, sent through the wizard over HTTP and delivered by the worker:
    (envelope id, reference)."""
    wizard = Wizard(HttpTransport(shared_live_system.base_url))
    reference = walk_private(wizard, child={"name": "Sara", "age": "9"}, concern=CONCERN,
                             postal_code="0150")
    return delivered(shared_live_system, reference).id, reference


def accepted_and_delivered(system: LiveSystem, document: bytes, municipality: str) -> str:
    """A report accepted and delivered in-process, without the wizard: its envelope id."""
    database = Database(system.database_url)
    try:
        with database.session() as session:
            envelope = accept(session, document, municipality)
            deliver(session, envelope.id)
            return envelope.id
    finally:
        database.dispose()


def python_opens(system: LiveSystem, envelope_id: str) -> dict[str, Any]:
    database = Database(system.database_url)
    try:
        with database.session() as session:
            sealed = session.get(Envelope, envelope_id).sealed
    finally:
        database.dispose()
    pair = sealing.read_key_file(system.key_files["0301"].read_text(), KEY_PASSPHRASE)
    return json.loads(sealing.unseal(sealed, pair.private_key))


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(accept_downloads=True)
    yield context
    context.close()


class Recorder:
    """Every request the browser makes (URL, headers, body), and every console message."""

    def __init__(self, page: Page) -> None:
        self.requests: list[dict[str, Any]] = []
        self.console: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda message: self.console.append(message.text))

    def _request(self, request: Request) -> None:
        self.requests.append({
            "method": request.method,
            "url": request.url,
            "headers": request.all_headers(),
            "post_data": request.post_data_buffer,
        })

    def text(self) -> str:
        return "\n".join(
            f"{entry['method']} {entry['url']} {json.dumps(entry['headers'])} "
            f"{(entry['post_data'] or b'').decode('utf-8', 'replace')}"
            for entry in self.requests
        )


def open_page(page: Page, system: LiveSystem, envelope_id: str) -> None:
    response = page.goto(f"{system.base_url}/inbox/reports/{envelope_id}/open")
    assert response is not None and response.status == 200


def shown_value(page: Page, section: str, label: str) -> str:
    value = page.locator(
        f"#report-document section:has(> h3:text-is('{section}')) "
        f".summary-row:has(> dt:text-is('{label}')) > dd"
    )
    expect(value).to_have_count(1)
    return str(value.evaluate("node => node.textContent"))


# --- the tests ------------------------------------------------------------------------------


def test_a_report_sealed_by_python_opens_in_the_browser_with_the_teams_key_file(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
    oslo_report: tuple[str, str], tmp_path: Path,
):
    envelope_id, reference = oslo_report
    page = context.new_page()
    recorder = Recorder(page)
    sign_in(page, shared_live_system, team)
    open_page(page, shared_live_system, envelope_id)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.get_by_text("they are never sent to the server")).to_be_visible()
    expect(page.get_by_text("Opening a report in the browser needs JavaScript")).to_be_hidden()

    open_with(page, shared_live_system.key_files["0301"], KEY_PASSPHRASE)

    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)
    expect(page.locator("#open-key")).to_be_hidden()
    expected = python_opens(shared_live_system, envelope_id)
    assert expected["concern"]["description"] == CONCERN.replace("\r\n", "\n")
    assert shown_value(page, "The concern", "What the reporter has seen or heard") == CONCERN
    assert CONCERN.split("\n")[1] in page.locator("#report-document").inner_text()
    # Saved as a file: exactly the report Python opens, under the reference's name.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save the report as a file (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}.json"
    saved = tmp_path / "saved.json"
    download.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8")) == expected
    # Printing shows the report, not the key file fields or the buttons.
    page.emulate_media(media="print")
    expect(page.locator("#report-document")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    page.emulate_media(media="screen")
    # WebAssembly compiled under the page's policy (no fallback to slower asm.js after a refusal).
    assert not [line for line in recorder.console
                if "Content Security Policy" in line and ("script-src" in line or "wasm" in line)]


def test_the_key_file_passphrase_and_private_key_never_leave_the_browser(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
    oslo_report: tuple[str, str],
):
    envelope_id, _ = oslo_report
    key_file = shared_live_system.key_files["0301"]
    key_text = key_file.read_text()
    pair = sealing.read_key_file(key_text, KEY_PASSPHRASE)
    page = context.new_page()
    recorder = Recorder(page)
    sign_in(page, shared_live_system, team)
    open_page(page, shared_live_system, envelope_id)
    open_with(page, key_file, WRONG_PASSPHRASE)
    expect(page.locator("#open-error")).to_be_visible(timeout=30_000)
    open_with(page, key_file, KEY_PASSPHRASE)
    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Close the report").click()

    document = json.loads(key_text)
    secrets = {
        KEY_PASSPHRASE, WRONG_PASSPHRASE, key_text, key_text.strip(),
        document["encrypted_private_key"], document["kdf"]["salt"], document["nonce"],
        sealing.b64(pair.private_key), pair.private_key.hex(),
    }
    secrets |= {variant for secret in list(secrets) for variant in (quote(secret, safe=""),
                                                                    quote_plus(secret))}
    traffic = recorder.text()
    leaked = sorted(secret[:20] for secret in secrets if secret in traffic)
    assert leaked == []
    binary = b"".join(entry["post_data"] or b"" for entry in recorder.requests)
    assert pair.private_key not in binary
    # From the open page on, only GETs of this site: the page, its scripts, the envelope.
    urls = [entry["url"] for entry in recorder.requests]
    from_open_page = recorder.requests[
        urls.index(f"{shared_live_system.base_url}/inbox/reports/{envelope_id}/open"):
    ]
    assert all(entry["method"] == "GET" and entry["post_data"] is None
               for entry in from_open_page)
    assert all(entry["url"].startswith(shared_live_system.base_url) for entry in from_open_page)
    assert sum(entry["url"].endswith(f"/inbox/envelopes/{envelope_id}/download")
               for entry in from_open_page) == 1, "a wrong passphrase costs no download"


def test_a_wrong_passphrase_or_another_key_file_says_so_and_the_right_one_still_opens(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
    oslo_report: tuple[str, str],
):
    envelope_id, _ = oslo_report
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, shared_live_system, team)
    open_page(page, shared_live_system, envelope_id)

    open_with(page, shared_live_system.key_files["0301"], WRONG_PASSPHRASE)
    alert = page.locator("#open-error")
    expect(alert).to_be_visible(timeout=30_000)
    expect(alert).to_contain_text("The passphrase is wrong for this key file.")
    expect(page.locator("#opened-report")).to_be_hidden()
    expect(page.get_by_label("The key file’s passphrase")).to_have_value("")
    expect(page.get_by_label("The key file’s passphrase")).to_be_focused()

    open_with(page, shared_live_system.key_files["4601"], KEY_PASSPHRASE)
    expect(alert).to_contain_text("This key file holds a different key", timeout=30_000)

    page.get_by_label("The service’s key file").set_input_files(
        files=[{"name": "notes.key", "mimeType": "text/plain", "buffer": b"not a key file"}]
    )
    page.get_by_label("The key file’s passphrase").fill(KEY_PASSPHRASE)
    page.get_by_role("button", name="Open the report").click()
    expect(alert).to_contain_text("This is not a key file for reports.", timeout=30_000)

    open_with(page, shared_live_system.key_files["0301"], KEY_PASSPHRASE)
    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)
    expect(alert).to_be_hidden()
    assert shown_value(page, "The concern", "What the reporter has seen or heard") == CONCERN
    assert errors == []


def test_a_key_file_made_in_the_browser_opens_in_python_and_the_other_way_round(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
    oslo_report: tuple[str, str],
):
    envelope_id, _ = oslo_report
    page = context.new_page()
    sign_in(page, shared_live_system, team)
    open_page(page, shared_live_system, envelope_id)
    # The default parameters, as `flask keys generate` uses: Argon2id MODERATE (256 MiB).
    text = page.evaluate(
        "([passphrase, label]) => window.ConcernReport.makeKeyFile(passphrase, {label})",
        [BROWSER_PASSPHRASE, "browser-made ø"],
    )

    pair = sealing.read_key_file(text, BROWSER_PASSPHRASE)
    document = json.loads(text)
    python_made = json.loads(sealing.write_key_file(
        sealing.KeyPair.generate(), "any passphrase", params=sealing.KDF_INTERACTIVE
    ))
    assert list(document) == list(python_made)
    assert list(document["kdf"]) == list(python_made["kdf"])
    assert text == json.dumps(document, indent=2) + "\n", "laid out as write_key_file lays it"
    assert document["label"] == "browser-made ø"
    assert document["key_id"] == pair.key_id
    assert (document["kdf"]["opslimit"], document["kdf"]["memlimit"]) == (
        sealing.KDF_MODERATE.opslimit, sealing.KDF_MODERATE.memlimit
    )
    with pytest.raises(sealing.SealingError):
        sealing.read_key_file(text, KEY_PASSPHRASE)

    report = python_opens(shared_live_system, envelope_id)
    plaintext = json.dumps(report, ensure_ascii=False).encode("utf-8")
    sealed = sealing.seal(plaintext, pair.public_key)
    assert sealing.unseal(sealed, pair.private_key) == plaintext
    # And the browser opens, with its own key file, what Python sealed to it.
    envelope = {"format": "concern-envelope/1", "key_id": pair.key_id,
                "sealed": sealing.b64(sealed)}
    opened = page.evaluate(
        "([text, passphrase, envelope]) => "
        "window.ConcernReport.openWithKeyFile(text, passphrase, envelope)",
        [text, BROWSER_PASSPHRASE, envelope],
    )
    assert opened == report
    # A key file Python writes today opens in the browser too (tests use INTERACTIVE).
    made_by_python = sealing.write_key_file(pair, BROWSER_PASSPHRASE,
                                            params=sealing.KDF_INTERACTIVE)
    assert page.evaluate(
        "([text, passphrase, envelope]) => "
        "window.ConcernReport.openWithKeyFile(text, passphrase, envelope)",
        [made_by_python, BROWSER_PASSPHRASE, envelope],
    ) == report


def test_the_open_page_alone_may_compile_webassembly_and_only_for_its_own_service(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
    oslo_report: tuple[str, str],
):
    envelope_id, _ = oslo_report
    bergen_id = accepted_and_delivered(
        shared_live_system, b'{"concern": {"description": "Bergen"}}', "4601")
    page = context.new_page()
    sign_in(page, shared_live_system, team)
    listing = page.goto(shared_live_system.base_url + "/inbox/")
    assert listing is not None and listing.headers["content-security-policy"] == (
        CONTENT_SECURITY_POLICY
    )
    opened = page.goto(f"{shared_live_system.base_url}/inbox/reports/{envelope_id}/open")
    assert opened is not None and opened.headers["content-security-policy"] == OPEN_PAGE_CSP
    for other in (bergen_id, "f" * 32):
        response = page.goto(f"{shared_live_system.base_url}/inbox/reports/{other}/open")
        assert response is not None and response.status == 404
    context.clear_cookies()
    response = page.goto(f"{shared_live_system.base_url}/inbox/reports/{envelope_id}/open")
    assert response is not None and page.url.startswith(
        shared_live_system.base_url + "/inbox/login"
    )


def test_without_javascript_the_page_offers_the_download_and_the_command(
    browser: Browser, shared_live_system: LiveSystem, team: str, oslo_report: tuple[str, str],
):
    envelope_id, reference = oslo_report
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, shared_live_system, team)
        open_page(page, shared_live_system, envelope_id)
        expect(page.get_by_text("Opening a report in the browser needs JavaScript")).to_be_visible()
        expect(page.get_by_role("link", name=f"Download the report {reference}")).to_be_visible()
        expect(page.locator("main code")).to_contain_text("flask inbox open")
        expect(page.get_by_label("The key file’s passphrase")).to_be_hidden()
    finally:
        context.close()


# The notice the report opens with, in the inbox's language (English here).
REPORTER_MUNICIPALITY_SENTENCE = (
    "Neither where the child lives nor where the child was when the concern arose is known, so "
    "this report was sent to the reporter's own municipality. Check whether another "
    "municipality should have it, and forward it if so.")


def test_a_report_sent_to_the_reporters_own_municipality_says_so_in_a_sentence(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
):
    """Neither place known: the team reads why the report came to them and what to do, not the
    code the report carries."""
    document = {"schema": "concern-report/1", "location": {
        "municipality_number": "0301", "municipality_name": "Oslo", "postal_code": None,
        "found_by": "reporter_municipality"}, "concern": {"description": "Alene på natta."}}
    envelope_id = accepted_and_delivered(
        shared_live_system, json.dumps(document).encode("utf-8"), "0301")
    page = context.new_page()
    sign_in(page, shared_live_system, team)
    open_page(page, shared_live_system, envelope_id)
    open_with(page, shared_live_system.key_files["0301"], KEY_PASSPHRASE)
    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)
    expect(page.locator("#report-top .notice")).to_have_text([REPORTER_MUNICIPALITY_SENTENCE])
    assert "reporter_municipality" not in page.locator("#opened-report").inner_text()
    assert shown_value(page, "About the report", "Municipality") == "Oslo (0301)"


# --- reading a report as a colleague wrote it ----------------------------------------------------

REPORT_OUTLINE_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "report-outline.js"
REPORT_LABELS = json.loads((Path(__file__).resolve().parents[2] / "static" /
                            "report-labels.json").read_text(encoding="utf-8"))


def open_by_ids(page: Page, system: LiveSystem, envelope_id: str) -> None:
    """Open a report in whatever language the inbox is in (the fields by their ids)."""
    response = page.goto(f"{system.base_url}/inbox/reports/{envelope_id}/open")
    assert response is not None and response.status == 200
    page.locator("#key-file").set_input_files(str(system.key_files["0301"]))
    page.locator("#key-passphrase").fill(KEY_PASSPHRASE)
    page.locator("#open-button").click()
    expect(page.locator("#opened-report")).to_be_visible(timeout=30_000)


def delivered_report(system: LiveSystem, document: dict[str, Any]) -> tuple[str, str, str]:
    """(envelope id, reference, received as the inbox list shows it)."""
    from inbox.views import oslo_time

    database = Database(system.database_url)
    try:
        with database.session() as session:
            envelope = accept(session, json.dumps(document, ensure_ascii=False).encode(),
                              "0301")
            deliver(session, envelope.id)
            return envelope.id, envelope.reference, oslo_time(envelope.created_at)
    finally:
        database.dispose()


def axe_problems(page: Page) -> list[str]:
    from tests.helpers.axe import AXE_SOURCE, AXE_TAGS, RUN_AXE

    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    problems = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        problems += [f"{width} px: {violation}" for violation in page.evaluate(RUN_AXE, AXE_TAGS)]
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{width} px: the page scrolls sideways")
    return problems


def printed(page: Page) -> list[str]:
    """The text of each page of the report printed to PDF, as Chromium prints it."""
    import pypdf

    document = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    for sheet in document.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert (round(width), round(height)) == (595, 842), "A4, in points"
    return [sheet.extract_text() for sheet in document.pages]


def visible_rows(page: Page, container: str) -> dict[str, str]:
    return dict(page.locator(f"{container} .summary-row").evaluate_all(
        "rows => rows.map(row => [row.querySelector('dt').innerText,"
        " row.querySelector('dd').innerText])"))


def test_each_kind_of_report_reads_as_a_report_in_bokmal_nynorsk_and_english(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
):
    """The five kinds of reporter, in the three languages the team reads reports in: the
    notices that apply first (and no others), no code or field name, Norwegian time to the
    minute, nothing axe-core finds, and a printed A4 document that holds every answer with the
    reference and the page number on every page."""
    reports = {kind: reading.report_of(kind) for kind in reading.KINDS}
    delivered = {kind: delivered_report(shared_live_system, report)
                 for kind, report in reports.items()}
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    recorder = Recorder(page)
    sign_in(page, shared_live_system, team)
    problems: list[str] = []
    for language in reading.LANGUAGES:
        page.goto(f"{shared_live_system.base_url}/inbox/?lang={language}")
        words = REPORT_LABELS[language]
        for kind, report in reports.items():
            where = f"{kind}, {language}"
            envelope_id, reference, received = delivered[kind]
            page.set_viewport_size({"width": 1280, "height": 800})
            open_by_ids(page, shared_live_system, envelope_id)
            opened = page.locator("#opened-report")
            assert page.locator("#report-top").get_attribute("lang") == language

            # What must not be missed comes first: the first thing after the heading.
            notices = reading.expected_notices(kind, language)
            expect(page.locator("#report-top .notice")).to_have_text(notices)
            first = opened.locator("h3").first.inner_text()
            assert first == (words["headings"]["notices"] if notices
                             else words["headings"]["summary"]), where

            text = opened.inner_text()
            typed = reading.typed_answers(report)
            assert reading.codes_shown(text, language, typed) == [], where
            assert reading.missing_from(text, typed + reading.coded_answers(report, language)) \
                == [], where
            summary = visible_rows(page, "#report-top")
            assert summary[words["summary"]["received"]] == received, where
            assert visible_rows(page, "#report-document")[words["fields"]["submitted_at"]] == (
                reading.SUMMER_OSLO), where
            assert not re.search(r"\d{4}-\d{2}-\d{2}T|\d{2}:\d{2}:\d{2}", text), where

            problems += [f"{where}: {problem}" for problem in axe_problems(page)]

            pages = printed(page)
            everything = "\n".join(pages)
            assert reading.missing_from(everything, typed + reading.coded_answers(
                report, language) + notices) == [], where
            page_word = words["print_page"]
            for number, sheet in enumerate(pages, start=1):
                assert f"{words['title']} {reference}" in sheet, (where, number)
                assert page_word.format(page=number, pages=len(pages)) in sheet, (where, number)
            # The printout is the report: no inbox around it, no buttons.
            for chrome in (team, "JSON", "KS Fiks", "Logg ut", "Sign out"):
                assert chrome not in everything, (where, chrome)
    assert problems == [], "\n".join(problems)
    assert errors == []
    assert not [line for line in recorder.console if "Content Security Policy" in line]


def test_no_code_of_any_enumeration_is_visible_on_the_opened_page(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
):
    """Every value of every enumeration of concern-report/1 (docs/concern-report-1.schema.json)
    in a report opened in the three languages: each shown in words, none as its code."""
    walk = reading.enum_walk()
    delivered = [delivered_report(shared_live_system, report)[0] for report in walk]
    page = context.new_page()
    sign_in(page, shared_live_system, team)
    shown = []
    for language in reading.LANGUAGES:
        page.goto(f"{shared_live_system.base_url}/inbox/?lang={language}")
        for report, envelope_id in zip(walk, delivered, strict=True):
            open_by_ids(page, shared_live_system, envelope_id)
            text = page.locator("#opened-report").inner_text()
            typed = reading.typed_answers(report)
            shown += [(language, report["language"], code)
                      for code in reading.codes_shown(text, language, typed)]
            assert reading.missing_from(text, reading.coded_answers(report, language)) == []
    assert shown == []


def test_what_the_reporter_typed_cannot_disguise_itself_and_the_files_keep_it(
    context: BrowserContext, shared_live_system: LiveSystem, team: str, tmp_path: Path,
):
    from tests.helpers import fiks

    report = fiks.build(fiks.private_answers(
        **{"about-you": {"name": reading.HIDDEN_NAME, "phone": "", "email": ""},
           "child-1-name": {"name": "\u2067سارة\u2069 Berg"}}))
    envelope_id, reference, _ = delivered_report(shared_live_system, report)
    page = context.new_page()
    sign_in(page, shared_live_system, team)
    open_by_ids(page, shared_live_system, envelope_id)
    name = page.locator("#report-document section:has(> h3:text-is('The reporter')) "
                        ".summary-row:has(> dt:text-is('Name')) > dd bdi")
    expect(name).to_have_count(1)
    assert name.inner_text() == reading.HIDDEN_NAME_SHOWN
    assert name.evaluate("node => getComputedStyle(node).unicodeBidi") == "isolate"
    expect(name.locator(".hidden-character")).to_have_text(["⟨U+202E⟩", "⟨U+200B⟩"])
    child = page.locator("#report-document .summary-row:has(> dt:text-is('Name')) > dd bdi")
    expect(child.first).to_have_text("⟨U+2067⟩سارة⟨U+2069⟩ Berg")
    assert "\u202e" not in page.locator("#opened-report").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save the report as a file (JSON)").click()
    download_info.value.save_as(tmp_path / "saved.json")
    saved = json.loads((tmp_path / "saved.json").read_text(encoding="utf-8"))
    assert saved["reporter"]["name"] == reading.HIDDEN_NAME
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save KS Fiks format (JSON)").click()
    download_info.value.save_as(tmp_path / "ks.json")
    exported = json.loads((tmp_path / "ks.json").read_text(encoding="utf-8"))
    assert exported["privatMelder"]["personnavn"] == reading.HIDDEN_NAME
    assert exported["privatBarn"][0]["personnavn"] == "\u2067سارة\u2069 Berg"


def test_a_long_report_prints_on_several_pages_with_no_line_lost_at_a_break(
    context: BrowserContext, shared_live_system: LiveSystem, team: str,
):
    from tests.helpers import fiks

    lines = [f"Linje {number} av beskrivelsen, der melderen forteller hva som skjedde."
             for number in range(1, 121)]
    report = fiks.build(fiks.private_answers(concern={"description": "\n".join(lines)}))
    envelope_id, reference, _ = delivered_report(shared_live_system, report)
    page = context.new_page()
    sign_in(page, shared_live_system, team)
    page.goto(f"{shared_live_system.base_url}/inbox/?lang=nb")
    open_by_ids(page, shared_live_system, envelope_id)
    pages = printed(page)
    assert len(pages) >= 3
    flat = re.sub(r"\s+", " ", "\n".join(pages))
    assert [line for line in lines if line not in flat] == []
    for number, sheet in enumerate(pages, start=1):
        assert f"Bekymringsmelding {reference}" in sheet
        assert f"Side {number} av {len(pages)}" in sheet
    assert not [word for word in ("Skriv ut", "Lagre", "Lukk", "Innboks", "Logg ut")
                if word in "\n".join(pages)]


def test_the_page_and_the_text_are_written_from_the_same_outline(context: BrowserContext):
    """static/js/report-outline.js says what inbox/report_outline.py says, for every kind of
    report, every code, odd and damaged documents, in the three languages; and shows hidden
    characters the same way."""
    from inbox.report_outline import outline, reveal
    from tests.helpers.fiks import variants

    page = context.new_page()
    page.set_content("<!doctype html><title>outline</title>")
    page.add_script_tag(path=str(REPORT_OUTLINE_JS))
    documents: dict[str, Any] = {**variants(), **{
        f"walk {report['language']}": report for report in reading.enum_walk()}}
    documents |= {kind: reading.report_of(kind) for kind in reading.KINDS}
    documents |= {"a list": [1, 2], "a string": "hei", "nothing": None,
                  "odd values": {"reporter_type": ["x"], "children": [{"name": ["a"],
                                 "unborn": "maybe", "approximate_age": 6.5}],
                                 "parents": {"guardians": "Per"}, "reporter": "Kari",
                                 "location": {"district": "030101", "found_by": 3},
                                 "submitted_at": "2026-02-30T10:00:00Z"},
                  "a named district": {"location": {
                      "municipality_number": "0301", "municipality_name": "Oslo",
                      "district": "030101", "district_name": "Gamle Oslo",
                      "found_by": "postal_code", "postal_code": "0150"}},
                  "a svalbard child": {"location": {
                      "municipality_number": "4601", "municipality_name": "Bergen",
                      "found_by": "lives_on_svalbard", "postal_code": "9170"}}}
    cases = {f"{name} / {language}": [document, language]
             for name, document in documents.items() for language in reading.LANGUAGES}
    expected = {name: outline(document, language, received="01.07.2026 23:59",
                              review_by="08.07.2026 23:59")
                for name, (document, language) in cases.items()}
    shown = page.evaluate(
        "([cases, table]) => Object.fromEntries(Object.entries(cases).map(([name, c]) =>"
        " [name, window.ConcernReportOutline.outline(c[0], table, c[1], '01.07.2026 23:59',"
        " '08.07.2026 23:59')]))", [cases, REPORT_LABELS])
    assert [name for name in cases if shown[name] != expected[name]] == []
    assert len(cases) > 150

    typed = ["Ali\u202eecilA", "\u2067نورا\u2069 Berg", "Ka\u200bri\u200d\u2060\ufeff",
             "👨\u200d👩\u200d👧", "❤\ufe0f\u200d🔥", "می\u200cخواهم", "a\u200cb", "😢\u200d",
             "\u202a\u202b\u202c\u202d\u2066\u2068\u200e\u200f\u061c\u00ad\u034f\u180e",
             "\u2061\u2062\u2063\u2064 plain text 𝒜"]
    assert page.evaluate("texts => texts.map(t => window.ConcernReportOutline.reveal(t))",
                         typed) == [reveal(text) for text in typed]
