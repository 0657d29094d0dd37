"""The pull API under /api/v1/ for a service's case-management system that polls: list new
envelopes, fetch one as its sealed file, acknowledge it once stored. Described in
routing/openapi.json.

Authenticated by a per-service bearer token (`flask routing api-token`), so CSRF does not apply.
Another service's envelope is answered exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from extensions import csrf, db_session
from routing import channels
from routing.envelope_file import ENVELOPE_ID_RE, to_file

blueprint = Blueprint("api", __name__)
# Bearer tokens, not cookies: a browser cannot be tricked into sending one.
csrf.exempt(blueprint)

OPENAPI = Path(__file__).with_name("openapi.json")
PUBLIC_ENDPOINTS = {"api.openapi_json", "api.openapi_yaml"}


@blueprint.before_request
def authenticate() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    service_id = (
        channels.service_for_token(db_session(), token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    if service_id is None:
        response = _error(401, "missing or invalid bearer token")
        response.headers["WWW-Authenticate"] = 'Bearer realm="concern-api"'
        return response
    g.api_service_id = service_id
    return None


@blueprint.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/envelopes")
def list_envelopes() -> ResponseReturnValue:
    if request.args.get("state", "new") != "new":
        return _error(400, "the only supported state is 'new'")
    envelopes = channels.new_for_api(db_session(), g.api_service_id)
    return jsonify(
        envelopes=[
            {
                "id": envelope.id,
                "reference": envelope.reference,
                "created_at": _iso(envelope.created_at),
                "review_deadline": _iso(envelope.review_deadline),
            }
            for envelope in envelopes
        ]
    )


@blueprint.get("/envelopes/<envelope_id>")
def get_envelope(envelope_id: str) -> ResponseReturnValue:
    envelope = (
        channels.envelope_for_api(db_session(), g.api_service_id, envelope_id)
        if ENVELOPE_ID_RE.fullmatch(envelope_id)
        else None
    )
    if envelope is None:
        return _error(404, "no such envelope")
    return Response(
        to_file(envelope),
        mimetype="application/json",
        headers={
            "Content-Disposition":
                f'attachment; filename="{envelope.reference}.concern-envelope.json"',
        },
    )


@blueprint.post("/envelopes/<envelope_id>/ack")
def acknowledge(envelope_id: str) -> ResponseReturnValue:
    acknowledged_at = (
        channels.acknowledge_pull(db_session(), g.api_service_id, envelope_id)
        if ENVELOPE_ID_RE.fullmatch(envelope_id)
        else None
    )
    if acknowledged_at is None:
        return _error(404, "no such envelope")
    db_session().commit()
    return jsonify(id=envelope_id, acknowledged_at=_iso(acknowledged_at))


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    return Response(OPENAPI.read_bytes(), mimetype="application/json")


@blueprint.get("/openapi.yaml")
def openapi_yaml() -> Response:
    # JSON is YAML 1.2, so the one file serves both names without a YAML library.
    return Response(OPENAPI.read_bytes(), mimetype="application/yaml")


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
