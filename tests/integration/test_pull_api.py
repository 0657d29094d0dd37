"""The pull API a case-management system polls, through the app: bearer tokens per service
(only their hash stored), another service's envelope is 404 on every route exactly like one
that does not exist, acknowledging is idempotent and takes an envelope off the "new" list,
and the OpenAPI description is served and describes these routes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
from sqlalchemy import select

from database import Database
from routing.delivery import mark_failed
from routing.envelope_file import parse
from routing.models import ChannelDelivery, Envelope, Service
from tests.helpers.pull_api import CANARY, send, token_for
from tests.helpers.services import add_service

OSLO, BERGEN = "0301", "4601"
MISSING = "0" * 32


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two_services(database: Database) -> dict[str, str]:
    add_service(database, "oslo", OSLO)
    add_service(database, "bergen", BERGEN)
    return {"oslo": token_for(database, "oslo"), "bergen": token_for(database, "bergen")}


def listed(client, token: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/envelopes?state=new", headers=auth(token))
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return [item["id"] for item in response.get_json()["envelopes"]]


def test_a_case_system_lists_fetches_and_acknowledges_its_envelopes(client, database, two_services):
    first = send(database, OSLO)
    second = send(database, OSLO, "andre")
    send(database, OSLO, "ikke levert ennå", delivered=False)
    token = two_services["oslo"]

    response = client.get("/api/v1/envelopes?state=new", headers=auth(token))
    assert response.status_code == 200
    items = response.get_json()["envelopes"]
    assert [item["id"] for item in items] == [first, second]
    with database.session() as session:
        stored = session.get(Envelope, first)
        assert stored is not None
    assert items[0] == {
        "id": first,
        "reference": stored.reference,
        "created_at": items[0]["created_at"],
        "review_deadline": items[0]["review_deadline"],
    }
    assert datetime.fromisoformat(items[0]["created_at"]) == stored.created_at
    assert datetime.fromisoformat(items[0]["review_deadline"]) == stored.review_deadline
    assert CANARY not in response.get_data(as_text=True)

    fetched = client.get(f"/api/v1/envelopes/{first}", headers=auth(token))
    assert fetched.status_code == 200 and fetched.mimetype == "application/json"
    envelope_file = parse(fetched.get_data())
    assert (envelope_file.envelope_id, envelope_file.service_id) == (first, "oslo")
    assert envelope_file.sealed == stored.sealed
    assert CANARY.encode() not in fetched.get_data()

    acked = client.post(f"/api/v1/envelopes/{first}/ack", headers=auth(token))
    assert acked.status_code == 200
    assert acked.get_json()["id"] == first
    assert listed(client, token) == [second]
    # Still fetchable after the ack (their store may need it again), and still in the inbox.
    assert client.get(f"/api/v1/envelopes/{first}", headers=auth(token)).status_code == 200


def test_an_envelope_whose_inbox_delivery_failed_is_offered_to_the_case_system_too(
    client, database, two_services
):
    on_its_way = send(database, OSLO, delivered=False)
    failed = send(database, OSLO, delivered=False)
    with database.session() as session:
        assert mark_failed(session, failed) == "oslo"
    token = two_services["oslo"]
    assert listed(client, token) == [failed]
    fetched = client.get(f"/api/v1/envelopes/{failed}", headers=auth(token))
    assert fetched.status_code == 200 and parse(fetched.data).envelope_id == failed
    assert client.get(f"/api/v1/envelopes/{on_its_way}", headers=auth(token)).status_code == 404
    assert client.post(f"/api/v1/envelopes/{failed}/ack", headers=auth(token)).status_code == 200
    assert listed(client, token) == []


def test_acknowledging_twice_is_the_same_as_once(client, database, two_services):
    envelope_id = send(database, OSLO)
    token = two_services["oslo"]
    first = client.post(f"/api/v1/envelopes/{envelope_id}/ack", headers=auth(token))
    again = client.post(f"/api/v1/envelopes/{envelope_id}/ack", headers=auth(token))
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    with database.session() as session:
        rows = session.scalars(
            select(ChannelDelivery).where(ChannelDelivery.envelope_id == envelope_id)
        ).all()
    assert [(row.channel, row.state) for row in rows] == [("pull", "delivered")]
    assert listed(client, token) == []


def test_another_services_envelopes_are_404_exactly_like_missing_ones(
    client, database, two_services
):
    bergens = send(database, BERGEN)
    oslos = send(database, OSLO)
    token = two_services["oslo"]

    assert listed(client, token) == [oslos]
    for path in (f"/api/v1/envelopes/{bergens}", f"/api/v1/envelopes/{MISSING}",
                 "/api/v1/envelopes/not-an-id"):
        response = client.get(path, headers=auth(token))
        assert response.status_code == 404, path
        assert response.get_json() == {"error": "no such envelope"}
    foreign = client.post(f"/api/v1/envelopes/{bergens}/ack", headers=auth(token))
    missing = client.post(f"/api/v1/envelopes/{MISSING}/ack", headers=auth(token))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()

    # Oslo's attempt left Bergen's envelope new for Bergen.
    assert listed(client, two_services["bergen"]) == [bergens]


def test_an_address_with_a_doubled_slash_is_404_not_a_redirect(client, database, two_services):
    """A client that builds "//" has a bug it should hear about, not be sent elsewhere."""
    oslos = send(database, OSLO)
    for path in (f"/api/v1/envelopes//{oslos}", f"/api/v1//envelopes/{oslos}",
                 "/api/v1/envelopes/%2F%E2%80%AE"):
        response = client.get(path, headers=auth(two_services["oslo"]))
        assert response.status_code == 404, path
        assert "Location" not in response.headers, path
    assert client.get(f"/api/v1/envelopes/{oslos}",
                      headers=auth(two_services["oslo"])).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic b3NsbzpwYXNzd29yZA=="},
        {"Authorization": "Bearer oslo.not-the-token"},
        {"Authorization": "Bearer nosuchservice.abc"},
        {"Authorization": "Bearer no-dot-at-all"},
    ],
)
def test_missing_or_wrong_token_is_401(client, database, two_services, headers):
    envelope_id = send(database, OSLO)
    for method, path in (
        ("GET", "/api/v1/envelopes?state=new"),
        ("GET", f"/api/v1/envelopes/{envelope_id}"),
        ("POST", f"/api/v1/envelopes/{envelope_id}/ack"),
        ("GET", f"/api/v1/envelopes/{MISSING}"),
    ):
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json() == {"error": "missing or invalid bearer token"}
    assert listed(client, two_services["oslo"]) == [envelope_id]  # nothing was acknowledged


def test_only_the_hash_of_a_token_is_stored_and_a_new_token_replaces_the_old(
    client, database, two_services
):
    old = two_services["oslo"]
    with database.session() as session:
        service = session.get(Service, "oslo")
        assert service is not None
        assert service.api_token_hash == hashlib.sha256(old.encode()).hexdigest()
        assert old not in repr(
            session.execute(select(Service.__table__)).all()
        )
    new = token_for(database, "oslo")
    assert client.get("/api/v1/envelopes", headers=auth(old)).status_code == 401
    assert client.get("/api/v1/envelopes", headers=auth(new)).status_code == 200
    # Bergen's token is Bergen's, even when presented with Oslo's id in front.
    bergen_secret = two_services["bergen"].rpartition(".")[2]
    assert client.get("/api/v1/envelopes", headers=auth(f"oslo.{bergen_secret}")).status_code == 401


def test_a_service_without_a_token_cannot_be_reached(client, database):
    add_service(database, "oslo", OSLO)
    send(database, OSLO)
    assert client.get("/api/v1/envelopes", headers=auth("oslo.")).status_code == 401
    assert client.get("/api/v1/envelopes", headers=auth("oslo.x")).status_code == 401


def test_an_unknown_state_is_a_clear_400(client, database, two_services):
    response = client.get("/api/v1/envelopes?state=everything", headers=auth(two_services["oslo"]))
    assert response.status_code == 400
    assert "new" in response.get_json()["error"]


def test_the_api_needs_no_csrf_token_but_the_inbox_still_does(client, database, two_services):
    envelope_id = send(database, OSLO)
    response = client.post(f"/api/v1/envelopes/{envelope_id}/ack",
                           headers=auth(two_services["oslo"]))
    assert response.status_code == 200
    assert client.post("/inbox/login", data={"username": "x", "password": "y"}).status_code == 400


def test_the_cli_prints_a_token_once_that_works(app, client, database):
    add_service(database, "oslo", OSLO)
    envelope_id = send(database, OSLO)
    result = app.test_cli_runner().invoke(args=["routing", "api-token", "oslo"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert listed(client, token) == [envelope_id]
    missing = app.test_cli_runner().invoke(args=["routing", "api-token", "nowhere"])
    assert missing.exit_code != 0 and "nowhere" in missing.output


def test_the_openapi_description_is_served_and_describes_the_routes(client, app):
    for path in ("/api/v1/openapi.yaml", "/api/v1/openapi.json"):
        response = client.get(path)  # no token needed
        assert response.status_code == 200, path
        document = json.loads(response.get_data())  # JSON, which is YAML 1.2 too
        assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {
        "/envelopes", "/envelopes/{envelope_id}", "/envelopes/{envelope_id}/ack"
    }
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # Every described route exists in the app, with the method described.
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules()
             for method in rule.methods or ()}
    for path, operations in document["paths"].items():
        flask_path = "/api/v1" + path.replace("{envelope_id}", "<envelope_id>")
        for method in operations:
            assert (flask_path, method.upper()) in rules, (path, method)
    # Every reference resolves.
    text = json.dumps(document)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/')[1:]}:
        node = document
        for key in ref.split("/"):
            node = node[key]
