"""No plaintext at rest: a canary typed into every field of the wizard, on both reporter paths,
is found in none of the database files, a Redis dump, the logs, the app's var directory or the
working tree, once the reports are sent and delivered. It is found in the sealed reports once
they are opened with the service's key, which proves it was really sent."""

from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path

import redis
from sqlalchemy import make_url, select

from database import Database
from routing.models import Envelope
from sealing import read_key_file, unseal
from tests.conftest import KEY_PASSPHRASE, PROJECT
from tests.helpers import HttpTransport, Wizard, walk_private, walk_professional

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


def walk_with_canaries(base_url: str, reporter_type: str) -> list[str]:
    """Walk one reporter path with a canary in every free-text field; return the fields."""
    wizard = Wizard(HttpTransport(base_url))
    planted_fields: list[str] = []

    def answer(step: str, data: dict[str, str]) -> None:
        for name, value in data.items():
            if CANARY in value:
                planted_fields.append(value)
        wizard.answer(step, data)

    answer("emergency", {"answer": "no"})
    answer("reporter-type", {"reporter_type": reporter_type})
    answer("location", {"postal_code": "0150"})
    answer("location-confirm", {"confirmed": "yes"})
    p = lambda field: planted(f"{reporter_type}-{field}")  # noqa: E731
    if reporter_type == "private":
        answer("anonymity", {"anonymity": "named"})
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
    else:
        answer("about-you", {
            "name": p("name"), "phone": "+47 41 23 45 67", "email": f"{p('email')}@example.no",
            **({"role": p("role"), "workplace": p("workplace"),
                "workplace_address": p("workplace-address")}
               if reporter_type == "professional" else {}),
        })
    wizard.send()
    return planted_fields


def test_canary_in_every_field_is_nowhere_on_disk_but_inside_the_sealed_reports(live_system):
    planted_values = []
    for reporter_type in ("private", "professional", "child"):
        planted_values += walk_with_canaries(live_system.base_url, reporter_type)
    # An abandoned draft, left half-way: it must be unreadable too.
    abandoned = Wizard(HttpTransport(live_system.base_url))
    abandoned.answer("emergency", {"answer": "no"})
    abandoned.answer("reporter-type", {"reporter_type": "private"})
    abandoned.answer("location", {"postal_code": "0150"})
    abandoned.answer("location-confirm", {"confirmed": "yes"})
    abandoned.answer("anonymity", {"anonymity": "anonymous"})
    abandoned.answer("child-1-name", {"name": planted("abandoned-child")})

    database = Database(live_system.database_url)
    deadline = time.monotonic() + 30
    while True:
        with database.session() as session:
            envelopes = list(session.scalars(select(Envelope)))
        if len(envelopes) == 3 and all(e.state == "delivered" for e in envelopes):
            break
        assert time.monotonic() < deadline, [e.state for e in envelopes]
        time.sleep(0.1)
    database.dispose()

    connection = redis.Redis(unix_socket_path=str(live_system.redis_socket))
    connection.save()
    dump = live_system.root / "dump.rdb"
    assert dump.exists()
    dump_database(live_system.database_url, live_system.root / "database-dump.sql")

    places = (
        files_under(live_system.root)  # database, WAL, Redis dump, logs, var/, key files
        + working_tree_files()
    )
    # As typed, and as PostgreSQL's dump writes bytes (hex).
    needles = (CANARY.encode(), CANARY.encode().hex().encode())
    leaks = [str(path) for path in places
             if any(needle in path.read_bytes() for needle in needles)]
    assert leaks == [], f"plaintext found in {leaks}"
    assert len(places) > 5

    # Positive control: the canary went in, sealed.
    opened = []
    for number, key_file in live_system.key_files.items():
        pair = read_key_file(key_file.read_text(), KEY_PASSPHRASE)
        opened += [unseal(e.sealed, pair.private_key).decode() for e in envelopes
                   if e.key_id == pair.key_id]
    joined = "\n".join(opened)
    for value in planted_values:
        assert value in joined, f"{value} did not reach the sealed report"
    assert len(planted_values) >= 30
    assert planted("abandoned-child") not in joined
