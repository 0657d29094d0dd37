"""Walking the wizard as a browser without JavaScript would: GET each page, read its CSRF
token from the HTML, POST the answers, follow the redirect. Works over real HTTP (requests) and
with Flask's test client."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
REFERENCE_RE = re.compile(r'class="reference"[^>]*>([A-Z0-9]{8})<')


def csrf_token(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@dataclass
class Page:
    status: int
    html: str
    location: str | None = None


class Transport(Protocol):
    def get(self, path: str) -> Page: ...
    def post(self, path: str, data: Mapping[str, Any]) -> Page: ...


class FlaskTransport:
    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, path: str) -> Page:
        response = self.client.get(path)
        return Page(response.status_code, response.get_data(as_text=True), response.location)

    def post(self, path: str, data: Mapping[str, Any]) -> Page:
        response = self.client.post(path, data=dict(data))
        return Page(response.status_code, response.get_data(as_text=True), response.location)


class HttpTransport:
    def __init__(self, base_url: str) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def get(self, path: str) -> Page:
        response = self.session.get(self.base_url + path, allow_redirects=False, timeout=30)
        return Page(response.status_code, response.text, response.headers.get("Location"))

    def post(self, path: str, data: Mapping[str, Any]) -> Page:
        response = self.session.post(
            self.base_url + path, data=dict(data), allow_redirects=False, timeout=30
        )
        return Page(response.status_code, response.text, response.headers.get("Location"))


@dataclass
class Wizard:
    transport: Transport
    visited: list[str] = field(default_factory=list)

    def answer(self, step: str, data: Mapping[str, Any], expect: int = 303) -> Page:
        path = f"/report/{step}"
        page = self.transport.get(path)
        assert page.status == 200, f"GET {path} gave {page.status}"
        result = self.transport.post(path, {**data, "csrf_token": csrf_token(page.html)})
        assert result.status == expect, f"POST {path} gave {result.status}, not {expect}"
        self.visited.append(step)
        return result

    def send(self) -> str:
        """Confirm the declaration, send, and return the reference on the receipt."""
        page = self.transport.get("/report/check")
        assert page.status == 200, f"GET /report/check gave {page.status}"
        result = self.transport.post(
            "/report/send", {"declaration": "y", "csrf_token": csrf_token(page.html)}
        )
        assert result.status == 303 and result.location and result.location.endswith(
            "/report/receipt"
        ), f"send gave {result.status} {result.location}"
        receipt = self.transport.get("/report/receipt")
        found = REFERENCE_RE.search(receipt.html)
        assert receipt.status == 200 and found, "the receipt shows no reference"
        return found.group(1)


def walk_private(wizard: Wizard, *, child: Mapping[str, str], concern: str,
                 you: Mapping[str, str] | None = None, postal_code: str = "0150",
                 address: Mapping[str, str] | None = None) -> str:
    """A private person: named if `you` gives a name, otherwise anonymous."""
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": "private"})
    wizard.answer("location", {"postal_code": postal_code})
    wizard.answer("location-confirm", {"confirmed": "yes"})
    named = bool(you and you.get("name"))
    wizard.answer("anonymity", {"anonymity": "named" if named else "anonymous"})
    wizard.answer("child-1-name", child)
    wizard.answer("child-1-age", {"age": child.get("age", "")})
    wizard.answer("child-1-address", address or {"address": "Storgata 1"})
    wizard.answer("child-1-relation", {"relation": "neighbour"})
    wizard.answer("children", {"add_another": "no"})
    wizard.answer("parents", {})
    wizard.answer("topics", {"topics": "neglect"})
    wizard.answer("concern", {"description": concern})
    wizard.answer("source", {"sources": "seen-heard"})
    wizard.answer("timing", {"frequency": "several"})
    wizard.answer("child-views", {})
    wizard.answer("interpreter", {})
    if named:
        wizard.answer("about-you", you or {})
    return wizard.send()


def walk_professional(wizard: Wizard, *, child: Mapping[str, str], concern: str,
                      you: Mapping[str, str], municipality: str = "0301",
                      national_id: str = "01018012371") -> str:
    wizard.answer("emergency", {"answer": "unsure"})
    wizard.answer("emergency-call", {})
    wizard.answer("reporter-type", {"reporter_type": "professional"})
    wizard.answer("location", {"action": "unknown-postal-code"})
    wizard.answer("municipality", {"municipality": municipality})
    wizard.answer("child-1-name", {"name": child["name"]})
    wizard.answer("child-1-age", {"national_id": national_id})
    wizard.answer("child-1-address", {"address": child.get("address", "Skolegata 2")})
    wizard.answer("child-1-told", {"told": "yes"})
    wizard.answer("children", {"add_another": "no"})
    wizard.answer("parents", {"parent1_name": child.get("parent", "Kari Forelder")})
    wizard.answer("parents-told", {"told": "no", "why_not": "Mistanke om vold."})
    wizard.answer("topics", {"topics": "violence"})
    wizard.answer("concern", {"description": concern})
    wizard.answer("source", {"sources": "child-told"})
    wizard.answer("timing", {"frequency": "once"})
    wizard.answer("background", {"background": child.get("background", "Ny elev i høst.")})
    wizard.answer("child-views", {})
    wizard.answer("interpreter", {})
    wizard.answer("about-you", {"workplace_address": "Skoleveien 1, 5003 Bergen", **you})
    return wizard.send()


def answer_opening(wizard: Wizard, reporter_type: str = "private") -> None:
    """The first four steps: no emergency, the reporter type, Oslo's postal code, confirmed."""
    wizard.answer("emergency", {"answer": "no"})
    wizard.answer("reporter-type", {"reporter_type": reporter_type})
    wizard.answer("location", {"postal_code": "0150"})
    wizard.answer("location-confirm", {"confirmed": "yes"})
