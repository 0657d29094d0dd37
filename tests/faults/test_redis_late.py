"""A worker started while Redis is down waits for it, says so in its log, and delivers every
report once Redis answers, without being restarted from outside (issue 14: it used to exit at
once, and with it the reconciler, so a supervisor that gave up after a burst of quick failures
left delivery stopped while reporters still got receipts). Meanwhile the web app keeps
accepting reports: each reporter gets a receipt, and the envelope waits, `accepted`, in the
database, which the reconciler reads once Redis is back.

Real parts: gunicorn, `flask routing worker`, a redis-server started 20 seconds after the worker
(empty, as a Redis restarted without persistence is), the run's database, and reporters walking
the wizard over HTTP the whole time Redis is down.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq.job import Job
from rq.results import Result
from rq.serializers import JSONSerializer
from sqlalchemy import select

from database import Database
from routing import jobs
from routing.models import Envelope, EnvelopeState
from tests.faults.conftest import FAULT_ENV
from tests.helpers import HttpTransport, Wizard, walk_private
from tests.helpers.live_system import LiveSystem, start_live_system

REDIS_DOWN_SECONDS = 20
# After Redis answers: the worker's next try comes within 10 s (its longest wait), then the
# reconciler enqueues what waits. A deadline, not a measurement: the test prints how long.
DELIVERED_WITHIN_SECONDS = 60
WAITING = re.compile(r"Redis is not answering \((\w+)\); delivery waits, trying again in "
                     r"([0-9.]+) s")


@pytest.fixture
def without_redis(tmp_path: Path, database_url: str) -> Iterator[LiveSystem]:
    """The web app running, Redis not (yet)."""
    live = start_live_system(tmp_path, database_url, FAULT_ENV, redis=False, worker=False)
    yield live
    live.stop()


def envelopes(database: Database) -> list[Envelope]:
    with database.session() as session:
        return list(session.scalars(select(Envelope)))


def test_a_worker_started_before_redis_delivers_every_report_once_redis_answers(
    without_redis: LiveSystem, request: pytest.FixtureRequest
):
    live = without_redis
    database = Database(live.database_url)
    request.addfinalizer(database.dispose)
    live.start_worker()
    worker = live.processes["worker"]
    started = time.monotonic()

    references = []
    while time.monotonic() - started < REDIS_DOWN_SECONDS:
        reporter = Wizard(HttpTransport(live.base_url))
        references.append(walk_private(reporter, child={"name": f"Barn {len(references)}"},
                                       concern="Barnet er ofte alene hjemme om kvelden."))
    assert worker.poll() is None, "the worker gave up while Redis was down"
    assert all(e.state == EnvelopeState.ACCEPTED for e in envelopes(database))

    live.start_redis()
    redis_up = time.monotonic()
    deadline = redis_up + DELIVERED_WITHIN_SECONDS
    while not all(e.state == EnvelopeState.DELIVERED for e in envelopes(database)):
        assert time.monotonic() < deadline, "not delivered after Redis came back"
        time.sleep(0.2)
    delivered_after = time.monotonic() - redis_up

    log = (live.logs / "worker.log").read_text(errors="replace")
    waits = [float(seconds) for _error, seconds in WAITING.findall(log)]
    connection = redis.Redis(unix_socket_path=str(live.redis_socket))
    request.addfinalizer(connection.close)
    found = envelopes(database)
    print(f"\n{len(references)} reports sent in the {REDIS_DOWN_SECONDS} s without Redis, all "
          f"delivered {delivered_after:.1f} s after Redis answered; the worker's waits: {waits}")

    assert worker.poll() is None and live.processes["worker"] is worker, "never restarted"
    assert len(references) >= 2
    assert sorted(e.reference for e in found) == sorted(references), "one envelope per receipt"
    for envelope in found:
        job = Job.fetch(jobs.job_id(envelope.id), connection=connection,
                        serializer=JSONSerializer)
        [result] = Result.all(job, serializer=JSONSerializer)  # delivered once, by one run
        assert result.type == Result.Type.SUCCESSFUL and result.return_value is True
    assert len(waits) >= 3, "the worker says, while it waits, that it waits for Redis"
    assert waits == sorted(waits) and waits[-1] > waits[0], "with back-off"
    assert "password" not in log.lower() and str(live.redis_socket) not in log
