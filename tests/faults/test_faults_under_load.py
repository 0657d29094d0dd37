"""Nothing lost, nothing duplicated, under load and faults: 2,000 reports sent to the live
system while its worker is killed, its Redis flushed and killed, and the service's case system
refuses pushes for a while.

What is real: gunicorn serving the app, the `flask routing worker` process (RQ worker,
scheduler and reconciler), a redis-server process, the run's database (SQLite file or a
PostgreSQL schema), a push receiver on loopback speaking HTTP, and the team's inbox page read
over HTTP after a real sign-in (password and authenticator code). Every one of the 2,000 sends
is a POST /report/send over HTTP with the reporter's cookies and CSRF token, followed by a GET
of the receipt page, whose reference is what the reporter saw.

What is shortened: walking the wizard takes some 40 requests per report, so eight reporters
walk it over HTTP to "check your answers", and the other drafts are copies of those eight rows
in the drafts table under new ids (the same ciphertext, opened by the same key in a cookie
naming the new id), as scripts/bench.py does. Push retries come after one or two seconds
instead of half a minute to an hour (tests/faults/conftest.py FAST_PUSH_WORKER), and the
reconciler looks for envelopes left `accepted` after 2 seconds (RECONCILE_AFTER_SECONDS).

The faults, each while reports are being sent: the worker is killed with SIGKILL three times
(during an inbox delivery, during a push the receiver never answered, and during a push the
receiver had stored but not yet answered) and started again; Redis is emptied with FLUSHALL
twice, and killed with SIGKILL and started again, empty, once; the push endpoint answers 500,
or nothing at all within the client's timeout, for a stretch of the run, and again briefly after
the last crash (so its retries need the restarted worker's scheduler). The worker rides out
Redis going away without a restart from outside (routing/worker.py); one that exited on its own
all the same would be started again, as the production supervisor (compose's `restart:
unless-stopped`) would, counted, and fail the test at the end.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
import requests
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from database import Database
from intake.drafts import DraftKey
from intake.models import Draft
from routing import channels
from routing.envelope_file import to_file
from routing.models import ChannelDelivery, Envelope, OperatorAlert
from tests.faults.conftest import PushReceiver
from tests.helpers import REFERENCE_RE, HttpTransport, Wizard, csrf_token, walk_private
from tests.helpers.inbox import sign_in_over_http
from tests.helpers.live_system import LiveSystem

REPORTS = 2000
WALKED = 8
SENDERS = 4
# How long the system may take to deliver and push everything once the last report is sent.
# A deadline, not a measurement: the figures printed say how long it took.
CONVERGENCE_DEADLINE_SECONDS = 240
INBOX_ROW = re.compile(r"/inbox/envelopes/([0-9a-f]{32})/download")


class ToCheckYourAnswers(Wizard):
    """Walks to "check your answers" and stops there, keeping the page's CSRF token."""

    token: str = ""

    def send(self) -> str:
        page = self.transport.get("/report/check")
        assert page.status == 200, f"GET /report/check gave {page.status}"
        self.token = csrf_token(page.html)
        return ""


@dataclass
class Ready:
    cookies: dict[str, str]
    token: str


@dataclass
class Sent:
    status: int
    reference: str | None = None
    error: str = ""


def walk_to_check(base_url: str, count: int) -> list[Ready]:
    ready = []
    for n in range(count):
        transport = HttpTransport(base_url)
        wizard = ToCheckYourAnswers(transport)
        walk_private(wizard, child={"name": f"Barn nummer {n}", "age": str(3 + n)},
                     concern=f"Naboens barn nummer {n} er ofte alene hjemme om kvelden.")
        ready.append(Ready(transport.session.cookies.get_dict(), wizard.token))
    return ready


