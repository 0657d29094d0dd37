"""The reporter's wizard through Flask's test client, with CSRF on, as a browser without
JavaScript would use it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import i18n
from intake import drafts
from intake import wizard as wizard_rules
from intake.drafts import DraftKey
from intake.models import Draft
from routing.models import Envelope, OperatorAlert, ServiceKey
from sealing import read_key_file, unseal
from tests.helpers import FlaskTransport, Wizard, csrf_token, walk_private, walk_professional
from tests.helpers.environment import KEY_PASSPHRASE
from tests.helpers.services import add_service
from tests.helpers.wizard import answer_opening as start

PRO = {"name": "Åse Lærer", "role": "Kontaktlærer", "workplace": "Grünerløkka skole",
       "workplace_address": "Toftes gate 1", "phone": "22 33 44 55",
       "email": "ase@skole.example.no"}


@pytest.fixture
def oslo(database, tmp_path):
    return add_service(database, "oslo", "0301", key_dir=tmp_path,
                       phone="+47 55 00 00 00").key_file


@pytest.fixture
def wizard(client, oslo) -> Wizard:
    return Wizard(FlaskTransport(client))


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def opened_report(database, key_file) -> dict:
    pair = read_key_file(key_file.read_text(), KEY_PASSPHRASE)
    with database.session() as session:
        envelope = session.scalars(select(Envelope)).one()
    return json.loads(unseal(envelope.sealed, pair.private_key))


def private_to_concern(wizard: Wizard) -> None:
    start(wizard)
    named_child_to_concern(wizard)


def named_child_to_concern(wizard: Wizard) -> None:
    """From the anonymity step (the place already settled) to the concern step: named, one
    child, Ola, 8."""
    wizard.answer("anonymity", {"anonymity": "named"})
    wizard.answer("child-1-name", {"name": "Ola"})
    wizard.answer("child-1-age", {"age": "8"})
    wizard.answer("child-1-address", {"address": "Storgata 1"})
    wizard.answer("child-1-relation", {"relation": "neighbour"})
    wizard.answer("children", {"add_another": "no"})
    wizard.answer("parents", {})
    wizard.answer("topics", {})


def test_wrong_phone_number_is_explained_and_every_other_answer_kept(wizard):
    private_to_concern(wizard)
    wizard.answer("concern", {"description": "Blåmerker på armene."})
    wizard.answer("source", {})
    wizard.answer("timing", {})
    wizard.answer("child-views", {})
    wizard.answer("interpreter", {})
    page = wizard.answer("about-you", {"name": "Åse Nabo", "phone": "ring meg",
                                       "email": "ase@example.no"}, expect=422)
    assert page.html.count("<title>Feil:") == 1
    summary = re.search(r'<div class="error-summary".*?</div>', page.html, re.S).group(0)
    assert 'href="#phone"' in summary and "Skriv inn et telefonnummer" in summary
    assert 'id="phone-error"' in page.html
    assert 'aria-describedby="phone-hint phone-error"' in page.html
    for kept in ("Åse Nabo", "ring meg", "ase@example.no"):
        assert f'value="{kept}"' in page.html


def test_too_long_description_says_the_limit_and_keeps_the_text(wizard):
    private_to_concern(wizard)
    text = "Barnet gråter. " * 1500  # 22,500 characters
    page = wizard.answer("concern", {"description": text}, expect=422)
    assert "20000" in page.html
    assert text.strip() in page.html


def test_empty_required_answers_get_a_message_per_field(wizard):
    page = wizard.answer("emergency", {}, expect=422)
    assert 'href="#answer-0"' in page.html
    wizard.answer("emergency", {"answer": "no"})
    page = wizard.answer("reporter-type", {}, expect=422)
    assert 'id="reporter_type-error"' in page.html
    wizard.answer("reporter-type", {"reporter_type": "professional"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("child-1-name", {"name": "Ola"})
    page = wizard.answer("child-1-age", {"national_id": "010180 12372"}, expect=422)
    assert "fødselsnummer" in page.html.lower() or "Sjekk fødselsnummeret" in page.html
    assert 'value="010180 12372"' in page.html
    wizard.answer("child-1-age", {"national_id": "010180 12371"})


def test_postal_codes_that_are_not_homes_or_not_municipalities_are_explained(wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    po_box = wizard.answer("location", {"postal_code": "0018"}, expect=422)
    assert "postbokser" in po_box.html
    svalbard = wizard.answer("location", {"postal_code": "9170"}, expect=422)
    assert "Svalbard" in svalbard.html and "ikke er en kommune" in svalbard.html
    unknown = wizard.answer("location", {"postal_code": "0 0 0 0"}, expect=422)
    assert "Fant ikke postnummeret 0000" in re.sub(r"<[^>]+>", "", unknown.html)
    wizard.answer("location", {"postal_code": " 0 150 "})


def test_a_child_on_svalbard_keeps_its_postal_code_and_the_report_says_where_it_lives(
    wizard, database, oslo
):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    refused = wizard.answer("location", {"postal_code": "9170"}, expect=422)
    # Its own way on to the list, not "I do not know the postal code": they know it.
    assert 'value="outside-municipality"' in refused.html
    assert "Velg kommunen fra listen" in refused.html
    wizard.answer("location", {"postal_code": "9170", "action": "outside-municipality"})
    page = wizard.transport.get("/report/municipality")
    assert "Hvilken kommune er familien til barnet registrert i?" in page.html
    wizard.answer("municipality", {"municipality": "0301"})
    wizard.answer("anonymity", {"anonymity": "anonymous"})
    wizard.answer("child-1-name", {"name": "Ola"})
    wizard.answer("child-1-age", {"age": "8"})
    wizard.answer("child-1-address", {"address": "Vei 230"})
    wizard.answer("child-1-relation", {"relation": "neighbour"})
    wizard.answer("children", {"add_another": "no"})
    for step in ("parents", "topics"):
        wizard.answer(step, {})
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    check = wizard.transport.get("/report/check")
    assert ">9170<" in re.sub(r"<bdi[^>]*>|</bdi>|<span[^>]*>|</span>", "", check.html)
    wizard.send()
    location = opened_report(database, oslo)["location"]
    assert location["found_by"] == "lives_on_svalbard"
    assert location["postal_code"] == "9170" and location["municipality_number"] == "0301"


def test_the_svalbard_way_to_the_list_is_not_taken_for_a_postal_code_elsewhere(wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    # The server looks the code up again: a code in a municipality goes the ordinary way.
    page = wizard.answer("location", {"postal_code": "0150", "action": "outside-municipality"})
    assert page.location.endswith("/report/location-confirm")


def test_a_step_not_yet_reachable_redirects_to_the_next_unanswered_one(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    response = client.get("/report/concern")
    assert response.status_code == 302
    assert response.location.endswith("/report/reporter-type")
    assert client.get("/report/child-11-name").status_code == 404


PROFESSIONAL_ANSWERS = {
    "child-1-age": {"national_id": "01018012371"},
    "child-1-told": {"told": "yes"},
    "parents": {"parent1_name": "Kari Forelder"},
    "parents-told": {"told": "yes"},
    "source": {"sources": "child-told"},
    "background": {"background": "Ny elev."},
    "about-you": {"name": "Kari", "role": "Lærer", "workplace": "Skolen",
                  "workplace_address": "Skoleveien 1", "phone": "91234567",
                  "email": "kari@skolen.no"},
}


def test_becoming_a_professional_on_check_answers_asks_for_the_new_required_details(
    client, wizard
):
    private_to_concern(wizard)
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.answer("about-you", {"name": "Kari"})
    assert client.get("/report/check").status_code == 200

    page = client.get("/report/reporter-type?change=1")
    response = client.post("/report/reporter-type?change=1",
                           data={"reporter_type": "professional",
                                 "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.location.endswith("/report/child-1-age?change=1")  # now needs a national id
    assert client.get("/report/check").location.endswith("/report/child-1-age")

    # Only the newly required questions are asked, then the check page again.
    visited = []
    location = response.location
    while "/report/check" not in location:
        step = location.split("/report/")[1].split("?")[0]
        visited.append(step)
        page = client.get(f"/report/{step}?change=1")
        answered = client.post(f"/report/{step}?change=1",
                               data={**PROFESSIONAL_ANSWERS.get(step, {}),
                                     "csrf_token": csrf_token(page.get_data(as_text=True))})
        assert answered.status_code == 303, (step, answered.get_data(as_text=True)[-3000:])
        location = answered.location
        assert len(visited) < 10, visited
    assert visited == ["child-1-age", "child-1-told", "parents", "parents-told", "source",
                       "background", "about-you"]


def test_siblings_can_be_added_changed_and_removed(client, wizard, database, oslo):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "anonymous"})
    names = ["Ola", "Kari", "Per"]
    for number, name in enumerate(names, start=1):
        wizard.answer(f"child-{number}-name", {"name": name})
        wizard.answer(f"child-{number}-age", {"age": str(number)})
        wizard.answer(f"child-{number}-address", {"address": "Storgata 1"})
        wizard.answer(f"child-{number}-relation", {"relation": "neighbour"})
        page = client.get("/report/children").get_data(as_text=True)
        assert f"Barn {number}" in page
        if number < len(names):
            wizard.answer("children", {"add_another": "yes"})
    page = client.get("/report/children").get_data(as_text=True)
    client.post("/report/children", data={"action": "remove-2", "csrf_token": csrf_token(page)})
    page = client.get("/report/children").get_data(as_text=True)
    assert "Kari" not in page and "Ola" in page and "Per" in page
    wizard.answer("children", {"add_another": "no"})
    wizard.answer("parents", {})
    wizard.answer("topics", {})
    wizard.answer("concern", {"description": "Søsknene er alene."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.send()
    report = opened_report(database, oslo)
    assert [child["name"] for child in report["children"]] == ["Ola", "Per"]
    assert [child["approximate_age"] for child in report["children"]] == [1, 3]
    assert report["anonymous"] is True and report["reporter"] is None


def test_answers_on_an_abandoned_branch_are_not_in_the_report(client, wizard, database, oslo):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("location", {"action": "unknown-postal-code"})
    wizard.answer("municipality", {"municipality": "4601"})
    # Back to the postal code, which is then confirmed: the list choice must not count.
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("anonymity", {"anonymity": "named"})
    wizard.answer("child-1-name", {"name": "Ola"})
    wizard.answer("child-1-age", {"age": "8"})
    wizard.answer("child-1-address", {"address": "Storgata 1"})
    wizard.answer("child-1-relation", {"relation": "neighbour"})
    wizard.answer("children", {"add_another": "no"})
    wizard.answer("parents", {"lives_with": "Mor og stefar"})
    wizard.answer("topics", {})
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.answer("about-you", {"name": "Kari"})
    wizard.send()
    report = opened_report(database, oslo)
    assert report["location"]["municipality_number"] == "0301"
    assert report["location"]["found_by"] == "postal_code"


def test_not_knowing_where_the_child_is_routes_to_the_reporters_municipality(
    wizard, database, oslo
):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("location", {"action": "unknown-where"})
    wizard.answer("municipality", {"municipality": "unknown"})
    wizard.answer("own-municipality", {"municipality": "0301"})
    wizard.answer("anonymity", {"anonymity": "anonymous"})
    wizard.answer("child-1-name", {"name": "", "name_unknown": "y"})
    wizard.answer("child-1-age", {})
    wizard.answer("child-1-address", {"address_unknown": "y", "found_at": "Busstasjonen"})
    wizard.answer("child-1-relation", {"relation": "other", "relation_other": "Så henne"})
    wizard.answer("children", {"add_another": "no"})
    for step in ("parents", "topics"):
        wizard.answer(step, {})
    wizard.answer("concern", {"description": "Liten jente alene på natta."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.send()
    report = opened_report(database, oslo)
    assert report["location"]["found_by"] == "reporter_municipality"
    assert report["children"][0]["found_at"] == "Busstasjonen"


def test_a_municipality_without_a_service_ends_at_a_page_with_what_to_do(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("location", {"postal_code": "5003"})  # Bergen: not connected in this test
    response = client.post("/report/location-confirm", data={
        "confirmed": "yes",
        "csrf_token": csrf_token(client.get("/report/location-confirm").get_data(as_text=True))})
    assert response.location.endswith("/report/not-connected")
    page = client.get("/report/not-connected").get_data(as_text=True)
    assert "Bergen" in page and "112" in page
    assert client.get("/report/anonymity").location.endswith("/report/not-connected")


def test_sending_twice_creates_one_report(client, wizard, database):
    walk_private(wizard, child={"name": "Ola"}, concern="Bekymret.", you={"name": "Kari"})
    with database.session() as session:
        session.execute(Envelope.__table__.delete())
    # The draft is marked sent: a replayed send shows the receipt and stores nothing.
    response = client.post("/report/send", data={"declaration": "y", "csrf_token": "x"})
    assert response.status_code == 303 and response.location.endswith("/report/receipt")
    assert count(database, Envelope) == 0


@pytest.mark.parametrize("stamp", ["older-rules:{today}", "{rules}:2020-01-01"],
                         ids=["after-a-deploy", "on-a-later-day"])
def test_send_checks_every_answer_again_when_the_rules_or_the_day_changed(
    client, wizard, database, stamp
):
    """Sending skips re-validating the steps only when the last step's save did it under the
    same rules the same day. A draft from before a deploy (or from yesterday) holding an answer
    today's rules refuse goes back to that step instead of being sent."""
    private_to_concern(wizard)
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.answer("about-you", {"name": "Kari"})
    check = client.get("/report/check")
    assert check.status_code == 200

    key = DraftKey.from_cookie(client.get_cookie("draft").value)
    with database.session() as session:
        draft = drafts.load(session, key)
        draft.answers["child-1-age"] = {"age": "800"}  # the rules of the day refuse it
        today = wizard_rules.recheck_stamp().rsplit(":", 1)[1]
        draft.checked = stamp.format(rules=wizard_rules.RULES, today=today)
        drafts.save(session, key, draft, timedelta(hours=1))

    response = client.post("/report/send", data={
        "declaration": "y", "csrf_token": csrf_token(check.get_data(as_text=True))})
    assert response.status_code == 303
    assert response.location.endswith("/report/child-1-age")
    assert count(database, Envelope) == 0


