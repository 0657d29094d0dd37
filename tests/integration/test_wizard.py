"""The reporter's wizard through Flask's test client, with CSRF on, as a browser without
JavaScript would use it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from intake.models import Draft
from routing.models import Envelope, ServiceKey
from tests.conftest import add_service
from tests.helpers import FlaskTransport, Wizard, csrf_token, walk_private


@pytest.fixture
def oslo(database, tmp_path):
    return add_service(database, "0301", "oslo", tmp_path)


@pytest.fixture
def wizard(client, oslo) -> Wizard:
    return Wizard(FlaskTransport(client))


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def start_professional(wizard: Wizard) -> None:
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "professional"})
    wizard.answer("child", {"name": "Ola Nordmann", "age": "8"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("concern", {"description": "Blåmerker på armene."})


def test_wrong_phone_number_is_explained_and_every_other_answer_kept(wizard):
    start_professional(wizard)
    page = wizard.answer(
        "about-you",
        {"name": "Åse Lærer", "role": "Kontaktlærer", "workplace": "Grünerløkka skole",
         "phone": "ring meg", "email": "ase@skole.example.no"},
        expect=422,
    )
    assert page.html.count("<title>Feil:") == 1
    summary = re.search(r'<div class="error-summary".*?</div>', page.html, re.S).group(0)
    assert 'href="#phone"' in summary
    assert "Skriv inn et telefonnummer" in summary or "Enter a phone number" in summary
    assert 'id="phone-error"' in page.html
    for kept in ("Åse Lærer", "Kontaktlærer", "Grünerløkka skole", "ring meg",
                 "ase@skole.example.no"):
        assert f'value="{kept}"' in page.html


def test_too_long_description_says_the_limit_and_keeps_the_text(wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("child", {"name": "Ola"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    text = "Barnet gråter. " * 1500  # 22,500 characters
    page = wizard.answer("concern", {"description": text}, expect=422)
    assert "20000" in page.html
    assert text.strip() in page.html


def test_each_step_refuses_an_empty_required_answer_with_a_message(wizard):
    page = wizard.answer("emergency", {}, expect=422)
    assert 'href="#answer-0"' in page.html
    wizard.answer("emergency", {"answer": "no"})
    page = wizard.answer("reporter-type", {}, expect=422)
    assert 'id="reporter_type-error"' in page.html
    wizard.answer("reporter-type", {"reporter_type": "private"})
    page = wizard.answer("child", {"name": "", "age": "syv"}, expect=422)
    assert 'id="name-error"' in page.html and 'id="age-error"' in page.html
    assert 'value="syv"' in page.html


def test_a_step_not_yet_reachable_redirects_to_the_next_unanswered_one(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    response = client.get("/report/concern")
    assert response.status_code == 302
    assert response.location.endswith("/report/reporter-type")


def test_becoming_a_professional_on_check_answers_asks_for_the_new_required_details(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("child", {"name": "Ola"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("concern", {"description": "Bekymret."})
    wizard.answer("about-you", {})
    assert client.get("/report/check").status_code == 200

    page = client.get("/report/reporter-type?change=1")
    response = client.post("/report/reporter-type?change=1",
                           data={"reporter_type": "professional",
                                 "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.location.endswith("/report/about-you")
    assert client.get("/report/check").location.endswith("/report/about-you")


def test_sending_twice_creates_one_report(client, wizard, database):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("child", {"name": "Ola"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("concern", {"description": "Bekymret."})
    wizard.answer("about-you", {})
    form = {"declaration": "y", "csrf_token": csrf_token(client.get("/report/check").get_data(as_text=True))}
    first = client.post("/report/send", data=form)
    replay = client.post("/report/send", data=form)
    assert first.status_code == replay.status_code == 303
    assert replay.location.endswith("/report/receipt")
    assert count(database, Envelope) == 1


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


def test_delete_my_answers_deletes_the_draft(client, wizard, database):
    wizard.answer("emergency", {"answer": "no"})
    page = client.get("/report/reporter-type").get_data(as_text=True)
    response = client.post("/report/delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert count(database, Draft) == 0


def test_wizard_pages_are_never_cached(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    for path in ("/", "/report/emergency", "/report/reporter-type"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_an_expired_page_keeps_what_was_typed_and_says_what_happened(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    client.get("/report/child")
    response = client.post("/report/child", data={"name": "Ola Nordmann", "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Ola Nordmann"' in html
    assert "error-summary" in html


def test_language_switch_keeps_the_step_and_the_answers(client, wizard):
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("child", {"name": "Ola"})
    response = client.get("/report/child?lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en"' in html and 'value="Ola"' in html
    assert "The child&#39;s full name" in html or "The child's full name" in html
    norwegian = client.get("/report/child?lang=nb").get_data(as_text=True)
    assert '<html lang="nb"' in norwegian and "Barnets fulle navn" in norwegian


def test_a_service_without_a_key_cannot_receive_and_nothing_is_stored(client, wizard, database):
    with database.session() as session:
        for key in session.scalars(select(ServiceKey)):
            session.delete(key)
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("child", {"name": "Ola"})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    wizard.answer("concern", {"description": "Bekymret."})
    wizard.answer("about-you", {})
    page = client.get("/report/check").get_data(as_text=True)
    response = client.post("/report/send", data={"declaration": "y", "csrf_token": csrf_token(page)})
    assert response.status_code == 503
    assert "Barneverntjenesten oslo" in response.get_data(as_text=True)
    assert count(database, Envelope) == 0
    assert "Bekymret." in client.get("/report/check").get_data(as_text=True)
