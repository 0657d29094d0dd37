"""Hostile input, generated: any Unicode (right-to-left overrides, zero-width and control
characters, NUL, emoji), bytes that are not UTF-8 (lone surrogates as a browser would percent-
encode them), 100 KB pastes, wrong types, missing and duplicated fields, forged and replayed
CSRF tokens, forged, truncated and replayed cookies; posted to every wizard step, every inbox
route and the pull API.

The promise (DESIGN.md, "Bad input gets a clear message and loses nothing"): never a 5xx; a
clear 4xx or the form again with a message; a reporter's draft survives any bad request (their
answers are all still there and the walk goes on to the receipt); nothing hostile comes back
unescaped. Each test prints how many hostile requests it made (`pytest -s`) and records it.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import update
from wtforms.fields.core import UnboundField

from database import Database, utcnow
from intake import drafts, journey
from intake.drafts import DraftKey
from intake.forms import FORMS
from intake.models import Draft
from routing.models import Envelope, EnvelopeState
from tests.helpers import REFERENCE_RE, csrf_token
from tests.helpers.inbox import deliver_report, report_document, sign_in
from tests.helpers.pull_api import send as send_to_api
from tests.helpers.pull_api import token_for
from tests.helpers.services import add_service

PROJECT = Path(__file__).resolve().parents[2]


def hostile_settings(examples: int) -> settings:
    # No example database: it would write generated input into the working tree, where the
    # no-plaintext test looks for canaries. No deadline: a 100 KB paste takes its time.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# --- what hostile input looks like -----------------------------------------------------------

HOSTILE_CHARACTERS = (
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "\x00", "\x01", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\r", "\n", "\t", "\u2028",
    "\u2029", "\ufffd", "\uffff", "😢", "🧒🏽", "👨‍👩‍👧", "ع", "ø", "Å", "\u0301", "٣", "²",
    "<", ">", "&", '"', "'", "%", "=", "+", ";", "\\", "/", ".", " ",
)
# Markup that must come back escaped; a tag named x-probe in a response means it did not.
PROBES = (
    "<x-probe>", '"><x-probe a=1>', "'><x-probe>", "</textarea><x-probe>",
    "<script>x_probe()</script>", "<!--<x-probe>-->", "{{ 7*7 }}<x-probe>",
)
# Bytes a form can carry that are not UTF-8: a lone surrogate as CESU-8, overlong forms,
# stray continuation bytes, and percent sequences that decode to them.
NOT_UTF8 = (
    b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80",
    b"\x80", b"%", b"%zz", b"%ED%A0%80", b"%F0%9F", b"\x00",
)
# Answers the forms know, so generated requests also get past the validators.
KNOWN_VALUES = (
    "yes", "no", "unsure", "private", "professional", "child", "named", "anonymous",
    "confidential", "0150", "2100", "9170", "0301", "4601", "unknown", "neglect", "violence",
    "seen-heard", "several", "y", "1", "0", "-1", "99999999999999999999", "1e309", "nan",
    "01018012371", "27.3.2015", "31.02.2015", "back", "language", "remove-1", "remove-2",
    "remove-99999999999999999999", "remove-٣", "unknown-postal-code", "unknown-where", "true",
    "[]", "{}", "null",
)
ACTIONS = ("", "back", "language", "remove-1", "remove-2", "unknown-postal-code", "unknown-where")


def _paste(unit: str, size: int) -> str:
    return unit * (size // len(unit.encode("utf-8")) + 1)


pastes = st.builds(
    _paste,
    st.sampled_from(["a", "Ø", "😢", "\u202e\u200b", "<x-probe>", "\x00", "ab\r\n"]),
    st.sampled_from([100_000, 100_000, 300_000]),
)
short_text = st.one_of(
    st.text(max_size=80),  # any code point that UTF-8 can carry
    st.lists(st.sampled_from(HOSTILE_CHARACTERS) | st.characters(), max_size=40).map("".join),
    st.sampled_from(PROBES),
    st.sampled_from(KNOWN_VALUES),
)
text_values = st.one_of(short_text, pastes)
byte_values = st.one_of(
    # surrogatepass: a lone surrogate becomes the bytes a careless client would send for it.
    text_values.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(NOT_UTF8),
    st.binary(max_size=24),
    st.tuples(short_text, st.sampled_from(NOT_UTF8)).map(
        lambda t: t[0].encode("utf-8", "surrogatepass") + t[1]),
)


def field_names(step: str) -> list[str]:
    form = FORMS[journey.kind(step)] if journey.is_step(step) else FORMS["check"]
    return sorted(name for name, value in vars(form).items() if isinstance(value, UnboundField))


ALL_FIELDS = sorted({name for step in FORMS for name in field_names(step)})


def pairs_for(names: list[str]) -> st.SearchStrategy[list[tuple[bytes, bytes]]]:
    """Form fields in any order, some missing, some twice, some unknown."""
    keys = st.one_of(
        st.sampled_from([*names, "action", "csrf_token"] if names else ["action", "csrf_token"]),
        st.sampled_from(ALL_FIELDS),
        short_text,
    ).map(lambda key: key.encode("utf-8", "surrogatepass"))
    return st.lists(st.tuples(keys, byte_values), max_size=8)


BODY_KINDS = ("urlencoded", "urlencoded", "urlencoded", "raw", "json", "multipart",
              "multipart-truncated", "text", "none")


def encode_body(pairs: list[tuple[bytes, bytes]], kind: str) -> dict[str, Any]:
    """The keyword arguments for the test client's `open`: the body as a browser (or not) would
    send it."""
    if kind == "urlencoded":
        body = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)
        return {"data": body.encode("ascii"), "content_type": "application/x-www-form-urlencoded"}
    if kind == "raw":  # not percent-encoded at all: '&', '=', '%' and bytes as they come
        return {"data": b"&".join(k + b"=" + v for k, v in pairs),
                "content_type": "application/x-www-form-urlencoded"}
    as_text = [(k.decode("utf-8", "replace"), v.decode("utf-8", "replace")) for k, v in pairs]
    if kind == "json":
        return {"data": json.dumps(dict(as_text)), "content_type": "application/json"}
    if kind.startswith("multipart"):
        from werkzeug.test import encode_multipart

        values: dict[str, Any] = {}
        for key, value in as_text:
            values.setdefault(key.replace("\x00", "") or "x", value)
        values["upload"] = (io.BytesIO(b"\x00\xff" * 100), "../../etc/passwd\x00.txt")
        boundary, body = encode_multipart(values)
        if kind == "multipart-truncated":
            body = body[: len(body) // 2]
        return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
    if kind == "text":
        return {"data": b"\n".join(k + b"=" + v for k, v in pairs), "content_type": "text/plain"}
    return {"data": b"&".join(k + b"=" + v for k, v in pairs)}


def with_token(pairs: list[tuple[bytes, bytes]], token: str | None, position: int
               ) -> list[tuple[bytes, bytes]]:
    if token is None:
        return pairs
    pairs = list(pairs)
    pairs.insert(min(position, len(pairs)), (b"csrf_token", token.encode("utf-8")))
    return pairs


def forge_token(valid: str, how: str, other: str) -> str | None:
    """A CSRF token that must not be accepted, or none at all."""
    return {
        "missing": None,
        "empty": "",
        "garbage": "not-a-token",
        "truncated": valid[: len(valid) // 2],
        "flipped": valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"),
        "other-session": other,  # replayed from someone else's page
        "unicode": valid + "\u202e\x00",
    }[how]


FORGED_TOKENS = ("missing", "empty", "garbage", "truncated", "flipped", "other-session",
                 "unicode")


# --- what every response must be --------------------------------------------------------------


def _template_tags() -> frozenset[str]:
    """The tags the site writes: in its templates, and in form_markup.py, which writes the
    form fields' markup for them."""
    found: set[str] = set()
    for source in [*(PROJECT / "templates").rglob("*.html"), PROJECT / "form_markup.py"]:
        found.update(re.findall(r"<([a-z][a-z0-9]*)", source.read_text(encoding="utf-8")))
    return frozenset(found | {"html", "head", "body"})


