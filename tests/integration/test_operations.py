"""What operators do and see: rotating and retiring keys, the state of every service's
envelopes, and the health endpoint monitoring polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from routing import jobs
from routing.acceptance import accept
from routing.delivery import deliver, mark_failed
from routing.models import Envelope, EnvelopeState, ServiceKey
from sealing import KeyPair, b64, read_key_file, unseal
from tests.conftest import KEY_PASSPHRASE, add_service

OSLO = "0301"


def test_a_rotated_key_seals_new_reports_while_old_ones_still_open_with_the_old_key(
    app, database, tmp_path
):
    old_file = add_service(database, OSLO, "oslo", tmp_path)
    old = read_key_file(old_file.read_text(), KEY_PASSPHRASE)
    new = KeyPair.generate()
    rotation = datetime.now(UTC) + timedelta(hours=1)
    result = app.test_cli_runner().invoke(args=[
        "keys", "register", "oslo", b64(new.public_key),
        "--valid-from", rotation.strftime("%Y-%m-%dT%H:%M")])
    assert result.exit_code == 0, result.output
    assert "Confirm this fingerprint" in result.output

    with database.session() as session:
        before = accept(session, b'{"before": 1}', OSLO)
        after = accept(session, b'{"after": 1}', OSLO, now=rotation + timedelta(minutes=1))
    assert (before.key_id, after.key_id) == (old.key_id, new.key_id)
    assert unseal(before.sealed, old.private_key) == b'{"before": 1}'
    assert unseal(after.sealed, new.private_key) == b'{"after": 1}'

    listing = app.test_cli_runner().invoke(args=["keys", "list", "oslo"])
    assert f"{old.key_id}" in listing.output and "in use" in listing.output
    assert f"{new.key_id}" in listing.output and "not in use" in listing.output


def test_the_last_key_cannot_be_retired_by_accident(app, database, tmp_path):
    key_file = add_service(database, OSLO, "oslo", tmp_path)
    only = read_key_file(key_file.read_text(), KEY_PASSPHRASE)
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["keys", "retire", only.key_id])
    assert refused.exit_code != 0
    assert "cannot receive reports" in refused.output
    with database.session() as session:
        assert session.get(ServiceKey, only.key_id).retired_at is None

    replacement = KeyPair.generate()
    runner.invoke(args=["keys", "register", "oslo", b64(replacement.public_key)])
    retired = runner.invoke(args=["keys", "retire", only.key_id])
    assert retired.exit_code == 0, retired.output
    with database.session() as session:
        envelope = accept(session, b"{}", OSLO, now=datetime.now(UTC) + timedelta(seconds=1))
    assert envelope.key_id == replacement.key_id


def test_status_shows_each_services_states_and_oldest_unacknowledged_report(
    app, database, tmp_path
):
    add_service(database, OSLO, "oslo", tmp_path)
    add_service(database, "4601", "bergen", tmp_path)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    with database.session() as session:
        old = accept(session, b"{}", OSLO)
        old.state, old.created_at = EnvelopeState.DELIVERED, two_days_ago
        accept(session, b"{}", OSLO)
        done = accept(session, b"{}", "4601")
        done.state = EnvelopeState.ACKNOWLEDGED

    output = app.test_cli_runner().invoke(args=["routing", "status"]).output
    lines = output.splitlines()
    assert lines[0].startswith("oslo") and "accepted 1, delivered 1" in lines[0]
    assert two_days_ago.isoformat(timespec="minutes")[:13] in lines[0]
    assert lines[1].startswith("bergen") and "acknowledged 1" in lines[1]
    assert "oldest unacknowledged none" in lines[1]


def test_health_reports_ok_then_what_needs_attention_without_naming_services(
    app, client, database, tmp_path
):
    add_service(database, OSLO, "oslo", tmp_path)
    healthy = client.get("/health")
    assert healthy.status_code == 200
    assert healthy.json["status"] == "ok"
    assert healthy.json["database"] == "ok" and healthy.json["queue"] == "ok"

    with database.session() as session:
        stuck = accept(session, b"{}", OSLO)
        stuck.created_at = datetime.now(UTC) - timedelta(hours=1)
        failed = accept(session, b"{}", OSLO)
        failed.state = EnvelopeState.FAILED
    attention = client.get("/health")
    assert attention.status_code == 200
    assert attention.json["status"] == "attention"
    assert attention.json["stuck_in_accepted"] == 1 and attention.json["failed"] == 1
    assert "oslo" not in attention.get_data(as_text=True).lower()
    with database.session() as session:
        assert len(session.scalars(select(Envelope)).all()) == 2


def test_health_is_503_when_reports_could_not_be_stored(app_config, redis_client, tmp_path):
    from app import create_app

    unreachable = f"sqlite:///{tmp_path / 'no-such-directory' / 'concern.db'}"
    broken = create_app({**app_config, "DATABASE_URL": unreachable})
    response = broken.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "OperationalError"
    assert response.json["queue"] == "ok"
    broken.extensions["database"].dispose()


def test_redeliver_brings_a_failed_envelope_to_the_inbox_once_the_cause_is_fixed(
    app, database, redis_client, tmp_path, monkeypatch
):
    add_service(database, OSLO, "oslo", tmp_path)
    with database.session() as session:
        failed = accept(session, b"{}", OSLO)
        fine = accept(session, b"{}", OSLO)
    with database.session() as session:
        assert mark_failed(session, failed.id) == "oslo"
        assert deliver(session, fine.id)
    runner = app.test_cli_runner()

    assert runner.invoke(args=["routing", "redeliver"]).exit_code != 0  # which one?
    unknown = runner.invoke(args=["routing", "redeliver", fine.id])
    assert unknown.exit_code != 0 and "no envelope" in unknown.output
    result = runner.invoke(args=["routing", "redeliver", "--all-failed"])
    app.extensions["redis"]().close()  # the command's connection, not left to the collector
    assert result.exit_code == 0, result.output
    assert f"Enqueued delivery of {failed.id}." in result.output
    assert "Re-enqueued 1 envelope(s)." in result.output

    monkeypatch.setattr(jobs, "_database", jobs._database)
    jobs.use_database(database)
    SimpleWorker([jobs.queue(redis_client, "delivery")], connection=redis_client,
                 serializer=JSONSerializer).work(burst=True)
    with database.session() as session:
        envelope = session.get_one(Envelope, failed.id)
        assert envelope.state == EnvelopeState.DELIVERED and envelope.delivered_at is not None
