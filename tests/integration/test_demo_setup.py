"""`flask demo setup`, what `make run` does on a newcomer's first run: it says how far it is
while it works, and what it makes works (the demo login, the demo key files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from inbox.auth import authenticate
from routing import directory
from routing.models import Service
from sealing import read_key_file
from tests.helpers.environment import TEST_SECRET


@pytest.fixture
def fresh_app(tmp_path: Path, redis_server: Path):  # type: ignore[no-untyped-def]
    """An app on an empty SQLite file, as a fresh clone has it."""
    application = create_app({
        "SECRET_KEY": TEST_SECRET, "VAR_DIR": tmp_path / "var",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "REDIS_URL": f"unix://{redis_server}",
    })
    yield application
    application.extensions["database"].dispose()


def test_demo_setup_says_how_far_it_is_and_its_login_and_key_files_work(fresh_app, tmp_path):
    result = fresh_app.test_cli_runner().invoke(args=["demo", "setup"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # A newcomer sees it move: services and users counted as they are made, not one silence.
    assert "  demo services and key files: 50 of 372" in lines, result.output
    assert "  demo users: 350 of 372" in lines, result.output
    assert "  demo users: 372 of 372" in lines, result.output

    database = fresh_app.extensions["database"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Service)
                              .where(Service.is_demo.is_(True))) == 372
        # The login `make run` prints.
        user = authenticate(session, "demo-0301", "demo-password-0301")
        assert user is not None and user.service_id == "demo-0301"
        assert authenticate(session, "demo-0301", "demo-password-4601") is None
        # Oslo has a service per district, as Oslo does, so the district step can be tried.
        gamle_oslo = session.get(Service, "demo-030101")
        assert gamle_oslo is not None
        assert gamle_oslo.name == "Barneverntjenesten i bydel Gamle Oslo (demo)"
        assert directory.districts_served(session, "0301", date(2026, 12, 5)) == [
            f"0301{number:02d}" for number in range(1, 16)]
        assert authenticate(session, "demo-030101", "demo-password-030101") is not None
    # The key file `make run` prints, with the passphrase it prints.
    key_file = tmp_path / "var" / "demo-keys" / "demo-0301.key"
    assert read_key_file(key_file.read_text(), "demo passphrase")

    again = fresh_app.test_cli_runner().invoke(args=["demo", "setup"])
    assert again.exit_code == 0 and "Created" not in again.output, again.output