SITE_TAGS = _template_tags()


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.foreign: list[str] = []
        self.handlers: list[str] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SITE_TAGS:
            self.foreign.append(tag)
        self.handlers += [name for name, _value in attrs if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def check_no_markup_reflected(response: Any) -> None:
    """Whatever was sent, the page holds only the site's own tags, no event handlers, no
    inline script, and no probe."""
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    assert "<x-probe" not in html and "<script>x_probe" not in html, "markup came back unescaped"
    page = _Markup()
    page.feed(html)
    assert not page.foreign, f"tags the templates do not have: {page.foreign[:5]}"
    assert not page.handlers and not page.inline_scripts, "script came back in the page"


def check_clear_answer(response: Any, allowed: set[int]) -> None:
    """Never a 5xx; a 422 is the form again with the error summary; another 4xx is a page that
    says what happened."""
    status = response.status_code
    assert status < 500, f"{status}: a server error for bad input"
    assert status in allowed, f"{status} is not one of {sorted(allowed)}"
    if status == 422 and response.mimetype == "text/html":
        assert 'class="error-summary"' in response.get_data(as_text=True), "422 without a message"
    elif 400 <= status < 500 and response.mimetype == "text/html":
        assert "<h1>" in response.get_data(as_text=True), f"{status} without a heading"
    elif 400 <= status < 500:
        assert response.mimetype == "application/json" and response.get_json()["error"]
    check_no_markup_reflected(response)


class Tally:
    """How many hostile requests a test made, printed and recorded for the run's report."""

    def __init__(self, name: str, record: Callable[[str, object], None]) -> None:
        self.name = name
        self.record = record
        self.requests = 0
        self.statuses: dict[int, int] = {}

    def count(self, response: Any) -> None:
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1

    def report(self) -> None:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        print(f"\n{self.name}: {self.requests} hostile requests ({statuses})")
        self.record("hostile_requests", self.requests)
        self.record("statuses", statuses)
        assert self.requests > 0


# --- reporters' walks -------------------------------------------------------------------------

CONCERN = "Barnet kommer ofte sulten på skolen og sier at ingen er hjemme."
WALKS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "private": [
        ("emergency", {"answer": "no"}),
        ("reporter-type", {"reporter_type": "private"}),
        ("location", {"postal_code": "0150"}),
        ("location-confirm", {"confirmed": "yes"}),
        ("anonymity", {"anonymity": "named"}),
        ("child-1-name", {"name": "Aisha Ødegård"}),
        ("child-1-age", {"age": "6"}),
        ("child-1-address", {"address": "Storgata 1"}),
        ("child-1-relation", {"relation": "neighbour"}),
        ("children", {"add_another": "no"}),
        ("parents", {"lives_with": "Mor og to søsken"}),
        ("topics", {"topics": "neglect"}),
        ("concern", {"description": CONCERN}),
        ("source", {"sources": "seen-heard"}),
        ("timing", {"frequency": "several", "since": "Mars 2026"}),
        ("child-views", {}),
        ("interpreter", {"needed": "no"}),
        ("about-you", {"name": "Kari Nordmann", "phone": "912 34 567"}),
    ],
    "professional": [
        ("emergency", {"answer": "unsure"}),
        ("emergency-call", {}),
        ("reporter-type", {"reporter_type": "professional"}),
        ("location", {"action": "unknown-postal-code"}),
        ("municipality", {"municipality": "0301"}),
        ("child-1-name", {"name": "Jonas Berg"}),
        ("child-1-age", {"national_id": "01018012371"}),
        ("child-1-address", {"address": "Skolegata 2"}),
        ("child-1-told", {"told": "yes"}),
        ("children", {"add_another": "no"}),
        ("parents", {"parent1_name": "Kari Forelder", "parent1_phone": "+47 912 34 567"}),
        ("parents-told", {"told": "no", "why_not": "Mistanke om vold."}),
        ("topics", {"topics": "violence"}),
        ("concern", {"description": CONCERN}),
        ("source", {"sources": "child-told"}),
        ("timing", {"frequency": "once"}),
        ("background", {"background": "Ny elev i høst."}),
        ("child-views", {"views": "Vil bo hos mormor."}),
        ("interpreter", {}),
        ("about-you", {"name": "Per Lærer", "role": "Kontaktlærer", "workplace": "Skolen",
                       "workplace_address": "Skoleveien 1, 0150 Oslo",
                       "organisation_number": "974760673", "phone": "91234567",
                       "email": "per@skolen.example"}),
    ],
    "child": [
        ("emergency", {"answer": "no"}),
        ("reporter-type", {"reporter_type": "child"}),
        ("location", {"action": "unknown-where"}),
        ("municipality", {"municipality": "unknown"}),
        ("own-municipality", {"municipality": "0301"}),
        ("child-1-name", {"name": ""}),
        ("child-1-age", {"age": "14"}),
        ("topics", {}),
        ("concern", {"description": "Det er vanskelig hjemme."}),
        ("timing", {}),
        ("child-views", {}),
        ("about-you", {"safe_contact": "Ring skolen"}),
    ],
}


