"""Tests classified by the fixtures they use: collected (never run) by
tests/integration/test_markers.py; a normal run does not collect them (not test_*.py)."""


def test_uses_the_browser(browser):  # type: ignore[no-untyped-def]
    pass


def test_uses_a_live_system(live_system):  # type: ignore[no-untyped-def]
    pass


def test_uses_the_app(app):  # type: ignore[no-untyped-def]
    pass


def test_uses_nothing() -> None:
    pass
