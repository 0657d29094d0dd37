"""The worker's periodic duties beside delivery: the reconciler, mail, expired drafts,
retention. Each is a Task with its own period; a thread in the worker process runs each when
its time comes, in a session of its own, and one failing never stops the others.

The rooms hand their tasks to the app factory (`app.extensions["housekeeping"]`), so routing
need not know about drafts or the audit log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """A periodic duty: `run` gets a fresh session (committed when it returns, rolled back if it
    raises), at most once every `every`. What it returns (a count) is only for tests."""

    name: str
    every: timedelta
    run: Callable[[Session], object]


class Housekeeping:
    """Runs tasks when they are due, in a daemon thread that stops between tasks when asked.

    Every task is due at once when the thread starts, so a restarted worker reconciles and
    sends what waits without first sleeping a period.
    """

    def __init__(self, database: Database, tasks: Sequence[Task],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.database = database
        self.tasks = list(tasks)
        self.clock = clock
        self._due = {task.name: 0.0 for task in self.tasks}
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def run_due(self) -> float:
        """Run each task whose time has come, in order; return the seconds until the next one
        is due."""
        for task in self.tasks:
            if self._stopping:
                break
            if self.clock() < self._due[task.name]:
                continue
            try:
                with self.database.session() as session:
                    task.run(session)
            except Exception as error:  # noqa: BLE001 - keep going; say so loudly
                # The type only: a message could quote a statement's parameters.
                log.error("housekeeping task %s failed: %s", task.name, type(error).__name__)
            # Counted from the end of the run, so a slow task cannot make itself due at once.
            self._due[task.name] = self.clock() + task.every.total_seconds()
        if not self._due:
            return 60.0
        return max(0.0, min(self._due.values()) - self.clock())

    def run_soon(self, name: str) -> None:
        """Make a task due now (the worker does this with the reconciler when Redis answers
        again after an outage) and wake the thread."""
        self._due[name] = 0.0
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._forever, name="housekeeping", daemon=True)
        self._thread.start()

    def stop(self, wait: float) -> bool:
        """Ask the thread to stop after the task it is running, and wait up to `wait` seconds.
        False if it is still in a task then: it is a daemon thread and ends with the process,
        and what it was doing is rolled back (a mail claimed but not committed is sent again by
        the next worker: at least once, never lost)."""
        self._stopping = True
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(wait)
        return not self._thread.is_alive()

    def _forever(self) -> None:
        while not self._stopping:
            delay = self.run_due()
            self._wake.wait(delay)
            self._wake.clear()
