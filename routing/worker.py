"""The delivery worker process (`flask routing worker`): an RQ SimpleWorker, with RQ's scheduler
for retries, and the housekeeping thread beside it. It starts when Redis answers, rides out
Redis going away, and stops on time when told (SIGTERM or SIGINT).

Stopping: an idle worker exits within about a second; a busy one finishes its job first, which
RQ cuts off at the job's time limit (jobs.JOB_TIMEOUT). Three things in RQ 3.0 with redis-py 8
made a worker ignore SIGTERM for up to a minute, or lose a job, and DeliveryWorker changes them:

- RQ's teardown calls redis-py's PubSubWorkerThread.stop(), which since redis-py 8 waits for the
  thread with no time limit. That thread listens for RQ's commands with a 60-second wait; when
  it has read RQ's own "unsubscribe" before being told to stop, it waits the whole 60 seconds
  for a subscription that never comes, and the worker with it. Now: a bounded wait.
- RQ stops an idle worker by raising StopRequested from the signal handler, wherever the main
  thread is. Between taking a job off the queue and marking it started, that strands the job in
  RQ's intermediate list, still "queued", which the reconciler trusts; RQ's own clean-up finds
  it after 10 to 20 minutes. Now: the handler only sets a flag, and the worker waits for jobs
  half a second at a time.
- RQ retries a lost Redis connection in that wait without looking at the flag. Now: the wait
  between tries ends when a stop is asked for.

Per job, RQ 3.0 made some 20 round trips to Redis; DeliveryWorker leaves out those that repeat
themselves. The worker's heartbeat (its entry in Redis gets a time to live, so that a dead
worker's jobs are found) goes in one round trip instead of three, and RQ's own heartbeats after
each job and before each look for `rq suspend` keep it alive; the wait for jobs adds one only
once a minute while idle, not two per job. Eleven round trips per job are left.

Riding out Redis going away: RQ's scheduler process dies with its connection, and RQ starts a
new one only in its ten-minute maintenance, so retries waited for the reconciler meanwhile. Now:
a dead scheduler is started again within seconds of Redis answering, and a worker whose Redis
came back empty registers again.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from types import FrameType

import redis
from rq import SimpleWorker
from rq.exceptions import DequeueTimeout, StopRequested
from rq.job import Job
from rq.queue import Queue
from rq.worker import WorkerStatus
from sqlalchemy.orm import Session

from config import Config
from database import Database
from routing import jobs
from routing.housekeeping import Housekeeping, Task

log = logging.getLogger(__name__)

# How long one wait for a job lasts: the longest an idle worker takes to notice a stop. (A
# fraction of a second needs Redis 6.0 or later.)
DEQUEUE_SECONDS = 0.5
# How often an idle worker tells Redis it is alive (RQ counts it dead after worker_ttl + 60 s),
# and looks whether its scheduler process is alive.
HEARTBEAT_SECONDS = 60
SCHEDULER_CHECK_SECONDS = 5
# How long stopping waits for each helper. RQ's scheduler process ends after its one-second
# round, which began at the signal. RQ's command listener ends in milliseconds, or waits its
# whole minute (see above): no point waiting longer for it. The housekeeping thread, if in the
# middle of a task, is left to end with the process (see Housekeeping.stop).
SCHEDULER_STOP_SECONDS = 1.0
LISTENER_STOP_SECONDS = 0.25
HOUSEKEEPING_STOP_SECONDS = 0.5
# Waits between tries while Redis does not answer: doubling from the first, up to the last.
REDIS_WAIT_FIRST_SECONDS = 0.5
REDIS_WAIT_MAX_SECONDS = 10.0
RECONCILE = "reconcile"


class Backoff:
    """The next wait while Redis does not answer."""

    def __init__(self) -> None:
        self.seconds = REDIS_WAIT_FIRST_SECONDS

    def next(self) -> float:
        wait = self.seconds
        self.seconds = min(self.seconds * 2, REDIS_WAIT_MAX_SECONDS)
        return wait


def redis_not_answering(error: BaseException, wait: float) -> None:
    # The type only: a connection error can name the host, and a URL can hold a password.
    log.warning("Redis is not answering (%s); delivery waits, trying again in %.1f s",
                type(error).__name__, wait)


class DeliveryWorker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in this process, no fork per job) that stops on time."""

    def __init__(self, *args: object, stopping: threading.Event | None = None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Shared with run(), whose signal handlers set it before RQ's are installed.
        self.stopping = stopping or threading.Event()
        self._beat = 0.0  # when the dequeue loop last told Redis the worker is alive and idle

    def heartbeat(self, timeout: int | None = None, pipeline: redis.client.Pipeline | None = None
                  ) -> None:
        # RQ's heartbeat is three commands; on their own, each waits for its answer.
        if pipeline is not None:
            super().heartbeat(timeout, pipeline=pipeline)
            return
        with self.connection.pipeline(transaction=False) as batch:
            super().heartbeat(timeout, pipeline=batch)
            batch.execute()

    def _shutdown(self) -> None:
        # RQ's handler of the first SIGTERM or SIGINT ends here (request_stop); a second one
        # is RQ's cold shutdown, which stops at once.
        self.stopping.set()
        if self.get_state() == WorkerStatus.BUSY:
            try:
                super()._shutdown()  # finish the job, then stop
            except redis.RedisError:
                # RQ notes the request in Redis first; without Redis, the job must not get the
                # error raised into it from this handler.
                self._stop_requested = True
            return
        self._stop_requested = True  # seen by the dequeue loop within DEQUEUE_SECONDS
        # The scheduler process ends after its one-second round: start that now, so that it is
        # over by the time teardown waits for it.
        process = self.scheduler._process if self.scheduler else None
        if process is not None and process.pid:
            process.terminate()

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """RQ's wait for the next job, in short waits, until a stop is asked for."""
        if timeout is None:  # burst mode: take what is there, never wait
            return super().dequeue_job_and_maintain_ttl(None, max_idle_time)
        backoff = Backoff()
        looked = time.monotonic()  # when it last looked at the scheduler process
        lost = False  # Redis went away since the last heartbeat
        # `stopping` too: a signal before RQ installed its handlers reached run()'s.
        while not (self._stop_requested or self.stopping.is_set()):
            try:
                # After a job, RQ has set the state to idle and sent a heartbeat already.
                if not self._beat or time.monotonic() - self._beat > HEARTBEAT_SECONDS:
                    if lost and not self.connection.exists(self.key):
                        self.register_birth()  # Redis came back empty
                    lost = False
                    self.set_state(WorkerStatus.IDLE)
                    self.heartbeat()
                    self._beat = time.monotonic()
                if time.monotonic() - looked > SCHEDULER_CHECK_SECONDS:
                    self._keep_scheduler()
                    looked = time.monotonic()
                if self.should_run_maintenance_tasks:
                    self.run_maintenance_tasks()
                result = self.queue_class.dequeue_any(
                    self._ordered_queues, DEQUEUE_SECONDS,  # type: ignore[arg-type]
                    connection=self.connection, job_class=self.job_class,
                    serializer=self.serializer, death_penalty_class=self.death_penalty_class,
                )
            except DequeueTimeout:
                backoff = Backoff()
                continue
            except (redis.ConnectionError, redis.TimeoutError) as error:
                wait = backoff.next()
                redis_not_answering(error, wait)
                self.stopping.wait(wait)
                self._beat, looked, lost = 0.0, 0.0, True
                continue
            if result is not None:
                job, queue = result
                self.reorder_queues(reference_queue=queue)
                # No heartbeat here: preparing the job sends one, with the job's own TTL.
                self._beat = time.monotonic()
                return job, queue
        raise StopRequested()

    def _keep_scheduler(self) -> None:
        """Start the scheduler process again if it died (as it does when Redis goes away), as
        RQ's maintenance would, ten minutes later. It starts once it gets the scheduler lock,
        which a scheduler that died without letting go keeps for a minute."""
        process = self.scheduler._process if self.scheduler else None
        if self.scheduler is not None and (process is None or not process.is_alive()):
            self.scheduler.acquire_locks(auto_start=True)

    def stop_scheduler(self) -> None:
        # RQ sends the scheduler process SIGTERM and waits for it with no time limit. It stops
        # within its one-second round, releasing its locks; one that does not is killed, and
        # its locks lapse after a minute (the reconciler covers retries due meanwhile).
        process = self.scheduler._process if self.scheduler else None
        if process is not None and process.pid:
            process.terminate()
            process.join(SCHEDULER_STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()

    def unsubscribe(self) -> None:
        # See the module docstring: stop RQ's command listener without waiting for ever.
        thread = self.pubsub_thread
        if thread is None or self.pubsub is None:
            return
        try:
            self.pubsub.unsubscribe()
        except redis.RedisError:
            pass  # Redis is gone: the listener's own loop will find out
        thread.stop(LISTENER_STOP_SECONDS)


def reconcile_task(connection: redis.Redis, settings: Config, database: Database) -> Task:
    """The reconciler as a housekeeping task: re-enqueue what Redis lost (see jobs.reconcile)."""
    older_than = timedelta(seconds=settings.reconcile_after_seconds)

    def reconcile(_session: Session) -> int:
        # jobs.reconcile reads in short sessions of its own, so that no transaction stays open
        # while it talks to Redis; the session housekeeping opens is left unused.
        return jobs.reconcile(connection, settings.queue_name, older_than, database)

    return Task(RECONCILE, timedelta(seconds=max(5, settings.reconcile_after_seconds // 4)),
                reconcile)


def run(connection: redis.Redis, settings: Config, database: Database, tasks: Sequence[Task],
        *, burst: bool = False) -> None:
    """Deliver until told to stop: wait for Redis, work, and wait again if Redis goes away.

    Housekeeping runs from the start, Redis or not (expired drafts and mail need only the
    database); the reconciler among its tasks runs again as soon as Redis answers.
    """
    stopping = threading.Event()
    _stop_on_signals(stopping)
    jobs.use_database(database)
    housekeeping = None
    if not burst:
        housekeeping = Housekeeping(database,
                                    [reconcile_task(connection, settings, database), *tasks])
        housekeeping.start()
    restarts = Backoff()
    try:
        while not stopping.is_set():
            _stop_on_signals(stopping)
            if not _wait_for_redis(connection, stopping):
                break
            if housekeeping is not None:
                housekeeping.run_soon(RECONCILE)
            try:
                worker = DeliveryWorker(
                    [jobs.queue(connection, settings.queue_name)],
                    connection=connection,
                    serializer=jobs.JSONSerializer,
                    stopping=stopping,
                )
                worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
            except redis.RedisError as error:
                # RQ gives up when Redis goes away in the middle of its own bookkeeping; the
                # database still says what is undelivered, so start again once Redis answers.
                log.warning("the worker lost Redis (%s); starting again when it answers",
                            type(error).__name__)
            if burst or stopping.is_set():
                break
            # RQ ended its loop without being asked to (it logged why): start a new one, not
            # in a tight loop if the cause stays.
            stopping.wait(restarts.next())
    finally:
        if housekeeping is not None and not housekeeping.stop(HOUSEKEEPING_STOP_SECONDS):
            log.warning("housekeeping was in the middle of a task when the worker stopped; "
                        "the task is rolled back and runs again in the next worker")


def _stop_on_signals(stopping: threading.Event) -> None:
    """While no RQ worker is running (RQ installs its own handlers in work())."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _wait_for_redis(connection: redis.Redis, stopping: threading.Event) -> bool:
    """Wait with back-off until Redis answers; False if a stop came first."""
    backoff = Backoff()
    while not stopping.is_set():
        try:
            connection.ping()
            return True
        except redis.RedisError as error:
            wait = backoff.next()
            redis_not_answering(error, wait)
            stopping.wait(wait)
    return False
