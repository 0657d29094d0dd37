"""The languages the site ships, in one place, and how a request's language is chosen."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request, session


@dataclass(frozen=True)
class Locale:
    code: str
    name: str  # the language's own name, as its speakers write it
    direction: str = "ltr"


LOCALES = (
    Locale("nb", "Norsk bokmål"),
    Locale("en", "English"),
)
DEFAULT_LOCALE = "nb"
BY_CODE = {locale.code: locale for locale in LOCALES}


def remember_choice() -> None:
    """Before any request: an explicit `?lang=` is remembered for the pages that follow, even
    when this request only redirects (the language switch on a form page)."""
    chosen = request.args.get("lang")
    if chosen in BY_CODE:
        session["lang"] = chosen


def select_locale() -> str:
    """An explicit choice (`?lang=`) wins and is remembered; otherwise the last choice, or nb.

    The browser's Accept-Language is not used: a shared computer's settings say nothing about
    the person using it, and a Norwegian public service starts in Norwegian.
    """
    chosen = request.args.get("lang")
    if chosen in BY_CODE:
        session["lang"] = chosen
        return chosen
    remembered = session.get("lang")
    return remembered if remembered in BY_CODE else DEFAULT_LOCALE


def language_url(code: str) -> str:
    """This page in another language (a GET keeps the step; the draft keeps the answers)."""
    args = request.args.to_dict()
    args["lang"] = code
    return request.path + "?" + urlencode(args)


def current() -> Locale:
    from flask_babel import get_locale

    return BY_CODE.get(str(get_locale()), BY_CODE[DEFAULT_LOCALE])