def copy_drafts(database: Database, walked: list[Ready], count: int) -> list[Ready]:
    """`count` drafts ready to send: the walked ones, and copies of their rows under new ids."""
    ready = list(walked)
    with database.session() as session:
        for index in range(count - len(walked)):
            source = walked[index % len(walked)]
            key = DraftKey.from_cookie(source.cookies["draft"])
            assert key is not None, "the walked reporter has no draft cookie"
            original = session.scalars(select(Draft).where(Draft.id == key.draft_id)).one()
            copy = DraftKey.new().draft_id
            session.add(Draft(id=copy, ciphertext=original.ciphertext, version=original.version,
                              expires_at=original.expires_at))
            cookies = {**source.cookies, "draft": DraftKey(copy, key.key).to_cookie()}
            ready.append(Ready(cookies, source.token))
    return ready


def send_and_read_receipt(http: requests.Session, base_url: str, report: Ready) -> Sent:
    """What a reporter's browser does on "Send": POST, follow the redirect, read the receipt."""
    http.cookies.clear()
    for name, value in report.cookies.items():
        http.cookies.set(name, value)
    try:
        response = http.post(f"{base_url}/report/send",
                             data={"declaration": "y", "csrf_token": report.token},
                             allow_redirects=False, timeout=60)
        if response.status_code != 303 or not response.headers.get("Location", "").endswith(
                "/report/receipt"):
            return Sent(response.status_code)
        receipt = http.get(f"{base_url}/report/receipt", allow_redirects=False, timeout=60)
        found = REFERENCE_RE.search(receipt.text)
        return Sent(receipt.status_code, found.group(1) if found else None)
    except requests.RequestException as error:
        return Sent(0, error=type(error).__name__)


@dataclass
class Faults:
    """Runs the fault plan against the system as sending goes on, keeps a restarted worker
    running, and records what it did and when."""

    system: LiveSystem
    receiver: PushReceiver
    started: float
    log: list[str] = field(default_factory=list)
    worker_exits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, text: str) -> None:
        self.log.append(f"{time.monotonic() - self.started:6.1f} s  {text}")

    def redis(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.system.redis_socket), socket_timeout=5)

    def supervise(self) -> None:
        """Start the worker again if it exited on its own."""
        with self.lock:
            if not self.system.worker_alive():
                self.worker_exits += 1
                self.system.processes.pop("worker", None)
                self.note("worker had exited on its own; started again")
                self.system.start_worker()

    def kill_worker(self, why: str, ready: Callable[[], str | None], timeout: float = 30) -> None:
        """SIGKILL the worker (its whole process group: worker and scheduler) the moment
        `ready()` names what it is in the middle of; then start it again."""
        deadline = time.monotonic() + timeout
        doing = None
        while doing is None and time.monotonic() < deadline:
            try:
                doing = ready()
            except redis.RedisError:
                doing = None
            if doing is None:
                time.sleep(0.002)
        assert doing is not None, f"the worker was never caught {why}"
        with self.lock:
            self.system.kill("worker", signal.SIGKILL)
            self.note(f"worker killed (SIGKILL) {why}: {doing}")
            self.receiver.release.set()
            self.system.start_worker()

    def mid_delivery(self) -> str | None:
        # Without the registry's cleanup, which would itself recover abandoned jobs.
        running = StartedJobRegistry("delivery", connection=self.redis()).get_job_ids(cleanup=False)
        return next((id_ for id_ in running if id_.startswith("deliver-")), None)

    def mid_unanswered_push(self) -> str | None:
        return "a push waiting for an answer that never comes" if self.receiver.hanging else None

    def mid_stored_push(self) -> str | None:
        return "a push the receiver stored and has not answered" if self.receiver.held.is_set() \
            else None

    def flush(self) -> None:
        self.redis().flushall()
        self.note("Redis emptied (FLUSHALL)")

    def restart_redis(self) -> None:
        with self.lock:
            self.system.kill("redis", signal.SIGKILL)
            self.note("Redis killed (SIGKILL)")
            time.sleep(1)
            self.system.start_redis()
            self.note("Redis started again, empty")

    def push_down(self) -> None:
        self.receiver.failing = True
        self.note("push endpoint failing: 500, or no answer")

    def push_up(self) -> None:
        self.receiver.failing = False
        self.note("push endpoint storing again")

    def kill_during_stored_push(self) -> None:
        self.receiver.hold()
        self.kill_worker("mid-push", self.mid_stored_push)


