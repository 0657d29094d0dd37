"""GET /health for the load balancer and monitoring: can we store and queue, and is anything
stuck, failed or past its review deadline. 503 when a report could not be accepted now.

Two answers, because they have two audiences:

- `/health` is public (the load balancer and any uptime checker reach it without credentials),
  so it carries whole-system figures only: counts, and the age of the oldest unacknowledged
  report. Per-service counts are kept off it on purpose. Which services receive reports, how
  many, how many are late or failed: for a small municipality (Utsira has some 200 people) "one
  new report today" can point at a family, and "this service's deliveries are failing" tells
  anyone watching when a service is not being reached. Neither is content, but both are about
  children's cases and about where the system is weak, and neither is anybody else's business.
- `/health/services` has the detail the operators need (per service: envelopes per state, each
  channel's delivered, pending and failed, the oldest unacknowledged envelope's id and age; still
  no reference and no content). It is guarded like /metrics, with the operators' monitoring token
  (METRICS_TOKEN, as `Authorization: Bearer <token>`); without a token it is open in development
  and absent (404) in production.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import Blueprint, Response, abort, jsonify, request
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


@blueprint.get("/health/services")
def services() -> ResponseReturnValue:
    token = config().metrics_token
    if token:
        offered = request.headers.get("Authorization", "")
        if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            return Response('{"error": "the operators\' bearer token is needed"}\n', 401,
                            {"WWW-Authenticate": 'Bearer realm="health"'},
                            mimetype="application/json")
    elif config().is_production:
        abort(404)
    response = jsonify(services=operations.service_detail(db_session()))
    response.headers["Cache-Control"] = "no-store"
    return response