def test_a_professional_report_carries_everything_the_service_needs(wizard, database, oslo):
    walk_professional(wizard, child={"name": "Per Hansen"}, concern="Sier han blir slått.",
                      you=PRO)
    report = opened_report(database, oslo)
    assert report["reporter_type"] == "professional"
    assert report["children"][0]["national_id"] == "01018012371"
    assert report["parents"]["guardians"][0]["name"] == "Kari Forelder"
    assert report["parents"]["told"] == "no"
    assert report["reporter"]["workplace"] == "Grünerløkka skole"
    assert report["reporter"]["phone"] == "22334455"
    assert "relation" not in report["children"][0] or report["children"][0]["relation"] is None


def test_a_child_reporting_about_themselves_is_asked_only_what_is_safe(
    client, wizard, database, oslo
):
    start(wizard, "child")
    assert client.get("/report/anonymity").status_code == 302
    wizard.answer("child-1-name", {})
    wizard.answer("child-1-age", {"age": "13"})
    wizard.answer("topics", {})
    wizard.answer("concern", {"description": "Det er mye krangling hjemme."})
    wizard.answer("timing", {})
    wizard.answer("child-views", {"views": "At noen snakker med mamma."})
    page = client.get("/report/about-you").get_data(as_text=True)
    assert "andre i familien" in page
    wizard.answer("about-you", {})
    check = client.get("/report/check").get_data(as_text=True)
    assert 'name="declaration"' not in check
    response = client.post("/report/send", data={"csrf_token": csrf_token(check)})
    assert response.status_code == 303
    receipt = client.get("/report/receipt").get_data(as_text=True)
    assert "116 111" in receipt
    report = opened_report(database, oslo)
    assert report["reporter_type"] == "child" and report["children"][0]["is_the_reporter"]


