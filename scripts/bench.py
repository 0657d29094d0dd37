"""`make bench`: throughput, latency and memory of the real system on loopback, printed as a
table with the issue's targets. A script, not a test.

It starts the processes itself (scripts/bench_system.py: gunicorn with the production image's
settings, `flask routing worker`, a private redis-server, a temporary SQLite database) and drives
them with virtual clients: one thread and one http.client connection with its own cookies per
client, walking the wizard as a browser without JavaScript would (tests/helpers.py), reading the
CSRF token from every page. The load generator shares the machine's cores with what it measures.

    .venv/bin/python scripts/bench.py [--quick] [--reports N] [--clients C]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_system  # noqa: E402
from bench_system import rss_kib  # noqa: E402

from tests.helpers import Page, Wizard, csrf_token, walk_private  # noqa: E402

STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
CONCERN = ("Naboens barn er ofte alene hjemme om kvelden og virker sulten og redd. " * 6).strip()


# --- one virtual client -----------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    status: int
    seconds: float
    down: int  # response bytes: status line, headers and body
    up: int  # request bytes: request line, headers and body


@dataclass
class Client:
    """One browser: its own connection and cookies, and a record of every request it made."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> Page:
        body = urlencode(form).encode() if form is not None else None
        headers = {"Accept-Encoding": "identity", "User-Agent": "bench"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (ConnectionError, http.client.HTTPException):
            # The server closed a kept-alive connection: a browser would simply reconnect.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 17
        sent = len(method) + len(path) + 12 + sum(len(k) + len(v) + 4 for k, v in headers.items())
        self.log.append(Request(method, path, response.status, seconds, head + len(data),
                                sent + len(body or b"")))
        return Page(response.status, data.decode("utf-8", "replace"),
                    response.getheader("Location"))

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, data: Any) -> Page:
        return self.request("POST", path, dict(data))

    def close(self) -> None:
        self.connection.close()


class PreparedWizard(Wizard):
    """Walks to "check your answers" and stops there, keeping the page's CSRF token, so that the
    final submit can be measured alone."""

    token: str = ""

    def send(self) -> str:
        page = self.transport.get("/report/check")
        assert page.status == 200, f"GET /report/check gave {page.status}"
        self.token = csrf_token(page.html)
        return ""


def walk(client: Client, wizard_class: type[Wizard] = Wizard) -> Wizard:
    """A whole report as a browser makes it: the start page, the stylesheet once, every step's
    GET and POST, check your answers, send, the receipt."""
    start = client.get("/")
    assert start.status == 200, f"GET / gave {start.status}"
    client.get(STYLESHEET_RE.search(start.html).group(1))  # type: ignore[union-attr]
    wizard = wizard_class(client)
    walk_private(wizard, child={"name": "Ola Nordmann", "age": "7"}, concern=CONCERN)
    return wizard


def submit(client: Client, token: str) -> None:
    page = client.post("/report/send", {"declaration": "y", "csrf_token": token})
    assert page.status == 303 and (page.location or "").endswith("/report/receipt"), (
        f"send gave {page.status} {page.location}")


# --- load patterns ----------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float  # wall time of the run
    latencies: list[float]  # one per task, seconds
    requests: list[Request]
    cpu: float  # the load generator's own CPU seconds during the run

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def saturate(clients: int, count: int, task: Callable[[int], list[Request]],
             at: dict[int, Callable[[], None]] | None = None) -> Run:
    """`clients` threads, each doing tasks back to back until `count` are done. `at` runs a
    callback once the given number of tasks has finished (memory samples)."""
    counter = itertools.count()
    done = itertools.count(1)
    lock = threading.Lock()
    latencies: list[float] = []
    requests: list[Request] = []
    errors: list[BaseException] = []

    def loop() -> None:
        while not errors and next(counter) < count:
            started = time.perf_counter()
            try:
                made = task(len(latencies))
            except BaseException as error:  # noqa: BLE001 - reported after the run
                errors.append(error)
                return
            with lock:
                latencies.append(time.perf_counter() - started)
                requests.extend(made)
                finished = next(done)
            if at and finished in at:
                at[finished]()

    return _run([threading.Thread(target=loop) for _ in range(clients)], latencies, requests,
                errors)


