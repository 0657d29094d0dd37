"""What a test needs beyond Python, SQLite and the session's Redis, as pytest markers: applied
from where the test lives and the fixtures it uses, so a new test is classified without a list
to keep up, and enforced, so that `-m "not browser"` means what it says. `make check` and the
two passes of `make test` select by them (README, "Tests").

To add a need (a container engine, say): one more `Need` in NEEDS, with the directory its tests
live in, the fixtures that provide it, and the programs only its tests may start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import TEST_DATABASE

TESTS = Path(__file__).resolve().parent

Matcher = Callable[[Sequence[str]], bool]


def program(name: str, *words: str) -> Matcher:
    """A command line that runs `name` (from any directory) with each of `words` among its
    arguments."""

    def matches(argv: Sequence[str]) -> bool:
        return bool(argv) and Path(argv[0]).name == name and all(w in argv[1:] for w in words)

    matches.__doc__ = " ".join((name, *words))
    return matches


@dataclass(frozen=True)
class Need:
    marker: str
    meaning: str
    directories: tuple[str, ...] = ()  # every test under tests/<directory>/ has the need
    fixtures: tuple[str, ...] = ()  # so has every test that uses one of these fixtures
    programs: tuple[Matcher, ...] = ()  # what only a test with the marker may start

    def started_by(self, argv: Sequence[str]) -> Matcher | None:
        return next((matches for matches in self.programs if matches(argv)), None)


NEEDS = (
    Need(
        "browser", "drives real headless Chromium (Playwright); runs in one pass of make test",
        directories=("browser",), fixtures=("browser",),
        # Playwright's Node driver starts Chromium; the driver is what Python starts.
        programs=(program("node", "run-driver"), program("chromium")),
    ),
    Need(
        "live", "runs the system as separate processes (gunicorn, a worker, Redis Sentinel)",
        directories=("faults",), fixtures=("live_system", "shared_live_system", "fault_system"),
        programs=(program("gunicorn"), program("flask", "worker"),
                  program("redis-server", "--sentinel")),
    ),
)

# A test that uses one of these can get another answer on PostgreSQL than on SQLite...
DATABASE_FIXTURES = frozenset({"database_url", "db", "empty_db", "backend"})
# ...except where the kind of test makes the database irrelevant: unit tests, and what a
# browser shows (one browser path is marked each_database by hand, so the PostgreSQL pass keeps
# a browser on it).
ONE_PASS_DIRECTORIES = ("unit",)
EACH_DATABASE = "each_database"
POSTGRESQL_ONLY = "postgresql_only"
MARKERS = {
    EACH_DATABASE: "its answer can depend on the database: runs on SQLite and on PostgreSQL "
                   "(applied to tests that use a database fixture, except unit and browser tests)",
    POSTGRESQL_ONLY: "a test of a database server: runs in the PostgreSQL pass only, deselected "
                     "(not skipped) on SQLite",
}


class MissingMarker(RuntimeError):
    """A test started something its markers say it does not need."""


def directory_of(item: pytest.Item) -> str:
    """The first directory under tests/ that holds the test ("unit", "browser", ...)."""
    try:
        return item.path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return ""


def classify(item: pytest.Item) -> None:
    fixtures = set(getattr(item, "fixturenames", ()))
    where = directory_of(item)
    for need in NEEDS:
        if where in need.directories or fixtures & set(need.fixtures):
            item.add_marker(need.marker)
    if item.get_closest_marker(POSTGRESQL_ONLY) or (
        fixtures & DATABASE_FIXTURES
        and where not in ONE_PASS_DIRECTORIES
        and not item.get_closest_marker("browser")
    ):
        item.add_marker(EACH_DATABASE)


# --- the guard ----------------------------------------------------------------------------------

_running: pytest.Item | None = None  # the test being set up, run or torn down
_guarding = False


def _refuse_unmarked(event: str, args: tuple[Any, ...]) -> None:
    """An audit hook: a test may start a program a Need lists only if it has the Need's marker."""
    if event != "subprocess.Popen" or _running is None:
        return
    executable, argv = args[0], args[1]
    if isinstance(argv, (str, bytes, os.PathLike)):
        argv = [argv]
    words = [os.fsdecode(word) for word in argv]
    if executable is not None:
        words[:1] = [os.fsdecode(executable)]
    for need in NEEDS:
        matched = need.started_by(words)
        if matched is not None and _running.get_closest_marker(need.marker) is None:
            raise MissingMarker(
                f"{_running.nodeid} starts `{matched.__doc__}` but is not marked "
                f"{need.marker!r} ({need.meaning}). Use a fixture that gives it "
                f"({', '.join(need.fixtures)}), or mark the test @pytest.mark.{need.marker}."
            )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--needs", action="store_true",
                     help="after collecting, list each selected test with what it needs")


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    if not config.getoption("needs"):
        return []
    names = [need.marker for need in NEEDS] + list(MARKERS)
    return [f"{item.nodeid} needs: "
            + " ".join(name for name in names if item.get_closest_marker(name))
            for item in items]


def pytest_configure(config: pytest.Config) -> None:
    for need in NEEDS:
        config.addinivalue_line("markers", f"{need.marker}: {need.meaning}")
    for name, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    global _guarding
    if not _guarding:  # an audit hook cannot be removed: add it once per process
        sys.addaudithook(_refuse_unmarked)
        _guarding = True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        classify(item)
    if TEST_DATABASE == "postgresql":
        return
    left_out = [item for item in items if item.get_closest_marker(POSTGRESQL_ONLY)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(POSTGRESQL_ONLY)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    global _running
    _running = item
    try:
        return (yield)
    finally:
        _running = None
