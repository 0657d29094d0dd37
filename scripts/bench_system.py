"""The system the benchmark measures, as real processes on loopback: gunicorn with the
production image's settings, `flask routing worker` processes and a private redis-server, over a
temporary VAR_DIR and SQLite database with the directory loaded and two services with keys.

The minimal parts of tests/conftest.py's `start_live_system`, without pytest. Not a test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from database import Database  # noqa: E402
from redis_connection import start_server  # noqa: E402
from routing import directory  # noqa: E402
from routing.directory import register_key  # noqa: E402
from routing.models import Coverage, Service  # noqa: E402
from sealing import KeyPair  # noqa: E402

BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
SERVICES = {"0301": "oslo", "4601": "bergen"}
# The production image's command (Dockerfile CMD): four sync workers, nothing else changed.
GUNICORN_ARGS = ["--workers", "4"]


@contextmanager
def postgresql_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server that `server_url` reaches (any database
    on it), dropped afterwards: the benchmark never touches data it did not make."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"concern_bench_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident set size of one process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far, from /proc; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgresql_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends are not our children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().startswith("postgres"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def children(pid: int) -> list[int]:
    """The gunicorn master's workers."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def wait_http(url: str, logs: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet, or busy starting
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer; see {logs}")


def gunicorn(app: str, port: int, env: dict[str, str], log: Path,
             cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}", app],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@dataclass
class System:
    root: Path
    port: int
    env: dict[str, str]
    database_url: str
    web: subprocess.Popen[bytes] | None = None
    redis: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def start_web(self) -> None:
        self.web = gunicorn("app:create_app()", self.port, self.env, self.logs / "web.log")
        wait_http(self.base_url + "/", self.logs / "web.log")

    def start_worker(self) -> None:
        with open(self.logs / f"worker-{len(self.workers)}.log", "ab") as out:
            self.workers.append(subprocess.Popen(
                [str(BIN / "flask"), "--app", "app", "routing", "worker"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            ))

    def stop_workers(self) -> None:
        for process in self.workers:
            stop(process)
        self.workers.clear()

    def web_worker_pids(self) -> list[int]:
        assert self.web is not None
        return children(self.web.pid)

    def cpu_by_part(self) -> dict[str, float]:
        """CPU seconds used so far by each part of the system: the web app (gunicorn's master
        and workers), the RQ workers, redis-server and, when it is the database, PostgreSQL
        (every postgres process on the machine: the benchmark's database is not alone there)."""
        assert self.web is not None and self.redis is not None
        parts = {
            "web (gunicorn)": [self.web.pid, *self.web_worker_pids()],
            "RQ worker(s)": [worker.pid for worker in self.workers],
            "redis-server": [self.redis.pid],
        }
        if self.database_url.startswith("postgresql"):
            parts["PostgreSQL"] = postgresql_pids()
        return {part: sum(cpu_seconds(pid) for pid in pids) for part, pids in parts.items()}

    def stop(self) -> None:
        self.stop_workers()
        if self.web is not None:
            stop(self.web)
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)


def start(root: Path, workers: int = 1, database_url: str | None = None) -> System:
    """Prepare `root` (var/, logs/, the database), then start redis, the web app and workers.
    `database_url`: an empty database to use instead of a new SQLite file."""
    for name in ("var", "logs"):
        (root / name).mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{root / 'var' / 'concern.db'}"
    database = Database(database_url)
    database.create_all()
    with database.session() as session:
        directory.load(session)
    with database.session() as session:
        for number, service_id in SERVICES.items():
            session.add(Service(id=service_id, name=f"Barneverntjenesten {service_id}",
                                phone="+47 55 00 00 00"))
            session.flush()
            session.add(Coverage(service_id=service_id, municipality_number=number,
                                 valid_from=date(2024, 1, 1)))
            # Only the public key matters here: nobody opens the benchmark's reports.
            register_key(session, service_id, KeyPair.generate().public_key)
    database.dispose()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "FLASK_APP": "app",
        "SECRET_KEY": SECRET,
        "VAR_DIR": str(root / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": f"unix://{root / 'redis.sock'}",
        "EXIT_URL": f"http://127.0.0.1:{port}/",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Every virtual client comes from 127.0.0.1: the per-client limit would measure itself.
        "SUBMISSIONS_PER_HOUR": "100000000",
        "LOG_LEVEL": "warning",
    }
    system = System(root, port, env, database_url)
    try:
        system.redis = start_server(root / "redis.sock", root)
        system.start_web()
        for _ in range(workers):
            system.start_worker()
    except BaseException:
        system.stop()
        raise
    return system
