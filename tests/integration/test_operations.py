"""What operators do and see: rotating and retiring keys, the state of every service's
envelopes, and the health endpoint monitoring polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.serializers import JSONSerializer
from sqlalchemy import select

from database import Database
from routing import channels, jobs, push
from routing.acceptance import accept
from routing.delivery import deliver, mark_failed
from routing.models import Envelope, EnvelopeState, Service, ServiceKey
from routing.worker import DeliveryWorker
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
    two_days_ago = datetime.now(UTC) - timedelta(days=2, hours=3)
    with database.session() as session:
        old = accept(session, b"{}", OSLO)
        old.state, old.created_at = EnvelopeState.DELIVERED, two_days_ago
        accept(session, b"{}", OSLO)
        done = accept(session, b"{}", "4601")
        done.state = EnvelopeState.ACKNOWLEDGED
        old_id, reference = old.id, old.reference

    output = app.test_cli_runner().invoke(args=["routing", "status"]).output
    oslo, bergen = output.split("\nbergen")
    assert oslo.startswith("oslo (Barneverntjenesten oslo)\n")
    assert "  envelopes: accepted 1, delivered 1\n" in oslo
    assert "  oldest unacknowledged: 2 d 3 h old (received " in oslo
    assert two_days_ago.isoformat(timespec="minutes")[:13] in oslo
    assert f"envelope {old_id})" in oslo
    assert "acknowledged 1" in bergen and "oldest unacknowledged: none" in bergen
    assert reference not in output  # the reporter's reference is not the operators' to see


def state_of_every_channel(database: Database, tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Oslo pushes and pulls: one envelope of each kind an operator must tell apart."""
    add_service(database, OSLO, "oslo", tmp_path)
    with database.session() as session:
        service = session.get_one(Service, "oslo")
        service.push_url, service.push_secret = "https://sak.oslo.example/", "s" * 40
        channels.issue_api_token(session, "oslo")
        ids = {name: accept(session, b"{}", OSLO).id for name in (
            "on its way", "pushed and pulled", "push failed", "inbox failed", "push pending")}
    with database.session() as session:
        for name in ("pushed and pulled", "push failed", "push pending"):
            assert deliver(session, ids[name]) and channels.open_push(session, ids[name])
        assert mark_failed(session, ids["inbox failed"]) == "oslo"
    with database.session() as session:
        for name, status in (("pushed and pulled", 200), ("push failed", 404)):
            attempt = channels.start_push_attempt(session, ids[name])
            assert attempt is not None
            channels.record_push_result(session, attempt, push.classify(status), final=False)
        assert channels.acknowledge_pull(session, "oslo", ids["pushed and pulled"])
    return ids


def test_status_shows_each_channel_delivered_pending_and_failed(app, database, tmp_path):
    ids = state_of_every_channel(database, tmp_path)
    output = app.test_cli_runner().invoke(args=["routing", "status"]).output
    assert "  envelopes: accepted 1, delivered 2, failed 2\n" in output
    assert "  inbox: delivered 3, pending 1, failed 1\n" in output
    assert "  push: delivered 1, pending 1, failed 1\n" in output
    # Pulled once acknowledged by the case system; every other envelope in the inbox waits.
    assert "  pull: delivered 1, pending 3, failed 0\n" in output
    assert f"envelope {ids['on its way']})" in output


def test_health_reports_ok_then_what_needs_attention_without_naming_services(
    app, client, database, tmp_path
):
    add_service(database, OSLO, "oslo", tmp_path)
    healthy = client.get("/health")
    assert healthy.status_code == 200
    assert healthy.json["status"] == "ok"
    assert healthy.json["database"] == "ok" and healthy.json["queue"] == "ok"
    assert healthy.json["oldest_unacknowledged_seconds"] is None

    with database.session() as session:
        stuck = accept(session, b"{}", OSLO)
        stuck.created_at = datetime.now(UTC) - timedelta(hours=1)
        failed = accept(session, b"{}", OSLO)
        failed.state = EnvelopeState.FAILED
        ids = [stuck.id, failed.id, stuck.reference, failed.reference]
    attention = client.get("/health")
    assert attention.status_code == 200
    assert attention.json["status"] == "attention"
    assert attention.json["stuck_in_accepted"] == 1 and attention.json["failed"] == 1
    assert 3500 <= attention.json["oldest_unacknowledged_seconds"] <= 3700
    text = attention.get_data(as_text=True)
    assert "oslo" not in text.lower()
    assert not any(found in text for found in ids), "no envelope id or reference in public"
    with database.session() as session:
        assert len(session.scalars(select(Envelope)).all()) == 2


def test_health_counts_a_failed_push_of_an_acknowledged_report(app, client, database, tmp_path):
    ids = state_of_every_channel(database, tmp_path)
    with database.session() as session:
        for envelope_id in ids.values():
            envelope = session.get_one(Envelope, envelope_id)
            envelope.state, envelope.acknowledged_at = EnvelopeState.ACKNOWLEDGED, datetime.now(UTC)
    body = client.get("/health").json
    assert (body["failed"], body["failed_pushes"], body["status"]) == (0, 1, "attention")


def test_per_service_health_is_for_the_operators_token_only(app_config, redis_client, tmp_path):
    from app import create_app

    token = "operators-monitoring-token-0123456789abcdef"
    guarded = create_app({**app_config, "METRICS_TOKEN": token})
    database = guarded.extensions["database"]
    try:
        ids = state_of_every_channel(database, tmp_path)
        client = guarded.test_client()
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = client.get("/health/services", headers=headers)
            assert refused.status_code == 401
            assert "oslo" not in refused.get_data(as_text=True)
        answer = client.get("/health/services", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        [oslo] = answer.json["services"]
        assert oslo["service_id"] == "oslo"
        assert oslo["states"] == {"accepted": 1, "delivered": 2, "failed": 2}
        assert oslo["channels"]["push"] == {"delivered": 1, "pending": 1, "failed": 1}
        assert oslo["channels"]["inbox"] == {"delivered": 3, "pending": 1, "failed": 1}
        assert oslo["oldest_unacknowledged"]["envelope_id"] == ids["on its way"]
        assert oslo["oldest_unacknowledged"]["age_seconds"] >= 0
        with database.session() as session:
            references = [e.reference for e in session.scalars(select(Envelope))]
        assert not any(reference in answer.get_data(as_text=True) for reference in references)
    finally:
        database.dispose()


def test_per_service_health_is_absent_in_production_without_a_token(app_config, redis_client):
    from app import create_app

    production = create_app({**app_config, "ENVIRONMENT": "production", "DEMO": False,
                             "SESSION_COOKIE_SECURE": True})
    try:
        assert production.test_client().get("/health/services").status_code == 404
        assert production.test_client().get("/health").status_code == 200
    finally:
        production.extensions["database"].dispose()


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
    DeliveryWorker([jobs.queue(redis_client, "delivery")], connection=redis_client,
                 serializer=JSONSerializer).work(burst=True)
    with database.session() as session:
        envelope = session.get_one(Envelope, failed.id)
        assert envelope.state == EnvelopeState.DELIVERED and envelope.delivered_at is not None