def fault_plan(faults: Faults) -> list[tuple[float, Callable[[], None]]]:
    """(share of the reports sent, fault). The last fault comes well before the last report."""
    return [
        (0.05, faults.push_down),
        (0.10, lambda: faults.kill_worker("mid-delivery", faults.mid_delivery)),
        (0.20, faults.flush),
        (0.30, lambda: faults.kill_worker("mid-push", faults.mid_unanswered_push)),
        (0.40, faults.restart_redis),
        (0.50, faults.push_up),
        (0.60, faults.flush),
        (0.75, faults.kill_during_stored_push),
        # The case system stumbles again after the last crash: its retries need the new
        # worker's scheduler (or the reconciler) to run.
        (0.80, faults.push_down),
        (0.85, faults.push_up),
    ]


def envelopes_and_pushes(database: Database) -> tuple[list[Envelope], dict[str, str]]:
    with database.session() as session:
        envelopes = list(session.scalars(select(Envelope)))
        pushes = {envelope_id: state for envelope_id, state in session.execute(
            select(ChannelDelivery.envelope_id, ChannelDelivery.state)
            .where(ChannelDelivery.channel == channels.PUSH))}
    return envelopes, pushes


def converged(envelopes: list[Envelope], pushes: dict[str, str], receiver: PushReceiver) -> bool:
    return (all(e.delivered_at is not None for e in envelopes)
            and len(pushes) == len(envelopes)
            and all(state == channels.ChannelState.DELIVERED for state in pushes.values())
            and all(e.id in receiver.stored for e in envelopes))


