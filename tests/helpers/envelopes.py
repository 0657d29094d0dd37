"""Waiting, as a live system's tests do, for the worker to move a report on."""

from __future__ import annotations

import time

from sqlalchemy import select

from database import Database
from routing.models import Envelope


def wait_for_state(
    database_url: str, reference: str, states: set[str], timeout: float = 30
) -> Envelope:
    database = Database(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with database.session() as session:
                envelope = session.scalar(select(Envelope).where(Envelope.reference == reference))
            if envelope is not None and envelope.state in states:
                return envelope
            assert time.monotonic() < deadline, f"{reference} is {envelope and envelope.state}"
            time.sleep(0.05)
    finally:
        database.dispose()
