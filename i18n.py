"""The languages the site ships, in one place, and how a request's language is chosen."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import flask_babel
from flask import Flask, g, request, session, url_for
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.routing import BuildError

from extensions import request_state, this_request

REVIEWED_FILE = Path(__file__).resolve().parent / "translations" / "REVIEWED"


@dataclass(frozen=True)
class Locale:
    code: str
    name: str  # the language's own name, as its speakers write it
    direction: str = "ltr"

    @property
    def tag(self) -> str:
        """The BCP 47 tag for HTML's lang and hreflang. Babel, the catalog directory and `?lang=`
        use CLDR's underscore form (Dari is fa_AF); HTML wants fa-AF, and axe refuses fa_AF."""
        return self.code.replace("_", "-")

    @property
    def reviewed(self) -> bool:
        """A native speaker has checked this catalog (listed in translations/REVIEWED)."""
        return self.code in reviewed_codes()

    def once(self, *key: Hashable, caller: Callable[[], Markup]) -> Markup:
        """A piece of a page that depends on nothing but the language (and `key`), rendered
        the first time and kept: `{% call locale.once("footer") %}...{% endcall %}`.

        The footer and the language list are the same on every question page of one language,
        and rendering them was a good part of every page's cost. Whatever belongs to one request
        (the page's address) must stay out of the body, or be a slot the page fills in.
        Templates that reload while the app runs (development) are rendered every time."""
        environment = caller._environment  # type: ignore[attr-defined]
        if environment.auto_reload:
            return caller()
        kept = _FRAGMENTS.setdefault(environment, {})
        full_key = (self.code, *key)
        found = kept.get(full_key)
        if found is None:
            found = kept[full_key] = caller()
        return found


# Per Jinja environment (one per app), so an app built for a test starts with none.
_FRAGMENTS: weakref.WeakKeyDictionary[Any, dict[tuple[Hashable, ...], Markup]] = (
    weakref.WeakKeyDictionary())


@cache
def reviewed_codes() -> frozenset[str]:
    lines = REVIEWED_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")
    )


# The two written Norwegian standards and Northern Sami first, then the languages the issues
# name, in their order (issue 18 added the seven from Persian on). Dari is fa_AF, CLDR's code
# (Babel has no "prs"); its page tag is fa-AF (Locale.tag).
LOCALES = (
    Locale("nb", "Norsk bokmål"),
    Locale("nn", "Norsk nynorsk"),
    Locale("se", "Davvisámegiella"),
    Locale("en", "English"),
    Locale("pl", "Polski"),
    Locale("lt", "Lietuvių"),
    Locale("uk", "Українська"),
    Locale("ar", "العربية", "rtl"),
    Locale("so", "Soomaali"),
    Locale("ti", "ትግርኛ"),
    Locale("ur", "اردو", "rtl"),
    Locale("fa", "فارسی", "rtl"),
    Locale("fa_AF", "دری", "rtl"),
    Locale("ru", "Русский"),
    Locale("ckb", "کوردیی ناوەندی", "rtl"),
    Locale("tr", "Türkçe"),
    Locale("vi", "Tiếng Việt"),
    Locale("th", "ไทย"),
)
DEFAULT_LOCALE = "nb"
BY_CODE = {locale.code: locale for locale in LOCALES}


def remember_choice() -> None:
    """Before any request: an explicit `?lang=` is remembered for the pages that follow, even
    when this request only redirects (the language switch on a form page)."""
    chosen = this_request().args.get("lang")
    if chosen in BY_CODE:
        session["lang"] = chosen


def select_locale() -> str:
    """An explicit choice (`?lang=`) wins and is remembered; otherwise the last choice, or nb.

    The browser's Accept-Language is not used: a shared computer's settings say nothing about
    the person using it, and a Norwegian public service starts in Norwegian.
    """
    chosen = this_request().args.get("lang")
    if chosen in BY_CODE:
        session["lang"] = chosen
        return chosen
    remembered = session._get_current_object().get("lang")  # type: ignore[attr-defined]
    return remembered if remembered in BY_CODE else DEFAULT_LOCALE


