"""Operator commands of the routing room: `flask directory …`, `flask keys …`, `flask routing …`."""

from __future__ import annotations

import gc
import getpass
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from extensions import config, database, redis_connection
from routing import channels, directory, jobs, operations, services_file, worker
from routing.models import Service, ServiceKey
from sealing import PASSPHRASE_RULE, KeyPair, b64, fingerprint, unb64, write_key_file

directory_cli = AppGroup("directory", help="The directory of municipalities and postal codes.")
keys_cli = AppGroup("keys", help="Services' key pairs.")
routing_cli = AppGroup("routing", help="Delivery of accepted reports.")



@directory_cli.command("load")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def load_directory(data_dir: Path | None) -> None:
    """Load (or reload) municipalities and postal codes from the CSV files."""
    database().create_all()
    with database().session() as session:
        summary = directory.load(session, data_dir or directory.DATA_DIR)
    click.echo(
        f"Loaded {summary.municipalities} municipalities, {summary.postal_codes} postal codes "
        f"and {summary.districts} districts."
    )


@directory_cli.command("services")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change.")
def load_services_file(file: Path, dry_run: bool) -> None:
    """Check a reviewed services file and apply it: services and the municipalities they cover.

    Every problem is listed and nothing is written while any remains (exit status 1). Keys are
    not touched: register them with `flask keys register`. The format is described in
    data/services.example.toml.
    """
    try:
        with database().session() as session:
            summary = services_file.load(session, file, dry_run=dry_run)
    except services_file.ServicesFileError as error:
        click.echo(f"{file}: {len(error.problems)} problem(s); nothing was written.", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    for line in summary.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was written.")
    elif summary.has_changes:
        click.echo("Written.")


@keys_cli.command("generate")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--label", default="", help="A name for the key file, e.g. the service's name.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
def generate_key(out: Path, label: str, passphrase_stdin: bool) -> None:
    """Make a key pair on this machine; only the passphrase-protected key file holds the
    private key.

    Run it on the team's own machine, then register the public key it prints.
    """
    if out.exists():
        raise click.ClickException(f"{out} exists; choose another name so no key is overwritten")
    if not passphrase_stdin:
        click.echo(f"Choose a passphrase for the key file: {PASSPHRASE_RULE}.")
    passphrase = read_secret(passphrase_stdin, confirm=True)
    pair = KeyPair.generate()
    try:
        text = write_key_file(pair, passphrase, label=label)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    out.write_text(text)
    out.chmod(0o600)
    click.echo(f"Key file:    {out}")
    click.echo(f"Public key:  {b64(pair.public_key)}")
    click.echo(f"Key id:      {pair.key_id}")
    click.echo(f"Fingerprint: {fingerprint(pair.public_key)}")


@keys_cli.command("register")
@click.argument("service_id")
@click.argument("public_key")
@click.option("--valid-from", default=None,
              type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]),
              help="Rotate at this time (UTC, e.g. 2027-01-01T00:00); default now.")
def register_key(service_id: str, public_key: str, valid_from: datetime | None) -> None:
    """Register a service's public key (base64, as `flask keys generate` prints it).

    Registering a second key rotates: reports from --valid-from are sealed to the new key,
    reports sealed before still open with the old one.
    """
    raw = unb64(public_key)
    if len(raw) != 32:
        raise click.ClickException("a public key is 32 bytes (44 characters of base64)")
    with database().session() as session:
        if session.get(Service, service_id) is None:
            raise click.ClickException(f"no service with id {service_id!r}")
        key = directory.register_key(session, service_id, raw,
                                     valid_from=valid_from and valid_from.replace(tzinfo=UTC))
        starts = key.valid_from.isoformat(timespec="minutes")
    click.echo(f"Registered key {key.key_id} for {service_id}, in force from {starts} UTC.")
    click.echo(f"Confirm this fingerprint with the service by phone: {fingerprint(raw)}")


@keys_cli.command("retire")
@click.argument("key_id")
@click.option("--leave-without-key", is_flag=True,
              help="Retire even the last key in force; the service then cannot receive.")
