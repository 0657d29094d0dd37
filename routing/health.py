"""GET /health for the load balancer and monitoring: can we store and queue, and is anything
stuck, failed or past its review deadline. 503 when a report could not be accepted now."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from extensions import config, db_session, redis_connection
from routing import operations

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    body: dict[str, object] = {}
    try:
        session = db_session()
        session.execute(text("SELECT 1"))
        body["database"] = "ok"
        stuck_after = timedelta(seconds=config().reconcile_after_seconds * 5)
        body |= operations.health(session, stuck_after)
    except Exception as error:  # noqa: BLE001 - any database failure means "cannot accept"
        body["database"] = type(error).__name__
    try:
        redis_connection().ping()
        body["queue"] = "ok"
    except Exception as error:  # noqa: BLE001 - the reconciler covers a queue outage
        body["queue"] = type(error).__name__
    # Without the queue, reports are still accepted and the reconciler delivers them later,
    # so only the database decides whether the service is up.
    return jsonify(body), 200 if body["database"] == "ok" else 503
