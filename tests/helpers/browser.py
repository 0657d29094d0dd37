"""What the browser tests share: a phone's viewport, signing in and opening a report as a team
member does in Chromium, and waiting for the live system's worker to deliver what a walk
sent."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page
from sqlalchemy import select

from database import Database
from inbox import totp
from inbox.models import IntakeUser
from routing.models import Envelope
from sealing import read_key_file, unseal
from tests.helpers.environment import KEY_PASSPHRASE
from tests.helpers.inbox import PASSWORD
from tests.helpers.inbox import authenticator_code as code_in

PHONE = {"width": 320, "height": 640}


def delivered(system: Any, reference: str) -> Envelope:
    """The envelope of `reference` once the live system's worker has delivered it."""
    database = Database(system.database_url)
    deadline = time.monotonic() + 30
    try:
        while True:
            with database.session() as session:
                envelope = session.scalar(select(Envelope).where(Envelope.reference == reference))
            if envelope is not None and envelope.delivered_at is not None:
                return envelope
            assert time.monotonic() < deadline, f"{reference} not delivered"
            time.sleep(0.05)
    finally:
        database.dispose()


def opened_report(system: Any, reference: str) -> dict[str, Any]:
    """Wait for the worker to deliver, then open the envelope with the service's own key."""
    envelope = delivered(system, reference)
    for key_file in system.key_files.values():
        pair = read_key_file(key_file.read_text(), KEY_PASSPHRASE)
        if pair.key_id == envelope.key_id:
            return json.loads(unseal(envelope.sealed, pair.private_key))
    raise AssertionError(f"no test key opens {reference}")


def authenticator_code(system: Any, username: str) -> str:
    """What the user's app shows now (or at the next step, if this one's code was used)."""
    database = Database(system.database_url)
    try:
        return code_in(database, username)
    finally:
        database.dispose()


# What each user chooses at enrolment in place of PASSWORD, which works for that sign-in only.
OWN_PASSWORD = "a password of my own for the inbox"


def sign_in(page: Page, system: Any, username: str, password: str | None = None) -> None:
    """Through the sign-in forms, as a person would: the password they know now, then (when the
    inbox asks for one) the code the user's authenticator app would show, setting the app up
    first, with a password of their own, if the user has none. The one place to teach when
    sign-in changes."""
    base_url = system.base_url
    page.goto(base_url + "/inbox/login?lang=en")  # the language is remembered in the session
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password or known_password(system, username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.split("?")[0] == base_url + "/inbox/login/enrol":
        key = page.locator("main code.secret").inner_text().replace(" ", "")
        page.get_by_label("New password", exact=True).fill(OWN_PASSWORD)
        page.get_by_label("New password again", exact=True).fill(OWN_PASSWORD)
        page.get_by_label("Sign-in code").fill(code_from_key(key))
        page.locator("main form button[type=submit]").click()
    elif page.url.split("?")[0] == base_url + "/inbox/login/code":
        page.get_by_label("Sign-in code").fill(authenticator_code(system, username))
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(base_url + "/inbox/")


def known_password(system: Any, username: str) -> str:
    """The password given to the user, until they replaced it with their own at enrolment."""
    database = Database(system.database_url)
    try:
        with database.session() as session:
            initial = session.scalar(select(IntakeUser.password_is_initial)
                                     .where(IntakeUser.username == username))
    finally:
        database.dispose()
    return PASSWORD if initial else OWN_PASSWORD


def code_from_key(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given `key` shows now (or `steps_ahead` steps later)."""
    return totp.code_for_step(key, totp.time_step(time.time()) + steps_ahead)


def open_with(page: Page, key_file: Path, passphrase: str) -> None:
    page.get_by_label("The service’s key file").set_input_files(str(key_file))
    page.get_by_label("The key file’s passphrase").fill(passphrase)
    page.get_by_role("button", name="Open the report").click()


def assert_report_matches(report: dict[str, Any], expected: dict[str, Any]) -> None:
    """The whole report, every answer, is what the walk gave on the path it took (only the
    submission time is the server's own), and nothing typed on a branch it left is in it."""
    submitted_at = report.pop("submitted_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", submitted_at)
    assert report == expected["report"]
    text = json.dumps(report, ensure_ascii=False)
    for abandoned in expected["abandoned"]:
        assert abandoned not in text, f"{abandoned!r} from an abandoned branch is in the report"