def page_token(client: Any) -> str:
    response = client.get("/report/emergency")
    assert response.status_code == 200
    return csrf_token(response.get_data(as_text=True))


def post_step(client: Any, step: str, data: dict[str, str], token: str) -> Any:
    return client.post(f"/report/{step}", data={**data, "csrf_token": token})


def walk_to_check(client: Any, walk: list[tuple[str, dict[str, str]]]) -> str:
    token = page_token(client)
    for step, data in walk:
        response = post_step(client, step, data, token)
        assert response.status_code == 303, (step, response.status_code)
    assert client.get("/report/check").status_code == 200
    return token


def draft_of(client: Any, database: Database) -> drafts.DraftData | None:
    cookie = client.get_cookie("draft")
    key = DraftKey.from_cookie(cookie.value if cookie else None)
    if key is None:
        return None
    with database.session() as session:
        return drafts.load(session, key)


def fresh_copy(client: Any, database: Database, template: DraftKey) -> None:
    """Give the client its own copy of the template draft (same key, new id), so every example
    starts from the same walked draft whatever the one before did."""
    copy = DraftKey(secrets.token_hex(16), template.key)
    with database.session() as session:
        row = session.get(Draft, template.draft_id)
        session.add(Draft(id=copy.draft_id, ciphertext=row.ciphertext, version=row.version,
                          expires_at=row.expires_at))
    client.set_cookie("draft", copy.to_cookie())


