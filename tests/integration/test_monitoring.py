"""What an operator's monitoring sees: /healthz (the process answers), /readyz (database and
Redis reachable, or which one is not), /metrics (Prometheus: figures that match the database,
no ids, references or content, and only for the operators' token), JSON log lines without IP
addresses, and a production start refused on a database with demo data in it."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from app import create_app
from config import Config, UnsafeConfiguration
from database import Database, utcnow
from routing.directory import register_key
from routing.models import Service, ServiceKey
from sealing import KeyPair
from tests.helpers.environment import TEST_SECRET
from tests.helpers.inbox import deliver_report, report_document
from tests.helpers.services import add_service

TOKEN = "m" * 40
# A PostgreSQL server where none listens: the connection is refused at once.
UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


@pytest.fixture
def oslo(database: Database, tmp_path: Path) -> Path:
    key_file = add_service(database, "oslo", "0301", key_dir=tmp_path).key_file
    with database.session() as session:  # in force since before the reports of the test
        session.execute(update(ServiceKey).values(valid_from=utcnow() - timedelta(days=1)))
    return key_file


def figures(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthz_answers_while_the_process_runs_even_without_its_database(tmp_path, redis_server):
    app = create_app({"SECRET_KEY": TEST_SECRET, "VAR_DIR": tmp_path,
                      "DATABASE_URL": UNREACHABLE_DATABASE,
                      "REDIS_URL": f"unix://{redis_server}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_with_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "redis": "ok"}


def test_readyz_names_an_unreachable_database(tmp_path, redis_server):
    app = create_app({"SECRET_KEY": TEST_SECRET, "VAR_DIR": tmp_path,
                      "DATABASE_URL": UNREACHABLE_DATABASE,
                      "REDIS_URL": f"unix://{redis_server}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "database": "OperationalError",
                                   "redis": "ok"}


def test_readyz_names_an_unreachable_redis(app_config, tmp_path):
    app = create_app({**app_config, "REDIS_URL": f"unix://{tmp_path}/nobody-listens.sock"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["redis"] != "ok" and body["status"] == "not ready"
    app.extensions["database"].dispose()


def test_metrics_count_envelopes_per_state_and_the_oldest_unacknowledged(client, database, oslo):
    hour_ago = utcnow() - timedelta(hours=1)
    delivered = [deliver_report(database, "0301", report_document("Bekymret"), now=hour_ago)
                 for _ in range(3)]
    waiting = deliver_report(database, "0301", report_document("Bekymret"), delivered=False)
    client.get("/report/emergency")
    client.get("/report/%E2%80%AEno-such-step/../x")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    found = figures(text)
    assert found[("concern_envelopes", (("state", "delivered"),))] == 3
    assert found[("concern_envelopes", (("state", "accepted"),))] == 1
    assert found[("concern_envelopes_delivered", ())] == 3
    assert 3500 < found[("concern_oldest_unacknowledged_seconds", ())] < 3700 + 60
    assert found[("concern_dependency_up", (("dependency", "database"),))] == 1
    assert found[("concern_dependency_up", (("dependency", "redis"),))] == 1
    assert ("concern_queue_jobs", (("queue", "delivery"), ("status", "queued"))) in found
    # Requests are counted by route pattern; a hostile URL is one "unmatched" label, not its own.
    assert found[("concern_http_requests_total", (("endpoint", "/report/<step>"),
                                                  ("method", "GET"), ("status", "200")))] >= 1
    assert "no-such-step" not in text and "\u202e" not in text
    assert any(name == "concern_http_requests_total" and dict(labels)["endpoint"] == "unmatched"
               for name, labels in found)
    # Figures only: no envelope id, reference or service name leaves through the metrics.
    for envelope in [*delivered, waiting]:
        assert envelope.id not in text and envelope.reference not in text
    assert "oslo" not in text.lower()


def test_metrics_say_the_database_is_down_instead_of_failing(tmp_path, redis_server):
    app = create_app({"SECRET_KEY": TEST_SECRET, "VAR_DIR": tmp_path,
                      "DATABASE_URL": UNREACHABLE_DATABASE,
                      "REDIS_URL": f"unix://{redis_server}"})
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    found = figures(response.get_data(as_text=True))
    assert found[("concern_dependency_up", (("dependency", "database"),))] == 0
    assert found[("concern_dependency_up", (("dependency", "redis"),))] == 1


def test_metrics_need_the_operators_token_when_one_is_set(app_config):
    app = create_app({**app_config, "METRICS_TOKEN": TOKEN})
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and b"concern_envelopes" in response.data
    app.extensions["database"].dispose()


def test_metrics_are_not_served_in_production_without_a_token(database_url, redis_server, tmp_path):
    settings = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "VAR_DIR": str(tmp_path),
                "DATABASE_URL": database_url, "REDIS_URL": f"unix://{redis_server}"}
    app = create_app(Config.from_env(settings))
    assert app.test_client().get("/metrics").status_code == 404
    app.extensions["database"].dispose()
    app = create_app(Config.from_env({**settings, "METRICS_TOKEN": TOKEN}))
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    app.extensions["database"].dispose()


def test_production_logs_are_json_lines_with_no_ip_address(database_url, redis_server, tmp_path,
                                                           capfd):
    settings = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "VAR_DIR": str(tmp_path),
                "DATABASE_URL": database_url, "REDIS_URL": f"unix://{redis_server}"}
    app = create_app(Config.from_env(settings))
    log = logging.getLogger("routing.test")
    log.warning("delivery to %s failed for envelope %s", "10.20.30.40", "abc123")
    log.warning("client 2001:db8::8a2e:370:7334 said hello", extra={"peer": "192.168.1.7"})
    log.warning("the review is due at 12:30 on 2026-12-02")
    app.extensions["database"].dispose()
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()
             if line.startswith("{")]
    messages = [line["message"] for line in lines if line["logger"] == "routing.test"]
    assert messages == [
        "delivery to [address removed] failed for envelope abc123",
        "client [address removed] said hello",
        "the review is due at 12:30 on 2026-12-02",
    ]
    assert all(line["level"] == "warning" and re.match(r"\d{4}-\d\d-\d\dT", line["time"])
               for line in lines if line["logger"] == "routing.test")
    peer = [line for line in lines if "peer" in line]
    assert peer and peer[0]["peer"] == "[address removed]"


def test_production_refuses_a_database_with_demo_services(database_url, redis_server, tmp_path):
    database = Database(database_url)
    with database.session() as session:
        session.add(Service(id="demo-0301", name="Demo", is_demo=True))
        session.flush()
        register_key(session, "demo-0301", KeyPair.generate().public_key, is_demo=True)
    database.dispose()
    settings = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "VAR_DIR": str(tmp_path),
                "DATABASE_URL": database_url, "REDIS_URL": f"unix://{redis_server}"}
    with pytest.raises(UnsafeConfiguration, match="1 demo service.*1 demo key"):
        create_app(Config.from_env(settings))


def test_made_up_methods_share_one_label_instead_of_one_each(client):
    # gunicorn passes on any upper-case token as a method; a client sending thousands of them
    # must not grow every worker's label sets (and the multiprocess files) by thousands.
    for made_up in ("FOOBARONE", "FOOBARTWO", "PROPFIND"):
        assert client.open("/report/emergency", method=made_up).status_code == 405

    found = figures(client.get("/metrics").get_data(as_text=True))

    methods = {dict(labels)["method"] for name, labels in found
               if name == "concern_http_requests_total"}
    assert "other" in methods
    assert not methods & {"FOOBARONE", "FOOBARTWO", "PROPFIND"}
