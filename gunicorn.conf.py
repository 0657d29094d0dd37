"""gunicorn settings for production (the image's CMD uses this file).

No access log: its lines start with the client's address, and the promise is no IP addresses
in logs (the load balancer's own log is the operator's to govern). Prometheus metrics from all
workers are aggregated through PROMETHEUS_MULTIPROC_DIR, which is emptied at start and told
when a worker exits, so a restarted worker's counts are not double-counted.
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Every request is short (a form step, a seal, a download); a slow client must not hold a worker.
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# Caps on what gunicorn reads before Flask does (MAX_CONTENT_LENGTH caps the body).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25+ opens a control socket for `gunicornc` under $HOME by default; in the image $HOME
# is /app, on a read-only root file system, so it logged "Control server error" at every start.
# Nothing here uses it: the container engine manages the server with signals (TERM, HUP, TTIN).
control_socket_disable = True


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


# What a worker builds at start and on its first requests (some 140,000 objects: routes, the
# directory, SQLAlchemy's tables and compiled statements, templates, catalogs) lives as long as
# the worker, yet every full garbage collection walked all of it again. Frozen once the worker
# is warm, collections walk only what requests make: a wizard request's instructions, garbage
# collection included, went from 5.48 M to 5.24 M (callgrind, whole reports in-process).
WARM_AFTER_REQUESTS = 50
# A wizard request makes some thousands of container objects, so at CPython's default of 700 the
# youngest generation was collected several times a request, each time to find almost nothing
# (a request's objects are freed by reference counting). At 10,000 a collection comes every few
# requests and holds a few megabytes at most: 2% of a wizard request's instructions, measured
# like the freeze above.
GC_THRESHOLDS = (10_000, 10, 10)


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if worker.nr == WARM_AFTER_REQUESTS:
        # The response has been sent. Collect first: a cycle frozen is never collected.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
