"""The live system for the fault tests, with the settings a fault test needs, and the push
receiver a service's case system would run.

The system is tests/helpers/live_system.py's (gunicorn, `flask routing worker`, a redis-server, the
run's database backend), with two differences: the per-client send limit is raised (every
simulated reporter comes from 127.0.0.1), and the worker runs with push retries made fast. RQ
reads the retry schedule from module attributes of routing/jobs.py at enqueue time, and pushes
are enqueued by the worker itself, so the worker process sets them before it runs the very
`flask routing worker` command (FAST_PUSH_WORKER below); nothing in the app changes.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from routing import push
from tests.helpers.live_system import BIN, LiveSystem, free_port, start_live_system

# Push retries after 1 to 4 seconds instead of the production half-minute-to-an-hour, and enough
# of them to outlast the receiver's outages in the test; never immediate, so that every retry
# goes through RQ's scheduler as in production. The client gives up on a silent receiver after a
# second. These are the attributes tests/integration/test_push.py sets in-process.
FAST_PUSH_WORKER = """
import sys
from routing import jobs
jobs.PUSH_MAX_RETRIES = 200
jobs.PUSH_BACKOFF_SECONDS = 2
jobs.PUSH_BACKOFF_CAP_SECONDS = 4
jobs.PUSH_TIMEOUT_SECONDS = 1
from flask.cli import main
sys.argv = ["flask", "--app", "app", "routing", "worker"]
main()
"""
FAST_PUSH_WORKER_COMMAND = [str(BIN / "python"), "-c", FAST_PUSH_WORKER]
# Every simulated reporter comes from 127.0.0.1.
FAULT_ENV = {"SUBMISSIONS_PER_HOUR": "1000000"}


def start_fault_system(root: Path, database_url: str, *, web: bool = True) -> LiveSystem:
    """The live system with FAULT_ENV and the fast-push worker, which is not started: the test
    starts it (after it has configured what the worker reads at start, such as a service's push
    endpoint)."""
    return start_live_system(root, database_url, FAULT_ENV, web=web, worker=False,
                             worker_command=FAST_PUSH_WORKER_COMMAND)


@pytest.fixture
def fault_system(tmp_path: Path, database_url: str) -> Iterator[LiveSystem]:
    """gunicorn and redis-server running; the test starts the worker."""
    live = start_fault_system(tmp_path, database_url)
    yield live
    live.stop()


# --- a case system's push endpoint ----------------------------------------------------------


class PushReceiver:
    """A push endpoint on loopback that behaves as the contract in docs/push-receiver.md asks:
    it checks the signature, stores each envelope file by its id (the idempotency key), and
    answers 2xx again, without storing again, when an id it has comes back.

    While `failing` it stores nothing and answers 500, except that one request in ten gets no
    answer within the client's timeout (the connection hangs). `hold()` makes the next request
    store its file and then hang until released: the receiver has it, the sender never hears.
    """

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/concerns"
        self.stored: dict[str, bytes] = {}
        self.posts: Counter[str] = Counter()  # POSTs per envelope id, whatever was answered
        self.repeats: Counter[str] = Counter()  # POSTs of an id already stored
        self.answered: Counter[int] = Counter()
        self.bad_signatures = 0
        self.failing = False
        self.hang_seconds = 2.0
        self.hanging = 0  # requests hanging right now
        self._requests = 0
        self._hold_armed = False
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def hold(self) -> None:
        with self.lock:
            self.held.clear()
            self.release.clear()
            self._hold_armed = True

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, wait = receiver._receive(self.headers, body)
                if wait == "hang":
                    with receiver.lock:
                        receiver.hanging += 1
                    time.sleep(receiver.hang_seconds)
                    with receiver.lock:
                        receiver.hanging -= 1
                elif wait == "hold":
                    receiver.held.set()
                    receiver.release.wait(10)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (or was killed): that is the point

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _receive(self, headers, body: bytes) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        envelope_id = headers.get("X-Concern-Envelope-Id", "")
        with self.lock:
            self._requests += 1
            self.posts[envelope_id] += 1
            if self.failing:
                hang = self._requests % 10 == 0
                self.answered[500] += 1
                return 500, "hang" if hang else ""
            if not push.verify(self.secret, headers.get("X-Concern-Timestamp", ""), body,
                               headers.get("X-Concern-Signature", "")):
                self.bad_signatures += 1
                self.answered[401] += 1
                return 401, ""
            if envelope_id in self.stored:
                self.repeats[envelope_id] += 1
            else:
                self.stored[envelope_id] = body
            self.answered[200] += 1
            if self._hold_armed:
                self._hold_armed = False
                return 200, "hold"
            return 200, ""

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    receiver = PushReceiver()
    yield receiver
    receiver.stop()