def answers_that_matter(draft: drafts.DraftData) -> tuple[dict[str, Any], set[str]]:
    """The answers and complete steps, less what a request may legitimately add: the check
    page's own field, and the count of a single child."""
    answers = {step: dict(values) for step, values in draft.answers.items() if step != "check"}
    if answers.get("children", {}).get("count") == "1":
        del answers["children"]["count"]
    return answers, set(draft.done) - {"check"}


def finish_walk(client: Any, walk: list[tuple[str, dict[str, str]]], token: str) -> None:
    """Answer whatever the journey asks for again, with the walk's own answers, until the check
    page shows; a child added on the way is answered like the first, then removed."""
    answers = dict(walk)
    for _ in range(60):
        response = client.get("/report/check")
        if response.status_code == 200:
            break
        assert response.status_code == 302, response.status_code
        step = response.location.rsplit("/", 1)[-1].split("?")[0]
        parsed = journey.parse_child_step(step)
        data = answers.get(journey.child_step(1, parsed[1]) if parsed else step, {})
        assert post_step(client, step, data, token).status_code == 303, step
    else:
        raise AssertionError("the walk does not reach the check page")
    database = client.application.extensions["database"]
    draft = draft_of(client, database)
    assert draft is not None
    count = journey.child_count(draft.answers)
    if count > 1:
        for index in range(count, 1, -1):
            response = post_step(client, "children", {"action": f"remove-{index}"}, token)
            assert response.status_code == 303
        assert post_step(client, "children", answers["children"], token).status_code == 303
        assert client.get("/report/check").status_code == 200


