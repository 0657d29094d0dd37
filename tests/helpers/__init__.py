"""Test helpers, in one place: test modules import from here, never from one another.

The wizard walk (`from tests.helpers import Wizard, walk_private, ...`) is re-exported here,
where it lived when this was one module.
"""

from tests.helpers.wizard import (
    CSRF_RE,
    REFERENCE_RE,
    FlaskTransport,
    HttpTransport,
    Page,
    Transport,
    Wizard,
    csrf_token,
    walk_private,
    walk_professional,
)

__all__ = [
    "CSRF_RE",
    "REFERENCE_RE",
    "FlaskTransport",
    "HttpTransport",
    "Page",
    "Transport",
    "Wizard",
    "csrf_token",
    "walk_private",
    "walk_professional",
]
