"""Where the tests run: the project's directory, the virtualenv's programs, a free port on
loopback, and the secrets the test configurations use."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
# The passphrase of every team key file the helpers write.
KEY_PASSPHRASE = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
