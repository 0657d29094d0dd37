"""Retention: the sealed copy of a report goes a set number of days after the service
acknowledged it, never sooner and never for a report nobody acknowledged; the envelope row stays
and the inbox says the report was deleted. Old audit entries go too. The worker's housekeeping
does it hourly; `flask routing retention [--dry-run]` lets an operator see and do it now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from database import Database, utcnow
from inbox import envelopes as inbox_envelopes
from inbox.models import AuditEntry
from inbox.retention import delete_old_audit_entries
from routing import retention
from routing.acceptance import accept
from routing.delivery import deliver
from routing.envelope_file import parse
from routing.housekeeping import Housekeeping
from routing.models import ChannelDelivery, ChannelState, Envelope, EnvelopeState
from sealing import unseal
from tests.helpers import csrf_token
from tests.helpers.inbox import add_member, listing, report_document, sign_in, state_shown
from tests.helpers.pages import check_page
from tests.helpers.services import ServiceUnderTest, add_service

DAYS = 30
LONG_AGO = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


# --- the plain functions, on every backend ------------------------------------------------------


def sealed_report(db: Database, *, acknowledged_at: datetime | None = None,
                  created_at: datetime = LONG_AGO, state: str | None = None) -> str:
    with db.session() as session:
        envelope = accept(session, report_document("Bekymret"), "0301", now=created_at)
        deliver(session, envelope.id, now=created_at)
        if acknowledged_at is not None:
            inbox_envelopes.acknowledge(session, envelope, now=acknowledged_at)
        if state is not None:
            envelope.state = state
        return envelope.id


def sealed_bytes(db: Database, envelope_id: str) -> bytes:
    with db.session() as session:
        return session.get(Envelope, envelope_id).sealed


@pytest.fixture
def oslo(db: Database) -> Database:
    add_service(db, "oslo", "0301")
    return db


def test_the_copy_goes_when_the_period_after_acknowledgement_has_passed_not_a_day_sooner(oslo):
    acknowledged = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
    envelope_id = sealed_report(oslo, acknowledged_at=acknowledged)
    kept = sealed_bytes(oslo, envelope_id)
    assert kept

    a_day_early = acknowledged + timedelta(days=DAYS - 1)
    with oslo.session() as session:
        assert retention.due_for_deletion(session, a_day_early, DAYS) == []
        assert retention.delete_sealed_copies(session, a_day_early, DAYS) == 0
    assert sealed_bytes(oslo, envelope_id) == kept

    on_time = acknowledged + timedelta(days=DAYS)
    with oslo.session() as session:
        assert retention.due_for_deletion(session, on_time, DAYS) == [envelope_id]
        assert retention.delete_sealed_copies(session, on_time, DAYS) == 1
    with oslo.session() as session:
        envelope = session.get(Envelope, envelope_id)
        assert envelope.sealed == b""
        assert envelope.sealed_deleted_at == on_time
        # Kept for the statistics.
        assert envelope.state == EnvelopeState.ACKNOWLEDGED
        assert envelope.acknowledged_at == acknowledged and envelope.reference
        # Deleted once: a second run finds nothing and records no second time.
        assert retention.delete_sealed_copies(session, on_time + timedelta(days=1), DAYS) == 0
    with oslo.session() as session:
        assert session.get(Envelope, envelope_id).sealed_deleted_at == on_time


def test_a_report_nobody_acknowledged_is_never_deleted_however_old(oslo):
    waiting = [sealed_report(oslo, state=state) for state in
               (EnvelopeState.DELIVERED, EnvelopeState.DOWNLOADED, EnvelopeState.FAILED)]
    with oslo.session() as session:
        accepted = accept(session, report_document("Ikke levert ennå"), "0301", now=LONG_AGO).id
    ten_years_on = LONG_AGO + timedelta(days=3653)
    with oslo.session() as session:
        for days in (DAYS, 0):
            assert retention.due_for_deletion(session, ten_years_on, days) == []
            assert retention.delete_sealed_copies(session, ten_years_on, days) == 0
    for envelope_id in (*waiting, accepted):
        assert sealed_bytes(oslo, envelope_id)


def test_a_push_still_trying_keeps_its_copy_until_it_is_done(oslo):
    acknowledged = datetime(2025, 3, 3, tzinfo=UTC)
    envelope_id = sealed_report(oslo, acknowledged_at=acknowledged)
    with oslo.session() as session:
        session.add(ChannelDelivery(envelope_id=envelope_id, channel="push",
                                    state=ChannelState.PENDING, created_at=acknowledged))
    later = acknowledged + timedelta(days=DAYS + 5)
    with oslo.session() as session:
        assert retention.delete_sealed_copies(session, later, DAYS) == 0
        session.scalar(select(ChannelDelivery)).state = ChannelState.FAILED
    with oslo.session() as session:
        assert retention.delete_sealed_copies(session, later, DAYS) == 1
    assert sealed_bytes(oslo, envelope_id) == b""


# --- what the intake team sees ------------------------------------------------------------------


@pytest.fixture
def oslo_team(database: Database, tmp_path: Path) -> ServiceUnderTest:
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    service = add_service(database, "oslo", "0301", key_dir=key_dir)
    with database.session() as session:
        add_member(session, "olsen", "oslo")
    return service


def delivered_now(database: Database, document: bytes) -> Envelope:
    with database.session() as session:
        envelope = accept(session, document, "0301")
        deliver(session, envelope.id)
    return envelope


def test_after_the_period_the_download_says_the_report_was_deleted(client, database, oslo_team):
    document = report_document("Hun gråter hver dag")
    envelope = delivered_now(database, document)
    sign_in(client, "olsen")
    html = listing(client)
    client.post(f"/inbox/envelopes/{envelope.id}/acknowledge",
                data={"csrf_token": csrf_token(html)})
    with database.session() as session:
        acknowledged = session.get(Envelope, envelope.id).acknowledged_at
    assert acknowledged is not None
    download = f"/inbox/envelopes/{envelope.id}/download"

    with database.session() as session:
        retention.delete_sealed_copies(session, acknowledged + timedelta(days=DAYS - 1), DAYS)
    response = client.get(download)
    assert response.status_code == 200
    assert unseal(parse(response.data).sealed, oslo_team.pair.private_key) == document

    with database.session() as session:
        retention.delete_sealed_copies(session, acknowledged + timedelta(days=DAYS), DAYS)
    response = client.get(download + "?lang=en")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    check_page(page)
    assert "Report deleted" in page
    assert f"Report {envelope.reference} was deleted on" in page
    assert "retention period" in page
    assert response.headers["Cache-Control"] == "no-store"
    # The row is still in the list, as acknowledged.
    assert state_shown(listing(client), envelope.reference) == "Acknowledged"


# --- the operator's command and the worker's housekeeping ---------------------------------------


def acknowledged_days_ago(database: Database, days: int) -> Envelope:
    envelope = delivered_now(database, report_document("Bekymret"))
    with database.session() as session:
        inbox_envelopes.acknowledge(session, envelope, now=utcnow() - timedelta(days=days))
    return envelope


def test_the_command_shows_what_it_would_delete_and_deletes_it_only_without_dry_run(
        app, database, oslo_team):
    old = acknowledged_days_ago(database, DAYS + 1)
    recent = acknowledged_days_ago(database, DAYS - 1)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["routing", "retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert old.reference in dry.output and old.id in dry.output
    assert recent.reference not in dry.output
    assert "nothing was" in dry.output
    assert sealed_bytes(database, old.id)

    done = runner.invoke(args=["routing", "retention"])
    assert done.exit_code == 0, done.output
    assert old.reference in done.output and recent.reference not in done.output
    assert "Deleted 1 sealed copy" in done.output
    assert sealed_bytes(database, old.id) == b""
    assert sealed_bytes(database, recent.id)
    assert "Deleted 0 sealed copy" in runner.invoke(args=["routing", "retention"]).output


def test_the_workers_housekeeping_deletes_old_copies_and_old_audit_entries(
        app, database, oslo_team):
    old = acknowledged_days_ago(database, DAYS + 1)
    recent = acknowledged_days_ago(database, 1)
    now = utcnow()
    with database.session() as session:
        session.add(AuditEntry(action="download", at=now - timedelta(days=3651), service_id="oslo"))
        session.add(AuditEntry(action="download", at=now - timedelta(days=3649), service_id="oslo"))

    # One round of the worker's housekeeping with the app factory's tasks: all due at first.
    Housekeeping(database, app.extensions["housekeeping"]).run_due()

    assert sealed_bytes(database, old.id) == b"" and sealed_bytes(database, recent.id)
    with database.session() as session:
        ages = [(now - at).days for at in session.scalars(select(AuditEntry.at))]
    assert ages == [3649]


def test_audit_entries_go_after_the_configured_period_and_not_before(database):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with database.session() as session:
        for days in (400, 366, 364):
            session.add(AuditEntry(action="sign-in", at=now - timedelta(days=days)))
    with database.session() as session:
        assert delete_old_audit_entries(session, now, 365) == 2
    with database.session() as session:
        assert list(session.scalars(select(AuditEntry.at))) == [now - timedelta(days=364)]
