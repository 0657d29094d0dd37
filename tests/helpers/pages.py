"""What every page must be, checked on every HTML page the Flask test client fetches
(GOV.UK Notify's `client_request` does the same): the status fits what the page shows, one
`h1`, a title of its own, `lang` and `dir` set, no inline script or style (the CSP would block
it), unique ids, every field labelled, every form posted with a CSRF token, tables with a
caption and scoped headers."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

# What a page may answer: 200, 201 (a user added: the page shows the password once), a 4xx
# that says what is wrong, the generic error page (500) and "not sent" (503). A redirect or a
# download is not a page.
PAGE_STATUSES = frozenset({200, 201, 500, 503} | set(range(400, 500)))
TITLE_SEPARATOR = " – "  # base.html: "<page> – <service name>"


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_attrs: dict[str, str | None] = {}
        self.ids: list[str] = []
        self.label_targets: set[str] = set()
        self.fields: list[str] = []
        self.forms: list[dict[str, object]] = []
        self.h1 = 0
        self.titles: list[str] = []
        self.inline_styles = 0
        self.inline_scripts = 0
        self.header_cells_without_scope = 0
        self.captions = 0
        self.tables = 0
        self.error_summaries = 0
        self._in: str | None = None
        self._svg_depth = 0  # an SVG's own <title> names the picture, not the page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_attrs = attributes
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if "style" in attributes or tag == "style":
            self.inline_styles += 1
        if (tag == "script" and not attributes.get("src")) or any(
                name.startswith("on") for name in attributes):
            self.inline_scripts += 1
        if tag == "h1":
            self.h1 += 1
        if tag == "svg":
            self._svg_depth += 1
        if tag == "title" and not self._svg_depth:
            self.titles.append("")
        self._in = tag
        # A hidden one (the open page's, which its script shows if opening fails) says nothing.
        if ("error-summary" in str(attributes.get("class") or "").split()
                and "hidden" not in attributes):
            self.error_summaries += 1
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(str(attributes["for"]))
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.fields.append(str(attributes.get("id")))
        if tag == "form":
            self.forms.append({"method": attributes.get("method"), "csrf": False})
        if tag == "input" and attributes.get("name") == "csrf_token" and self.forms:
            self.forms[-1]["csrf"] = bool(attributes.get("value"))
        if tag == "th" and "scope" not in attributes:
            self.header_cells_without_scope += 1
        if tag == "caption":
            self.captions += 1
        if tag == "table":
            self.tables += 1

    def handle_endtag(self, tag: str) -> None:
        self._in = None
        if tag == "svg":
            self._svg_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in == "title" and not self._svg_depth:
            self.titles[-1] += data


def check_page(html: str, status: int | None = None) -> None:
    """Fail, saying what is wrong, unless `html` (answered with `status`, when known) is a
    whole page."""
    page = _PageParser()
    page.feed(html)
    page.close()
    if status is not None:
        assert status in PAGE_STATUSES, f"a page answered {status}"
        # An error summary says the form was not taken: 200 would tell a program otherwise.
        assert not page.error_summaries or 400 <= status < 500, f"an error summary with {status}"
        assert status != 422 or page.error_summaries, "422 without an error summary"
    assert page.html_attrs.get("lang") and page.html_attrs.get("dir") in ("ltr", "rtl"), (
        f"html lang/dir: {page.html_attrs}")
    assert page.h1 == 1, f"{page.h1} h1 elements"
    assert len(page.titles) == 1, f"{len(page.titles)} title elements"
    own_title = " ".join(page.titles[0].split()).rpartition(TITLE_SEPARATOR)[0]
    assert own_title.strip(), f"the title {page.titles[0]!r} does not name the page"
    duplicates = sorted({id_ for id_ in page.ids if page.ids.count(id_) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"
    unlabelled = [field for field in page.fields if field not in page.label_targets]
    assert not unlabelled, f"fields without a label: {unlabelled}"
    for form in page.forms:
        assert form["method"] == "post" and form["csrf"], f"a form without CSRF: {form}"
    assert page.captions == page.tables, "a table without a caption"
    assert page.header_cells_without_scope == 0, "a th without scope"
    assert page.inline_styles == 0, "inline style"
    assert page.inline_scripts == 0, "inline script"


class PageCheckingClient(FlaskClient):
    """Flask's test client, checking every HTML page it is answered with (tests/conftest.py
    makes it every app's test client)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        if (response.mimetype == "text/html" and response.request.method != "HEAD"
                and not 300 <= response.status_code < 400):
            try:
                check_page(response.get_data(as_text=True), response.status_code)
            except AssertionError as error:
                raise AssertionError(
                    f"{response.request.method} {response.request.path}: {error}") from None
        return response
