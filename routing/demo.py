"""Development-only: one demo service per municipality, each with its own key pair.

The private keys are written as passphrase-protected key files under `var/demo-keys/` so a
developer can open what arrives. Production refuses to start while any demo key is registered.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.directory import register_key
from routing.models import Coverage, Municipality, Service
from sealing import KDF_INTERACTIVE, KeyPair, write_key_file

DEMO_PASSPHRASE = "demo passphrase"
DEMO_SINCE = date(2024, 1, 1)


def demo_service_id(municipality_number: str) -> str:
    return f"demo-{municipality_number}"


def create_demo_services(session: Session, key_dir: Path) -> int:
    """Create what is missing; return how many services were created."""
    key_dir.mkdir(parents=True, exist_ok=True)
    existing = set(session.scalars(select(Service.id).where(Service.is_demo.is_(True))))
    created = 0
    for municipality in session.scalars(select(Municipality).order_by(Municipality.number)):
        service_id = demo_service_id(municipality.number)
        if service_id in existing:
            continue
        session.add(
            Service(
                id=service_id,
                name=f"Barneverntjenesten i {municipality.name_norwegian} (demo)",
                phone="+47 22 00 00 00",
                is_demo=True,
            )
        )
        session.flush()
        session.add(
            Coverage(
                service_id=service_id,
                municipality_number=municipality.number,
                valid_from=DEMO_SINCE,
            )
        )
        pair = KeyPair.generate()
        register_key(session, service_id, pair.public_key, is_demo=True)
        (key_dir / f"{service_id}.key").write_text(
            write_key_file(pair, DEMO_PASSPHRASE, label=service_id, params=KDF_INTERACTIVE)
        )
        created += 1
    session.flush()
    return created
