"""The production image and compose file, checked without a container engine (in seconds; the
image itself is built and run by tests/container): hadolint finds nothing in the Dockerfile;
compose.yaml is valid against the Compose Specification (the schema check-jsonschema ships) and
its parts fit together; what the Dockerfile copies exists and is all the app needs; gunicorn
with the image's own gunicorn.conf.py serves /healthz, adds up the metrics of all its workers
and opens no control socket; and the first `flask db upgrade` in production sends the database
no statement that fails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, event

import dbcli
from app import create_app
from config import ENVIRONMENT
from tests.helpers.environment import TEST_SECRET, free_port
from tests.postgres import TEST_DATABASE, new_schema

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT / "compose.yaml").read_text(encoding="utf-8"))


def stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions per stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    result: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            result.append([])
        result[-1].append(line)
    return result


# --- the Dockerfile ----------------------------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = run("hadolint", "Dockerfile")
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_hadolint_is_a_real_check(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nRUN cd /tmp && pip install x\n")
    result = run("hadolint", str(tmp_path / "Dockerfile"))
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "latest" is not a version


def test_the_image_runs_as_a_numeric_non_root_user_with_a_health_check_on_healthz():
    build, final = stages((PROJECT / "Dockerfile").read_text(encoding="utf-8"))
    assert build[0].startswith("FROM python:3.11-slim AS build")
    assert final[0] == "FROM python:3.11-slim"
    user = [line for line in final if line.startswith("USER ")]
    assert user == ["USER 10001:10001"]
    health = [line for line in final if line.startswith("HEALTHCHECK ")]
    assert len(health) == 1 and "/healthz" in health[0]
    # On the port gunicorn.conf.py binds (PORT), not a fixed 8000 an operator may have moved.
    assert "os.environ.get('PORT', '8000')" in health[0]
    # No compilers or package installs in the image that runs: the build stage has them all.
    assert not any(re.search(r"apt-get|apk add|gcc|build-essential|pip install", line)
                   for line in final)
    assert final[-1] == 'CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]'


def test_the_image_copies_everything_the_app_needs():
    dockerfile = (PROJECT / "Dockerfile").read_text(encoding="utf-8")
    copied = set()
    for line in (line for stage in stages(dockerfile) for line in stage):
        if line.startswith("COPY ") and "--from=" not in line:
            sources = line.split()[1:-1]
            for source in sources:
                matches = list(PROJECT.glob(source))
                assert matches, f"{line}: {source} is not in the repository"
                copied |= {path.relative_to(PROJECT).as_posix() for path in matches}
    pyproject = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    modules = re.search(r"py-modules = \[(.*?)\]", pyproject).group(1)
    for module in re.findall(r'"(\w+)"', modules):
        assert f"{module}.py" in copied, f"{module}.py is not copied into the image"
    for needed in ("intake", "routing", "inbox", "migrations", "alembic.ini", "translations",
                   "templates", "static", "data", "gunicorn.conf.py", "babel.cfg"):
        assert needed in copied, f"{needed} is not copied into the image"
    ignored = (PROJECT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "var", ".git"} <= set(ignored)


# --- compose.yaml ------------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification():
    result = run("check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_check_refuses_a_broken_file(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web:\n    image: x\n    restart: sometimes\n    ports: 8000\n")
    result = run("check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken))
    assert result.returncode != 0


def test_compose_runs_web_worker_and_migrations_from_the_image_on_postgres_and_persistent_redis():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "migrate", "redis", "postgres"}
    for name in ("web", "worker", "migrate"):
        assert services[name]["build"] == "."
        environment = services[name]["environment"]
        assert environment["APP_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        # Secrets come from the operator's environment and are required, never defaults here.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert ":?" in environment["DATABASE_URL"]
    assert services["worker"]["command"] == ["flask", "routing", "worker"]
    assert services["migrate"]["command"] == ["flask", "db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert services["redis"]["volumes"] == ["redis-data:/data"]
    assert services["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert "healthcheck" in services["redis"] and "healthcheck" in services["postgres"]


def test_optional_settings_are_passed_on_only_when_set():
    """`SMTP_HOST:` with no value passes the operator's SMTP_HOST on if it is set, and nothing
    otherwise, so the app's default holds. `${SMTP_HOST:-}` means the same to Docker Compose,
    but podman-compose 1.0.3 (Debian's) passes that text on as the value: METRICS_TOKEN became
    16 characters of it and the production check refused to start."""
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            assert not re.search(r"\$\{\w+:?-\}", str(value)), f"{name}: {key}: {value}"
    environment = compose()["services"]["web"]["environment"]
    for name in ("SMTP_HOST", "OPERATOR_ALERT_EMAIL", "METRICS_TOKEN"):
        assert environment[name] is None, name


def test_the_web_port_is_published_where_the_operator_says():
    assert compose()["services"]["web"]["ports"] == ["${WEB_PUBLISH:-8000}:8000"]


def test_every_setting_the_compose_file_passes_is_one_the_app_reads():
    environment = compose()["services"]["web"]["environment"]
    known = set(ENVIRONMENT)
    assert set(environment) <= known, f"the app ignores {sorted(set(environment) - known)}"


# --- gunicorn with the image's configuration ---------------------------------------------------


@pytest.fixture
def gunicorn_with_image_settings(tmp_path, database_url, redis_server):
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "SECRET_KEY": TEST_SECRET, "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url, "REDIS_URL": f"unix://{redis_server}",
        "PORT": str(port), "WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(BIN / "gunicorn"), "--config", "gunicorn.conf.py",
                                "app:create_app()"], cwd=PROJECT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (
            (tmp_path / "gunicorn.log").read_text())
        time.sleep(0.2)
    yield base, tmp_path / "gunicorn.log"
    process.terminate()
    process.wait(20)
    log.close()


@pytest.mark.live  # runs gunicorn
def test_gunicorn_with_the_image_settings_serves_and_adds_up_metrics_across_workers(
        gunicorn_with_image_settings):
    base, log = gunicorn_with_image_settings
    session = requests.Session()
    for _ in range(40):
        # A new connection each time, so both workers answer some of them.
        assert requests.get(base + "/", timeout=10).status_code == 200
    assert session.get(base + "/readyz", timeout=10).json()["status"] == "ready"
    text = session.get(base + "/metrics", timeout=10).text
    counted = sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "concern_http_requests_total" and sample.labels["endpoint"] == "/"
    )
    assert counted == 40
    # No access log: no line of gunicorn's output carries the client's address.
    assert "127.0.0.1" not in log.read_text()


@pytest.mark.live  # runs gunicorn
def test_gunicorn_with_the_image_settings_opens_no_control_socket(gunicorn_with_image_settings,
                                                                   tmp_path):
    """gunicorn 25+ opens one for `gunicornc` under $HOME by default; in the image $HOME is
    /app on a read-only root, and every start logged "Control server error"."""
    base, log = gunicorn_with_image_settings
    assert requests.get(base + "/healthz", timeout=10).status_code == 200
    assert not (tmp_path / ".gunicorn").exists()
    assert "control" not in log.read_text().lower()


# --- the first migration ----------------------------------------------------------------------


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it, on the run's backend."""
    if TEST_DATABASE == "postgresql":
        with new_schema() as (database, _schema):
            yield database.url
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


def test_the_first_migration_in_production_sends_no_statement_that_fails(
        empty_database_url, redis_server, tmp_path):
    """`flask db upgrade` starts the app first, whose production check for demo data used to
    SELECT from a table the migrations had not made yet: PostgreSQL logged `relation "services"
    does not exist` as an ERROR at every first deployment, which an operator reads as a fault."""
    failed: list[str] = []

    def record(context) -> None:  # type: ignore[no-untyped-def]
        failed.append(f"{type(context.original_exception).__name__}: {context.statement}")

    event.listen(Engine, "handle_error", record)
    try:
        app = create_app({"environment": "production", "secret_key": TEST_SECRET,
                          "session_cookie_secure": True, "demo": False,
                          "database_url": empty_database_url, "var_dir": tmp_path / "var",
                          "redis_url": f"unix://{redis_server}"})
        dbcli.upgrade(empty_database_url)
        app.extensions["database"].dispose()
    finally:
        event.remove(Engine, "handle_error", record)
    assert failed == []
    assert dbcli.current(empty_database_url) == dbcli.head()
