"""The production image, built from the Dockerfile as it is and run with Debian's podman.

scripts/container_base.sh installs podman and builds the stand-ins for the images no registry
can give us here (python:3.11-slim, redis, postgres), once per machine; the image itself is
built once per test session. Every module here is marked `container` (so the fast loop can
leave it out: `-m "not container"`) and `postgresql_only` (in `make test` it runs once, in the
PostgreSQL pass: the image runs on PostgreSQL whatever TEST_DATABASE says). The step times are
printed at the end of the run.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.container.engine import PROJECT, STOPWATCH, Podman, prepare_engine


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "container: builds and runs the production image with podman (minutes)")


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not STOPWATCH.steps:
        return
    terminalreporter.section("the production image under podman: step times")
    for line in STOPWATCH.notes:
        terminalreporter.write_line(line)
    for name, seconds in STOPWATCH.steps:
        terminalreporter.write_line(f"{name:<60} {seconds:7.1f} s")
    total = sum(seconds for _name, seconds in STOPWATCH.steps)
    terminalreporter.write_line(f"{'total':<60} {total:7.1f} s")


@pytest.fixture(scope="session")
def podman() -> Podman:
    with STOPWATCH.step("engine and stand-in images ready (scripts/container_base.sh)"):
        return prepare_engine()


@pytest.fixture(scope="session")
def app_image(podman: Podman) -> Iterator[str]:
    """The image, built from the Dockerfile and the working tree as they are. --format docker
    keeps the HEALTHCHECK (the OCI format has none); --pull=never: every base is local."""
    tag = f"localhost/concern-report:test-{secrets.token_hex(4)}"
    with STOPWATCH.step("build the image from the Dockerfile"):
        podman("build", "--pull=never", "--network", "host", "--format", "docker",
               "--layers=false", "--quiet", "--tag", tag, "--file", "Dockerfile", str(PROJECT),
               timeout=900)
    size = podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip()
    STOPWATCH.notes.append(f"image {tag}: {int(size) / 1e6:.0f} MB")
    yield tag
    podman("rmi", "--force", tag, check=False)
