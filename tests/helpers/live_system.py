"""The whole system as separate processes, for the end-to-end, browser and fault tests: the web
app under gunicorn, `flask routing worker` and a redis-server, each in a process group of its
own, on the run's database (a SQLite file or a PostgreSQL schema), with two services (Oslo and
Bergen) whose keys are registered and whose key files are on disk.

tests/conftest.py makes fixtures of it (`live_system`, `shared_live_system`), and
tests/faults/conftest.py the fault tests' (`fault_system`); both start it here.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from database import Database
from redis_connection import start_server
from tests.helpers.environment import BIN, PROJECT, TEST_SECRET, free_port
from tests.helpers.services import add_service

LIVE_SERVICES = {"0301": "oslo", "4601": "bergen"}
LIVE_PHONE = "+47 55 00 00 00"
# How long a worker may take to stop after SIGTERM at a teardown, when it is idle: the grace a
# container engine gives before SIGKILL. tests/faults/test_worker_stop.py holds it to 2 seconds;
# a teardown that waited longer than this would hide a worker that ignores SIGTERM.
WORKER_STOP_SECONDS = 10
# gunicorn finishes the requests in flight first (its graceful timeout is 30 s).
WEB_STOP_SECONDS = 30


class SlowStop(AssertionError):
    """A process that did not stop within its time after SIGTERM (it has been killed since)."""


@dataclass
class LiveSystem:
    root: Path
    base_url: str
    env: dict[str, str]
    database_url: str
    redis_socket: Path
    key_files: dict[str, Path]
    logs: Path
    # The worker's command line; the fault tests run it with fast push retries.
    worker_command: list[str] = field(default_factory=lambda: [
        str(BIN / "flask"), "--app", "app", "routing", "worker"])
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Processes whose group still held others when they had exited (killed then).
    left_behind: list[str] = field(default_factory=list)

    def start(self, name: str, args: list[str]) -> None:
        with open(self.logs / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                args, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_redis(self) -> None:
        # Its files (dump, log) in the root, where the canary test looks for them.
        self.processes["redis"] = start_server(self.redis_socket, self.root)

    def start_web(self) -> None:
        port = self.base_url.rsplit(":", 1)[1]
        self.start("web", [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                           "--log-level", "warning", "app:create_app()"])
        import requests

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or busy starting
                time.sleep(0.1)
        raise RuntimeError("the web app did not start: " + (self.logs / "web.log").read_text())

    def start_worker(self) -> None:
        self.start("worker", self.worker_command)

    def worker_alive(self) -> bool:
        process = self.processes.get("worker")
        return process is not None and process.poll() is None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the process (its whole group: the worker's scheduler too) and wait
        for it to end."""
        self.stop_within(name, 20, sig)

    def stop_within(self, name: str, seconds: float, sig: int = signal.SIGTERM, *,
                    group: bool = True) -> float:
        """Send `sig` and wait at most `seconds` for the process to end (see `signal`,
        `wait_ended`); return how long it took."""
        started = time.monotonic()
        self.signal(name, sig, group=group)
        self.wait_ended(name, seconds)
        return time.monotonic() - started

    def signal(self, name: str, sig: int, *, group: bool = True) -> None:
        """Send `sig` to the process's group, or to the process alone (as a container engine
        sends SIGTERM to its PID 1 only)."""
        process = self.processes[name]
        try:
            os.killpg(process.pid, sig) if group else process.send_signal(sig)
        except ProcessLookupError:
            pass

    def wait_ended(self, name: str, seconds: float) -> None:
        """Wait at most `seconds` for the process to end. One that takes longer is killed (its
        group too) and raises SlowStop. What it left behind in its group is killed, and its
        name recorded in `left_behind`."""
        process = self.processes.pop(name)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.wait()
            raise SlowStop(f"{name} still running {seconds} s after being told to stop; "
                           "killed") from None
        if _kill_group(process.pid):
            self.left_behind.append(name)

    def stop(self) -> None:
        """Stop everything, worker first (as a deployment does). A worker slower than
        WORKER_STOP_SECONDS fails the test that stops it, after everything is stopped."""
        slow: list[SlowStop] = []
        for name, seconds in (("worker", WORKER_STOP_SECONDS), ("web", WEB_STOP_SECONDS),
                              ("redis", 10)):
            if name in self.processes:
                try:
                    self.stop_within(name, seconds)
                except SlowStop as error:
                    slow.append(error)
        shutil.rmtree(self.redis_socket.parent, ignore_errors=True)
        if slow:
            raise slow[0]

    def flask(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=self.root,
                              env={**self.env, "PYTHONPATH": str(PROJECT)},
                              input=input_text, capture_output=True, text=True, timeout=120)


def _kill_group(pgid: int) -> bool:
    """SIGKILL whatever is left in a process group; whether anything was."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def start_live_system(root: Path, database_url: str, extra_env: dict[str, str] | None = None,
                      *, redis: bool = True, web: bool = True, worker: bool = True,
                      worker_command: list[str] | None = None) -> LiveSystem:
    """Add the two services to the database, then start (unless told not to) redis-server, the
    web app and the worker. `extra_env` is added to the processes' environment."""
    var, logs, keys = root / "var", root / "logs", root / "keys"
    for directory_ in (var, logs, keys):
        directory_.mkdir(parents=True, exist_ok=True)
    database = Database(database_url)
    key_files = {number: add_service(database, service_id, number, key_dir=keys,
                                     phone=LIVE_PHONE).key_file
                 for number, service_id in LIVE_SERVICES.items()}
    database.dispose()
    port = free_port()
    # A Unix socket's path has room for about 100 bytes; pytest's temporary paths can be longer.
    redis_socket = Path(tempfile.mkdtemp(prefix="live-", dir="/tmp")) / "redis.sock"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "SECRET_KEY": TEST_SECRET,
        "VAR_DIR": str(var),
        "DATABASE_URL": database_url,
        "REDIS_URL": f"unix://{redis_socket}",
        "EXIT_URL": f"http://127.0.0.1:{port}/",
        "RECONCILE_AFTER_SECONDS": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        **(extra_env or {}),
    }
    system = LiveSystem(root, f"http://127.0.0.1:{port}", env, database_url, redis_socket,
                        key_files, logs)
    if worker_command is not None:
        system.worker_command = worker_command
    try:
        if redis:
            system.start_redis()
        if web:
            system.start_web()
        if worker:
            system.start_worker()
    except BaseException:
        system.stop()
        raise
    return system