def retire_key(key_id: str, leave_without_key: bool) -> None:
    """Stop sealing new reports to a key (for instance when its private key is lost)."""
    with database().session() as session:
        try:
            key = directory.retire_key(session, key_id, allow_last=leave_without_key)
        except KeyError:
            raise click.ClickException(f"no key with id {key_id!r}") from None
        except directory.LastKeyError as error:
            raise click.ClickException(str(error)) from None
        service_id = key.service_id
    click.echo(f"Retired key {key_id} of {service_id}. Reports sealed to it still open with it.")


@keys_cli.command("list")
@click.argument("service_id")
def list_keys(service_id: str) -> None:
    """A service's keys, which one new reports are sealed to, and their fingerprints."""
    with database().session() as session:
        current = directory.current_key(session, service_id)
        keys = session.scalars(select(ServiceKey).where(ServiceKey.service_id == service_id)
                               .order_by(ServiceKey.valid_from)).all()
        if not keys:
            raise click.ClickException(f"{service_id!r} has no keys: it cannot receive reports")
        for key in keys:
            state = ("in use" if current is not None and key.key_id == current.key_id
                     else "retired" if key.retired_at else "not in use")
            click.echo(f"{key.key_id}  {fingerprint(key.public_key)}  from "
                       f"{key.valid_from.isoformat(timespec='minutes')}  {state}")


@routing_cli.command("status")
def show_status() -> None:
    """Per service: envelopes per state, each channel's delivered, pending and failed, the
    oldest report nobody has acknowledged (how old, and its envelope id), and how many reports'
    feedback to the reporter is overdue; the most urgent first. Ids and counts only."""
    from database import utcnow

    now = utcnow()
    with database().session() as session:
        statuses = operations.status_by_service(session, now)
    if not statuses:
        click.echo("No envelopes.")
    for status in statuses:
        click.echo(f"{status.service_id} ({status.name})")
        counts = ", ".join(f"{state} {count}" for state, count in sorted(status.counts.items()))
        click.echo(f"  envelopes: {counts}")
        for name in (operations.INBOX, operations.PUSH, operations.PULL):
            channel = status.channels.get(name)
            if channel is not None:
                click.echo(f"  {name}: delivered {channel.delivered}, pending {channel.pending}, "
                           f"failed {channel.failed}")
        oldest = status.oldest_unacknowledged
        if oldest is None:
            click.echo("  oldest unacknowledged: none")
        else:
            click.echo(f"  oldest unacknowledged: {operations.age(oldest, now)} old (received "
                       f"{oldest.isoformat(timespec='minutes')}, "
                       f"envelope {status.oldest_unacknowledged_id})")
        click.echo(f"  feedback to reporters overdue: {status.feedback_overdue}")


@routing_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def run_worker(burst: bool) -> None:
    """Run a delivery worker, with the reconciler and the other housekeeping beside it. It
    waits for Redis if Redis is not up yet, and stops on SIGTERM (see routing/worker.py)."""
    worker.run(redis_connection(), config(), database(),
               current_app.extensions["housekeeping"], burst=burst)
    # The interpreter's last garbage collection at exit walks every object the app made (some
    # 130,000): on a busy machine that alone took 1.5-1.9 s of a worker's stop. Nothing made
    # so far needs collecting now; frozen, the exit passes over it (0.1-0.2 s).
    gc.freeze()


@routing_cli.command("api-token")
@click.argument("service_id")
def issue_api_token(service_id: str) -> None:
    """Make a pull-API token for a service, replacing its earlier one, and print it once.

    Only a hash is stored: give the token to the service now, over a safe channel.
    """
    with database().session() as session:
        try:
            token = channels.issue_api_token(session, service_id)
        except LookupError:
            raise click.ClickException(f"no service with id {service_id!r}") from None
    click.echo(token)


