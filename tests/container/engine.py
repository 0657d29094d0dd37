"""podman for the container tests: the engine as scripts/container_base.sh sets it up on this
machine (its own configuration and machine-wide storage, the stand-in base images), commands
run with a time limit, and a stopwatch whose figures the test run prints at its end."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
BASE_SCRIPT = PROJECT / "scripts" / "container_base.sh"


@dataclass
class Stopwatch:
    """Step times, in the order taken; tests/container/conftest.py prints them after the run."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.steps.append((name, time.monotonic() - started))


STOPWATCH = Stopwatch()


@dataclass
class Podman:
    env: dict[str, str]

    def __call__(self, *args: str, check: bool = True, input_text: str | None = None,
                 timeout: float = 180) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["podman", *args], env=self.env, input=input_text,
                                capture_output=True, text=True, timeout=timeout,
                                stdin=None if input_text is not None else subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def logs(self, container: str) -> str:
        result = self("logs", container, check=False)
        return result.stdout + result.stderr

    def running(self, container: str) -> bool:
        result = self("inspect", "--format", "{{.State.Running}}", container, check=False)
        return result.stdout.strip() == "true"

    def remove(self, *containers: str) -> None:
        if containers:
            self("rm", "--force", "--time", "5", *containers, check=False, timeout=120)


def prepare_engine() -> Podman:
    """Install podman and build the stand-ins when this machine has not got them (the first
    run on a machine), then the engine's environment. The script prints its own step times."""
    result = subprocess.run([str(BASE_SCRIPT)], cwd=PROJECT, capture_output=True, text=True,
                            timeout=1500, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (f"{BASE_SCRIPT.name} exited {result.returncode}:\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    STOPWATCH.notes += [line for line in result.stdout.splitlines()
                        if line.startswith("container_base:")]
    settings = subprocess.run([str(BASE_SCRIPT), "env"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    env = {**os.environ, **dict(line.split("=", 1) for line in settings.split())}
    return Podman(env)