def test_every_report_sent_through_faults_is_delivered_and_pushed_exactly_once(
    fault_system: LiveSystem, push_receiver: PushReceiver
):
    started = time.monotonic()
    live = fault_system
    database = Database(live.database_url)
    with database.session() as session:
        push_receiver.secret = channels.set_push_endpoint(session, "oslo", push_receiver.url)
    push_receiver.start()
    fault_system.start_worker()

    walked = walk_to_check(live.base_url, WALKED)
    reports = copy_drafts(database, walked, REPORTS)
    sending_started = time.monotonic()

    faults = Faults(fault_system, push_receiver, sending_started)
    outcomes: list[Sent] = []
    outcomes_lock = threading.Lock()
    queue = iter(reports)

    def sender() -> None:
        http = requests.Session()
        while True:
            with outcomes_lock:
                report = next(queue, None)
            if report is None:
                return
            outcome = send_and_read_receipt(http, live.base_url, report)
            with outcomes_lock:
                outcomes.append(outcome)

    def run_faults() -> None:
        for share, fault in fault_plan(faults):
            while len(outcomes) < share * REPORTS:
                faults.supervise()
                time.sleep(0.05)
            fault()

    senders = [threading.Thread(target=sender) for _ in range(SENDERS)]
    fault_thread = threading.Thread(target=run_faults)
    for thread in (*senders, fault_thread):
        thread.start()
    for thread in senders:
        thread.join()
    sending_seconds = time.monotonic() - sending_started
    fault_thread.join(120)
    assert not fault_thread.is_alive(), "the fault plan did not finish"
    faults.note(f"all {len(outcomes)} reports sent")

    deadline = time.monotonic() + CONVERGENCE_DEADLINE_SECONDS
    while True:
        faults.supervise()
        envelopes, pushes = envelopes_and_pushes(database)
        if converged(envelopes, pushes, push_receiver) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    faults.note("everything delivered and pushed" if converged(envelopes, pushes, push_receiver)
                else f"deadline: {sum(e.delivered_at is None for e in envelopes)} not delivered, "
                     f"{sum(s != channels.ChannelState.DELIVERED for s in pushes.values())} "
                     "pushes not done")

    # The team's inbox page, over HTTP, after signing in as the team does.
    created = live.flask("inbox", "add-user", "oslo.intake", "--service", "oslo",
                         "--password-stdin", input_text="a long enough password\n")
    assert created.returncode == 0, created.stderr
    team = sign_in_over_http(live.base_url, "oslo.intake", "a long enough password")
    listing = team.get(live.base_url + "/inbox/", timeout=60)
    assert listing.status_code == 200
    in_inbox = Counter(INBOX_ROW.findall(listing.text))
    with database.session() as session:
        alerts = session.scalars(select(OperatorAlert)).all()
    database.dispose()
    elapsed = time.monotonic() - started

    ids = {e.id for e in envelopes}
    by_reference = Counter(e.reference for e in envelopes)
    receipts = [o.reference for o in outcomes if o.reference]
    failed_sends = Counter(f"{o.status} {o.error}".strip() for o in outcomes if not o.reference)
    missing_from_inbox = ids - set(in_inbox)
    missing_from_receiver = ids - set(push_receiver.stored)
    receipts_without_envelope = [r for r in receipts if by_reference[r] != 1]
    duplicates = (sum(n - 1 for n in in_inbox.values() if n > 1)
                  + sum(n - 1 for n in by_reference.values() if n > 1))
    figures = {
        "sent": len(outcomes),
        "accepted": len(envelopes),
        "delivered": len(ids & set(in_inbox)),
        "push-stored": len(ids & set(push_receiver.stored)),
        "duplicates": duplicates,
        "missing": len(missing_from_inbox | missing_from_receiver) + len(receipts_without_envelope),
        "receipts": len(receipts),
        "elapsed": f"{elapsed:.0f} s (sending {sending_seconds:.0f} s)",
    }
    print("\n" + "\n".join(faults.log))
    print("  ".join(f"{name}: {value}" for name, value in figures.items()))
    print(f"push POSTs: {sum(push_receiver.posts.values())} ({dict(push_receiver.answered)}), "
          f"repeats of a stored id answered 200 again: {sum(push_receiver.repeats.values())}; "
          f"worker exits on its own: {faults.worker_exits}; refused sends: {dict(failed_sends)}")

    assert len(outcomes) == REPORTS
    assert not failed_sends, f"reporters who saw no receipt: {failed_sends}"
    assert len(receipts) == REPORTS
    assert not receipts_without_envelope, receipts_without_envelope[:5]
    assert len(envelopes) == REPORTS, "one envelope per receipt, no more"
    assert not missing_from_inbox, f"{len(missing_from_inbox)} accepted envelopes not in the inbox"
    assert all(n == 1 for n in in_inbox.values()), "an envelope listed twice in the inbox"
    assert not missing_from_receiver, \
        f"{len(missing_from_receiver)} envelopes never stored by the case system"
    not_pushed = {id_: state for id_, state in pushes.items()
                  if state != channels.ChannelState.DELIVERED}
    assert not not_pushed, (
        f"{len(not_pushed)} pushes still recorded as {set(not_pushed.values())} "
        f"{CONVERGENCE_DEADLINE_SECONDS} s after the last report (the case system has "
        f"{sum(id_ in push_receiver.stored for id_ in not_pushed)} of them)")
    for envelope_ in envelopes:
        assert push_receiver.stored[envelope_.id] == to_file(envelope_)
    assert push_receiver.bad_signatures == 0
    assert all(e.state == "delivered" for e in envelopes), Counter(e.state for e in envelopes)
    assert not alerts, "no operator alert: nothing failed for good"
    assert duplicates == 0
    assert faults.worker_exits == 0, "the worker needed a restart from outside"
