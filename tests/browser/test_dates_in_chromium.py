"""One date format (issue 17, point 11): the receipt and the status page say when the report was
sent in the same words, to the minute, in Norwegian time. Somali read "Diseembar 12, 2026" on one
and "05-Dis-2026 1:29:32 GD" on the other, and could not tell they were the same moment."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from intake.dates import moment
from tests.browser.test_feedback_in_chromium import professional_report
from tests.browser.test_inbox_in_chromium import Words, submit
from tests.conftest import LiveSystem
from tests.helpers.browser import delivered


def spoken(text: str) -> str:
    """Text as read: runs of spaces (CLDR puts narrow no-break spaces in times) as one."""
    return " ".join(text.split())


@pytest.mark.parametrize("language", ["so", "nb", "ar", "th"])
def test_the_receipt_and_the_status_page_give_the_sending_time_alike(
    browser: Browser, shared_live_system: LiveSystem, language: str
):
    system, t = shared_live_system, Words(language)
    _, reference, code, transport = professional_report(system, keep_transport=True)
    sent = spoken(moment(delivered(system, reference).created_at, language))
    context = browser.new_context(viewport={"width": 320, "height": 800})
    context.add_cookies([{"name": cookie.name, "value": cookie.value or "",
                          "url": system.base_url} for cookie in transport.session.cookies])
    page = context.new_page()

    page.goto(f"{system.base_url}/report/receipt?lang={language}")
    receipt = spoken(page.locator("main").inner_text())
    page.goto(f"{system.base_url}/status?lang={language}")
    page.get_by_label(t("Reference number"), exact=True).fill(reference)
    page.get_by_label(t("Status code"), exact=True).fill(code)
    submit(page, t, "Check")
    status = spoken(page.locator("main").inner_text())
    context.close()

    assert sent in receipt, f"receipt: {receipt}"
    assert sent in status, f"status page: {status}"
    assert ":" in sent and not any(part.count(":") > 1 for part in sent.split()), (
        "to the minute, not the second")
