"""Commands of the inbox room: `flask inbox add-user`, `flask inbox open`."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from config import Config
from extensions import database
from inbox.auth import UserError, create_user
from inbox.fiks_export import CannotExport, to_fiks_v2
from inbox.models import Role
from inbox.report_labels import LANGUAGES, oslo_minute
from inbox.report_text import render_text
from routing.cli import read_secret
from routing.envelope_file import EnvelopeFile, EnvelopeFileError, parse
from sealing import SealingError, read_key_file, unseal

__all__ = ["inbox_cli", "render_text"]

inbox_cli = AppGroup("inbox", help="The intake teams' users, and opening downloaded reports.")


@inbox_cli.command("add-user")
@click.argument("username")
@click.option("--service", "service_id", required=True, help="The service the user works for.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True,
              help="Make the user an administrator of the service: they add its members, reset "
                   "their authenticator apps and read its audit log in the inbox. Create each "
                   "service's first administrator with this; they add the rest in the inbox.")
def add_user(username: str, service_id: str, password_stdin: bool, admin: bool) -> None:
    """Create an intake user for a service (a member, or with --admin an administrator). The
    user sets up an authenticator app at their first sign-in."""
    password = read_secret(password_stdin, prompt="Password", confirm=True)
    role = Role.ADMIN if admin else Role.MEMBER
    try:
        with database().session() as session:
            user = create_user(session, username, password, service_id, role)
            name = user.username
    except UserError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {'administrator' if admin else 'user'} {name} for service {service_id}.")


@inbox_cli.command("open")
@click.argument("envelope_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="The service's key file.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), help="Where to write the report (default: here).")
@click.option("--fiks", is_flag=True,
              help="Also write <reference>.fiks-v2.json in the KS Fiks bekymringsmelding v2 "
                   "format that case systems import.")
@click.option("--language", type=click.Choice(LANGUAGES), default="nb", show_default=True,
              help="The language of the readable text: bokmål, nynorsk or English.")
def open_envelope(
    envelope_file: Path, key_file: Path, passphrase_stdin: bool, out_dir: Path, fiks: bool,
    language: str,
) -> None:
    """Decrypt a downloaded envelope to <reference>.json and a readable <reference>.txt
    (and, with --fiks, <reference>.fiks-v2.json)."""
    try:
        envelope = parse(envelope_file.read_bytes())
    except EnvelopeFileError as error:
        raise click.ClickException(f"{envelope_file}: {error}") from error
    passphrase = read_secret(passphrase_stdin, prompt="Key file passphrase")
    try:
        pair = read_key_file(key_file.read_text(encoding="utf-8"), passphrase)
    except (SealingError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{key_file}: {error}") from error
    if pair.key_id != envelope.key_id:
        raise click.ClickException(
            f"report {envelope.reference} was sealed to key {envelope.key_id}, but {key_file} "
            f"holds key {pair.key_id}; use the key file that was in force when it was sent"
        )
    report = _open(envelope, pair.private_key, envelope_file)
    # File names come only from the envelope's validated reference, never from the payload.
    json_path = out_dir / f"{envelope.reference}.json"
    text_path = out_dir / f"{envelope.reference}.txt"
    fiks_path = out_dir / f"{envelope.reference}.fiks-v2.json"
    for path in (json_path, text_path, *([fiks_path] if fiks else [])):
        if path.exists():
            raise click.ClickException(f"{path} exists; nothing was written")
    fiks_document, not_exported = None, None
    if fiks:
        # A report the format cannot hold is still opened: the team needs it either way.
        try:
            fiks_document = to_fiks_v2(report)  # type: ignore[arg-type]
        except CannotExport as error:
            not_exported = str(error)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_new(json_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        _write_new(text_path, render_text(
            report, language, reference=envelope.reference,
            received=oslo_minute(envelope.created_at),
            review_by=oslo_minute(envelope.created_at + timedelta(days=_review_days()))))
        if fiks_document is not None:
            _write_new(fiks_path, json.dumps(fiks_document, ensure_ascii=False, indent=2) + "\n")
    except OSError as error:
        raise click.ClickException(f"cannot write the report: {error}") from error
    click.echo(f"Wrote {json_path}")
    click.echo(f"Wrote {text_path}")
    if fiks_document is not None:
        click.echo(f"Wrote {fiks_path}")
    if not_exported:
        click.echo(f"Did not write {fiks_path}: {not_exported}")


def _review_days() -> int:
    """The deadline the inbox shows: received + REVIEW_DAYS, as routing.acceptance sets it
    (the envelope file carries the received time only)."""
    config = current_app.extensions.get("config")
    return int(config.review_days if config is not None else Config.review_days)


def _open(envelope: EnvelopeFile, private_key: bytes, source: Path) -> object:
    try:
        return json.loads(unseal(envelope.sealed, private_key).decode("utf-8"))
    except SealingError as error:
        raise click.ClickException(f"{source}: {error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{source}: the opened report is not UTF-8 JSON") from error


def _write_new(path: Path, text: str) -> None:
    """Create the file, readable by its owner only; fail rather than replace an existing one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
