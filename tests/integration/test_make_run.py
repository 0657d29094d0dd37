"""`make run` (scripts/run_dev.py) ends everything it started, however it is ended: Ctrl-C, a
closed terminal (SIGHUP) or a process manager's SIGTERM. A run stopped with SIGTERM used to exit
alone and leave gunicorn, the worker and the embedded Redis running, holding the port, so the
next `make run` could not start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.environment import free_port

ROOT = Path(__file__).resolve().parents[2]


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.live
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_make_run_stops_the_web_app_the_worker_and_redis_when_it_is_stopped(tmp_path, how):
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PORT", "VAR_DIR"}}
    env.update(PORT=str(port), VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    run = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_dev.py")], cwd=ROOT,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    output: list[str] = []
    try:
        assert run.stdout is not None
        for line in run.stdout:
            output.append(line)
            if "Ready in" in line:
                break
        assert answers(port), "".join(output)
        redis_socket = tmp_path / "var" / "redis.sock"
        assert redis_socket.exists(), "".join(output)

        run.send_signal(how)
        run.wait(timeout=60)
        deadline = time.monotonic() + 15
        while group_alive(run.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(run.pid), "a process `make run` started is still running"
        assert not answers(port), f"port {port} still answers after `make run` stopped"
        client = socket.socket(socket.AF_UNIX)
        with client, pytest.raises(OSError):
            client.connect(str(redis_socket))
    finally:
        if group_alive(run.pid):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        if run.stdout is not None:
            run.stdout.close()
