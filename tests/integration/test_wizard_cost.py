"""A step's save costs the same late in a long report as early in a short one, and an answer
changed on one step still makes the steps that rest on it insufficient."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from intake import wizard as wizard_rules
from intake.forms import StepForm
from routing.models import PostalCode
from tests.helpers import FlaskTransport, Wizard, csrf_token
from tests.helpers.services import add_service
from tests.helpers.wizard import answer_opening


@pytest.fixture
def wizard(client, database, tmp_path) -> Wizard:
    add_service(database, "oslo", "0301", key_dir=tmp_path, phone="+47 55 00 00 00")
    return Wizard(FlaskTransport(client))


@pytest.fixture
def validations(monkeypatch) -> list[str]:
    """The step forms validated, in order, by name of their class."""
    seen: list[str] = []
    original = StepForm.validate

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        seen.append(type(self).__name__)
        return original(self, extra_validators)

    monkeypatch.setattr(StepForm, "validate", validate)
    return seen


def children_to_interpreter(wizard: Wizard, children: int) -> None:
    answer_opening(wizard)
    wizard.answer("anonymity", {"anonymity": "anonymous"})
    for number in range(1, children + 1):
        wizard.answer(f"child-{number}-name", {"name": f"Barn {number}"})
        wizard.answer(f"child-{number}-age", {"age": "7"})
        wizard.answer(f"child-{number}-address", {"address": "Storgata 1"})
        wizard.answer(f"child-{number}-relation", {"relation": "neighbour"})
        wizard.answer("children", {"add_another": "yes" if number < children else "no"})
    wizard.answer("parents", {})
    wizard.answer("topics", {})
    wizard.answer("concern", {"description": "Søsknene er alene."})
    for step in ("source", "timing", "child-views"):
        wizard.answer(step, {})


def forms_validated_saving(wizard: Wizard, validations: list[str], step: str) -> list[str]:
    page = wizard.transport.get(f"/report/{step}")
    validations.clear()
    result = wizard.transport.post(f"/report/{step}", {"csrf_token": csrf_token(page.html)})
    assert result.status == 303
    return list(validations)


def test_the_last_question_costs_the_same_after_one_child_or_ten(client, wizard, validations):
    """Saving a step used to validate every complete step again: a report's cost grew with the
    square of its steps, and ten children made each late step four times the work."""
    children_to_interpreter(wizard, 1)
    one = forms_validated_saving(wizard, validations, "interpreter")
    client.post("/report/delete", data={})
    client.delete_cookie("draft")

    children_to_interpreter(wizard, 10)
    ten = forms_validated_saving(wizard, validations, "interpreter")
    assert len(ten) == len(one), (one, ten)
    # The step itself only: the location's verdict rests on a postal code the directory still
    # says the same of.
    assert one == ["InterpreterForm"], one


def test_an_answer_changed_later_still_sends_the_reporter_back_to_what_rested_on_it(
    client, wizard
):
    """The second child's address was enough only with the child's name: clearing the name
    makes the address step insufficient again, though it is far back in the report."""
    children_to_interpreter(wizard, 2)
    wizard.answer("child-2-address", {"address_unknown": "y", "found_at": ""})
    wizard.answer("interpreter", {})
    assert client.get("/report/check").status_code == 200

    page = client.get("/report/child-2-name?change=1").get_data(as_text=True)
    response = client.post("/report/child-2-name?change=1",
                           data={"name": "", "name_unknown": "y", "csrf_token": csrf_token(page)})
    assert response.location.endswith("/report/child-2-address?change=1")
    assert client.get("/report/check").location.endswith("/report/child-2-address")


@pytest.mark.parametrize("change", [
    {"category": "P"},  # post boxes only: not a home
    {"municipality_number": "2100"},  # moved to Svalbard, which is not a municipality
], ids=["no-longer-a-home", "no-longer-a-municipality"])
def test_a_postal_code_the_directory_now_says_otherwise_of_sends_the_reporter_back_to_it(
    client, wizard, database, validations, monkeypatch, change
):
    """The location step's verdict rests on what the directory said of the postal code, not
    on any other answer: when the directory (reloaded by `flask directory load`) says otherwise,
    the next save finds the step insufficient."""
    children_to_interpreter(wizard, 1)
    with database.session() as session, session.begin():
        session.execute(update(PostalCode).where(PostalCode.code == "0150").values(**change))
    # The worker's copy of the directory is a minute old at most.
    monkeypatch.setattr(wizard_rules, "_postal_codes", (0.0, {}))

    assert "LocationForm" in forms_validated_saving(wizard, validations, "interpreter")
    assert client.get("/report/check").location.endswith("/report/location")
