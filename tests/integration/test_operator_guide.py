"""docs/operator-guide.md, run: every `sh` block of the guide, in order, in bash on a terminal
(so passphrase and password prompts are answered as a person would type them), against a
PostgreSQL database of its own and a real Redis. Each block must succeed, and what it should
have done is checked in the database, in Redis and in what it printed. A command in the guide
outside the blocks must be one another test runs.

The database is always PostgreSQL (the guide's backup section uses pg_dump and pg_restore).
"""

from __future__ import annotations

import os
import pty
import re
import secrets
import select
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy import select as sql_select

from database import Database
from inbox.models import IntakeUser
from routing.acceptance import accept
from routing.models import Envelope, ServiceKey
from tests.helpers.inbox import report_document
from tests.postgres import POSTGRES_URL

# PostgreSQL whatever the pass, so it runs in the PostgreSQL pass only (and not in `make check`).
pytestmark = pytest.mark.postgresql_only

PROJECT = Path(__file__).resolve().parents[2]
GUIDE = PROJECT / "docs" / "operator-guide.md"
BIN = Path(sys.executable).parent
PROMPT = re.compile(rb"(Passphrase|Password|Key file passphrase)( again)?: ?$")
TEAM_PASSPHRASE = "the intake team keeps this sentence in its password manager"
ADMIN_PASSWORD = "first password, read out by phone"


