"""Probes and metrics for whoever runs the service: `/healthz` (the process answers),
`/readyz` (it can reach the database and Redis, so a load balancer may send it traffic) and
`/metrics` (Prometheus).

Figures only, never personal data: request counts by route pattern (not by URL, which would
let hostile paths explode the label set), envelopes per state, deliveries per channel, retries,
reminders and escalations sent, queue depth, and the age of the oldest report no service has
acknowledged. The database figures are read at scrape time, so every web process reports the
same truth; request counts are per process, aggregated across gunicorn workers when
PROMETHEUS_MULTIPROC_DIR is set (gunicorn.conf.py does it).
"""

from __future__ import annotations

import functools
import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, text

from database import Database, utcnow
from extensions import config, db_session, redis_connection, this_request
from routing import jobs
from routing.models import ChannelDelivery, Envelope
from routing.operations import UNACKNOWLEDGED

blueprint = Blueprint("monitoring", __name__)

REQUESTS = Counter("concern_http_requests", "HTTP requests answered",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("concern_http_request_duration_seconds", "Time to answer a request",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: nothing but the process itself, so a slow database never gets it restarted."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: a web process that cannot reach the database cannot accept a report, and one
    that cannot reach Redis cannot ring the delivery doorbell; either way, send traffic
    elsewhere. The answer names the failing part and the exception type, nothing more."""
    checks: dict[str, str] = {}
    try:
        db_session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = type(error).__name__
    try:
        redis_connection().ping()
        checks["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["redis"] = type(error).__name__
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", **checks), 200 if ready else 503


@blueprint.get("/metrics")
def metrics() -> Response:
    token = config().metrics_token
    if token:
        offered = request.headers.get("Authorization", "")
        if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            return Response("metrics need the operators' bearer token\n", 401,
                            {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    elif config().is_production:
        abort(404)
    registry = CollectorRegistry()
    registry.register(SystemCollector(current_app.extensions["database"], config().queue_name))
    body = generate_latest(registry) + process_metrics()
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class SystemCollector(Collector):
    """The database and the queue as they are now, read once per scrape."""

    def __init__(self, database: Database, queue_name: str) -> None:
        self.database = database
        self.queue_name = queue_name

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("concern_dependency_up", "1 if the dependency answered the scrape",
                               labels=["dependency"])
        try:
            yield from self._database_figures()
            up.add_metric(["database"], 1)
        except Exception:  # noqa: BLE001 - a scrape must still say the database is down
            up.add_metric(["database"], 0)
        try:
            yield from self._queue_figures()
            up.add_metric(["redis"], 1)
        except Exception:  # noqa: BLE001
            up.add_metric(["redis"], 0)
        yield up

    def _database_figures(self) -> Iterator[Metric]:
        with self.database.session() as session:
            states = session.execute(
                select(Envelope.state, func.count()).group_by(Envelope.state)).all()
            channels = session.execute(
                select(ChannelDelivery.channel, ChannelDelivery.state, func.count())
                .group_by(ChannelDelivery.channel, ChannelDelivery.state)).all()
            delivered = session.scalar(
                select(func.count()).where(Envelope.delivered_at.is_not(None))) or 0
            envelope_retries = session.scalar(
                select(func.coalesce(func.sum(Envelope.delivery_attempts - 1), 0))
                .where(Envelope.delivery_attempts > 1)) or 0
            channel_retries = session.scalar(
                select(func.coalesce(func.sum(ChannelDelivery.attempts - 1), 0))
                .where(ChannelDelivery.attempts > 1)) or 0
            reminded = session.scalar(
                select(func.count()).where(Envelope.reminded_at.is_not(None))) or 0
            escalated = session.scalar(
                select(func.count()).where(Envelope.escalated_at.is_not(None))) or 0
            oldest = session.scalar(
                select(func.min(Envelope.created_at)).where(Envelope.state.in_(UNACKNOWLEDGED)))

        family = GaugeMetricFamily("concern_envelopes", "Envelopes per delivery state",
                                   labels=["state"])
        for state, count in states:
            family.add_metric([state], count)
        yield family
        family = GaugeMetricFamily("concern_channel_deliveries",
                                   "Deliveries over push and pull, per state",
                                   labels=["channel", "state"])
        for channel, state, count in channels:
            family.add_metric([channel, state], count)
        yield family
        yield GaugeMetricFamily("concern_envelopes_delivered",
                                "Envelopes ever delivered to their inbox", value=delivered)
        family = GaugeMetricFamily("concern_delivery_retries",
                                   "Delivery attempts beyond the first", labels=["channel"])
        family.add_metric(["inbox"], int(envelope_retries))
        family.add_metric(["push"], int(channel_retries))
        yield family
        yield GaugeMetricFamily("concern_reminders_sent",
                                "Reports whose team was reminded (not downloaded in 24 h)",
                                value=reminded)
        yield GaugeMetricFamily("concern_escalations_sent",
                                "Reports escalated to the fallback contact (2 working days)",
                                value=escalated)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0
        yield GaugeMetricFamily("concern_oldest_unacknowledged_seconds",
                                "Age of the oldest report no service has acknowledged (0: none)",
                                value=max(age, 0))

    def _queue_figures(self) -> Iterator[Metric]:
        connection = current_app.extensions["redis"]()
        queue = jobs.queue(connection, self.queue_name)
        depth = GaugeMetricFamily("concern_queue_jobs", "Jobs in the delivery queue",
                                  labels=["queue", "status"])
        depth.add_metric([self.queue_name, "queued"], queue.count)
        depth.add_metric([self.queue_name, "scheduled"], queue.scheduled_job_registry.count)
        depth.add_metric([self.queue_name, "failed"],
                         FailedJobRegistry(queue=queue).count)
        yield depth


def _start_timer() -> None:
    g.monitoring_started = time.perf_counter()


# gunicorn passes on any method a client makes up ("FOOBAR"); each would be a label set of its
# own, kept by every worker (and in PROMETHEUS_MULTIPROC_DIR's files) until it restarts.
COUNTED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _count(response: Response) -> Response:
    this = this_request()
    endpoint = this.url_rule.rule if this.url_rule is not None else "unmatched"
    method = this.method if this.method in COUNTED_METHODS else "other"
    _counted(endpoint, method, response.status_code).inc()
    started = g.pop("monitoring_started", None)
    if started is not None:
        _timed(endpoint).observe(time.perf_counter() - started)
    return response


# A metric's child for one set of labels is the same object every time; looking it up through
# labels() (a tuple of strings, a lock, a dict) was a percent of a wizard request. The sets are
# few: the app's routes (or "unmatched"), the methods counted and the status codes it answers.
@functools.cache
def _counted(endpoint: str, method: str, status: int) -> Any:
    return REQUESTS.labels(endpoint, method, str(status))


@functools.cache
def _timed(endpoint: str) -> Any:
    return LATENCY.labels(endpoint)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.before_request(_start_timer)
    app.after_request(_count)
