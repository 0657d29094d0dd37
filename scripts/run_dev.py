"""`make run`: the whole system on one machine with embedded defaults.

Prepares the database (migrations, directory, demo services, keys and user), starts an embedded
Redis unless REDIS_URL is set, then runs the web app (gunicorn) and a delivery worker until
Ctrl-C. Development only: production runs these as separate services (see README).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import Config  # noqa: E402
from redis_connection import ensure_embedded  # noqa: E402

HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "5000"))


def say(text: str) -> None:
    """Each step says what it does before it starts, so a first run is never silent for long."""
    print(text, flush=True)


def wait_until_answering(url: str, processes: list[subprocess.Popen[bytes]],
                         started: float) -> bool:
    """Poll the start page until it answers (True), or a process ends (False); every 5 s
    without an answer says so."""
    said = time.monotonic()
    while all(p.poll() is None for p in processes):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - said >= 5:
            say(f"  still waiting for the web app ({time.monotonic() - started:.0f} s)")
            said = time.monotonic()
        time.sleep(0.2)
    return False


def _interrupt(signum: int, frame: object) -> None:
    # A terminal closed or a process manager's SIGTERM ends the run as Ctrl-C does: the
    # `finally` below then stops gunicorn, the worker and the embedded Redis, instead of
    # leaving them running without anyone to stop them.
    raise KeyboardInterrupt


def main() -> int:
    # SIGINT too: a shell that starts `make run` in the background hands it SIGINT ignored.
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    started = time.monotonic()
    config = Config.from_env()
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, FLASK_APP="app")
    processes: list[subprocess.Popen[bytes]] = []
    embedded_socket = None
    try:
        # The schema by the migrations, as production gets it. A database made before migrations
        # existed stops the run here, with flask's message saying what to do about it.
        say("Preparing the database (migrations)...")
        migrated = subprocess.run([str(bin_dir / "flask"), "db", "upgrade"], cwd=ROOT, env=env)
        if migrated.returncode != 0:
            return migrated.returncode
        if not config.redis_url:
            say("Starting the embedded Redis...")
            embedded_socket = ensure_embedded(config.var_dir)
        say("Demo data: the directory, a service, key file and user per municipality...")
        subprocess.run([str(bin_dir / "flask"), "demo", "setup"], cwd=ROOT, env=env, check=True)
        say("Starting the web app and the delivery worker...")
        processes.append(
            subprocess.Popen(
                [str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"{HOST}:{PORT}",
                 "--log-level", "warning", "app:create_app()"],
                cwd=ROOT, env=env,
            )
        )
        processes.append(
            subprocess.Popen([str(bin_dir / "flask"), "routing", "worker"], cwd=ROOT, env=env)
        )
        if not wait_until_answering(f"http://{HOST}:{PORT}/", processes, started):
            say(f"The web app did not start (is port {PORT} in use? PORT=5001 make run picks "
                "another).")
            return 1
        demo_keys = config.var_dir / "demo-keys"
        print(
            f"""
  Ready in {time.monotonic() - started:.0f} s.
  Public site:  http://{HOST}:{PORT}/
  Inbox:        http://{HOST}:{PORT}/inbox/
  Demo login:   demo-0301 / demo-password-0301   (the demo service for Oslo; every
                municipality has one: demo-<kommunenummer> / demo-password-<kommunenummer>;
                Oslo's districts too: demo-030101 / demo-password-030101 is Gamle Oslo).
                The first sign-in sets up an authenticator app and a new password, as
                for any new user; sign in with that password afterwards.
  Key files:    {demo_keys}/demo-<kommunenummer>.key
  Passphrase:   demo passphrase
  Open a download:  .venv/bin/flask --app app inbox open FILE --key {demo_keys}/demo-0301.key

  Ctrl-C stops everything.
""",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        # Whenever the run ends (Ctrl-C, SIGTERM, a process that died, a failed step), what it
        # started stops with it.
        _stop(processes, embedded_socket)
    return 0


def _stop(processes: list[subprocess.Popen[bytes]], embedded_socket: Path | None) -> int:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    if embedded_socket is not None:
        subprocess.run(
            [sys.executable, "-c",
             "import redis,sys; "
             "redis.Redis(unix_socket_path=sys.argv[1]).shutdown(nosave=True)",
             str(embedded_socket)],
            check=False, capture_output=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
