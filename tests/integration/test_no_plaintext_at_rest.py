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
from sqlalchemy import select

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


def test_canary_in_every_field_is_nowhere_on_disk_but_inside_the_sealed_reports(live_system):
    walk_private(
        Wizard(HttpTransport(live_system.base_url)),
        child={"name": "", "name_unknown": "y", "description": planted("child-description"),
               "age": "9"},
        concern=planted("concern"),
        you={"name": planted("private-name"), "phone": "+47 41 23 45 67",
             "email": f"{planted('private-email')}@example.no"},
    )
    walk_professional(
        Wizard(HttpTransport(live_system.base_url)),
        child={"name": planted("child-name"), "age": "12"},
        concern=planted("professional-concern"),
        you={"name": planted("pro-name"), "role": planted("pro-role"),
             "workplace": planted("pro-workplace"), "phone": "+47 98 76 54 32",
             "email": f"{planted('pro-email')}@example.no"},
    )
    # An abandoned draft, left half-way: it must be unreadable too.
    abandoned = Wizard(HttpTransport(live_system.base_url))
    abandoned.answer("emergency", {"answer": "no"})
    abandoned.answer("reporter-type", {"reporter_type": "private"})
    abandoned.answer("child", {"name": planted("abandoned-child")})

    database = Database(live_system.database_url)
    deadline = time.monotonic() + 30
    while True:
        with database.session() as session:
            envelopes = list(session.scalars(select(Envelope)))
        if len(envelopes) == 2 and all(e.state == "delivered" for e in envelopes):
            break
        assert time.monotonic() < deadline, [e.state for e in envelopes]
        time.sleep(0.1)
    database.dispose()

    connection = redis.Redis(unix_socket_path=str(live_system.redis_socket))
    connection.save()
    dump = live_system.root / "dump.rdb"
    assert dump.exists()

    places = (
        files_under(live_system.root)  # database, WAL, Redis dump, logs, var/, key files
        + working_tree_files()
    )
    leaks = [str(path) for path in places if CANARY.encode() in path.read_bytes()]
    assert leaks == [], f"plaintext found in {leaks}"
    assert len(places) > 5

    # Positive control: the canary went in, sealed.
    opened = []
    for number, key_file in live_system.key_files.items():
        pair = read_key_file(key_file.read_text(), KEY_PASSPHRASE)
        opened += [unseal(e.sealed, pair.private_key).decode() for e in envelopes
                   if e.key_id == pair.key_id]
    joined = "\n".join(opened)
    for field in ("child-description", "concern", "private-name", "private-email", "child-name",
                  "professional-concern", "pro-name", "pro-role", "pro-workplace", "pro-email"):
        assert planted(field) in joined, f"{field} did not reach the sealed report"
    assert planted("abandoned-child") not in joined
