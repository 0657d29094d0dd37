"""`flask demo setup`: development data across the rooms (a demo service, key file and intake
user for every municipality). Wiring, like app.py: the one other root module that may import
the rooms. Production refuses it here, and refuses to start on a database that holds it
(app.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

import dbcli
from config import Config
from database import Database
from inbox.auth import create_user
from inbox.models import IntakeUser
from routing import directory
from routing.demo import PROGRESS_EVERY, Progress, create_demo_services
from routing.models import District, Service

demo_cli = AppGroup("demo", help="Development data: demo services, keys and users.")


@demo_cli.command("setup")
def demo_setup() -> None:
    """Migrate the schema, load the directory, and add what is missing of the demo data: a service,
    a key (file under var/demo-keys/) and a user for every municipality and every district the
    directory names."""
    settings: Config = current_app.extensions["config"]
    if settings.is_production:
        raise click.ClickException("demo data is for development only")
    database: Database = current_app.extensions["database"]
    try:  # the schema as a live database gets it: by the migrations, not create_all()
        dbcli.upgrade(database.url)
    except dbcli.UnversionedDatabase as error:
        raise click.ClickException(str(error)) from None
    with database.session() as session:
        # Also when the districts are missing: a database made before they were loaded.
        if (session.scalar(select(func.count()).select_from(Service)) == 0
                or session.scalar(select(func.count()).select_from(District)) == 0):
            summary = directory.load(session)
            click.echo(f"Loaded {summary.municipalities} municipalities, "
                       f"{summary.postal_codes} postal codes, {summary.districts} districts.")

    def progress(what: str) -> Progress:
        def report(done: int, total: int) -> None:
            click.echo(f"  {what}: {done} of {total}")
        return report

    with database.session() as session:
        created = create_demo_services(session, settings.var_dir / "demo-keys",
                                       progress("demo services and key files"))
        if created:
            click.echo(f"Created {created} demo services with keys.")
    with database.session() as session:
        users = set(session.scalars(select(IntakeUser.username)))
        services = session.scalars(select(Service.id).where(Service.is_demo.is_(True))).all()
        missing = [service_id for service_id in services if service_id not in users]
        report = progress("demo users")
        for done, service_id in enumerate(missing, start=1):
            # The username is the service's id: demo-0301, demo-030101 (a district of Oslo).
            number = service_id.removeprefix("demo-")
            create_user(session, service_id, f"demo-password-{number}", service_id, demo=True)
            if done % PROGRESS_EVERY == 0 or done == len(missing):
                report(done, len(missing))
