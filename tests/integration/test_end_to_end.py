"""The whole path, as separate real processes: a report typed into the web app (gunicorn) is
sealed, delivered by the worker process through a real Redis, shows up in the right service's
inbox, downloads, and opens with `flask inbox open` to exactly what was typed."""

from __future__ import annotations

import json
import time

import redis

from tests.helpers import HttpTransport, Wizard, walk_private, walk_professional
from tests.helpers.envelopes import wait_for_state
from tests.helpers.inbox import sign_in_over_http

ARABIC = "الطفل يبكي كل ليلة"
EMOJI = "😢👶🏽"


def test_report_typed_in_the_browser_opens_in_the_right_inbox_exactly_as_typed(
        live_system, tmp_path):
    concern = f"Hører skriking om natta. {ARABIC} {EMOJI}\nAndre linje."
    child_name = f"Aisha Ødegård {EMOJI}"
    started = time.monotonic()
    reference = walk_private(
        Wizard(HttpTransport(live_system.base_url)),
        child={"name": child_name, "age": "6"},
        concern=concern,
        you={"name": "Kari Nordmann", "phone": "912 34 567", "email": "kari@example.no"},
        postal_code="0150",
    )
    envelope = wait_for_state(live_system.database_url, reference, {"delivered"})
    print(f"\nsent → delivered in {time.monotonic() - started:.2f} s (including the walk)")
    assert envelope.service_id == "oslo"

    created = live_system.flask("inbox", "add-user", "kari.intake", "--service", "oslo",
                                "--password-stdin", input_text="a long enough password\n")
    assert created.returncode == 0, created.stderr
    browser = sign_in_over_http(live_system.base_url, "kari.intake", "a long enough password")
    listing = browser.get(live_system.base_url + "/inbox/", timeout=10)
    assert reference in listing.text

    download = browser.get(
        f"{live_system.base_url}/inbox/envelopes/{envelope.id}/download", timeout=10
    )
    assert download.status_code == 200
    sealed_file = tmp_path / "download.json"
    sealed_file.write_bytes(download.content)
    assert concern.encode() not in download.content

    out = tmp_path / "opened"
    out.mkdir()
    opened = live_system.flask("inbox", "open", str(sealed_file), "--key",
                               str(live_system.key_files["0301"]), "--passphrase-stdin",
                               "--out", str(out), input_text="correct horse battery staple\n")
    assert opened.returncode == 0, opened.stderr
    report = json.loads((out / f"{reference}.json").read_text(encoding="utf-8"))
    assert report["concern"]["description"] == concern
    assert report["children"][0]["name"] == child_name
    assert report["reporter"]["name"] == "Kari Nordmann"
    assert report["location"]["municipality_number"] == "0301"
    assert report["language"] == "nb"
    text = (out / f"{reference}.txt").read_text(encoding="utf-8")
    assert ARABIC in text and EMOJI in text


def test_report_for_bergen_reaches_bergen_not_oslo(live_system):
    reference = walk_professional(
        Wizard(HttpTransport(live_system.base_url)),
        child={"name": "Per Hansen", "age": "11"},
        concern="Kommer ofte sulten på skolen.",
        you={"name": "Lærer Lie", "role": "Kontaktlærer", "workplace": "Nygård skole",
             "phone": "+47 55 12 34 56", "email": "lie@nygard.example.no"},
        municipality="4601",
    )
    envelope = wait_for_state(live_system.database_url, reference, {"delivered"})
    assert envelope.service_id == "bergen"


def test_redis_lost_after_acceptance_loses_nothing(live_system):
    """The worker is stopped, the report is accepted, Redis is killed and comes back empty:
    the reconciler finds the envelope in the database and it is delivered once."""
    live_system.kill("worker")
    reference = walk_private(
        Wizard(HttpTransport(live_system.base_url)),
        child={"name": "Nora", "age": "3"},
        concern="Ligger ute alene om kvelden.",
    )
    wait_for_state(live_system.database_url, reference, {"accepted"})
    connection = redis.Redis(unix_socket_path=str(live_system.redis_socket))
    assert connection.llen("rq:queue:delivery") == 1
    live_system.kill("redis")
    live_system.start_redis()
    assert connection.llen("rq:queue:delivery") == 0, "the new Redis should start empty"
    live_system.start_worker()
    envelope = wait_for_state(live_system.database_url, reference, {"delivered"}, timeout=60)
    assert envelope.delivery_attempts == 1
