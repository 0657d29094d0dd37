"""Opening a report in the browser, in real Chromium: a team member picks the service's key file
and types its passphrase on /inbox/reports/<id>/open, and libsodium's WebAssembly build opens the
envelope that Python sealed, showing exactly what the reporter wrote. The key file, the
passphrase and the private key never leave the browser. A key file made in the browser opens in
Python, and the other way round."""

from __future__ import annotations

import json
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
from tests.helpers import HttpTransport, Wizard, walk_private
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
    assert shown_value(page, "Concern", "Description") == CONCERN
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
    assert shown_value(page, "Concern", "Description") == CONCERN
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
    assert shown_value(page, "Location", "Found by") == REPORTER_MUNICIPALITY_SENTENCE
    assert "reporter_municipality" not in page.locator("#report-document").inner_text()
    assert shown_value(page, "Location", "Municipality number") == "0301"
