"""Feedback to reporters in real Chromium: the team's form for one report, in each state it can
be in (receipt not yet confirmed, the decision asked, a form sent empty, the outcome asked), and
the reporter's status page with the feedback on it, checked with axe-core at 320 and 1280 px in
bokmål, English and Arabic."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_inbox_in_chromium import (
    Audit,
    Words,
    enrol_from_the_page,
    list_row,
    new_user,
    password_step,
    submit,
)
from tests.conftest import LiveSystem
from tests.helpers import HttpTransport, Wizard, walk_professional
from tests.helpers.browser import delivered

LANGUAGES = ("nb", "en", "ar")
CODE_RE = re.compile(r'class="reference-code" dir="ltr">([0-9A-Z]{4}(?:-[0-9A-Z]{1,4}){3})<')
PRO = {"name": "Åse Lærer", "role": "Kontaktlærer", "workplace": "Grünerløkka skole",
       "workplace_address": "Toftes gate 1", "phone": "22 33 44 55",
       "email": "ase@skole.example.no"}


def professional_report(system: LiveSystem, keep_transport: bool = False) -> Any:
    """A professional's report sent over HTTP: (envelope id, reference, status code), and with
    `keep_transport` the reporter's HTTP session too (its cookies show the receipt)."""
    transport = HttpTransport(system.base_url)
    reference = walk_professional(Wizard(transport), child={"name": "Per"},
                                  concern="Blåmerker på armene.", you=PRO)
    code = CODE_RE.search(transport.get("/report/receipt").html)
    assert code, "the receipt shows no status code"
    found = (delivered(system, reference).id, reference, code.group(1))
    return (*found, transport) if keep_transport else found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_feedback_form_and_the_status_page_pass_axe_at_320_and_1280_px(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    system, t = shared_live_system, Words(language)
    envelope_id, reference, code = professional_report(system)
    audit = Audit(t)
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The reporter, before the service has done anything.
    page.goto(f"{system.base_url}/status?lang={language}")
    page.get_by_label(t("Reference number"), exact=True).fill(reference)
    page.get_by_label(t("Status code"), exact=True).fill(code)
    submit(page, t, "Check")
    expect(page.locator(".panel-status")).to_be_visible()
    audit(page, "status, waiting")

    member = new_user(system)
    password_step(page, system, t, member)
    enrol_from_the_page(page, t)
    audit(page, "list with a feedback deadline")
    feedback_url = f"{system.base_url}/inbox/envelopes/{envelope_id}/feedback"
    page.goto(feedback_url)
    expect(page.locator("main h1")).to_contain_text(t("Feedback to the reporter"))
    audit(page, "feedback, receipt not confirmed")

    page.goto(f"{system.base_url}/inbox/")
    row: Any = list_row(page, reference)
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile(re.escape(t("Acknowledge")))).click()
    page.goto(feedback_url)
    audit(page, "feedback, decision asked")
    assert submit(page, t, "Record") == 422
    expect(page.locator(".error-summary")).to_contain_text(
        t("Choose whether an investigation was opened"))
    audit(page, "feedback, sent empty")
    page.get_by_label(t("Yes, an investigation was opened"), exact=True).check()
    page.get_by_label(t("Date of the decision"), exact=True).fill(
        page.evaluate("new Date().toLocaleDateString('sv-SE', {timeZone: 'Europe/Oslo'})"))
    assert submit(page, t, "Record") == 200
    expect(page.get_by_label(t("Closed (henlagt)"), exact=True)).to_be_visible()
    audit(page, "feedback, outcome asked")

    page.goto(f"{system.base_url}/status?lang={language}")
    page.get_by_label(t("Reference number"), exact=True).fill(reference)
    page.get_by_label(t("Status code"), exact=True).fill(code)
    submit(page, t, "Check")
    expect(page.locator(".panel-status")).to_contain_text(t(
        "When the investigation ends, they will tell you here within 3 weeks whether it was "
        "closed or the child is being followed up."))
    audit(page, "status, investigation opened")
    context.close()

    assert audit.problems == [], "\n".join(audit.problems)
    assert errors == []
