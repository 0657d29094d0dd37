"""A case-management system's push endpoint on loopback, as the contract in
docs/push-receiver.md asks it to behave, with ways to misbehave on purpose."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from routing import push
from tests.helpers.environment import free_port

# The signing secret of the services that push in the tests.
SECRET = "the-oslo-push-secret-0123456789abcdef"


class Receiver:
    """A push endpoint on loopback that stores envelope files by id, as a real one should: a
    second POST of a stored id is answered 200 again, but counted. It can be not started
    (connection refused), answer 500 to the first N requests, answer a fixed status, or store
    and then sleep past the client's timeout (the answer is lost, the file is not)."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/concerns"
        self.stored: dict[str, bytes] = {}
        self.duplicates: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []
        self.bodies: list[bytes] = []
        self.fail_first = 0
        self.script: list[int] = []  # statuses for the first requests, before behaving
        self.status: int | None = None
        self.slow_first = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append(dict(self.headers.items()))
                    receiver.bodies.append(body)
                    number = len(receiver.requests)
                    status = receiver._answer(number, self.headers, body)
                if number <= receiver.slow_first:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, which is the point of this test

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _answer(self, number: int, headers, body: bytes) -> int:  # type: ignore[no-untyped-def]
        if number <= self.fail_first:
            return 500
        if number <= len(self.script):
            return self.script[number - 1]
        if self.status is not None:
            return self.status
        if not push.verify(
            self.secret, headers["X-Concern-Timestamp"], body, headers["X-Concern-Signature"]
        ):
            return 401
        envelope_id = headers["X-Concern-Envelope-Id"]
        if envelope_id in self.stored:
            self.duplicates[envelope_id] += 1
        else:
            self.stored[envelope_id] = body
        return 200

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
