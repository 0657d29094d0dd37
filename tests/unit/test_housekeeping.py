"""The worker's housekeeping runs each task at its own period, keeps going when one fails, and
stops when asked."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest

from database import Database
from routing.housekeeping import Housekeeping, Task


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def database(tmp_path: Path):  # type: ignore[no-untyped-def]
    # Sessions are opened and committed; these tasks never use theirs.
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    yield db
    db.dispose()


def counting(name: str, every: timedelta, runs: list[str]) -> Task:
    return Task(name, every, lambda _session: runs.append(name))


def test_each_task_runs_at_its_own_period_and_all_are_due_at_start(database):
    runs: list[str] = []
    clock = Clock()
    housekeeping = Housekeeping(database, [
        counting("reconcile", timedelta(seconds=5), runs),
        counting("mail", timedelta(seconds=10), runs),
        counting("retention", timedelta(hours=1), runs),
    ], clock)
    assert housekeeping.run_due() == 5
    assert runs == ["reconcile", "mail", "retention"]
    for _ in range(12):  # a minute
        clock.now += 5
        housekeeping.run_due()
    assert runs.count("reconcile") == 13 and runs.count("mail") == 7
    assert runs.count("retention") == 1
    clock.now += 3600
    housekeeping.run_due()
    assert runs.count("retention") == 2


def test_a_failing_task_is_logged_by_name_and_the_others_still_run(database, caplog):
    runs: list[str] = []

    def broken(_session: object) -> None:
        raise ConnectionError("Error 111 connecting to redis.internal:6379")

    housekeeping = Housekeeping(database, [
        Task("reconcile", timedelta(seconds=5), broken),
        counting("mail", timedelta(seconds=10), runs),
    ], Clock())
    with caplog.at_level(logging.ERROR, logger="routing.housekeeping"):
        housekeeping.run_due()
    assert runs == ["mail"]
    assert caplog.messages == ["housekeeping task reconcile failed: ConnectionError"]


def test_a_task_made_due_now_runs_in_the_next_round(database):
    runs: list[str] = []
    clock = Clock()
    housekeeping = Housekeeping(database, [counting("reconcile", timedelta(seconds=15), runs)],
                                clock)
    housekeeping.run_due()
    clock.now += 1
    assert housekeeping.run_due() == 14 and runs == ["reconcile"]
    housekeeping.run_soon("reconcile")
    assert housekeeping.run_due() == 15 and runs == ["reconcile", "reconcile"]


def test_the_thread_runs_tasks_and_stops_at_once_between_them(database):
    runs: list[str] = []
    housekeeping = Housekeeping(database, [counting("mail", timedelta(seconds=10), runs)])
    housekeeping.start()
    deadline = time.monotonic() + 10
    while not runs:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    asked = time.monotonic()
    assert housekeeping.stop(wait=5) is True
    assert time.monotonic() - asked < 1, "waiting for the next task is no reason to stay"
    assert runs == ["mail"]