def offered(rate: float, count: int, task: Callable[[int], list[Request]],
            threads: int = 64) -> Run:
    """An open load: task i starts at i/rate seconds whether or not earlier ones finished.
    Latency counts from the scheduled start, so a queue in front of the server shows."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    requests: list[Request] = []
    errors: list[BaseException] = []
    begin = time.perf_counter() + 0.2

    def loop() -> None:
        while not errors:
            index = next(counter)
            if index >= count:
                return
            due = begin + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            try:
                made = task(index)
            except BaseException as error:  # noqa: BLE001 - reported after the run
                errors.append(error)
                return
            with lock:
                latencies.append(time.perf_counter() - due)
                requests.extend(made)

    return _run([threading.Thread(target=loop) for _ in range(min(threads, count))], latencies,
                requests, errors)


def _run(threads: list[threading.Thread], latencies: list[float], requests: list[Request],
         errors: list[BaseException]) -> Run:
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return Run(time.perf_counter() - started, latencies, requests, time.process_time() - cpu)


def until_delivered(database_url: str, undelivered_sql: str, timeout: float = 300) -> float:
    """Wait until the query counts nothing left to deliver; the seconds it took. A submit is
    done when its report is delivered: a rate whose worker falls behind is not sustained."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            while connection.execute(text(undelivered_sql)).scalar():
                connection.rollback()
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"still undelivered after {timeout:.0f} s")
                time.sleep(0.02)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1000:.1f} ms"


# --- the database side: delivery latency ------------------------------------------------------

