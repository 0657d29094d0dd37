"""compose.yaml as it is, brought up by Debian's podman-compose (1.0.3, with podman 4.3) on the
local stand-ins for the redis and postgres images (scripts/standins), the app's services on the
image the session built. /readyz answers ready through compose's own network, where web reaches
`postgres` and `redis` by their service names.

How the test stands in for what podman-compose 1.0.3 lacks: it starts services in dependency
order but waits for no `condition` (neither `service_healthy` nor
`service_completed_successfully`), so migrate would race a PostgreSQL still running initdb, and
web and worker a schema not yet there. The test does what Docker Compose and podman-compose
1.1+ do with those conditions, one step at a time: postgres and redis first, until their own
health checks pass (`podman healthcheck run`, which runs the compose file's `healthcheck`);
then migrate, until it exits 0 (`podman wait`); then web and worker with `--no-deps`. The
web port is published on loopback only (WEB_PUBLISH); an override file names the image and
gives web two workers.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import yaml

from tests.container.engine import PROJECT, STOPWATCH, Podman
from tests.helpers.environment import free_port

pytestmark = [pytest.mark.container, pytest.mark.postgresql_only]

APP_SERVICES = ("web", "worker", "migrate")


@dataclass
class ComposeProject:
    podman: Podman
    name: str
    base_url: str
    migrate_status: str

    def container(self, service: str) -> str:
        return f"{self.name}_{service}_1"  # podman-compose 1.0.3's naming


@pytest.fixture(scope="module")
def compose_project(podman: Podman, app_image: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeProject]:
    root = tmp_path_factory.mktemp("compose")
    name = f"concerntest{secrets.token_hex(4)}"
    port = free_port()
    override = root / "compose.override.yaml"
    services = {service: {"image": app_image} for service in APP_SERVICES}
    # Two gunicorn workers instead of four: the machine is shared, and one answer is enough.
    services["web"]["environment"] = {"WEB_CONCURRENCY": "2"}
    override.write_text(yaml.safe_dump({"services": services}))
    env = {**podman.env,
           "SECRET_KEY": secrets.token_urlsafe(48),
           "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
           "PUBLIC_BASE_URL": "https://bekymring.example.no",
           "WEB_PUBLISH": f"127.0.0.1:{port}"}
    project = ComposeProject(podman, name, f"http://127.0.0.1:{port}", "")

    def compose(*args: str) -> None:
        result = subprocess.run(
            ["podman-compose", "--project-name", name, "--file", str(PROJECT / "compose.yaml"),
             "--file", str(override), *args],
            env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    try:
        with STOPWATCH.step("compose: postgres and redis, until healthy"):
            compose("up", "--detach", "--no-build", "postgres", "redis")
            for service in ("postgres", "redis"):
                wait_until_healthy(podman, project.container(service))
        with STOPWATCH.step("compose: migrate, until it exits"):
            compose("up", "--detach", "--no-build", "--no-deps", "migrate")
            project.migrate_status = podman("wait", project.container("migrate"),
                                            timeout=120).stdout.strip()
        assert project.migrate_status == "0", podman.logs(project.container("migrate"))
        with STOPWATCH.step("compose: web and worker, until /readyz is ready"):
            compose("up", "--detach", "--no-build", "--no-deps", "web", "worker")
            wait_until_ready(podman, project.container("web"), project.base_url)
        yield project
    finally:
        with STOPWATCH.step("compose: remove containers, volumes and network"):
            label = f"label=io.podman.compose.project={name}"
            containers = podman("ps", "--all", "--quiet", "--filter", label).stdout.split()
            podman.remove(*containers)
            volumes = podman("volume", "ls", "--quiet", "--filter", label).stdout.split()
            if volumes:
                podman("volume", "rm", "--force", *volumes, check=False)
            podman("network", "rm", "--force", f"{name}_default", check=False)


def wait_until_healthy(podman: Podman, container: str) -> None:
    deadline = time.monotonic() + 120
    while podman("healthcheck", "run", container, check=False).returncode != 0:
        assert podman.running(container) and time.monotonic() < deadline, (
            f"{container} never became healthy:\n{podman.logs(container)[-3000:]}")
        time.sleep(1)


def wait_until_ready(podman: Podman, container: str, base_url: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(base_url + "/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert podman.running(container) and time.monotonic() < deadline, (
            f"{container} never answered ready:\n{podman.logs(container)[-3000:]}")
        time.sleep(0.5)


def test_compose_comes_up_and_web_is_ready_through_the_service_names(compose_project):
    ready = requests.get(compose_project.base_url + "/readyz", timeout=10)
    assert ready.json() == {"database": "ok", "redis": "ok", "status": "ready"}
    migrate_log = compose_project.podman.logs(compose_project.container("migrate"))
    assert "Database at revision" in migrate_log
    for service in ("web", "worker", "postgres", "redis"):
        assert compose_project.podman.running(compose_project.container(service)), service
    checked = compose_project.podman("healthcheck", "run", compose_project.container("web"),
                                     check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_postgresql_logged_no_error_while_the_schema_was_made(compose_project):
    """The first `flask db upgrade` used to make PostgreSQL log `relation "services" does not
    exist`: the app's start-up check for demo data asked a table that was not there yet."""
    log = compose_project.podman.logs(compose_project.container("postgres"))
    assert "database system is ready to accept connections" in log
    errors = [line for line in log.splitlines() if "ERROR:" in line]
    assert not errors, "\n".join(errors)


def test_gunicorn_starts_without_a_control_socket_error(compose_project):
    log = compose_project.podman.logs(compose_project.container("web"))
    assert "Booting worker" in log
    assert "Control server error" not in log and "Read-only file system" not in log, log