def language_url(code: str) -> str:
    """This page in another language (a GET keeps the step; the draft keeps the answers).

    The path is never the raw one the browser asked for: on an error page that is whatever an
    outsider put in a link, and "/\\evil.example/" (or a tab, a newline or "//" in front)
    is read by browsers as another site. A matched route is rebuilt from its own rule with
    url_for; any other path (404, 405) is percent-encoded and starts with exactly one slash,
    so it can only name a page on this site.
    """
    args = request.args.to_dict()
    args["lang"] = code
    # The page's own address is the same for every language in the list: built once a request.
    this = this_request()
    kept = g.get("i18n_this_page")
    if kept is None or kept[0] is not this:
        kept = g.i18n_this_page = (this, _this_page())
    return kept[1] + "?" + urlencode(args)


def _this_page() -> str:
    if request.url_rule is not None and request.endpoint:
        try:
            return url_for(request.endpoint, **(request.view_args or {}))
        except BuildError:
            pass
    # Every character that is not plainly part of a path is escaped: no "\\", no control
    # characters, no "?" or "#"; and leading slashes become one.
    return "/" + quote(request.path.lstrip("/\\"), safe="/-._~!$&'()*+,;=:@")


def current() -> Locale:
    return BY_CODE.get(locale_code(), BY_CODE[DEFAULT_LOCALE])


def locale_code() -> str:
    """The request's language code ("nb", "fa_AF"), as str(flask_babel.get_locale())."""
    state = _babel_state()
    found = getattr(state, "babel_locale", None) if state is not None else None
    return str(found if found is not None else flask_babel.get_locale())


def _babel_state() -> Any:
    """flask_babel's state of the request (None before its first look, or without an app).
    Read from the request's g itself: each attribute read through the `g` proxy costs as much
    as the rest of a translation, and a step page translates some twenty times."""
    try:
        return getattr(request_state(), "_flask_babel", None)
    except RuntimeError:
        return None


# Translating, as flask_babel does, with the request's catalog looked up once per request.
# flask_babel finds the request's context, domain, locale and catalog again on every call; a
# page makes dozens of calls. The catalog is kept beside flask_babel's own request state with
# the locale it belongs to, so force_locale() or refresh() (a new locale object) find a new one.


def translations() -> Any:
    state = _babel_state()
    if state is None:  # before flask_babel's first look, or no app
        return flask_babel.get_translations()
    kept = getattr(state, "i18n_translations", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    found = flask_babel.get_translations()
    state.i18n_translations = (getattr(state, "babel_locale", None), found)
    return found


def gettext(string: str, **variables: Any) -> str:
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables  # type: ignore[no-any-return]


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """flask_babel's lazy_gettext (the same LazyString, so it renders alike), translating
    through `gettext` above."""
    return LazyString(gettext, string, **variables)


def init_app(app: Flask) -> None:
    """After babel.init_app: the templates' _() and ngettext() translate through the request's
    catalog looked up once (flask_babel installs callables that look it up on every call)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(
            context, singular, plural, n),
    )
    # The two a page calls (a step page, two dozen times): Jinja's own reach the catalog through
    # three calls each (an alias, the format wrapper, the callable above), each a trip through
    # the template context's call machinery; these do what those do, in one.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext,
                                 ngettext=_template_ngettext)


# As Jinja's newstyle gettext: escaped when the page autoescapes, and always a format string
# ("%%" is a percent sign whether or not variables are given).
@pass_context
def _template_gettext(__context: Context, __string: str, **variables: Any) -> str:
    translated = translations().ugettext(__string)
    if __context.eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables  # type: ignore[no-any-return]


@pass_context
def _template_ngettext(__context: Context, __singular: str, __plural: str, __num: int,
                       **variables: Any) -> str:
    variables.setdefault("num", __num)
    translated = translations().ungettext(__singular, __plural, __num)
    if __context.eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables  # type: ignore[no-any-return]
