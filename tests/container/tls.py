"""HTTPS in front of the web container, as the operator's load balancer terminates TLS in front
of `web` in production. The production app sets every cookie Secure, so a browser (and
`requests`) sends them back only over HTTPS: the wizard and the sign-in need this hop.

A certificate for 127.0.0.1 made with openssl for the run, and a thread per connection that
passes bytes both ways between the TLS socket and the container's plain HTTP port."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=60)
    return certificate, key


class TlsTerminator:
    def __init__(self, backend_port: int, certificate: Path, key: Path) -> None:
        self.backend_port = backend_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certificate, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.5)  # so the accepting thread sees stop() in time
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self._spawn(self._accept)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(10)
        self.listener.close()

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _address = self.listener.accept()
            except TimeoutError:
                continue
            self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.callback(client.close)
            try:
                client.settimeout(30)
                secure = stack.enter_context(self.context.wrap_socket(client, server_side=True))
                backend = stack.enter_context(
                    socket.create_connection(("127.0.0.1", self.backend_port), timeout=30))
                self._pass_on(secure, backend)
            except OSError:  # either side went away (ssl.SSLError is an OSError too)
                return

    def _pass_on(self, secure: ssl.SSLSocket, backend: socket.socket) -> None:
        """Bytes both ways until either side closes. One thread reads and writes the TLS
        socket: OpenSSL's connection is not for two threads at once."""
        while not self.stopping.is_set():
            readable, _, _ = select.select([secure, backend], [], [], 1)
            for source in readable:
                target = backend if source is secure else secure
                data = source.recv(65536)
                if not data:
                    return
                # A TLS record may hold more than recv() gave, which select() cannot see.
                while source is secure and secure.pending():
                    data += secure.recv(secure.pending())
                target.sendall(data)


@contextlib.contextmanager
def https_in_front_of(backend_port: int, directory: Path) -> Iterator[tuple[str, Path]]:
    """(https base URL, the certificate to trust) while it runs."""
    certificate, key = self_signed_certificate(directory)
    terminator = TlsTerminator(backend_port, certificate, key)
    terminator.start()
    try:
        yield f"https://127.0.0.1:{terminator.port}", certificate
    finally:
        terminator.stop()