def send_and_read_receipt(client: Any, token: str) -> str:
    response = client.post("/report/send", data={"declaration": "y", "csrf_token": token})
    assert response.status_code == 303 and response.location.endswith("/report/receipt")
    receipt = client.get("/report/receipt")
    found = REFERENCE_RE.search(receipt.get_data(as_text=True))
    assert receipt.status_code == 200 and found, "no reference on the receipt"
    return found.group(1)


@pytest.fixture
def oslo(database: Database) -> None:
    add_service(database, "oslo", "0301")


# Every step name the wizard knows, a child it does not, and a name that is no step at all.
WIZARD_TARGETS = sorted(journey.FIXED_NAMES) + [
    journey.child_step(1, step.name) for step in journey.PER_CHILD
] + ["child-2-name", "child-11-name", "child-0-age", "no-such-step", "send"]
WIZARD_ALLOWED = {302, 303, 400, 404, 405, 413, 422}


@pytest.mark.parametrize("reporter", sorted(WALKS))
def test_no_hostile_post_to_a_wizard_step_breaks_the_page_or_the_draft(
        app, client, database, oslo, reporter, record_property):
    walk = WALKS[reporter]
    token = walk_to_check(client, walk)
    other_token = page_token(app.test_client())
    before = answers_that_matter(draft_of(client, database))
    template = DraftKey.from_cookie(client.get_cookie("draft").value)
    original = dict(walk)
    tally = Tally(f"wizard steps, {reporter} reporter", record_property)

    @hostile_settings(examples=45)
    @given(
        step=st.sampled_from(WIZARD_TARGETS),
        data=st.data(),
        kind=st.sampled_from(BODY_KINDS),
        csrf=st.sampled_from(("valid", "valid", *FORGED_TOKENS)),
        position=st.integers(0, 8),
        change=st.sampled_from([None, "1", "\u202e<x-probe>"]),
    )
    def hostile_post(step: str, data: st.DataObject, kind: str, csrf: str, position: int,
                     change: str | None) -> None:
        fresh_copy(client, database, template)
        pairs = data.draw(pairs_for(field_names(step)), label="fields")
        if step == "send" and csrf == "valid":
            csrf = "flipped"  # a valid send would end the walk here
        sent_token = token if csrf == "valid" else forge_token(token, csrf, other_token)
        path = "/report/send" if step == "send" else f"/report/{quote(step)}"
        query = {"change": change} if change else {}
        response = client.post(path, query_string=query,
                               **encode_body(with_token(pairs, sent_token, position), kind))
        tally.count(response)
        check_clear_answer(response, WIZARD_ALLOWED)

        # Only the step posted to may have changed; every other answer is as it was.
        after = draft_of(client, database)
        assert after is not None and after.sent is None, "the draft is gone"
        answers, _done = answers_that_matter(after)
        touched = {"check", step, "children"} if step != "send" else {"check"}
        assert {s: v for s, v in answers.items() if s not in touched} == {
            s: v for s, v in before[0].items() if s not in touched}, "another step's answer changed"
        # The reporter puts their own answer back and goes on: everything is as before.
        if step in original:
            assert post_step(client, step, original[step], token).status_code == 303
        finish_walk(client, walk, token)
        assert answers_that_matter(draft_of(client, database)) == before

    hostile_post()
    fresh_copy(client, database, template)
    reference = send_and_read_receipt(client, token)
    with database.session() as session:
        assert session.query(Envelope).filter_by(reference=reference).one().state == (
            EnvelopeState.ACCEPTED)
    tally.report()


