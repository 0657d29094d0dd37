"""Moved to tests/helpers/walks.py (test helpers live in tests/helpers/); import from there.
These names stay importable from here for tests written before the move."""

from tests.helpers.walks import (  # noqa: F401
    MORE_PAGES,
    PATHS,
    Person,
    child,
    private_anonymous,
    private_named,
    professional,
    sending_freely,
    start,
)
