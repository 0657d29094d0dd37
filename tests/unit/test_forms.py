"""The wizard's forms: what each step requires of each kind of reporter, and the message a
reporter gets when an answer is wrong. Messages are lazy translations, so each test runs inside a
request of the real app (`?lang=en` for English; the default is bokmål). Postal codes are looked
up in the real directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from intake.forms import FORMS, StepContext, StepForm
from intake.forms.base import Limit, shown_limit
from intake.forms.child import ChildAddressForm, ChildAgeForm, ChildNameForm
from intake.forms.concern import CONCERN_MAX, ConcernForm
from intake.forms.opening import EmergencyForm, LocationForm, MunicipalityForm
from intake.forms.reporter import AboutYouForm, CheckForm, normalise_phone
from intake.identifiers import (
    ascii_digits,
    digits,
    is_valid_national_id,
    is_valid_organisation_number,
)
from routing import directory

HUGE = "a" * 100_000
REPORTER_TYPES = ("private", "professional", "child")
PROFESSIONAL_DETAILS = {
    "name": "Kari Lærer",
    "role": "Kontaktlærer",
    "workplace": "Sagene skole",
    "workplace_address": "Kierschows gate 2, 0462 Oslo",
    "phone": "912 34 567",
    "email": "kari@osloskolen.no",
}


@pytest.fixture(autouse=True)
def shared_validator_messages_restored() -> Iterator[None]:
    """Put back every validator message of every step form after each test, so the leak that
    test_child_wording_does_not_leak_to_the_next_reporter shows cannot spread to other tests."""
    saved = [
        (validator, validator.message)
        for form_class in FORMS.values()
        for attribute in vars(form_class).values()
        if isinstance(attribute, UnboundField)
        for validator in attribute.kwargs.get("validators", ())
        if hasattr(validator, "message")
    ]
    yield
    for validator, message in saved:
        validator.message = message


@pytest.fixture
def english(app) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def bokmal(app) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        yield


@pytest.fixture
def look_up(database) -> Iterator[Callable[[str], directory.PostalLookup]]:  # type: ignore[no-untyped-def]
    with database.session() as session:
        yield lambda code: directory.look_up_postal_code(session, code)


def context(reporter_type: str | None = None, **kwargs: Any) -> StepContext:
    answers = {"reporter-type": {"reporter_type": reporter_type}} if reporter_type else {}
    return StepContext(answers=answers, **kwargs)


def submit(
    form_class: type[StepForm],
    data: Mapping[str, Any],
    reporter_type: str | None = None,
    **kwargs: Any,
) -> StepForm:
    form = form_class(MultiDict(data), context(reporter_type, **kwargs))
    form.validate()
    return form


def messages(form: StepForm, field: str) -> str:
    return " | ".join(str(message) for message in form[field].errors)


# --- about you -------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", sorted(PROFESSIONAL_DETAILS))
def test_professional_must_give_every_contact_detail(english, missing):
    data = {k: v for k, v in PROFESSIONAL_DETAILS.items() if k != missing}
    form = submit(AboutYouForm, data, "professional")
    assert set(form.errors) == {missing}
    assert messages(form, missing).startswith("Enter ")


def test_professional_with_every_detail_is_accepted(english):
    assert submit(AboutYouForm, PROFESSIONAL_DETAILS, "professional").errors == {}


def test_professional_details_of_only_spaces_count_as_missing(english):
    form = submit(AboutYouForm, {k: "   " for k in PROFESSIONAL_DETAILS}, "professional")
    assert set(form.errors) == set(PROFESSIONAL_DETAILS)


def test_named_private_reporter_needs_only_a_name(english):
    # Anonymous private reporters never see this step (see the journey); a named one must say
    # who they are, and phone and email stay optional.
    assert set(submit(AboutYouForm, {}, "private").errors) == {"name"}
    assert submit(AboutYouForm, {"name": "Per"}, "private").errors == {}


def test_private_reporter_is_not_asked_for_job_details(english):
    form = AboutYouForm(MultiDict(), context("private"))
    assert {field.name for field in form} == {"name", "phone", "email"}


def test_child_reporter_is_asked_only_how_to_be_contacted_safely(english):
    form = AboutYouForm(MultiDict(), context("child"))
    assert {field.name for field in form} == {"safe_contact"}
    assert form.validate()


@pytest.mark.parametrize("phone", ["912 34 567", "+47 912-34-567", "91234567", "(+47) 91234567"])
def test_phone_number_written_the_usual_ways_is_accepted(english, phone):
    assert submit(AboutYouForm, {"name": "Per", "phone": phone}, "private").errors == {}


@pytest.mark.parametrize("phone", ["abc", "123", "912 34 567 ext. 12 34 56 78 90"])
def test_phone_number_that_is_not_one_is_refused_with_an_example(english, phone):
    form = submit(AboutYouForm, {"name": "Per", "phone": phone}, "private")
    assert "912 34 567" in messages(form, "phone")


def test_email_address_without_a_domain_is_refused_with_an_example(english):
    form = submit(AboutYouForm, {"name": "Per", "email": "per@sagene"}, "private")
    assert "name@example.no" in messages(form, "email")


def test_organisation_number_with_a_wrong_check_digit_is_refused(english):
    data = {**PROFESSIONAL_DETAILS, "organisation_number": "123 456 789"}
    form = submit(AboutYouForm, data, "professional")
    assert "organisation number" in messages(form, "organisation_number")


# --- postal code -----------------------------------------------------------------------------


def test_postal_code_typed_with_spaces_is_accepted_and_suggests_oslo(english, look_up):
    form = submit(LocationForm, {"postal_code": " 0 150 "}, look_up_postal_code=look_up)
    assert form.errors == {}
    assert form.derived()["suggested"] == "0301"
    assert form.derived()["postal_code_normalised"] == "0150"


def test_postal_code_for_businesses_is_refused_saying_it_is_not_for_homes(english, look_up):
    form = submit(LocationForm, {"postal_code": "0018"}, look_up_postal_code=look_up)
    message = messages(form, "postal_code")
    assert "0018" in message and "not homes" in message
    assert "choose the municipality from the list" in message
    assert form.derived() == {}


def test_postal_code_for_businesses_is_refused_in_bokmal_by_default(bokmal, look_up):
    form = submit(LocationForm, {"postal_code": "0018"}, look_up_postal_code=look_up)
    assert "ikke for boliger" in messages(form, "postal_code")


def test_postal_code_on_svalbard_is_refused_saying_svalbard_is_not_a_municipality(english, look_up):
    form = submit(LocationForm, {"postal_code": "9170"}, look_up_postal_code=look_up)
    message = messages(form, "postal_code")
    assert "9170" in message and "not a municipality" in message
    assert form.derived() == {}
    # The area, not the post town: "9170 is on Svalbard", never "is on Longyearbyen".
    assert "Svalbard" in message and "Longyearbyen" not in message, message


def test_unknown_postal_code_is_refused_with_a_way_forward(english, look_up):
    form = submit(LocationForm, {"postal_code": "9999"}, look_up_postal_code=look_up)
    message = messages(form, "postal_code")
    assert "could not find postal code 9999" in message
    assert "from the list" in message


@pytest.mark.parametrize("code", ["", "   ", "015", "01500", "Oslo"])
def test_postal_code_that_is_not_four_digits_is_refused(english, look_up, code):
    form = submit(LocationForm, {"postal_code": code}, look_up_postal_code=look_up)
    assert form.errors.get("postal_code"), code


# --- the child -------------------------------------------------------------------------------


def test_private_reporter_without_the_childs_name_must_tick_that_they_do_not_know_it(english):
    form = submit(ChildNameForm, {}, "private")
    assert "tick the box if you do not know it" in messages(form, "name")


def test_private_reporter_who_does_not_know_the_name_can_go_on(english):
    assert submit(ChildNameForm, {"name_unknown": "y"}, "private").errors == {}


def test_professional_must_give_the_childs_name(english):
    form = submit(ChildNameForm, {"name_unknown": "y"}, "professional")
    assert messages(form, "name") == "Enter the child's name"


def test_child_reporting_about_themselves_need_not_give_a_name(english):
    assert submit(ChildNameForm, {}, "child").errors == {}


ADDRESS_BUG = (
    "BUG in intake/forms/child.py ChildAddressForm: the address field's first validator, "
    "required_when(_professional, ...), raises StopValidation() for an empty address from a "
    "non-professional, which ends the chain before the inline validate_address runs; so a "
    "private reporter can leave the address empty without ticking 'I do not know the address' "
    "and without any name, place or description, and the service gets a child it cannot find"
)


def address_form(data: Mapping[str, str], child_name: Mapping[str, str]) -> ChildAddressForm:
    answers = {"reporter-type": {"reporter_type": "private"}, "child-1-name": dict(child_name)}
    return ChildAddressForm(MultiDict(data), StepContext(answers=answers, child_index=1))


def test_private_reporter_must_give_the_address_or_tick_that_they_do_not_know_it(english):
    form = address_form({}, {"name": "Ola"})
    form.validate()
    assert "tick the box if you do not know it" in messages(form, "address"), ADDRESS_BUG


def test_child_without_name_or_address_must_be_described_so_the_service_can_find_them(english):
    unfindable = address_form({"address_unknown": "y"}, {"name_unknown": "y"})
    unfindable.validate()
    assert "so the child welfare service can find the child" in messages(unfindable, "address"), (
        ADDRESS_BUG
    )


def test_child_without_name_or_address_but_with_a_description_is_accepted(english):
    described = address_form(
        {"address_unknown": "y", "description": "Jente, ca. 8 år, rød jakke"}, {"name_unknown": "y"}
    )
    assert described.validate(), described.errors


@pytest.mark.parametrize("age", ["0", "7", "25", ""])
def test_approximate_age_is_optional_and_in_years(english, age):
    assert submit(ChildAgeForm, {"age": age}, "private").errors == {}


@pytest.mark.parametrize("age", ["seven", "-1", "26", "7.5"])
def test_age_that_is_not_a_number_of_years_is_refused(english, age):
    form = submit(ChildAgeForm, {"age": age}, "private")
    assert "number of years" in messages(form, "age")


ODD_DIGITS = [
    (ChildAgeForm, "private", {"age": "²"}, "age"),
    (ChildAgeForm, "private", {"age": "1" * 5000}, "age"),
    (ChildAgeForm, "professional", {"national_id": "²" * 11}, "national_id"),
    (AboutYouForm, "professional", {**PROFESSIONAL_DETAILS, "organisation_number": "²" * 9},
     "organisation_number"),
]


def test_odd_digits_get_a_message_not_a_server_error(english):
    crashed = {}
    for form_class, reporter_type, data, field in ODD_DIGITS:
        form = form_class(MultiDict(data), context(reporter_type))
        try:
            form.validate()
        except ValueError as error:
            crashed[f"{form_class.__name__}.{field}={data[field][:12]!r}"] = repr(error)
            continue
        assert form[field].errors, field
    assert crashed == {}, (
        "BUG in intake/forms/child.py ChildAgeForm.validate_age and intake/identifiers.py "
        "(digits, is_valid_national_id, is_valid_organisation_number): str.isdigit() accepts "
        "characters that int() refuses (superscripts like '²'; more than 4,300 digits), so int() "
        "raises ValueError out of validate(). WTForms only catches ValidationError, so the step "
        f"answers 500 instead of showing a message: {crashed}"
    )


# --- length limits: every text field of every step, for every reporter ------------------------


def text_fields() -> list[tuple[str, str, str]]:
    """(step kind, field name, a reporter type who is shown the field) for every text field."""
    found: dict[tuple[str, str], str] = {}
    for kind, form_class in FORMS.items():
        for reporter_type in REPORTER_TYPES:
            form = form_class(MultiDict(), context(reporter_type))
            for field in form:
                if isinstance(field, StringField | TextAreaField):
                    found.setdefault((kind, field.name), reporter_type)
    return [(kind, name, reporter_type) for (kind, name), reporter_type in sorted(found.items())]


def test_there_are_text_fields_to_check(english):
    fields = text_fields()
    assert len(fields) > 20
    assert ("concern", "description", "private") in fields


def test_every_text_field_has_a_length_limit_with_a_message(english):
    without = []
    for kind, name, reporter_type in text_fields():
        field = FORMS[kind](MultiDict(), context(reporter_type))[name]
        limits = [v for v in field.validators if isinstance(v, Length) and v.max > 0]
        # A Limit writes its own message: how many characters there are, how many to remove.
        if not limits or not all(isinstance(v, Limit) or v.message for v in limits):
            without.append(f"{kind}.{name}")
    # The age is limited by its own check (a number from 0 to 25), not by a Length.
    assert without == ["child-age.age"]


def test_every_text_field_states_its_limit_but_those_with_a_format_of_their_own(english):
    unstated = sorted({f"{kind}.{name}" for kind, name, reporter_type in text_fields()
                       if shown_limit(FORMS[kind](MultiDict(), context(reporter_type))[name])
                       is None})
    # Each of these says its format instead ("4 digits", "11 digits", "like 27.3.2015").
    assert unstated == [
        "about-you.email", "about-you.organisation_number", "about-you.phone",
        "child-age.age", "child-age.birth_date", "child-age.national_id",
        "location.postal_code", "parents.parent1_phone", "parents.parent2_phone"]


def test_100000_characters_in_any_text_field_get_a_message_and_are_kept(english):
    silent = []
    for kind, name, reporter_type in text_fields():
        form = FORMS[kind](MultiDict({name: HUGE}), context(reporter_type))
        form.validate()
        if not form[name].errors:
            silent.append(f"{kind}.{name}")
        assert form[name].data == HUGE, f"{kind}.{name}: the reporter's text was cleared"
    assert silent == [], "fields that accepted 100,000 characters"


def test_concern_description_over_the_limit_says_how_many_there_are_and_to_remove(english):
    form = submit(ConcernForm, {"description": HUGE}, "private")
    assert messages(form, "description") == (
        "Too long: 100,000 characters, and the limit is 20,000. Remove 80,000."
    )


def test_concern_description_limit_message_is_in_bokmal_by_default(bokmal):
    form = submit(ConcernForm, {"description": HUGE}, "private")
    assert messages(form, "description").replace("\xa0", " ") == (
        "For langt: 100 000 tegn, og grensen er 20 000. Fjern 80 000.")


def test_concern_description_at_the_limit_is_accepted(english):
    text = "æ" * CONCERN_MAX  # the limit is in characters, not bytes
    assert submit(ConcernForm, {"description": text}, "private").errors == {}


def test_empty_concern_description_is_refused(english):
    form = submit(ConcernForm, {}, "private")
    assert messages(form, "description") == "Write what you have seen or heard"


def test_concern_description_of_only_spaces_is_refused(english):
    form = submit(ConcernForm, {"description": "  \n "}, "private")
    assert messages(form, "description") == "Write what you have seen or heard", (
        "BUG in intake/forms/concern.py ConcernForm.description (and BackgroundForm.background): "
        "InputRequired checks the raw input, which is '  \\n ', before the strip filter empties "
        "it, so a concern of only spaces is accepted and the service receives a report with an "
        "empty description (DataRequired, which checks the filtered value, would refuse it)"
    )


@pytest.mark.parametrize(
    ("form_class", "field", "data", "adult_message"),
    [
        (ConcernForm, "description", {}, "Write what you have seen or heard"),
        (LocationForm, "postal_code", {}, "Enter the postal code where the child lives"),
    ],
)
def test_child_wording_does_not_leak_to_the_next_reporter(
    english, form_class, field, data, adult_message
):
    child = form_class(MultiDict(data), context("child"))
    child.validate()
    adult = form_class(MultiDict(data), context("private"))
    adult.validate()
    assert messages(adult, field) == adult_message, (
        f"BUG in intake/forms ({form_class.__name__}.adapt): for a child reporter it assigns "
        f"`self.{field}.validators[0].message = ...`, but the validator object is shared by every "
        "instance of the form in the process, so after one child has used the step every later "
        f"reporter gets the child's wording ({messages(adult, field)!r}) until the process restarts"
    )


# --- choices -------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["", "maybe"])
def test_emergency_question_needs_one_of_its_answers(english, answer):
    form = submit(EmergencyForm, {"answer": answer})
    assert messages(form, "answer") == "Select yes if a child is in danger right now"


def test_municipality_must_be_one_from_the_list(english):
    choices = [("0301", "Oslo (Oslo)"), ("4601", "Bergen (Vestland)")]
    assert submit(MunicipalityForm, {"municipality": "4601"},
                  municipality_choices=choices).errors == {}
    for value in ("", "9999", "unknown"):
        form = submit(MunicipalityForm, {"municipality": value}, municipality_choices=choices)
        assert "Choose a municipality from the list" in messages(form, "municipality"), value


def test_check_page_needs_the_declaration_from_adults(english):
    assert submit(CheckForm, {}, "private").errors.get("declaration")
    assert submit(CheckForm, {"declaration": "y"}, "private").errors == {}


# --- national identity numbers (fødselsnummer, D- and H-numbers) ------------------------------
# The two check digits are Skatteetaten's mod-11 sums with these weights; the tests build
# numbers with them so that the date is what makes a number right or wrong.
WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(number: str, weights: tuple[int, ...]) -> int | None:
    check = 11 - sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 11
    return {11: 0, 10: None}.get(check, check)


def national_id(birth: str, individual: int = 123) -> str:
    """An 11-digit number for the six date digits `birth`, with right check digits (the first
    individual number from `individual` for which both exist)."""
    for serial in range(individual, 1000):
        first = f"{birth}{serial:03d}"
        k1 = _check_digit(first, WEIGHTS_K1)
        k2 = _check_digit(f"{first}{k1}", WEIGHTS_K2) if k1 is not None else None
        if k1 is not None and k2 is not None:
            return f"{first}{k1}{k2}"
    raise AssertionError(birth)


@pytest.mark.parametrize("number", [
    "01018012371",              # 1 January 1980
    "15076500565",              # 15 July 1965, the example in many public descriptions
    national_id("290200"),      # 29 February 2000, a leap day
    national_id("311299"),
])
def test_real_national_identity_numbers_are_valid(number):
    assert is_valid_national_id(number)


@pytest.mark.parametrize("number", [
    "01018012372",  # second check digit wrong
    "01018012361",  # first check digit wrong
    "01028012371",  # a digit of the date changed: the check digits no longer fit
    "10018012371",  # two digits swapped
])
def test_wrong_check_digits_are_refused(number):
    assert not is_valid_national_id(number)


def test_d_numbers_add_four_to_the_first_digit():
    assert is_valid_national_id(national_id("410180"))  # day 1 + 40
    assert is_valid_national_id(national_id("710180"))  # day 31 + 40
    assert not is_valid_national_id(national_id("720180"))  # day 32
    assert not is_valid_national_id(national_id("400180"))  # day 0


def test_h_numbers_add_four_to_the_third_digit():
    assert is_valid_national_id(national_id("014180"))  # month 1 + 40
    assert is_valid_national_id(national_id("015280"))  # month 12 + 40
    assert not is_valid_national_id(national_id("015380"))  # month 13
    assert not is_valid_national_id(national_id("014080"))  # month 0


@pytest.mark.parametrize("birth", [
    "310280",  # 31 February
    "300480",  # 30 April is fine, so check 31 April below
    "310480",  # 31 April
    "290201",  # 29 February 2001 and 1901: no leap year
    "001080",  # day 0
    "320180",  # day 32
    "011380",  # month 13
    "010080",  # month 0
])
def test_numbers_with_impossible_dates_are_refused_even_with_right_check_digits(birth):
    assert is_valid_national_id(national_id(birth)) == (birth == "300480")


@pytest.mark.parametrize("typed", [
    "010180 12371", "010180-12371", " 01018012371 ", "010 180 123 71", "01.01.80 12371",
    "٠١٠١٨٠١٢٣٧١",    # Arabic-Indic digits
    "۰۱۰۱۸۰ ۱۲۳۷۱",   # Extended Arabic-Indic (Persian and Urdu) digits
    "０１０１８０１２３７１",  # fullwidth digits, as some phone keyboards type them
])
def test_national_identity_number_is_read_whatever_the_separators_and_digits(english, typed):
    assert digits(typed) == "01018012371"
    assert submit(ChildAgeForm, {"national_id": typed}, "professional").errors == {}


@pytest.mark.parametrize("typed", ["0101801237", "010180123711", "٠١٠١٨٠١٢٣٧"])
def test_national_identity_number_of_the_wrong_length_says_it_has_11_digits(english, typed):
    form = submit(ChildAgeForm, {"national_id": typed}, "professional")
    assert messages(form, "national_id") == "A national identity number has 11 digits"


def test_national_identity_number_with_wrong_check_digits_says_so(english):
    form = submit(ChildAgeForm, {"national_id": "٠١٠١٨٠١٢٣٧٢"}, "professional")
    assert "do not add up" in messages(form, "national_id")


# --- digits from other scripts ----------------------------------------------------------------


def test_only_decimal_digits_become_ascii_and_everything_else_is_kept():
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"
    assert ascii_digits("+47 (٩١٢) x²") == "+47 (912) x²"  # a superscript is not a digit


@pytest.mark.parametrize("typed", ["٠١٥٠", "۰۱۵۰", "٠ ١٥٠"])
def test_postal_code_in_arabic_or_urdu_digits_is_read_and_suggests_oslo(english, look_up, typed):
    form = submit(LocationForm, {"postal_code": typed}, look_up_postal_code=look_up)
    assert form.errors == {}
    assert form.derived()["postal_code_normalised"] == "0150"
    assert form.derived()["suggested"] == "0301"
    assert form.postal_code.data == typed.strip()  # what is stored is what was typed


@pytest.mark.parametrize("typed", ["+٤٧ ٩١٢ ٣٤ ٥٦٧", "+۴۷ ۹۱۲-۳۴-۵۶۷"])
def test_phone_number_in_arabic_or_urdu_digits_is_accepted(english, typed):
    assert submit(AboutYouForm, {"name": "Per", "phone": typed}, "private").errors == {}
    assert normalise_phone(typed) == "+4791234567"


@pytest.mark.parametrize("typed", ["٩٧٤ ٧٦٠ ٦٧٣", "۹۷۴۷۶۰۶۷۳"])
def test_organisation_number_in_arabic_or_urdu_digits_is_checked_like_any_other(english, typed):
    data = {**PROFESSIONAL_DETAILS, "organisation_number": typed}
    assert submit(AboutYouForm, data, "professional").errors == {}
    assert is_valid_organisation_number(digits(typed))
    wrong = {**PROFESSIONAL_DETAILS, "organisation_number": "٩٧٤ ٧٦٠ ٦٧٤"}
    assert "do not add up" in messages(submit(AboutYouForm, wrong, "professional"),
                                       "organisation_number")


@pytest.mark.parametrize("age", ["٧", "۱۳"])
def test_age_in_arabic_or_urdu_digits_is_a_number_of_years(english, age):
    assert submit(ChildAgeForm, {"age": age}, "private").errors == {}


def test_a_line_break_counts_as_one_character_as_the_counter_shows_it(english):
    # The browser sends each line break as CRLF; the person (and the counter) sees one.
    text = "a\r\n" * (CONCERN_MAX // 2)
    assert submit(ConcernForm, {"description": text}, "private").errors == {}


def test_a_child_reads_every_topic_about_themselves_and_an_adult_about_the_child():
    from intake.forms.concern import TopicsForm

    def labels(reporter_type: str) -> list[str]:
        form = TopicsForm(MultiDict(), context(reporter_type))
        return [str(choice.label) for choice in form.topics.iter_choices()]

    assert labels("child")[:2] == ["Someone hurts me", "Adults at home hurt each other"]
    assert labels("private")[0] == "Violence against the child"
    assert not [label for label in labels("child") if "child" in label or "parents" in label]


def test_a_childs_errors_speak_to_the_child(look_up):
    form = submit(LocationForm, {"postal_code": "0001"}, "child", look_up_postal_code=look_up)
    assert "your municipality" in str(form.postal_code.errors[0]), form.postal_code.errors
    form = submit(ChildAgeForm, {"age": "thirteen"}, "child")
    assert form.age.errors == ["Write your age as a number, like 13"]
    adult = submit(ChildAgeForm, {"age": "seven"}, "private")
    assert adult.age.errors == ["Age must be a number of years, like 7"]
