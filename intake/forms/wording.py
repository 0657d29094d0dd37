"""The child's own words: what each page says instead when a child or young person reports
about themselves. Every text on their path speaks to them ("Someone hurts me", "Where do you
live?"), never about "the child"; this table is the one place to read and review it.

A form class maps to `Page`: its fields' labels, hints, required messages and option labels,
and the messages its own checks give (`StepForm.says`), with the fields a child is not asked.
`StepForm` applies it after the form's own `adapt`, so the adult wording stays in the forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Field:
    label: Any = None
    hint: Any = None
    no_hint: bool = False
    required: Any = None  # the message of the field's first validator, or of a missing choice
    choices: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    fields: Mapping[str, Field] = field(default_factory=dict)
    no_heading: bool = False  # the only question left becomes the page's heading
    intro: Any = None
    messages: Mapping[str, Any] = field(default_factory=dict)
    drop: tuple[str, ...] = ()


# The caption above each question, and the check page's section titles, by journey section.
CHILD_SECTIONS: Mapping[str, Any] = {
    "location": _l("Where you live"),
    "child": _l("About you"),
    "concern": _l("What is hard"),
    "you": _l("About you"),
}

CHOOSE_YOUR_MUNICIPALITY = _l("Choose your municipality from the list")

# Keyed by the form's class name (intake/forms/*.py), in the order a child meets the pages.
CHILD: Mapping[str, Page] = {
    "LocationForm": Page(
        fields={"postal_code": Field(
            label=_l("What is the postal code where you live?"),
            hint=_l("4 digits, for example 0150. It tells us which child welfare service to "
                    "send this to."),
            required=_l("Enter the postal code where you live"),
        )},
        messages={
            "unknown": _l("We could not find postal code %(code)s. Check it, or choose your "
                          "municipality from the list"),
            "not-a-home": _l("%(code)s is a postal code for PO boxes or businesses, not homes. "
                             "Enter the postal code of your home, or choose your municipality "
                             "from the list"),
            "not-a-municipality": _l("%(code)s is on %(place)s, which is not a municipality. "
                                     "Choose from the list the municipality where your family "
                                     "is registered"),
        },
    ),
    "LocationConfirmForm": Page(fields={"confirmed": Field(
        label=_l("Is this the municipality where you live?"),
        required=_l("Select yes if you live in this municipality"),
    )}),
    "MunicipalityForm": Page(fields={"municipality": Field(
        label=_l("Which municipality do you live in?"),
        required=CHOOSE_YOUR_MUNICIPALITY,
    )}, messages={"choose": CHOOSE_YOUR_MUNICIPALITY}),
    "DistrictForm": Page(fields={"district": Field(
        label=_l("Which district (bydel) do you live in?"),
        required=_l("Select the district where you live, or that you do not know"),
    )}),
    "ChildNameForm": Page(
        fields={"name": Field(label=_l("What is your name? (optional)"),
                              hint=_l("You do not have to tell us."))},
        drop=("name_unknown",),
    ),
    "ChildAgeForm": Page(
        fields={"age": Field(label=_l("How old are you? (optional)"), no_hint=True)},
        no_heading=True,
        messages={"age": _l("Write your age as a number, like 13")},
        drop=("unborn",),
    ),
    "TopicsForm": Page(fields={"topics": Field(
        label=_l("What is it about? (optional)"),
        hint=_l("You can tick more than one."),
        choices={
            "violence": _l("Someone hurts me"),
            "domestic-violence": _l("Adults at home hurt each other"),
            "sexual-abuse": _l("Someone does sexual things to me"),
            "neglect": _l("I do not get food, clothes or care"),
            "parents-substances": _l("My mum or dad drinks a lot or uses drugs"),
            "parents-mental-health": _l("My mum or dad has mental health problems"),
            "child-behaviour": _l("I use alcohol or drugs, or do things that worry me"),
            "honour": _l("Someone forces me to marry or to be cut, or hurts me for the family's "
                          "honour"),
            "trafficking": _l("Someone forces me to work, steal or sell sex"),
        },
    )}),
    "ConcernForm": Page(
        intro=_l("Write in your own words. You can write as much or as little as you want."),
        fields={"description": Field(label=_l("What is happening?"),
                                     required=_l("Write what is happening"))},
    ),
    "TimingForm": Page(fields={"since": Field(label=_l("When did it start? (optional)"))}),
    "ChildViewsForm": Page(fields={"views": Field(
        label=_l("What do you want to happen? (optional)"))}),
    "AboutYouForm": Page(
        no_heading=True,
        fields={"safe_contact": Field(
            label=_l("How can the child welfare service reach you without others knowing? "
                     "(optional)"),
            hint=_l("Do not give a phone number that others in your family can see."),
        )},
        drop=("name", "role", "workplace", "workplace_address", "organisation_number",
              "phone", "email"),
    ),
    # A child does not sign a declaration: sending is enough.
    "CheckForm": Page(drop=("declaration",)),
}


def for_child(form_class: type) -> Page | None:
    return CHILD.get(form_class.__name__)