@routing_cli.command("push-retry")
@click.argument("envelope_id", required=False)
@click.option("--all-failed", is_flag=True, help="Every envelope whose push failed.")
@click.option("--service", "service_id", default=None,
              help="With --all-failed: only this service's envelopes.")
def push_retry(envelope_id: str | None, all_failed: bool, service_id: str | None) -> None:
    """Push again what a service's case system did not store (once its endpoint or secret is
    fixed): one envelope, or every failed push. Each gets a fresh round of tries; the receiver
    stores by envelope id, so one it had after all is not stored twice."""
    if bool(envelope_id) == all_failed:
        raise click.UsageError("give an ENVELOPE_ID or --all-failed, not both")
    if service_id and not all_failed:
        raise click.UsageError("--service goes with --all-failed")
    settings = config()
    with database().session() as session:
        row = channels.push_state(session, envelope_id) if envelope_id else None
    if envelope_id and (row is None or row.state != channels.ChannelState.FAILED):
        why = "it has no push" if row is None else f"its push is {row.state}"
        raise click.ClickException(f"nothing to retry for envelope {envelope_id!r}: {why}")
    count = jobs.retry_failed_pushes(redis_connection(), settings.queue_name, service_id,
                                     database(), envelope_id)
    click.echo(f"Re-enqueued the push of {count} envelope(s).")


@routing_cli.command("redeliver")
@click.argument("envelope_id", required=False)
@click.option("--all-failed", is_flag=True, help="Every envelope whose inbox delivery failed.")
def redeliver(envelope_id: str | None, all_failed: bool) -> None:
    """Try again to deliver an envelope whose inbox delivery failed after the last try (once
    the cause is fixed). It was in the inbox all along; what the team did with it stays."""
    if bool(envelope_id) == all_failed:
        raise click.UsageError("give an ENVELOPE_ID or --all-failed, not both")
    settings = config()
    found = jobs.redeliver_failed(redis_connection(), settings.queue_name, envelope_id,
                                  database())
    if envelope_id and not found:
        raise click.ClickException(
            f"no envelope {envelope_id!r} whose inbox delivery failed (see `flask routing status`)")
    for envelope in found:
        click.echo(f"Enqueued delivery of {envelope}.")
    click.echo(f"Re-enqueued {len(found)} envelope(s).")


@routing_cli.command("reconcile")
def reconcile_once() -> None:
    """Re-enqueue envelopes left accepted longer than the configured time."""
    settings = config()
    count = jobs.reconcile(
        redis_connection(),
        settings.queue_name,
        timedelta(seconds=settings.reconcile_after_seconds),
        database(),
    )
    click.echo(f"Re-enqueued {count} envelope(s).")


@routing_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
def apply_retention(dry_run: bool) -> None:
    """Delete the sealed copies of reports acknowledged longer ago than the retention period
    (RETENTION_DAYS_AFTER_ACKNOWLEDGEMENT; the worker does this hourly). Prints ids, references
    and acknowledgement times, never content; the envelope rows stay."""
    from database import utcnow
    from routing import retention

    days, now = config().retention_days_after_acknowledgement, utcnow()
    with database().session() as session:
        found = retention.due(session, now, days)
        for envelope in found:
            click.echo(f"{envelope.id}  {envelope.reference}  {envelope.service_id}  acknowledged "
                       f"{envelope.acknowledged_at.isoformat(timespec='minutes')}")
        if dry_run:
            click.echo(f"Dry run: {len(found)} sealed copy(ies) older than {days} days after "
                       "acknowledgement would be deleted; nothing was.")
            return
        count = retention.delete_sealed_copies(session, now, days)
    click.echo(f"Deleted {count} sealed copy(ies) acknowledged more than {days} days ago.")


def read_secret(from_stdin: bool, *, prompt: str = "Passphrase", confirm: bool = False) -> str:
    """A passphrase or password from standard input (for scripts) or typed without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    secret = getpass.getpass(f"{prompt}: ")
    if confirm and getpass.getpass(f"{prompt} again: ") != secret:
        raise click.ClickException(f"the two {prompt.lower()}s differ")
    return secret
