"""Reports accepted as "Send" accepts them, and a real RQ worker in the test's own process
that works off the queue once (rq's docs: SimpleWorker, burst)."""

from __future__ import annotations

import json

import redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from database import Database
from routing import jobs
from routing.acceptance import REPORT_SCHEMA, accept

QUEUE = "delivery"


def report_about(text: str) -> bytes:
    """A report document whose concern is `text`."""
    return json.dumps(
        {"schema": REPORT_SCHEMA, "concern": {"description": text}}, ensure_ascii=False
    ).encode("utf-8")


def accept_and_enqueue(database: Database, connection: redis.Redis, text: str,
                       number: str = "0301") -> str:
    """What the web app does on "Send": accept and commit, then ring the doorbell."""
    with database.session() as session:
        envelope_id = accept(session, report_about(text), number).id
    jobs.enqueue_delivery(connection, QUEUE, envelope_id)
    return envelope_id


class BurstWorker(SimpleWorker):
    """RQ's SimpleWorker, without its command channel: a burst in a test takes no commands,
    and stopping the channel's listener thread can wait out its 60-second poll (rq 3.0 polls
    for 60 s; redis-py 8.2's PubSubWorkerThread.stop() joins without a timeout), which made a
    burst that delivered in milliseconds take a minute."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def run_worker(connection: redis.Redis, queue: str = QUEUE) -> None:
    """Work off everything queued (and due), then return."""
    BurstWorker([jobs.queue(connection, queue)], connection=connection,
                serializer=JSONSerializer).work(burst=True)
