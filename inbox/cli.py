"""Commands of the inbox room: `flask inbox add-user`, `flask inbox open`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from extensions import database
from inbox.auth import UserError, create_user
from inbox.report_text import render_text
from routing.cli import read_secret
from routing.envelope_file import EnvelopeFileError, parse
from routing.models import Service
from sealing import SealingError, read_key_file, unseal

inbox_cli = AppGroup("inbox", help="The intake teams' users, and opening downloaded reports.")


@inbox_cli.command("add-user")
@click.argument("username")
@click.option("--service", "service_id", required=True, help="The service the user works for.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add_user(username: str, service_id: str, password_stdin: bool) -> None:
    """Create an intake user for a service."""
    password = read_secret(password_stdin, prompt="Password", confirm=True)
    with database().session() as session:
        if session.get(Service, service_id) is None:
            raise click.ClickException(f"no service with id {service_id!r}")
        try:
            user = create_user(session, username, password, service_id)
        except UserError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.username} for {service_id}.")


@inbox_cli.command("open")
@click.argument("envelope_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="The service's key file.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), help="Where to write the report (default: here).")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
def open_envelope(envelope_file: Path, key_file: Path, out_dir: Path, passphrase_stdin: bool) -> None:
    """Decrypt a downloaded envelope to <reference>.json and a readable <reference>.txt."""
    try:
        envelope = parse(envelope_file.read_bytes())
    except EnvelopeFileError as error:
        raise click.ClickException(f"{envelope_file}: {error}") from error
    passphrase = read_secret(passphrase_stdin, prompt="Key file passphrase")
    try:
        pair = read_key_file(key_file.read_text(encoding="utf-8"), passphrase)
    except SealingError as error:
        raise click.ClickException(f"{key_file}: {error}") from error
    if pair.key_id != envelope.key_id:
        raise click.ClickException(
            f"this report was sealed to key {envelope.key_id}, but {key_file} holds key "
            f"{pair.key_id}; use the key file that was in force when it was sent"
        )
    try:
        report = json.loads(unseal(envelope.sealed, pair.private_key).decode("utf-8"))
    except (SealingError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{envelope_file}: the report cannot be opened ({error})") from error
    out_dir.mkdir(parents=True, exist_ok=True)
    # File names come from the validated reference in the envelope, never from the payload.
    json_path = out_dir / f"{envelope.reference}.json"
    text_path = out_dir / f"{envelope.reference}.txt"
    for path in (json_path, text_path):
        if path.exists():
            raise click.ClickException(f"{path} exists; nothing was overwritten")
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    text_path.write_text(render_text(report), encoding="utf-8")
    click.echo(f"Wrote {json_path} and {text_path}")