def sh_blocks(markdown: str) -> list[str]:
    """The guide's ```sh blocks, in order, including those indented in a list."""
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```$", markdown, flags=re.M | re.S)
    return [textwrap.dedent(body).strip() + "\n" for _indent, body in blocks]


@dataclass
class Ran:
    script: str
    status: int
    output: str


def run_on_a_terminal(script: str, env: dict[str, str], cwd: Path) -> Ran:
    """bash on a pseudo-terminal; every passphrase or password prompt gets its answer."""
    main, child = pty.openpty()
    process = subprocess.Popen(["bash", "-euo", "pipefail", "-c", script], stdin=child,
                               stdout=child, stderr=child, cwd=cwd, env=env,
                               start_new_session=True)
    os.close(child)
    output = b""
    answered_up_to = 0
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed: every process on it has exited
                break
            if not chunk:
                break
            output += chunk
            prompted = PROMPT.search(output[answered_up_to:])
            if prompted:
                prompt = prompted.group(1)
                answer = ADMIN_PASSWORD if prompt == b"Password" else TEAM_PASSPHRASE
                os.write(main, answer.encode() + b"\n")
                answered_up_to = len(output)
        elif process.poll() is not None:
            continue  # read what is left until the terminal closes
    os.close(main)
    status = process.wait(30)
    return Ran(script, status, output.decode("utf-8", "replace").replace("\r\n", "\n"))


def admin_execute(statement: str) -> None:
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture
def operator(tmp_path: Path, redis_server: Path):  # type: ignore[no-untyped-def]
    """An operator's shell: a PostgreSQL database and a Redis of its own, settings for both."""
    name = f"guide_{secrets.token_hex(6)}"
    restored = f"{name}_restored"
    admin_execute(f'CREATE DATABASE "{name}"')
    server = make_url(POSTGRES_URL)
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path), "LANG": "C.UTF-8", "TERM": "dumb",
        "PYTHONPATH": str(PROJECT), "PYTHONDONTWRITEBYTECODE": "1",
        "FLASK_APP": "app", "SECRET_KEY": "s" * 48, "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": server.set(database=name).render_as_string(hide_password=False),
        "REDIS_URL": f"unix://{redis_server}",
        "RECONCILE_AFTER_SECONDS": "1", "LOG_LEVEL": "warning",
        "PGHOST": server.host or "127.0.0.1", "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres", "PGDATABASE": name,
        "RESTORE_DATABASE": restored,
    }
    workdir = tmp_path / "operator"
    workdir.mkdir()
    yield env, workdir
    for database in (name, restored):
        admin_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def the_block(blocks: list[str], start: str) -> int:
    found = [index for index, block in enumerate(blocks) if block.startswith(start)]
    assert found, f"the guide has no block starting {start!r}"
    return found[0]


def test_every_block_of_the_operator_guide_does_what_it_says(operator, redis_client):
    env, workdir = operator
    blocks = sh_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 12
    database_url = env["DATABASE_URL"]
    ran: list[Ran] = []
    fingerprints: list[str] = []
    seeded: Envelope | None = None
    register_first_key = the_block(blocks, 'flask keys register oslo "$PUBLIC_KEY"')
    backup = the_block(blocks, "pg_dump")

    for index, block in enumerate(blocks):
        if index == backup:
            # A report accepted and not yet delivered when the backup is taken: the restore
            # must bring it back, and ringing the doorbell after it must deliver it.
            database = Database(database_url)
            with database.session() as session:
                seeded = accept(session, report_document("Bekymret for naboens barn"), "0301")
            database.dispose()
        result = run_on_a_terminal(block, env, workdir)
        ran.append(result)
        assert result.status == 0, f"this block of the guide failed:\n{block}\n{result.output}"
        generated = re.search(
            r"Public key:\s+(\S+)\n.*?Key id:\s+(\S+)\nFingerprint:\s+([0-9A-F ]+)",
            result.output, re.S)
        if generated:
            # What the team sends (the public key), what the operator later retires (the old
            # key's id) and what is read aloud on the phone (the fingerprint).
            variable = "PUBLIC_KEY" if "PUBLIC_KEY" not in env else "NEW_PUBLIC_KEY"
            env[variable] = generated.group(1)
            env.setdefault("OLD_KEY_ID", generated.group(2))
            fingerprints.append(generated.group(3).strip())
            a_minute_ago = time.gmtime(time.time() - 60)
            env.setdefault("ROTATE_AT", time.strftime("%Y-%m-%dT%H:%M", a_minute_ago))
        if index == register_first_key:
            # The fingerprint the operator reads back is the one the team's machine printed.
            assert f"Confirm this fingerprint with the service by phone: {fingerprints[0]}" in (
                result.output)

    outputs = {result.script.splitlines()[0]: result.output for result in ran}
    assert "(newest)" in outputs["flask db upgrade"]
    assert "Loaded 357 municipalities" in outputs["flask db upgrade"]
    services = outputs["cat > services.toml <<'TOML'"]
    assert "Dry run: nothing was written." in services and "Written." in services
    assert outputs["flask keys retire \"$OLD_KEY_ID\""].count("in use") == 1
    assert (workdir / "oslo-2026.key").exists() and (workdir / "oslo-2027.key").exists()
    assert "Re-enqueued" in outputs["flask routing reconcile"]
    assert "Dry run" in outputs["flask routing retention --dry-run"]

    database = Database(database_url)
    with database.session() as session:
        admin = session.scalar(sql_select(IntakeUser).where(IntakeUser.username == "kari.nordmann"))
        keys = {key.key_id: key for key in session.scalars(sql_select(ServiceKey))}
    database.dispose()
    assert admin is not None and admin.service_id == "oslo" and admin.is_admin
    assert len(keys) == 2 and keys[env["OLD_KEY_ID"]].retired_at is not None

    # The restored database holds the report accepted before the backup, sealed as it was, and
    # the doorbell rang for it again (the job is in Redis under its deterministic id).
    assert seeded is not None
    restored_url = make_url(database_url).set(database=env["RESTORE_DATABASE"])
    restored = Database(restored_url.render_as_string(hide_password=False))
    with restored.session() as session:
        again = session.get(Envelope, seeded.id)
    restored.dispose()
    assert again is not None and again.sealed == seeded.sealed
    assert redis_client.exists(f"rq:job:deliver-{seeded.id}")
    restore = outputs['createdb "$RESTORE_DATABASE"']
    assert "(newest)" in restore and "oslo" in restore


def test_every_command_the_guide_names_outside_its_blocks_is_run_by_a_test():
    """Commands in the prose (in `code`) that the blocks above do not run; each is exercised by
    another test, named here so a change to either shows."""
    markdown = GUIDE.read_text(encoding="utf-8")
    in_blocks = " ".join(sh_blocks(markdown))
    prose = re.sub(r"^( *)```.*?^\1```$", "", markdown, flags=re.M | re.S)
    named = {" ".join(command.split()) for command in re.findall(
        r"`((?:flask|gunicorn|pg_\w+|createdb|redis-server)[^`]*)`", prose)}
    elsewhere = {
        # The live system that test_end_to_end.py and the fault tests run starts the worker.
        "flask routing worker": "tests/helpers/live_system.py",
        "flask keys retire KEY_ID": "tests/integration/test_operations.py",
        "flask db upgrade": "tests/integration/test_migrations.py",
        "flask db current": "tests/integration/test_migrations.py",
        "flask keys list": "tests/integration/test_operations.py",
        "flask routing status": "tests/integration/test_operations.py",
        "flask keys generate": "tests/browser/test_inbox_in_chromium.py",
    }
    for command in named:
        if command in in_blocks:
            continue
        assert command in elsewhere, f"`{command}` in the guide is run by no test"
        test_file = PROJECT / elsewhere[command]
        assert test_file.exists(), f"{test_file} is gone"
        words = command.split()[1:3]
        assert " ".join(words) in test_file.read_text(encoding="utf-8") or all(
            word in test_file.read_text(encoding="utf-8") for word in words), (
            f"{elsewhere[command]} no longer runs `{command}`")