def deliveries_since(system: bench_system.System, since: datetime, count: int,
                     timeout: float = 120) -> list[tuple[datetime, datetime]]:
    """(accepted, delivered) of the envelopes created since `since`, once all `count` are
    delivered (or the timeout passes)."""
    from sqlalchemy import select

    from database import Database
    from routing.models import Envelope

    database = Database(system.database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with database.session() as session:
                rows = session.execute(
                    select(Envelope.created_at, Envelope.delivered_at)
                    .where(Envelope.created_at >= since)
                ).all()
            delivered = [(a, d) for a, d in rows if d is not None]
            if len(delivered) >= count or time.monotonic() > deadline:
                return delivered
            time.sleep(0.2)
    finally:
        database.dispose()


def copy_drafts(system: bench_system.System, walked: list[tuple[dict[str, str], str]],
                count: int) -> list[tuple[dict[str, str], str]]:
    """`count` drafts ready to send: copies of the walked ones (cookies and CSRF token)."""
    from sqlalchemy import select

    from database import Database
    from intake.drafts import DraftKey
    from intake.models import Draft

    database = Database(system.database_url)
    ready = []
    try:
        with database.session() as session:
            for index in range(count):
                cookies, token = walked[index % len(walked)]
                key = DraftKey.from_cookie(cookies["draft"])
                assert key is not None, "the walked draft has no draft cookie"
                original = session.scalars(select(Draft).where(Draft.id == key.draft_id)).one()
                copy = DraftKey.new().draft_id
                session.add(Draft(id=copy, ciphertext=original.ciphertext,
                                  version=original.version, expires_at=original.expires_at))
                ready.append(({**cookies, "draft": DraftKey(copy, key.key).to_cookie()}, token))
    finally:
        database.dispose()
    return ready


def drain(system: bench_system.System, workers: int) -> tuple[int, float]:
    """Deliveries per second of `workers` worker processes emptying a backlog: every envelope so
    far is put back to `accepted` and enqueued (the web app's own enqueue), then the workers start.
    Returns (envelopes, deliveries per second from the first to the last delivered_at)."""
    import redis
    from sqlalchemy import func, select, update

    from database import Database
    from routing import jobs
    from routing.models import Envelope, EnvelopeState

    system.stop_workers()
    database = Database(system.database_url)
    connection = redis.Redis.from_url(system.env["REDIS_URL"])
    try:
        with database.session() as session:
            session.execute(update(Envelope).values(state=EnvelopeState.ACCEPTED,
                                                    delivered_at=None))
            ids = list(session.scalars(select(Envelope.id)))
        connection.flushall()
        for envelope_id in ids:
            jobs.enqueue_delivery(connection, "delivery", envelope_id)
        for _ in range(workers):
            system.start_worker()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with database.session() as session:
                left = session.scalar(select(func.count()).select_from(Envelope)
                                      .where(Envelope.state == EnvelopeState.ACCEPTED))
                first, last = session.execute(
                    select(func.min(Envelope.delivered_at), func.max(Envelope.delivered_at))
                ).one()
            if not left:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{left} envelopes still accepted after 300 s")
        if isinstance(first, str):  # SQLite aggregates lose the column type
            first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
        span = (last - first).total_seconds()
        return len(ids), (len(ids) - 1) / span if span else float("inf")
    finally:
        connection.close()
        database.dispose()


# --- the run ----------------------------------------------------------------------------------

@dataclass
class Settings:
    reports: int
    clients: int
    seconds: float  # length of each fixed-rate or timed phase
    report_rate: float
    submit_rates: tuple[float, ...]


class Table:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.say(f"\n{title}")

    def row(self, what: str, value: str, target: str = "") -> None:
        self.say(f"  {what:<52} {value:<34} {target}".rstrip())

    def say(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)


def verdict(ok: bool, target: str) -> str:
    return f"{'PASS' if ok else 'MISS'}  ({target})"


@dataclass
class Ceiling:
    rate: float  # bare form POSTs per second at saturation
    cpu: float  # CPU seconds per bare form POST: the web workers and the load generator


def baseline(settings: Settings, table: Table, root: Path) -> Ceiling:
    """The ceiling: bare Flask under the same gunicorn settings."""
    with bare_flask(root) as (web, port):
        count = int(settings.seconds * 600)
        table.section(f"Ceiling: bare Flask, same gunicorn settings, {settings.clients} clients")
        for name, path in (("GET hello", "/"), ("POST form", "/form")):
            bare_requests(web, port, settings.clients, settings.clients * 5, path)  # warm up
            run, cpu = bare_requests(web, port, settings.clients, count, path)
            table.row(f"{name}: requests/s at saturation", f"{run.rate:.0f}/s",
                      f"p50 {ms(pct(run.latencies, 50))}, p99 {ms(pct(run.latencies, 99))}, "
                      f"CPU {cpu * 1000:.2f} ms each")
        return Ceiling(run.rate, cpu)


@contextlib.contextmanager
def bare_flask(root: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """bench_baseline.py's bare Flask app under the system's gunicorn settings: (process, port)."""
    port = bench_system.free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "LANG": "C.UTF-8"}
    web = bench_system.gunicorn("bench_baseline:create_app()", port, env, root / "baseline.log",
                                cwd=Path(__file__).resolve().parent)
    try:
        bench_system.wait_http(f"http://127.0.0.1:{port}/", root / "baseline.log")
        yield web, port
    finally:
        bench_system.stop(web)


def bare_requests(web: subprocess.Popen[bytes], port: int, clients: int, count: int,
                  path: str) -> tuple[Run, float]:
    """`count` bare requests at saturation (a GET of "/" or the form POST to "/form") and the
    CPU seconds each cost: the web workers and the load generator."""
    local = threading.local()

    def task(_: int) -> list[Request]:
        if not hasattr(local, "client"):
            local.client = Client(port)
        client = local.client
        client.log = []
        if path == "/form":
            assert client.post("/form", {"answer": "yes"}).status == 303
        else:
            assert client.get(path).status == 200
        return client.log

    pids = [web.pid, *bench_system.children(web.pid)]
    before = sum(bench_system.cpu_seconds(pid) for pid in pids)
    run = saturate(clients, count, task)
    used = sum(bench_system.cpu_seconds(pid) for pid in pids) - before + run.cpu
    return run, used / len(run.latencies)


@dataclass
class Minimum:
    rate: float  # submits per second at saturation, counted until the last is delivered
    cpu: float  # CPU seconds per submit, every part together (load generator too)


def minimum(settings: Settings, table: Table, root: Path, database_url: str | None) -> Minimum:
    """The durable minimum (scripts/bench_minimum.py): seal, INSERT and COMMIT, enqueue, and an
    RQ SimpleWorker's UPDATE, under the same gunicorn settings and clients, on the run's
    database. Returns its submits per second and CPU per submit."""
    import bench_minimum

    from redis_connection import start_server

    here = Path(__file__).resolve().parent
    directory = root / "minimum"
    directory.mkdir()
    database_url = database_url or f"sqlite:///{directory / 'minimum.db'}"
    bench_minimum.create_tables(database_url)
    redis = start_server(directory / "redis.sock", directory)
    port = bench_system.free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "LANG": "C.UTF-8",
           "DATABASE_URL": database_url, "REDIS_URL": f"unix://{directory / 'redis.sock'}",
           "PYTHONDONTWRITEBYTECODE": "1"}
    web = bench_system.gunicorn("bench_minimum:create_app()", port, env, directory / "web.log",
                                cwd=here)
    with open(directory / "worker.log", "ab") as out:
        worker = subprocess.Popen([sys.executable, "bench_minimum.py", "worker"], cwd=here,
                                  env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        bench_system.wait_http(f"http://127.0.0.1:{port}/", directory / "web.log")
        local = threading.local()

        def submit_minimum(_: int) -> list[Request]:
            if not hasattr(local, "client"):
                local.client = Client(port)
            local.client.log = []
            assert local.client.post("/submit", {"answer": "yes"}).status == 201
            return local.client.log

        pids = {"web": lambda: [web.pid, *bench_system.children(web.pid)],
                "RQ worker": lambda: [worker.pid], "redis-server": lambda: [redis.pid],
                **({"PostgreSQL": bench_system.postgresql_pids}
                   if database_url.startswith("postgresql") else {})}

        def cpu() -> dict[str, float]:
            return {part: sum(bench_system.cpu_seconds(pid) for pid in found())
                    for part, found in pids.items()}

        undelivered = "SELECT count(*) FROM bench_minimum WHERE state = 'accepted'"
        saturate(settings.clients, settings.clients * 20, submit_minimum)  # warm up
        until_delivered(database_url, undelivered)
        before = cpu()
        run = saturate(settings.clients, int(settings.seconds * 300), submit_minimum)
        # Every submit's delivery is part of its cost: at saturation the web processes starve
        # the worker, which finishes its backlog only after the last answer.
        lag = until_delivered(database_url, undelivered)
        used = {part: cpu()[part] - before[part] for part in before}
        count = len(run.latencies)
        total = (sum(used.values()) + run.cpu) / count
        delivered = count / (run.seconds + lag)
        table.section("The durable minimum: Flask POST, SealedBox 4 KiB, INSERT + COMMIT, RQ "
                      "enqueue (JSON), RQ SimpleWorker UPDATE")
        table.row(f"saturation, {settings.clients} clients", f"{delivered:.0f} delivered/s",
                  f"answered {run.rate:.0f}/s, the last delivered {lag:.1f} s after the last "
                  "answer")
        table.row("  each submit", "",
                  f"p50 {ms(pct(run.latencies, 50))}, p99 {ms(pct(run.latencies, 99))}")
        table.row("  CPU per submit, every part", f"{total * 1000:.2f} ms", ", ".join(
            f"{part} {seconds / count * 1000:.2f}" for part, seconds in used.items())
            + f", load generator {run.cpu / count * 1000:.2f}")
        return Minimum(delivered, total)
    finally:
        bench_system.stop(web)
        for process in (worker, redis):
            ending(process)


def ending(process: subprocess.Popen[bytes]) -> None:
    """Ask a process to stop; kill it if it has not within ten seconds. An RQ worker told to
    stop while waiting for a job sometimes waits on: the figures are taken by then, and a run
    must not end in a traceback for it."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def page_sizes(system: bench_system.System, table: Table) -> None:
    client = Client(system.port)
    walk(client)
    pages: dict[str, list[Request]] = {}
    for request in client.log:
        name = request.path if not request.path.startswith("/assets/") else "stylesheet"
        pages.setdefault(name, []).append(request)
    table.section("Bytes and requests per wizard page (one private, anonymous report)")
    table.say(f"  {'page':<30} {'requests':>8} {'bytes down':>11} {'bytes up':>9}")
    for name, requests in pages.items():
        table.say(f"  {name:<30} {len(requests):>8} {sum(r.down for r in requests):>11} "
                  f"{sum(r.up for r in requests):>9}")
    table.say(f"  {'whole report':<30} {len(client.log):>8} {sum(r.down for r in client.log):>11} "
              f"{sum(r.up for r in client.log):>9}")
    client.close()


def memory(system: bench_system.System) -> dict[str, int]:
    web = [rss_kib(pid) for pid in system.web_worker_pids()]
    return {"web": max(web), "rq": max(rss_kib(p.pid) for p in system.workers)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, a quick check")
    parser.add_argument("--reports", type=int, help="reports for the memory run (10000; quick 16)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients at saturation")
    parser.add_argument("--ratios", action="store_true",
                        help="only the four figures the ratios need (bare POST, durable minimum, "
                             "final submit, whole report): a few minutes")
    parser.add_argument("--postgresql", metavar="URL",
                        default=os.environ.get("BENCH_POSTGRES_URL") or None,
                        help="measure on PostgreSQL (the production database): a server URL; "
                             "a new database is made on it and dropped after (default: SQLite)")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("QUICK") not in (None, "", "0")
    settings = Settings(
        reports=args.reports or (16 if quick else 300 if args.ratios else 10_000),
        clients=args.clients,
        seconds=1 if quick else 10,
        report_rate=0.2,
        submit_rates=(20, 50),
    )
    table = Table()
    table.say(f"Benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, load average before "
              f"{os.getloadavg()[0]:.1f}{', quick' if quick else ''}")
    database = "PostgreSQL (loopback TCP)" if args.postgresql else "SQLite (WAL)"
    table.say(f"gunicorn --workers 4 (sync, as the Dockerfile), {database}, redis-server on a "
              "Unix socket; client and server share the machine")
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="concern-bench-")))
        database_url = (stack.enter_context(bench_system.postgresql_database(args.postgresql))
                        if args.postgresql else None)
        ceiling = baseline(settings, table, root)
        least = minimum(settings, table, root, database_url)
        system = bench_system.start(root / "system", workers=1, database_url=database_url)
        try:
            measure(system, settings, table, ceiling, least, ratios_only=args.ratios)
        except BaseException:
            print(f"logs in {system.logs} (kept until this exits)", file=sys.stderr)
            raise
        finally:
            system.stop()
    table.say(f"\n({time.monotonic() - began:.0f} s in all)")
    return 0


def final_submit(system: bench_system.System, settings: Settings, table: Table,
                 least: Minimum, extra: int, keep_sending: bool = False) -> Any:
    """The final submit alone at saturation, with the worker delivering alongside, against the
    durable minimum. Walking a draft costs far more than sending it, so a few drafts are walked
    over HTTP and the rest are copies of them in the database: the same ciphertext under a new
    id, opened by the same key in the cookie. Returns submits/s (and, with `keep_sending`, the
    send task, with `extra` more drafts ready for it)."""
    saturated = settings.clients * (5 if settings.reports < 100 else 100)
    needed = saturated + extra
    walked: list[tuple[dict[str, str], str]] = []

    def prepare(_: int) -> list[Request]:
        client = Client(system.port)
        wizard = walk(client, PreparedWizard)
        client.close()
        walked.append((client.cookies, wizard.token))  # type: ignore[attr-defined]
        return []

    saturate(settings.clients, settings.clients, prepare)
    pool = iter(copy_drafts(system, walked, needed))
    lock = threading.Lock()

    def send(_: int) -> list[Request]:
        with lock:
            cookies, token = next(pool)
        client = Client(system.port, cookies=cookies)
        submit(client, token)
        client.close()
        return client.log

    table.section("Final submit alone (POST /report/send: build, seal, store, enqueue, and "
                  "the delivery)")
    undelivered = "SELECT count(*) FROM envelopes WHERE state = 'accepted'"
    saturate(settings.clients, settings.clients, send)  # warm up
    until_delivered(system.database_url, undelivered)
    before = system.cpu_by_part()
    sat = saturate(settings.clients, saturated - settings.clients, send)
    lag = until_delivered(system.database_url, undelivered)
    after = system.cpu_by_part()
    rate = len(sat.latencies) / (sat.seconds + lag)
    table.row(f"saturation, {settings.clients} clients", f"{rate:.0f} delivered/s",
              f"answered {sat.rate:.0f}/s, the last delivered {lag:.1f} s after the last "
              "answer")
    table.row("  each submit", "",
              f"p50 {ms(pct(sat.latencies, 50))}, p99 {ms(pct(sat.latencies, 99))}")
    table.row("  ratio to the durable minimum", f"{rate / least.rate:.2f} "
              f"({rate:.0f} / {least.rate:.0f})", verdict(rate >= 0.6 * least.rate, ">= 0.6"))
    # Where the machine's time went: what a submit costs, part by part, while the worker
    # delivers alongside.
    count = len(sat.latencies)
    total = sat.cpu
    for part in after:
        used = after[part] - before[part]
        total += used
        table.row(f"  CPU per submit: {part}", f"{used / count * 1000:.2f} ms")
    table.row("  CPU per submit: the load generator", f"{sat.cpu / count * 1000:.2f} ms")
    table.row("  CPU per submit, every part", f"{total / count * 1000:.2f} ms",
              f"durable minimum {least.cpu * 1000:.2f} ms "
              f"({total / count / least.cpu:.1f} times)")
    cpu = total / count
    return (rate, cpu, send) if keep_sending else (rate, cpu)


def ratios(table: Table, ceiling: Ceiling, least: Minimum, submit: tuple[float, float],
           request: tuple[float, float], paired: Ceiling | None = None) -> None:
    """Throughput ratios, and the same ratios from CPU per item (every process, the load
    generator too), which a machine busy with other work disturbs less: on a machine whose
    cores are the limit, throughput goes as one over the CPU an item costs. `paired`: the bare
    form POST measured in bursts alternating with the whole report's, to compare it with."""
    table.section("Ratios (one run, the same clients): throughput, and from CPU per item")
    table.row("durable minimum / bare form POST", f"{least.rate / ceiling.rate:.2f}",
              f"from CPU {ceiling.cpu / least.cpu:.2f}")
    table.row("final submit / durable minimum", f"{submit[0] / least.rate:.2f}",
              f"from CPU {least.cpu / submit[1]:.2f}   "
              + verdict(submit[0] >= 0.6 * least.rate, ">= 0.6"))
    bare = paired or ceiling
    table.row("whole report, requests/s / bare form POST"
              + (" (alternating)" if paired else ""), f"{request[0] / bare.rate:.2f}",
              f"from CPU {bare.cpu / request[1]:.2f}   "
              + verdict(request[0] >= 0.3 * bare.rate, ">= 0.3"))


@dataclass
class Paired:
    ceiling: Ceiling  # the bare form POST over its bursts
    request_rate: float  # wizard requests per second over the whole reports' bursts
    request_cpu: float  # CPU seconds per wizard request: every server part and the load generator


def interleaved(system: bench_system.System, settings: Settings, table: Table,
                report: Callable[[int], list[Request]], walk_len: int, rounds: int = 5) -> Paired:
    """Whole reports and the bare form POST at saturation in alternating bursts, pooled.

    This machine's speed drifts by a quarter within minutes (the bare POST alone gave 1382 to
    2609/s on one day), so a ratio of two figures measured a minute apart carried the drift of
    that minute. In alternating bursts both see the same drift; each round's ratio is shown
    too, so the spread that is left can be read."""
    per_round = max(1, settings.reports // rounds)
    bare_count = int(settings.seconds * 400)
    bare_requests_done = bare_seconds = bare_cpu = 0.0
    wizard_requests = wizard_seconds = wizard_loadgen = wizard_server = wizard_web = 0.0
    each: list[str] = []
    with bare_flask(system.root) as (web, port):
        bare_requests(web, port, settings.clients, settings.clients * 5, "/form")  # warm up
        for _ in range(rounds):
            bare, cpu = bare_requests(web, port, settings.clients, bare_count, "/form")
            bare_requests_done += len(bare.latencies)
            bare_seconds += bare.seconds
            bare_cpu += cpu * len(bare.latencies)
            before = system.cpu_by_part()
            run = saturate(settings.clients, per_round, report)
            after = system.cpu_by_part()
            server = sum(after[part] - before[part] for part in after)
            wizard_requests += len(run.requests)
            wizard_seconds += run.seconds
            wizard_server += server
            wizard_web += after["web (gunicorn)"] - before["web (gunicorn)"]
            wizard_loadgen += run.cpu
            each.append(f"{len(run.requests) / run.seconds / bare.rate:.2f}")
    ceiling = Ceiling(bare_requests_done / bare_seconds, bare_cpu / bare_requests_done)
    request_rate = wizard_requests / wizard_seconds
    table.section(f"Full report ({walk_len} requests) and the bare form POST, alternating: "
                  f"{rounds} rounds of {per_round} reports and {bare_count} POSTs, "
                  f"{settings.clients} clients")
    table.row("bare form POST", f"{ceiling.rate:.0f}/s", f"CPU {ceiling.cpu * 1000:.2f} ms each")
    table.row("whole reports", f"{request_rate / walk_len:.2f} reports/s "
              f"({request_rate:.0f} requests/s)")
    table.row("  requests/s, ratio to the bare form POST",
              f"{request_rate / ceiling.rate:.2f}", "rounds: " + ", ".join(each))
    request_cpu_row(table, wizard_requests, wizard_server, wizard_web, wizard_loadgen)
    return Paired(ceiling, request_rate, (wizard_server + wizard_loadgen) / wizard_requests)


def request_cpu_row(table: Table, requests: float, server: float, web: float,
                    loadgen: float) -> None:
    """CPU per wizard request from CPU seconds over `requests`: every server part, the web
    worker's share apart (what a report's steps cost), and the load generator's."""
    table.row("  CPU per wizard request, all server parts", f"{server / requests * 1000:.2f} ms",
              f"web {web / requests * 1000:.2f} ms, load generator "
              f"{loadgen / requests * 1000:.2f} ms")


def measure(system: bench_system.System, settings: Settings, table: Table,
            ceiling: Ceiling, least: Minimum, ratios_only: bool = False) -> None:
    form_rate = ceiling.rate
    if not ratios_only:
        page_sizes(system, table)

    def report(_: int) -> list[Request]:
        client = Client(system.port)
        walk(client)
        client.close()
        return client.log

    # Full reports at saturation; memory after every fifth of the run, so that a step (a
    # table that doubles once) and a slope (a leak) look different in the table.
    walk_len = len(report(0))
    saturate(settings.clients, settings.clients, report)  # warm up every web worker
    if ratios_only:
        paired = interleaved(system, settings, table, report, walk_len)
        submit_rate, submit_cpu = final_submit(system, settings, table, least, 0)
        ratios(table, ceiling, least, (submit_rate, submit_cpu),
               (paired.request_rate, paired.request_cpu), paired.ceiling)
        return
    samples: dict[int, dict[str, int]] = {}
    fifth = max(1, settings.reports // 5)

    def sample(percent: int) -> Callable[[], None]:
        return lambda: samples.__setitem__(percent, memory(system))

    before = system.cpu_by_part()
    run = saturate(settings.clients, settings.reports, report,
                   at={fifth * n: sample(20 * n) for n in range(1, 5)})
    time.sleep(1)  # let the worker finish the last deliveries
    after = system.cpu_by_part()
    samples[100] = memory(system)
    request_rate = len(run.requests) / run.seconds
    table.section(f"Full report ({walk_len} requests: every GET and POST, the stylesheet once)")
    table.row(f"saturation, {settings.clients} clients, {settings.reports} reports",
              f"{run.rate:.2f} reports/s ({len(run.requests) / run.seconds:.0f} requests/s)",
              f"report p50 {ms(pct(run.latencies, 50))}, p99 {ms(pct(run.latencies, 99))}")
    request_times = [r.seconds for r in run.requests]
    table.row("  each request at saturation", "",
              f"p50 {ms(pct(request_times, 50))}, p99 {ms(pct(request_times, 99))}")
    table.row("  load generator CPU", f"{run.cpu / run.seconds:.2f} cores of {os.cpu_count()}")
    table.row("  requests/s, ratio to the bare form POST",
              f"{request_rate / form_rate:.2f} ({request_rate:.0f} / {form_rate:.0f})",
              verdict(request_rate >= 0.3 * form_rate, ">= 0.3"))
    # CPU per wizard request, every server part together; the web worker's share apart, as
    # that is what a report's steps cost (a step's cost must not grow with the steps before it).
    requests = len(run.requests)
    server = sum(after[part] - before[part] for part in after)
    web = after["web (gunicorn)"] - before["web (gunicorn)"]
    request_cpu = (server + run.cpu) / requests
    request_cpu_row(table, requests, server, web, run.cpu)
    count = 3 if settings.seconds < 5 else 20
    fixed = offered(settings.report_rate, count, report)
    times = [r.seconds for r in fixed.requests]
    table.row(f"offered {settings.report_rate:g} reports/s, {count} reports",
              f"{fixed.rate:.2f} reports/s",
              f"report p50 {ms(pct(fixed.latencies, 50))}, p99 {ms(pct(fixed.latencies, 99))}")
    table.row("  each request", "", f"p50 {ms(pct(times, 50))}, p99 {ms(pct(times, 99))}")

    plan = [(rate, 1) for rate in settings.submit_rates] + [(max(settings.submit_rates), 2)]
    offered_count = sum(int(rate * settings.seconds) for rate, _ in plan)
    submit_rate, submit_cpu, send = final_submit(system, settings, table, least, offered_count,
                                                 keep_sending=True)
    ratios(table, ceiling, least, (submit_rate, submit_cpu), (request_rate, request_cpu))
    time.sleep(2)
    delivery_rows: list[tuple[int, float, list[float]]] = []
    table.section("Final submit at a fixed rate (the worker delivering alongside)")
    for rate, workers in plan:
        while len(system.workers) < workers:
            system.start_worker()
            time.sleep(3)  # a worker's start-up is not a delivery's latency
        count = int(rate * settings.seconds)
        since = datetime.now(UTC)
        fixed = offered(rate, count, send)
        p99 = pct(fixed.latencies, 99)
        target = verdict(p99 < 0.050, "p99 < 50 ms at 50/s") if rate == 50 else ""
        table.row(f"offered {rate:g}/s, {count} submits, {workers} worker(s)",
                  f"{fixed.rate:.1f} submits/s",
                  f"p50 {ms(pct(fixed.latencies, 50))}, p99 {ms(p99)}  {target}")
        pairs = deliveries_since(system, since, count)
        delivery_rows.append((workers, rate, [(d - a).total_seconds() for a, d in pairs]))

    table.section("Accepted -> delivered (created_at to delivered_at in the database)")
    for workers, rate, latencies in delivery_rows:
        p99 = pct(latencies, 99)
        table.row(f"{workers} worker(s), submits offered at {rate:g}/s, {len(latencies)} delivered",
                  f"p50 {ms(pct(latencies, 50))}, p99 {ms(p99)}",
                  verdict(p99 < 1.0, "p99 < 1 s"))
    for workers in (1, 2):
        envelopes, per_second = drain(system, workers)
        table.row(f"{workers} worker(s) emptying a backlog of {envelopes}",
                  f"{per_second:.0f} deliveries/s")

    table.section(f"Memory (VmRSS, largest process of its kind) during {settings.reports} reports")
    kinds = (("web", "web worker (gunicorn)"), ("rq", "RQ worker (flask routing worker)"))
    for kind, name in kinds:
        early, late = samples[20][kind], samples[100][kind]
        allowed = 1024 + early // 100
        table.row(name, f"{early / 1024:.1f} MiB at 20%, {late / 1024:.1f} MiB at 100%",
                  verdict(late - early <= allowed, "growth <= 1 MiB + 1%"))
        table.row("  after each fifth", " / ".join(
            f"{samples[percent][kind] / 1024:.1f}" for percent in sorted(samples)) + " MiB")
    table.row("  reports per web worker (4 workers)", f"about {settings.reports // 4}")


if __name__ == "__main__":
    raise SystemExit(main())
