"""Development-only: one demo service per municipality, and one per district (bydel) the
directory names (Oslo's 15, as Oslo has), each with its own key pair.

The private keys are written as key files under `var/demo-keys/` so a developer can open what
arrives. Their passphrase is public ("demo passphrase"), so they are stretched with Argon2id's
smallest parameters (sealing.KDF_DEMO): the same format, opened the same way, in a fraction of a
second for all of them. Production refuses to start while any demo key is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.directory import register_key
from routing.models import Coverage, District, Municipality, Service
from sealing import KDF_DEMO, KeyPair, write_key_file

DEMO_PASSPHRASE = "demo passphrase"
DEMO_SINCE = date(2024, 1, 1)
# How often the set-up says how far it is: a first run must never sit silent for long.
PROGRESS_EVERY = 50

Progress = Callable[[int, int], None]


def demo_service_id(number: str) -> str:
    """demo-0301 for Oslo, demo-030101 for its district Gamle Oslo."""
    return f"demo-{number}"


def create_demo_services(
    session: Session, key_dir: Path, progress: Progress | None = None
) -> int:
    """Create what is missing; return how many services were created. `progress(done, total)`
    is called every PROGRESS_EVERY services and at the end."""
    key_dir.mkdir(parents=True, exist_ok=True)
    existing = set(session.scalars(select(Service.id).where(Service.is_demo.is_(True))))
    # (service id, name, municipality, district): the municipality's own service is its
    # default, which gets the reports whose district is not known.
    wanted = [(demo_service_id(m.number), f"Barneverntjenesten i {m.name_norwegian} (demo)",
               m.number, None)
              for m in session.scalars(select(Municipality).order_by(Municipality.number))]
    wanted += [(demo_service_id(d.number), f"Barneverntjenesten i bydel {d.name} (demo)",
                d.municipality_number, d.number)
               for d in session.scalars(select(District).order_by(District.number))]
    missing = [entry for entry in wanted if entry[0] not in existing]
    for done, (service_id, name, municipality, district) in enumerate(missing, start=1):
        _create(session, key_dir, service_id, name, municipality, district)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(missing)):
            progress(done, len(missing))
    session.flush()
    return len(missing)


def _create(session: Session, key_dir: Path, service_id: str, name: str, municipality: str,
            district: str | None = None) -> None:
    session.add(Service(id=service_id, name=name, phone="+47 22 00 00 00", is_demo=True))
    session.flush()
    session.add(Coverage(service_id=service_id, municipality_number=municipality,
                         district=district, valid_from=DEMO_SINCE))
    pair = KeyPair.generate()
    register_key(session, service_id, pair.public_key, is_demo=True)
    (key_dir / f"{service_id}.key").write_text(
        write_key_file(pair, DEMO_PASSPHRASE, label=service_id, params=KDF_DEMO)
    )
