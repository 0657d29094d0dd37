"""Child welfare services for a test: covering municipalities, with a key in force, and the
team's key file when the test opens what was sealed to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from database import Database
from routing import directory
from routing.models import Coverage, Service, ServiceKey
from sealing import KDF_INTERACTIVE, KeyPair, write_key_file
from tests.helpers.environment import KEY_PASSPHRASE

SINCE_2024 = date(2024, 1, 1)
KEY_SINCE = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ServiceUnderTest:
    id: str
    pair: KeyPair | None  # None: made with_key=False
    key_dir: Path | None = None

    @property
    def key_file(self) -> Path | None:
        """The team's key file in key_dir (passphrase KEY_PASSPHRASE), written when first
        asked for: its key derivation costs a tenth of a second, and few tests open one."""
        if self.pair is None or self.key_dir is None:
            return None
        path = self.key_dir / f"{self.id}.key"
        if not path.exists():
            path.write_text(write_key_file(self.pair, KEY_PASSPHRASE, label=self.id,
                                           params=KDF_INTERACTIVE))
        return path


def add_service(
    database: Database,
    service_id: str,
    *numbers: str,
    valid_from: date = SINCE_2024,
    valid_to: date | None = None,
    with_key: bool = True,
    key_dir: Path | None = None,
    phone: str = "",
) -> ServiceUnderTest:
    """A service covering the municipalities (added to it if it exists), with a key in force
    since 2024 unless told not, and its team's key file in `key_dir` (see key_file)."""
    pair = KeyPair.generate() if with_key else None
    with database.session() as session:
        if session.get(Service, service_id) is None:
            session.add(Service(id=service_id, name=f"Barneverntjenesten {service_id}",
                                phone=phone))
            session.flush()
        for number in numbers:
            session.add(Coverage(service_id=service_id, municipality_number=number,
                                 valid_from=valid_from, valid_to=valid_to))
        if pair is not None:
            directory.register_key(session, service_id, pair.public_key, valid_from=KEY_SINCE)
    return ServiceUnderTest(service_id, pair, key_dir)


def add_key(
    database: Database, service_id: str, valid_from: datetime, retired_at: datetime | None = None
) -> KeyPair:
    pair = KeyPair.generate()
    with database.session() as session:
        key = directory.register_key(session, service_id, pair.public_key, valid_from=valid_from)
        key.retired_at = retired_at
    return pair


def retire_all_keys(database: Database, service_id: str, at: datetime) -> None:
    with database.session() as session:
        for key in session.scalars(select(ServiceKey).where(ServiceKey.service_id == service_id)):
            key.retired_at = at