def test_after_sending_the_answers_are_gone_and_going_back_says_so(client, wizard):
    walk_private(wizard, child={"name": "Ola"}, concern="Bekymret for Ola.")
    page = client.get("/report/concern", follow_redirects=True).get_data(as_text=True)
    assert "Bekymret for Ola." not in page


def test_exit_deletes_the_draft_and_leaves_for_a_neutral_site(client, wizard, database, app):
    wizard.answer("emergency", {"answer": "no"})
    assert count(database, Draft) == 1
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.location == app.extensions["config"].exit_url
    assert count(database, Draft) == 0
    assert "draft=;" in response.headers.get("Set-Cookie", "")


EXIT_LINK = '<a class="exit-link" href="/exit" rel="nofollow noreferrer">'
DELETE_FORM = re.compile(r'<form class="delete-form" method="post" action="/report/delete">\s*'
                         r'<input type="hidden" name="csrf_token" value="[^"]+">')


def page_actions(html: str) -> tuple[bool, bool]:
    """(has the exit link, has the delete-my-answers form)."""
    return EXIT_LINK in html, bool(DELETE_FORM.search(html))


def test_every_public_page_has_the_exit_link_and_delete_where_there_is_a_draft(
    app, client, wizard, database
):
    """Every page the public can reach, found from the intake blueprint's routes, plus the
    error page: "Exit this page" everywhere; "Delete my answers" wherever a draft exists."""
    seen: dict[str, list[str]] = {}

    def check(endpoint: str, path: str, response, *, delete: bool, status: int = 200) -> None:
        html = response.get_data(as_text=True)
        assert response.status_code == status, (path, response.status_code)
        assert page_actions(html) == (True, delete), (endpoint, path, page_actions(html))
        seen.setdefault(endpoint, []).append(path)

    # A first visit: nothing to delete yet.
    check("intake.start", "/", client.get("/"), delete=False)
    check("intake.about_exit", "/about-exit", client.get("/about-exit"), delete=False)
    check("intake.status", "/status", client.get("/status"), delete=False)
    check("intake.step", "/report/emergency", client.get("/report/emergency"), delete=False)
    check("intake.step", "no draft", client.get("/report/concern"), delete=False)
    check("error", "/no-such-page", client.get("/no-such-page"), delete=False, status=404)

    # With a draft: every step of a whole journey, and the pages around it.
    private_to_concern(wizard)
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.answer("about-you", {"name": "Kari"})
    for step in [*wizard.visited, "check"]:
        check("intake.step", f"/report/{step}", client.get(f"/report/{step}"), delete=True)
    check("intake.start", "/ with a draft", client.get("/"), delete=True)
    check("intake.about_exit", "/about-exit with a draft", client.get("/about-exit"),
          delete=True)
    check("error", "/no-such-page with a draft", client.get("/no-such-page"), delete=True,
          status=404)
    check("error", "/report/no-such-step", client.get("/report/no-such-step"), delete=True,
          status=404)
    check("error", "too large", client.post("/report/concern", data={"description": "x" * 300_000}),
          delete=True, status=413)

    # Sending fails twice, the answers kept each time: the database refuses, then the key is gone.
    declaration = {"declaration": "y",
                   "csrf_token": csrf_token(client.get("/report/check").get_data(as_text=True))}
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE envelopes RENAME TO envelopes_away")
    check("intake.send", "not sent", client.post("/report/send", data=declaration),
          delete=True, status=503)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE envelopes_away RENAME TO envelopes")
    with database.session() as session:
        keys = session.scalars(select(ServiceKey)).all()
        for key in keys:
            session.expunge(key)
    with database.session() as session:
        session.execute(ServiceKey.__table__.delete())
    check("intake.send", "no key", client.post("/report/send", data=declaration),
          delete=True, status=503)
    with database.session() as session:
        for key in keys:
            session.merge(key)
    sent = client.post("/report/send", data=declaration)
    assert sent.status_code == 303 and sent.location.endswith("/report/receipt")
    check("intake.receipt", "/report/receipt", client.get("/report/receipt"), delete=False)

    page = client.get("/").get_data(as_text=True)
    check("intake.delete", "/report/delete",
          client.post("/report/delete", data={"csrf_token": csrf_token(page)}), delete=False)
    client.set_cookie("draft", DraftKey.new().to_cookie())  # a draft since expired
    check("intake.step", "draft gone", client.get("/report/concern"), delete=False, status=410)
    leaving = client.get("/exit")
    assert leaving.status_code == 303 and leaving.location == app.extensions["config"].exit_url
    seen["intake.exit_page"] = ["/exit (a redirect, not a page)"]

    # A municipality whose service is not connected ends at its own page; the draft stays.
    client.delete_cookie("draft")
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("location", {"postal_code": "5003"})  # Bergen: no service in this test
    wizard.answer("location-confirm", {"confirmed": "yes"})
    check("intake.step", "/report/not-connected", client.get("/report/not-connected"),
          delete=True)

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("intake.")}
    assert endpoints | {"error"} == set(seen), "a public page is not checked here"


