"""What a case-management system needs before it polls the pull API: delivered envelopes and
its service's token."""

from __future__ import annotations

from database import Database
from routing import channels
from routing.acceptance import accept
from routing.delivery import deliver
from tests.helpers.worker import report_about

CANARY = "KANARIFUGL-pull-71aa"


def send(database: Database, number: str, text: str = CANARY, *, delivered: bool = True) -> str:
    """A report accepted for municipality `number` (and delivered to its inbox): its id."""
    with database.session() as session:
        envelope_id = accept(session, report_about(text), number).id
    if delivered:
        with database.session() as session:
            assert deliver(session, envelope_id)
    return envelope_id


def token_for(database: Database, service_id: str) -> str:
    with database.session() as session:
        return channels.issue_api_token(session, service_id)
