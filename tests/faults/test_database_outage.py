"""The database is unavailable for a moment just as a reporter presses "Send": they are told
their report has not been sent yet (503, templates/intake/not_sent.html), never shown a receipt
for a report that was not stored; check-your-answers still shows what they wrote; and once the
database is back the same draft sends, with one receipt and exactly one envelope.

Real processes throughout: gunicorn serving the app (with its 30-second worker timeout, which a
request waiting on the database must not reach), redis-server, and the run's database. The
outages are real too:
- both backends: another connection holds the write lock longer than the app waits for it
  (SQLite: BEGIN EXCLUSIVE on the database file; PostgreSQL: LOCK TABLE envelopes IN ACCESS
  EXCLUSIVE MODE, as a migration rewriting the table would);
- PostgreSQL: the server ends the app's connection in the middle of the submission
  (pg_terminate_backend, as a restart or a failover does);
- PostgreSQL: the server cannot be reached at all (the app talks to it through a TCP relay on
  loopback, which the test cuts: open connections reset, new ones refused).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, select, text

from database import Database
from routing.models import Envelope
from tests.faults.conftest import start_fault_system
from tests.faults.database_locks import write_lock
from tests.helpers import REFERENCE_RE, HttpTransport, Page, Wizard, csrf_token, walk_private
from tests.helpers.live_system import LiveSystem

CHILD = "Ingrid Ødegård"
CONCERN = "Hører ofte roping og gråt fra leiligheten i tredje etasje, sent på kvelden."
NOT_SENT = "Your report has not been sent yet"
# SQLite has no server whose connections could be ended or cut: these belong to the
# PostgreSQL pass only (tests/faults/conftest.py leaves them out of the SQLite pass).
postgresql_only = pytest.mark.postgresql_only


class ToCheckYourAnswers(Wizard):
    """Walks to "check your answers" and stops there."""

    def send(self) -> str:
        return ""


def reporter_at_check(base_url: str) -> HttpTransport:
    """A reporter, in English, who has answered every step and is looking at their answers."""
    transport = HttpTransport(base_url)
    assert transport.get("/?lang=en").status == 200
    walk_private(ToCheckYourAnswers(transport), child={"name": CHILD, "age": "8"},
                 concern=CONCERN)
    return transport


def looking_at_check(transport: HttpTransport) -> str:
    """The check-your-answers page the reporter has in front of them: its CSRF token."""
    page = transport.get("/report/check")
    assert page.status == 200
    return csrf_token(page.html)


def press_send(transport: HttpTransport, token: str) -> Page:
    return transport.post("/report/send", {"declaration": "y", "csrf_token": token})


def envelopes(database_url: str) -> list[Envelope]:
    database = Database(database_url)
    try:
        with database.session() as session:
            return list(session.scalars(select(Envelope)))
    finally:
        database.dispose()


def assert_told_not_sent_and_nothing_stored(page: Page, transport: HttpTransport,
                                            database_url: str) -> None:
    assert page.status == 503, f"the reporter got {page.status}, not the not-sent page"
    assert NOT_SENT in page.html and "try again" in page.html
    assert 'href="/report/check"' in page.html, "a way back to their answers"
    assert not REFERENCE_RE.search(page.html), "no reference for a report that was not stored"
    assert envelopes(database_url) == []


def assert_answers_kept_then_sent_once(transport: HttpTransport, database_url: str) -> None:
    check = transport.get("/report/check")
    assert check.status == 200
    assert CHILD in check.html and CONCERN in check.html, "the answers are still there"
    receipt = transport.get("/report/receipt")
    assert not REFERENCE_RE.search(receipt.html), "still no receipt before sending again"

    reference = Wizard(transport).send()  # the same draft, sent again: a receipt this time

    stored = envelopes(database_url)
    assert [e.reference for e in stored] == [reference], "exactly one envelope, the receipt's"
    assert stored[0].service_id == "oslo"
    again = transport.get("/report/check")
    assert (again.location or "").endswith("/report/receipt"), "the report is sent: its receipt"
    assert len(envelopes(database_url)) == 1


# --- a lock held past the app's wait ---------------------------------------------------------


def test_send_while_the_database_stays_locked_says_not_sent_and_keeps_the_answers(
    fault_system: LiveSystem,
):
    live = fault_system
    transport = reporter_at_check(live.base_url)
    token = looking_at_check(transport)

    with write_lock(live.database_url) as lock:
        started = time.monotonic()
        page = press_send(transport, token)  # waits for the lock, then gives up
        waited = time.monotonic() - started
        lock.release()
    print(f"\nthe reporter waited {waited:.1f} s for the not-sent page")

    assert_told_not_sent_and_nothing_stored(page, transport, live.database_url)
    assert_answers_kept_then_sent_once(transport, live.database_url)


# --- the connection ended mid-submission (PostgreSQL) ---------------------------------------


@postgresql_only
def test_send_whose_database_connection_ends_mid_submission_says_not_sent(
    fault_system: LiveSystem,
):
    live = fault_system
    transport = reporter_at_check(live.base_url)
    token = looking_at_check(transport)
    # Autocommit: PostgreSQL keeps one snapshot of pg_stat_activity per transaction, so polls
    # inside one would never see the send arrive after the first.
    admin = create_engine(live.database_url, isolation_level="AUTOCOMMIT")

    with write_lock(live.database_url) as lock, ThreadPoolExecutor(1) as pool, \
            admin.connect() as connection:
        sending = pool.submit(press_send, transport, token)
        # The send is in the database now, waiting on the lock: end its connection there.
        deadline = time.monotonic() + 20
        blocked: list[int] = []
        while not blocked and time.monotonic() < deadline:
            blocked = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE :locker = ANY(pg_blocking_pids(pid))"),
                {"locker": lock.pid},
            ).scalars().all()
            time.sleep(0.01)
        assert blocked, "the send never reached the database"
        for pid in blocked:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        page = sending.result(60)
        lock.release()
    admin.dispose()

    assert_told_not_sent_and_nothing_stored(page, transport, live.database_url)
    assert_answers_kept_then_sent_once(transport, live.database_url)


# --- the database cannot be reached (PostgreSQL) ---------------------------------------------


class Relay:
    """A TCP relay on loopback between the app and PostgreSQL that can be cut (every open
    connection reset, new ones refused, as when the server or its network is gone) and
    restored on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener: socket.socket | None = None
        self.port = 0
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self.lock:
            self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                # A connection that raced the cut is refused with the rest.
                if self.listener is not listener:
                    client.close()
                    server.close()
                    return
                self.connections += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            connections, self.connections = self.connections, []
        assert listener is not None
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the socket
        # listening until that accept() returned.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def stop(self) -> None:
        if self.listener is not None:
            self.cut()


@pytest.fixture
def relayed_system(tmp_path: Path, database_url: str) -> Iterator[tuple[LiveSystem, Relay]]:
    """The live system (gunicorn, redis-server), talking to PostgreSQL through a relay."""
    direct = make_url(database_url)
    relay = Relay((direct.host or "127.0.0.1", direct.port or 5432))
    relay.start()
    relayed = direct.set(port=relay.port).render_as_string(hide_password=False)
    live = start_fault_system(tmp_path, relayed)
    yield live, relay
    live.stop()
    relay.stop()


@postgresql_only
def test_send_while_the_database_cannot_be_reached_says_not_sent(relayed_system, database_url):
    live, relay = relayed_system
    transport = reporter_at_check(live.base_url)
    token = looking_at_check(transport)

    relay.cut()
    page = press_send(transport, token)
    relay.start()

    assert_told_not_sent_and_nothing_stored(page, transport, database_url)
    assert_answers_kept_then_sent_once(transport, database_url)