def test_delete_my_answers_deletes_the_draft(client, wizard, database):
    wizard.answer("emergency", {"answer": "no"})
    page = client.get("/report/reporter-type").get_data(as_text=True)
    response = client.post("/report/delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert count(database, Draft) == 0


def test_wizard_pages_are_never_cached(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    for path in ("/", "/report/emergency", "/report/reporter-type"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_cookies_go_when_the_browser_closes_and_the_stylesheet_is_cached_under_its_hash(
    client, wizard
):
    first = client.get("/report/emergency")
    answered = client.post("/report/emergency", data={
        "answer": "no", "csrf_token": csrf_token(first.get_data(as_text=True))})
    cookies = first.headers.getlist("Set-Cookie") + answered.headers.getlist("Set-Cookie")
    assert {cookie.split("=")[0] for cookie in cookies} >= {"session", "draft"}
    for cookie in cookies:
        assert "expires" not in cookie.lower() and "max-age" not in cookie.lower(), cookie

    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"',
                           first.get_data(as_text=True))[1]
    assert re.fullmatch(r"/assets/style\.[0-9a-f]{12}\.css", stylesheet)
    css = client.get(stylesheet)
    body = css.get_data()
    css.close()
    assert css.status_code == 200 and b".button" in body
    assert "immutable" in css.headers["Cache-Control"]
    # An old name after a deploy is not served as if it were the new file.
    assert client.get("/assets/style.000000000000.css").status_code == 404


def test_an_expired_page_keeps_what_was_typed_and_says_what_happened(client, wizard):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    client.get("/report/child-1-name")
    response = client.post("/report/child-1-name", data={"name": "Ola Nordmann",
                                                         "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Ola Nordmann"' in html
    assert "Siden var utløpt" in html


def test_switching_language_keeps_what_was_typed_on_the_page(client, wizard):
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    page = client.get("/report/child-1-name").get_data(as_text=True)
    assert 'formaction="/report/child-1-name?lang=en"' in page
    response = client.post("/report/child-1-name?lang=en",
                           data={"name": "Ola, ikke lagret ennå", "action": "language",
                                 "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    html = client.get(response.location).get_data(as_text=True)
    assert '<html lang="en"' in html and 'value="Ola, ikke lagret ennå"' in html
    assert "What is the child&#39;s name?" in html or "What is the child's name?" in html


def test_the_language_buttons_on_every_page_stay_on_that_page_in_the_language_shown(
        client, wizard):
    # The language list is rendered once per language and reused (i18n.Locale.once): every
    # page must still send its own answers to its own address, and mark its own language.
    start(wizard)
    wizard.answer("anonymity", {"anonymity": "named"})
    for step in ("anonymity", "child-1-name"):
        page = client.get(f"/report/{step}").get_data(as_text=True)
        assert f'formaction="/report/{step}?lang=en"' in page
        assert f'formaction="/report/{step}?lang=ar"' in page
        assert "change=1" not in page
        assert '<span aria-current="true" lang="nb" dir="ltr">Norsk bokmål</span>' in page
    changing = client.get("/report/anonymity?change=1&lang=ar").get_data(as_text=True)
    assert 'formaction="/report/anonymity?lang=en&amp;change=1"' in changing
    assert '<span aria-current="true" lang="ar" dir="rtl">العربية</span>' in changing
    assert 'formaction="/report/anonymity?lang=nb&amp;change=1"' in changing
    assert 'formaction="/report/anonymity?lang=ar' not in changing
    again = client.get("/report/anonymity?lang=nb").get_data(as_text=True)
    assert "change=1" not in again and 'formaction="/report/anonymity?lang=ar"' in again


def test_reporters_in_different_languages_at_once_each_read_only_their_own(app, oslo):
    # A page's catalog is looked up once per request (i18n.translations) and kept on that
    # request alone: the labels (forms), the buttons (templates) and the errors all follow.
    i18n.init_app(app)  # the templates' _() through it too (idempotent if the factory did)
    words = {
        "nb": ("Hvem er du?", "Jeg melder i jobben min", "Neste steg"),
        "ar": ("من أنت؟", "أُبلغ في إطار عملي", "متابعة"),
        "en": ("Who are you?", "I am reporting as part of my job", "Continue"),
    }
    reporters = {code: Wizard(FlaskTransport(app.test_client())) for code in ("nb", "ar")}
    for code, reporter in reporters.items():
        reporter.transport.get(f"/?lang={code}")
        reporter.answer("emergency", {"answer": "no"})
    for code in ("nb", "ar", "nb", "ar", "en", "ar"):
        reporter = reporters["nb" if code == "en" else code]
        page = reporter.transport.get(f"/report/reporter-type?lang={code}").html
        refused = reporter.transport.post("/report/reporter-type",
                                          {"csrf_token": csrf_token(page)}).html
        for html in (page, refused):
            assert f'<html lang="{code}"' in html
            assert all(word in html for word in words[code])
            others = [word for other in words if other != code for word in words[other]]
            assert not any(word in html for word in others)


def test_language_links_and_the_stylesheet_follow_the_page_they_are_on(client):
    # The page's address is built once a request for the language list, and the stylesheet's
    # once for each prefix the site is served under: neither may carry over to the next page.
    def links(html: str) -> set[str]:
        return set(re.findall(r'<a href="([^"]+)" lang="[^"]+" hreflang=', html))

    start = client.get("/?lang=en").get_data(as_text=True)
    about = client.get("/about-exit").get_data(as_text=True)
    assert "/?lang=nb" in links(start) and "/about-exit?lang=nb" in links(about)
    assert all(link.startswith("/about-exit?lang=") for link in links(about))
    assert len(links(about)) == 17
    stylesheet = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
    at_root = stylesheet.search(about)[1]
    under_prefix = client.get("/about-exit", environ_overrides={"SCRIPT_NAME": "/meld"})
    assert stylesheet.search(under_prefix.get_data(as_text=True))[1] == "/meld" + at_root
    assert stylesheet.search(client.get("/").get_data(as_text=True))[1] == at_root


def test_a_service_without_a_key_cannot_receive_and_nothing_is_stored(client, wizard, database):
    with database.session() as session:
        for key in session.scalars(select(ServiceKey)):
            session.delete(key)
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    page = client.get("/report/not-connected").get_data(as_text=True)
    assert "Barneverntjenesten oslo" in page and "+47 55 00 00 00" in page
    assert count(database, Envelope) == 0
    # The operators hear of it, once however many reporters meet it (routing/alerts.py).
    other = Wizard(FlaskTransport(client.application.test_client()))
    for step, answer in (("emergency", {"answer": "no"}),
                         ("reporter-type", {"reporter_type": "private"}),
                         ("location", {"postal_code": "0150"}),
                         ("location-confirm", {"confirmed": "yes"})):
        other.answer(step, answer)
    with database.session() as session:
        alerts = session.scalars(select(OperatorAlert)).all()
        assert [(alert.kind, alert.subject) for alert in alerts] == [("no-key", "oslo")]


def test_digits_typed_in_arabic_or_urdu_are_kept_as_typed_and_reach_the_service_in_ascii(
    client, wizard, database, oslo
):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "professional"})
    wizard.answer("location", {"postal_code": "٠١٥٠"})
    confirm = client.get("/report/location-confirm").get_data(as_text=True)
    assert "0150" in confirm and "Oslo" in confirm
    wizard.answer("location-confirm", {"confirmed": "yes"})
    assert 'value="٠١٥٠"' in client.get("/report/location").get_data(as_text=True)
    wizard.answer("child-1-name", {"name": "Yusuf"})
    wizard.answer("child-1-age", {"national_id": "۰۱۰۱۸۰ ۱۲۳۷۱"})
    assert 'value="۰۱۰۱۸۰ ۱۲۳۷۱"' in client.get("/report/child-1-age").get_data(as_text=True)
    wizard.answer("child-1-address", {"address": "Storgata 1"})
    wizard.answer("child-1-told", {"told": "yes"})
    wizard.answer("children", {"add_another": "no"})
    wizard.answer("parents", {"parent1_name": "Amina", "parent1_phone": "٩١٢ ٣٤ ٥٦٧"})
    wizard.answer("parents-told", {"told": "yes"})
    wizard.answer("topics", {})
    wizard.answer("concern", {"description": "Bekymret."})
    wizard.answer("source", {"sources": "child-told"})
    wizard.answer("timing", {})
    wizard.answer("background", {"background": "Ny elev."})
    wizard.answer("child-views", {})
    wizard.answer("interpreter", {})
    wizard.answer("about-you", {**PRO, "phone": "+٤٧ ٢٢ ٣٣ ٤٤ ٥٥",
                                "organisation_number": "٩٧٤ ٧٦٠ ٦٧٣"})
    wizard.send()
    report = opened_report(database, oslo)
    assert report["location"]["postal_code"] == "0150"
    assert report["children"][0]["national_id"] == "01018012371"
    assert report["parents"]["guardians"][0]["phone"] == "91234567"
    assert report["reporter"]["phone"] == "+4722334455"
    assert report["reporter"]["organisation_number"] == "974760673"


@pytest.mark.parametrize("answer", ["yes", "unsure"])
def test_the_call_for_help_page_gives_children_their_number_first(client, wizard, answer):
    """The page comes before "who are you?", so it cannot know a child is reading: the section
    for children, with 116 111, comes before the numbers for adults."""
    client.get("/?lang=en")
    wizard.answer("emergency", {"answer": answer})
    html = client.get("/report/emergency-call").get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    assert main.index("If you are a child or young person") < main.index('href="tel:112"')
    assert re.findall(r'href="tel:(\d+)"', main)[0] == "116111"
    if answer == "unsure":
        assert "If you are not sure, call and ask" in main
        assert "Continue to the written report" in main and "I have called" not in main
    else:
        assert "Call for help now" in main and "I have called and want to send" in main


def test_the_start_page_gives_children_their_number_before_anything_else(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    assert main.index('href="tel:116111"') < main.index("Is a child in danger now?")
    assert "You can also use this form to tell the child welfare service about yourself." in main


def test_a_follow_up_typed_beside_another_answer_is_neither_shown_nor_sent(
    client, wizard, database, oslo
):
    """Without JavaScript "If yes: which language?" is on the page whatever is chosen; text
    typed there before choosing "No" belongs to a branch the reporter left."""
    private_to_concern(wizard)
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views"):
        wizard.answer(step, {})
    wizard.answer("interpreter", {"needed": "no", "language": "Tigrinja"})
    wizard.answer("about-you", {"name": "Kari"})
    check = client.get("/report/check").get_data(as_text=True)
    assert "Tigrinja" not in check
    assert 'value="Tigrinja"' in client.get("/report/interpreter").get_data(as_text=True)
    wizard.send()
    report = opened_report(database, oslo)
    assert report["interpreter"] == {"needed": "no", "language": None}
    assert "Tigrinja" not in json.dumps(report, ensure_ascii=False)


# --- districts (bydeler) -------------------------------------------------------------------------


@pytest.fixture
def gamle_oslo(database, oslo, tmp_path):
    """Oslo's district 030101 (Gamle Oslo) served by a service of its own; the rest of Oslo,
    and reports whose district is not known, by "oslo"."""
    from datetime import date

    from routing.models import Coverage

    key_file = add_service(database, "gamle-oslo", "0301", key_dir=tmp_path).key_file
    with database.session() as session:
        coverage = session.scalars(select(Coverage).where(
            Coverage.service_id == "gamle-oslo")).one()
        coverage.district = "030101"
        assert coverage.valid_from == date(2024, 1, 1)
    return key_file


def walk_with_district(wizard: Wizard, district: str) -> dict[str, str]:
    """A named private report for postal code 0150 (Oslo), answering the district step;
    returns the district page and check-your-answers page."""
    start(wizard)
    page = wizard.transport.get("/report/district")
    wizard.answer("district", {"district": district})
    named_child_to_concern(wizard)
    wizard.answer("concern", {"description": "Bekymret."})
    for step in ("source", "timing", "child-views", "interpreter"):
        wizard.answer(step, {})
    wizard.answer("about-you", {"name": "Kari Nabo", "phone": "91234567"})
    check = wizard.transport.get("/report/check")
    wizard.send()
    return {"district": page.html, "check": check.html}


def envelope_service(database) -> str:
    with database.session() as session:
        return session.scalars(select(Envelope)).one().service_id


def test_choosing_a_district_with_its_own_service_sends_the_report_there(
    wizard, database, gamle_oslo
):
    from inbox.fiks_export import to_fiks_v2

    pages = walk_with_district(wizard, "030101")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pages["district"]))
    assert "Hvilken bydel bor barnet i?" in text
    # By name, as a neighbour knows it, not "Oslo, bydel 01".
    assert "Gamle Oslo" in text and "Søndre Nordstrand" not in text
    assert "bydel 01" not in text and "Jeg vet ikke / en annen bydel" in text
    # The reporter gave a postal code: one sentence says it does not settle the district.
    assert "Postnummeret alene sier ikke hvilken bydel det er." in text
    assert "Gamle Oslo" in re.sub(r"<[^>]+>", "", pages["check"])
    assert envelope_service(database) == "gamle-oslo"
    report = opened_report(database, gamle_oslo)
    assert report["location"]["district"] == "030101"
    assert report["location"]["district_name"] == "Gamle Oslo"
    assert to_fiks_v2(report)["bydelsnummer"] == "01"


def test_the_check_page_names_the_districts_service_at_the_top_and_by_send(
    wizard, database, oslo, gamle_oslo
):
    chosen = walk_with_district(wizard, "030101")["check"]
    wizard.transport.client.delete_cookie("draft")  # a second reporter, who does not know it
    unknown = walk_with_district(wizard, "unknown")["check"]
    goes_to = "Meldingen går til: Barneverntjenesten {}"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chosen))
    assert text.count(goes_to.format("gamle-oslo (Gamle Oslo)")) == 2
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unknown))
    assert text.count(goes_to.format("oslo ")) == 2


