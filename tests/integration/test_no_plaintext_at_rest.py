"""No plaintext at rest: a canary typed into every field of the wizard, on all four reporter paths
(private named, private anonymous, professional, child), and into pages that answer with an
error (not found, a wrong answer, an expired page, too large), is found in none of the database
files, a Redis dump, the logs (written at debug level), the app's var directory or the working
tree, once the reports are delivered over every channel: the inbox, a signed push to a case
system on loopback, and the pull API. It is found in the sealed reports once they are opened
with the services' keys, which proves it was really sent."""

from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import make_url, select

from database import Database
from routing import channels
from routing.envelope_file import parse
from routing.models import Envelope
from sealing import read_key_file, unseal
from tests.conftest import LiveSystem
from tests.helpers import HttpTransport, Wizard
from tests.helpers.environment import KEY_PASSPHRASE, PROJECT
from tests.helpers.push import Receiver

# Made at run time, so the only copies are the ones the test types in.
CANARY = "KANARI" + secrets.token_hex(6).upper()


def planted(field: str) -> str:
    return f"{CANARY}-{field}"


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and not path.is_socket()]


def working_tree_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT, capture_output=True, text=True, check=True,
    ).stdout.split()
    return [PROJECT / name for name in listed if (PROJECT / name).is_file()]