# --- cookies: forged, truncated, replayed ------------------------------------------------------


def _flip_key(cookie: str) -> str:
    draft_id, key = cookie.split(".")
    return f"{draft_id}.{key[::-1]}" if key[::-1] != key else f"{draft_id}.{'A' * len(key)}"


@pytest.fixture
def reporters(app, database, oslo) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A reporter at the check page, one whose report was sent, one who deleted theirs, and one
    whose draft ran out (its row not yet purged)."""
    walking = app.test_client()
    walking_token = walk_to_check(walking, WALKS["private"])
    sent = app.test_client()
    send_and_read_receipt(sent, walk_to_check(sent, WALKS["child"]))
    deleted = app.test_client()
    post_step(deleted, "emergency", {"answer": "no"}, page_token(deleted))
    deleted_cookie = deleted.get_cookie("draft").value
    deleted.post("/report/delete", data={"csrf_token": page_token(deleted)})
    expired = app.test_client()
    post_step(expired, "emergency", {"answer": "no"}, page_token(expired))
    expired_key = DraftKey.from_cookie(expired.get_cookie("draft").value)
    with database.session() as session:
        session.execute(update(Draft).where(Draft.id == expired_key.draft_id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
    return {
        "walking": walking, "walking_token": walking_token,
        "walking_cookie": walking.get_cookie("draft").value,
        "walking_session": walking.get_cookie("session").value,
        "sent_cookie": sent.get_cookie("draft").value,
        "deleted_cookie": deleted_cookie,
        "expired_cookie": expired.get_cookie("draft").value,
    }


def draft_cookies(reporters: dict[str, Any]) -> st.SearchStrategy[str | None]:
    real = reporters["walking_cookie"]
    draft_id = real.split(".")[0]
    latin1 = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n;"), max_size=80)
    return st.one_of(
        st.none(),
        st.integers(0, len(real) - 1).map(lambda cut: real[:cut]),  # truncated
        st.just(_flip_key(real)),  # the right draft, the wrong key
        st.binary(min_size=32, max_size=32).map(
            lambda key: f"{draft_id}.{__import__('base64').urlsafe_b64encode(key).decode()}"),
        st.sampled_from([reporters["sent_cookie"], reporters["deleted_cookie"],
                         reporters["expired_cookie"]]),  # replayed
        st.just(real + "." + real), st.just(real.replace(".", "\x00")),
        st.just("\x00" * 32 + "." + real.split(".")[1]),
        latin1,
    )


def session_cookies(app: Any, reporters: dict[str, Any]) -> st.SearchStrategy[str | None]:
    real = reporters["walking_session"]
    wrong_key = URLSafeTimedSerializer("not the app's secret key", salt="cookie-session",
                                       signer_kwargs={"key_derivation": "hmac",
                                                      "digest_method": __import__("hashlib").sha1})
    return st.one_of(
        st.none(),
        st.just(real),  # replayed by another browser
        st.integers(0, len(real) - 1).map(lambda cut: real[:cut]),
        st.just(wrong_key.dumps({"inbox_user": 1, "inbox_since": 0, "inbox_seen": 0,
                                 "lang": "\u202e<x-probe>"})),
        st.just(wrong_key.dumps({"csrf_token": "x" * 40})),
        st.text(st.characters(max_codepoint=255, exclude_characters="\r\n;"), max_size=60),
    )


COOKIE_TARGETS = (
    [("GET", f"/report/{step}") for step in sorted(journey.FIXED_NAMES)]
    + [("POST", f"/report/{step}") for step in sorted(journey.FIXED_NAMES)]
    + [("POST", "/report/child-1-name"), ("GET", "/report/child-1-age"),
       ("POST", "/report/send"), ("GET", "/report/receipt"), ("POST", "/report/delete"),
       ("GET", "/exit"), ("GET", "/"), ("GET", "/inbox/"), ("POST", "/inbox/login"),
       ("GET", "/inbox/login/code"), ("POST", "/inbox/logout")]
)


def test_forged_truncated_and_replayed_cookies_get_a_clear_answer_and_harm_no_draft(
        app, database, reporters, record_property):
    walking = reporters["walking"]
    before = answers_that_matter(draft_of(walking, database))
    tally = Tally("forged cookies", record_property)
    valid_token = reporters["walking_token"]

    @hostile_settings(examples=150)
    @given(
        target=st.sampled_from(COOKIE_TARGETS),
        draft_cookie=draft_cookies(reporters),
        session_cookie=session_cookies(app, reporters),
        csrf=st.sampled_from(("valid", *FORGED_TOKENS)),
        answer=st.sampled_from(["no", "yes", "\u202e<x-probe>"]),
    )
    def forged(target: tuple[str, str], draft_cookie: str | None, session_cookie: str | None,
               csrf: str, answer: str) -> None:
        stranger = app.test_client()
        if draft_cookie is not None:
            stranger.set_cookie("draft", draft_cookie)
        if session_cookie is not None:
            stranger.set_cookie("session", session_cookie)
        method, path = target
        token = valid_token if csrf == "valid" else forge_token(valid_token, csrf, "")
        data = {"answer": answer, "declaration": "y", "username": answer, "password": answer,
                **({"csrf_token": token} if token is not None else {})}
        response = stranger.open(path, method=method, data=data if method == "POST" else None)
        tally.count(response)
        check_clear_answer(response, {200, 302, 303, 400, 404, 405, 410, 422, 429, 401})
        # The reporter whose cookie was forged or cut still has every answer.
        assert answers_that_matter(draft_of(walking, database)) == before

    forged()
    finish_walk(walking, WALKS["private"], valid_token)
    send_and_read_receipt(walking, valid_token)
    tally.report()


# --- the inbox ---------------------------------------------------------------------------------


def hostile_segment() -> st.SearchStrategy[str]:
    """A path segment as it arrives percent-encoded: any text, bytes that are not UTF-8."""
    return st.one_of(
        short_text.map(lambda text: quote(text, safe="")),
        byte_values.map(lambda raw: quote_from_bytes(raw[:200], safe="")),
        st.sampled_from(["..", "%2e%2e", "0" * 32, "f" * 32, "F" * 32, "%00", "0" * 10_000]),
    )


def inbox_targets(app: Any) -> list[tuple[str, str]]:
    targets = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("inbox."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                targets.append((method, rule.rule))
    return sorted(targets)


def fill_rule(rule: str, draw: Callable[[Any], Any], envelope_id: str, user_id: int) -> str:
    def segment(found: re.Match[str]) -> str:
        if found.group(1) == "int":
            number = draw(st.one_of(st.just(user_id), st.integers(0, 2**70)))
            return str(number)
        return draw(st.one_of(st.just(envelope_id), hostile_segment()))

    return re.sub(r"<(?:(\w+):)?\w+>", segment, rule)


def test_no_hostile_request_to_an_inbox_route_gets_a_server_error(
        app, client, database, services, record_property):
    envelope = deliver_report(database, "0301", report_document("Bekymret for barnet"))
    assert sign_in(client, "oslo-admin").status_code == 303
    signed_in_token = csrf_token(client.get("/inbox/admin/users").get_data(as_text=True))
    stranger = app.test_client()
    stranger_token = csrf_token(stranger.get("/inbox/login").get_data(as_text=True))
    with database.session() as session:
        from inbox.models import IntakeUser

        member_id = session.query(IntakeUser).filter_by(username="olsen").one().id
    targets = inbox_targets(app)
    tally = Tally("inbox routes", record_property)

    @hostile_settings(examples=120)
    @given(data=st.data(), kind=st.sampled_from(BODY_KINDS),
           csrf=st.sampled_from(("valid", "valid", *FORGED_TOKENS)),
           signed_in=st.booleans(), position=st.integers(0, 8))
    def hostile_request(data: st.DataObject, kind: str, csrf: str, signed_in: bool,
                        position: int) -> None:
        method, rule = data.draw(st.sampled_from(targets), label="route")
        if signed_in and rule.endswith("/logout"):
            signed_in = False  # signing out is what it should do; ask as a stranger instead
        who, valid = (client, signed_in_token) if signed_in else (stranger, stranger_token)
        path = fill_rule(rule, data.draw, envelope.id, member_id)
        query = data.draw(st.dictionaries(st.sampled_from(["state", "lang", "expired", "x"]),
                                          short_text, max_size=3), label="query")
        names = ["username", "password", "code"]
        if path.endswith("/login") and kind in ("urlencoded", "raw") and signed_in is False:
            names = ["username", "password"]
        pairs = data.draw(pairs_for(names), label="fields") if method == "POST" else []
        token = valid if csrf == "valid" else forge_token(valid, csrf, "")
        # As the bytes a careless client would send: a lone surrogate cannot be UTF-8.
        query_string = urlencode({name: value.encode("utf-8", "surrogatepass")
                                  for name, value in query.items()})
        response = who.open(path, method=method, query_string=query_string,
                            **encode_body(with_token(pairs, token, position), kind))
        tally.count(response)
        # 308: a %2F in an id decodes to "//", which the router answers with its canonical
        # path (slashes merged) on this same site; the next request is then a 404.
        check_clear_answer(response, {200, 201, 302, 303, 308, 400, 401, 404, 405, 413, 422, 429})
        if response.status_code == 308:
            assert response.location.startswith(("/", "http://localhost/")), response.location
        if signed_in:
            assert client.get("/inbox/").status_code == 200, "the team member was signed out"

    hostile_request()
    with database.session() as session:
        assert session.get(Envelope, envelope.id) is not None
    tally.report()


# --- the pull API ------------------------------------------------------------------------------


def test_no_hostile_request_to_the_pull_api_gets_a_server_error(
        app, client, database, oslo, record_property):
    add_service(database, "bergen", "4601")
    replaced = token_for(database, "oslo")
    token = token_for(database, "oslo")  # the first one is now replaced: a replayed token
    bergen = token_for(database, "bergen")
    envelope_id = send_to_api(database, "0301", "Bekymring")
    targets = sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                     if rule.endpoint.startswith("api.")
                     for method in rule.methods - {"HEAD", "OPTIONS"})
    latin1 = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80)
    authorizations = st.one_of(
        st.none(), st.just(f"Bearer {token}"), st.just(f"Bearer {replaced}"),
        st.just(f"Bearer {bergen}"), st.just(f"Bearer {token[:-5]}"),
        st.just(f"Bearer {token}\x00"), st.just(f"bearer   {token}  "),
        st.just("Bearer oslo.\x00"), st.just("Bearer \x00.\x00"), st.just("Basic b3NsbzpwYXNz"),
        latin1.map(lambda text: f"Bearer {text}"), latin1,
    )
    tally = Tally("pull API", record_property)

    @hostile_settings(examples=120)
    @given(data=st.data(), authorization=authorizations, kind=st.sampled_from(BODY_KINDS))
    def hostile_request(data: st.DataObject, authorization: str | None, kind: str) -> None:
        method, rule = data.draw(st.sampled_from(targets), label="route")
        path = fill_rule(rule, data.draw, envelope_id, 0)
        query = data.draw(st.dictionaries(st.sampled_from(["state", "since", "limit"]),
                                          short_text, max_size=2), label="query")
        pairs = data.draw(pairs_for(["id"]), label="body")
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = client.open(path, method=method, query_string=query, headers=headers,
                               **encode_body(pairs, kind))
        tally.count(response)
        check_clear_answer(response, {200, 400, 401, 404, 405, 413})
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")

    hostile_request()
    with database.session() as session:
        assert session.get(Envelope, envelope_id) is not None
    tally.report()