def test_not_knowing_the_district_sends_the_report_to_the_municipalitys_service(
    wizard, database, oslo, gamle_oslo
):
    from inbox.fiks_export import to_fiks_v2

    walk_with_district(wizard, "unknown")
    assert envelope_service(database) == "oslo"
    report = opened_report(database, oslo)
    assert report["location"]["district"] is None
    assert to_fiks_v2(report)["bydelsnummer"] == "00"


def test_a_municipality_without_districts_of_its_own_is_not_asked_for_one(
    client, wizard, database, oslo
):
    start(wizard)
    assert client.get("/report/district").location.endswith("/report/anonymity")
    wizard.answer("anonymity", {"anonymity": "named"})


def test_a_100_kb_paste_is_kept_and_the_error_says_how_much_to_remove(wizard):
    """Limits before they bite: the hint states the limit, and a paste far over it is kept,
    in the page and in the draft, with an error saying how many characters to take out."""
    private_to_concern(wizard)
    page = wizard.transport.get("/report/concern")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.html)).replace("\xa0", " ")
    assert "Opptil 20 000 tegn." in text
    assert 'data-limit="20000"' in page.html
    pasted = ("Bekymret for Ola. " * 6000)[:100_000]
    refused = wizard.answer("concern", {"description": pasted}, expect=422)
    shown = re.sub(r"<[^>]+>", "", refused.html).replace("\xa0", " ")
    assert "For langt: 100 000 tegn, og grensen er 20 000. Fjern 80 000." in shown
    assert pasted in refused.html
    again = wizard.transport.get("/report/concern")
    assert pasted in again.html  # the draft kept every character