def dump_database(database_url: str, into: Path) -> None:
    """On PostgreSQL, every row of the test's schema as text, where the scan can see it (on
    SQLite the database file and its WAL are already under the system's root)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return
    schema = url.query["options"].removeprefix("-csearch_path=")
    subprocess.run(["pg_dump", "--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
                    "--username", url.username or "postgres", "--schema", schema,
                    "--file", str(into), url.database or "test"], check=True, timeout=120)
    assert b"COPY " in into.read_bytes() and b"envelopes" in into.read_bytes()


@pytest.fixture
def live_system_env() -> dict[str, str]:
    # Debug logging everywhere: whatever a library logs at its most talkative must not hold it.
    return {"LOG_LEVEL": "debug"}


def walk_with_canaries(base_url: str, reporter_type: str, *, anonymous: bool = False,
                       postal_code: str = "0150") -> list[str]:
    """Walk one reporter path with a canary in every free-text field; return the fields."""
    wizard = Wizard(HttpTransport(base_url))
    planted_fields: list[str] = []

    def answer(step: str, data: dict[str, str]) -> None:
        for _name, value in data.items():
            if CANARY in value:
                planted_fields.append(value)
        wizard.answer(step, data)

    answer("emergency", {"answer": "no"})
    answer("reporter-type", {"reporter_type": reporter_type})
    answer("location", {"postal_code": postal_code})
    answer("location-confirm", {"confirmed": "yes"})
    path = f"{reporter_type}-anonymous" if anonymous else reporter_type
    p = lambda field: planted(f"{path}-{field}")  # noqa: E731
    if reporter_type == "private":
        answer("anonymity", {"anonymity": "anonymous" if anonymous else "named"})
    answer("child-1-name", {"name": p("child-name")})
    if reporter_type == "professional":
        answer("child-1-age", {"national_id": "01018012371"})
    else:
        answer("child-1-age", {"age": "9"})
    if reporter_type != "child":
        answer("child-1-address", {"address": p("address"), "found_at": p("found-at"),
                                   **({"description": p("child-description")}
                                      if reporter_type == "private" else {})})
    if reporter_type == "private":
        answer("child-1-relation", {"relation": "other", "relation_other": p("relation")})
    if reporter_type == "professional":
        answer("child-1-told", {"told": "no", "why_not": p("child-why-not")})
    if reporter_type != "child":
        answer("children", {"add_another": "no"})
    if reporter_type == "private":
        answer("parents", {"lives_with": p("lives-with")})
    if reporter_type == "professional":
        answer("parents", {"parent1_name": p("parent1"), "parent2_name": p("parent2")})
        answer("parents-told", {"told": "no", "why_not": p("parents-why-not")})
    answer("topics", {})
    answer("concern", {"description": p("concern")})
    if reporter_type != "child":
        answer("source", {"sources": "seen-heard"})
    answer("timing", {"since": p("since")})
    if reporter_type == "professional":
        answer("background", {"background": p("background"), "measures": p("measures"),
                              "other_agencies": p("agencies"), "other_views": p("other-views")})
    answer("child-views", {"views": p("views")})
    if reporter_type != "child":
        answer("interpreter", {"needed": "yes", "language": p("language")})
    if reporter_type == "child":
        answer("about-you", {"safe_contact": p("safe-contact")})
    elif anonymous:
        pass  # an anonymous reporter is not asked about themselves
    else:
        answer("about-you", {
            "name": p("name"), "phone": "+47 41 23 45 67", "email": f"{p('email')}@example.no",
            **({"role": p("role"), "workplace": p("workplace"),
                "workplace_address": p("workplace-address")}
               if reporter_type == "professional" else {}),
        })
    wizard.send()
    return planted_fields


def pages_that_answer_with_an_error(base_url: str) -> list[str]:
    """A canary in a URL that does not exist, in a wrong answer, on an expired page and in a
    request too large to read; each page answers, none may leave the canary behind."""
    session = requests.Session()
    statuses = []
    statuses.append(session.get(f"{base_url}/report/{planted('not-found')}?q={planted('q')}",
                                timeout=30).status_code)
    wizard = Wizard(HttpTransport(base_url))
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wrong = wizard.answer("location", {"postal_code": planted("wrong-postal-code")}, expect=422)
    assert planted("wrong-postal-code") in wrong.html  # shown again, to be corrected
    expired = wizard.transport.post("/report/location", {
        "postal_code": planted("expired-page"), "csrf_token": "a stale token"})
    statuses += [wrong.status, expired.status]
    big = session.post(f"{base_url}/report/emergency", timeout=30,
                       data={"answer": planted("too-large") * 30_000})
    statuses.append(big.status_code)
    return [planted(name) for name in ("wrong-postal-code", "expired-page")] + [
        str(status) for status in statuses]


def delivered_everywhere(system: LiveSystem, count: int, receiver: Receiver,
                         pushed: int) -> list[Envelope]:
    database = Database(system.database_url)
    deadline = time.monotonic() + 60
    try:
        while True:
            with database.session() as session:
                envelopes = list(session.scalars(select(Envelope)))
            if (len(envelopes) == count and all(e.state == "delivered" for e in envelopes)
                    and len(receiver.stored) == pushed):
                return envelopes
            assert time.monotonic() < deadline, ([e.state for e in envelopes], receiver.stored)
            time.sleep(0.1)
    finally:
        database.dispose()


def pull_all(base_url: str, token: str, into: Path) -> list[bytes]:
    """What the case system that polls does: list, fetch, store, acknowledge."""
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(f"{base_url}/api/v1/envelopes", headers=headers, timeout=30).json()
    into.mkdir()
    files = []
    for entry in listed["envelopes"]:
        fetched = requests.get(f"{base_url}/api/v1/envelopes/{entry['id']}", headers=headers,
                               timeout=30)
        assert fetched.status_code == 200
        (into / f"{entry['id']}.json").write_bytes(fetched.content)
        files.append(fetched.content)
        acknowledged = requests.post(f"{base_url}/api/v1/envelopes/{entry['id']}/ack",
                                     headers=headers, timeout=30)
        assert acknowledged.status_code == 200
    return files


def test_canary_in_every_field_is_nowhere_on_disk_but_inside_the_sealed_reports(live_system):
    # Oslo's reports are also pushed to its case system; Bergen's case system polls.
    receiver = Receiver()
    database = Database(live_system.database_url)
    with database.session() as session:
        receiver.secret = channels.set_push_endpoint(session, "oslo", receiver.url)
        bergen_token = channels.issue_api_token(session, "bergen")
    database.dispose()
    receiver.start()
    try:
        planted_values = []
        planted_values += walk_with_canaries(live_system.base_url, "private")
        planted_values += walk_with_canaries(live_system.base_url, "private", anonymous=True,
                                             postal_code="5003")
        planted_values += walk_with_canaries(live_system.base_url, "professional")
        planted_values += walk_with_canaries(live_system.base_url, "child", postal_code="5003")
        error_pages = pages_that_answer_with_an_error(live_system.base_url)
        assert error_pages[2:] == ["404", "422", "422", "413"], error_pages
        # An abandoned draft, left half-way: it must be unreadable too.
        abandoned = Wizard(HttpTransport(live_system.base_url))
        abandoned.answer("emergency", {"answer": "no"})
        abandoned.answer("reporter-type", {"reporter_type": "private"})
        abandoned.answer("location", {"postal_code": "0150"})
        abandoned.answer("location-confirm", {"confirmed": "yes"})
        abandoned.answer("anonymity", {"anonymity": "anonymous"})
        abandoned.answer("child-1-name", {"name": planted("abandoned-child")})

        envelopes = delivered_everywhere(live_system, 4, receiver, pushed=2)
        pushed_dir = live_system.root / "case-system-push"
        pushed_dir.mkdir()
        for envelope_id, body in receiver.stored.items():
            (pushed_dir / f"{envelope_id}.json").write_bytes(body)
        pulled = pull_all(live_system.base_url, bergen_token, live_system.root / "case-system-pull")
        assert len(pulled) == 2
    finally:
        receiver.stop()

    connection = redis.Redis(unix_socket_path=str(live_system.redis_socket))
    connection.save()
    dump = live_system.root / "dump.rdb"
    assert dump.exists()
    dump_database(live_system.database_url, live_system.root / "database-dump.sql")
    logs = list((live_system.root / "logs").iterdir())
    assert any(b" DEBUG " in log.read_bytes() for log in logs), "the logs are not at debug level"

    places = (
        files_under(live_system.root)  # database, WAL, Redis dump, logs, var/, key files,
        + working_tree_files()         # what the case systems received
    )
    # As typed, and as PostgreSQL's dump writes bytes (hex).
    needles = (CANARY.encode(), CANARY.encode().hex().encode())
    leaks = [str(path) for path in places
             if any(needle in path.read_bytes() for needle in needles)]
    assert leaks == [], f"plaintext found in {leaks}"
    assert len(places) > 5

    # Positive control: the canary went in, sealed, through every channel.
    keys = [read_key_file(key_file.read_text(), KEY_PASSPHRASE)
            for key_file in live_system.key_files.values()]
    by_key = {pair.key_id: pair.private_key for pair in keys}
    opened = [unseal(e.sealed, by_key[e.key_id]).decode() for e in envelopes]
    for body in [*receiver.stored.values(), *pulled]:
        envelope_file = parse(body)
        opened.append(unseal(envelope_file.sealed, by_key[envelope_file.key_id]).decode())
    assert len(opened) == 8
    joined = "\n".join(opened)
    for value in planted_values:
        assert value in joined, f"{value} did not reach the sealed report"
    assert len(planted_values) >= 40
    assert planted("abandoned-child") not in joined
    assert not any(value in joined for value in error_pages[:2])
