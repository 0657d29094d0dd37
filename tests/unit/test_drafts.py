"""Encrypted drafts on a real SQLite file: nothing readable at rest, only the reporter's cookie
opens a draft, expired drafts vanish, and two saves of one version cannot both win."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from database import Database
from intake import drafts
from intake.drafts import DraftData, DraftKey, StaleDraft
from intake.models import Draft

CANARY = "KANARIFUGL-7f3a9c-Åse-أنا"
TTL = timedelta(hours=2)
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "drafts.db"


@pytest.fixture
def database(db_file: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{db_file}")
    database.create_all()
    yield database
    database.dispose()


def answers_with_canary() -> DraftData:
    return DraftData(
        answers={
            "child": {"name": f"Ola {CANARY}", "description": CANARY},
            "concern": {"description": f"Han sa {CANARY} i dag"},
            "about-you": {"email": f"{CANARY}@example.no", "phone": "912 34 567"},
        },
        done=["emergency", "reporter-type", "child"],
    )


def save_new(database: Database, data: DraftData | None = None, now: datetime = T0) -> DraftKey:
    key = DraftKey.new()
    with database.session() as session:
        drafts.save(session, key, data or answers_with_canary(), TTL, now=now)
    return key


def draft_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Draft))


def test_stored_draft_contains_none_of_the_reporters_words(database, db_file):
    key = save_new(database)
    database.dispose()  # let SQLite write everything out before we read the file
    with sqlite3.connect(db_file) as raw:
        rows = raw.execute("SELECT id, ciphertext FROM drafts").fetchall()
    assert len(rows) == 1
    draft_id, ciphertext = rows[0]
    assert draft_id == key.draft_id
    for needle in (CANARY, "KANARIFUGL", "Ola", "912 34 567", "example.no"):
        assert needle.encode("utf-8") not in ciphertext
    for path in db_file.parent.glob("drafts.db*"):  # the database file, its WAL and shm
        content = path.read_bytes()
        assert b"KANARIFUGL" not in content, f"plaintext draft found in {path.name}"
        assert CANARY.encode("utf-8") not in content


def test_draft_opens_with_the_reporters_key_exactly_as_saved(database):
    data = answers_with_canary()
    key = save_new(database, data)
    with database.session() as session:
        loaded = drafts.load(session, key, now=T0)
    assert loaded is not None
    assert loaded.answers == data.answers
    assert loaded.done == data.done
    assert loaded.version == 1


def test_draft_cannot_be_opened_with_another_key(database):
    key = save_new(database)
    wrong = DraftKey(key.draft_id, DraftKey.new().key)
    with database.session() as session:
        assert drafts.load(session, wrong, now=T0) is None
        # A failed attempt does not damage the draft for its owner.
        assert drafts.load(session, key, now=T0) is not None


def test_draft_key_survives_the_cookie_round_trip(database):
    key = save_new(database)
    cookie = key.to_cookie()
    assert DraftKey.from_cookie(cookie) == key
    with database.session() as session:
        assert drafts.load(session, DraftKey.from_cookie(cookie), now=T0) is not None


@pytest.mark.parametrize(
    "cookie",
    [None, "", "no-dot", "a.b.c", "0" * 32 + ".!!!not-base64!!!", "short.AAAA", "0" * 32 + ".AAAA",
     # Right lengths, but an id we never make: PostgreSQL refuses the NUL outright.
     "\x00" * 32 + "." + "A" * 43 + "=", "G" * 32 + "." + "A" * 43 + "="],
)
def test_mangled_cookie_opens_no_draft(cookie):
    assert DraftKey.from_cookie(cookie) is None


def test_expired_draft_is_not_loaded(database):
    key = save_new(database, now=T0)
    with database.session() as session:
        assert drafts.load(session, key, now=T0 + TTL - timedelta(seconds=1)) is not None
        assert drafts.load(session, key, now=T0 + TTL) is None
        assert drafts.load(session, key, now=T0 + timedelta(days=3)) is None


def test_saving_a_draft_extends_its_life(database):
    data = answers_with_canary()
    key = save_new(database, data, now=T0)
    with database.session() as session:
        drafts.save(session, key, data, TTL, now=T0 + timedelta(hours=1))
    with database.session() as session:
        assert drafts.load(session, key, now=T0 + TTL + timedelta(minutes=30)) is not None


def test_purge_deletes_expired_drafts_and_keeps_live_ones(database):
    old = save_new(database, now=T0)
    live = save_new(database, now=T0 + timedelta(hours=3))
    with database.session() as session:
        assert drafts.purge_expired(session, now=T0 + TTL + timedelta(minutes=1)) == 1
    assert draft_count(database) == 1
    with database.session() as session:
        assert session.get(Draft, old.draft_id) is None
        assert drafts.load(session, live, now=T0 + TTL + timedelta(minutes=1)) is not None


def test_discarded_draft_is_gone(database):
    key = save_new(database)
    with database.session() as session:
        assert drafts.discard(session, key, now=T0) is True
    assert draft_count(database) == 0
    with database.session() as session:
        assert drafts.load(session, key, now=T0) is None


def test_a_cookie_with_the_right_draft_id_but_another_key_cannot_delete_the_draft(database):
    key = save_new(database)
    forged = DraftKey(key.draft_id, bytes(32))
    with database.session() as session:
        assert drafts.discard(session, forged, now=T0) is False
    with database.session() as session:
        assert drafts.load(session, key, now=T0) is not None


def test_concurrent_save_of_a_stale_version_is_refused(database):
    key = save_new(database)
    with database.session() as session:
        first_tab = drafts.load(session, key, now=T0)
    with database.session() as session:
        second_tab = drafts.load(session, key, now=T0)
    assert first_tab is not None and second_tab is not None
    first_tab.answers["concern"] = {"description": "from the first tab"}
    second_tab.answers["concern"] = {"description": "from the second tab"}

    with database.session() as session:
        drafts.save(session, key, first_tab, TTL, now=T0)
    with pytest.raises(StaleDraft), database.session() as session:
        drafts.save(session, key, second_tab, TTL, now=T0)

    with database.session() as session:
        stored = drafts.load(session, key, now=T0)
    assert stored is not None
    assert stored.answers["concern"] == {"description": "from the first tab"}
    assert stored.version == 2


def test_two_first_saves_of_one_new_draft_cannot_both_win(database):
    # A double-clicked first step: both requests hold version 0 of the same new draft.
    key = DraftKey.new()
    with database.session() as session:
        drafts.save(session, key, DraftData(answers={"emergency": {"answer": "no"}}), TTL, now=T0)
    with pytest.raises(StaleDraft), database.session() as session:
        drafts.save(session, key, DraftData(answers={"emergency": {"answer": "yes"}}), TTL, now=T0)
    with database.session() as session:
        stored = drafts.load(session, key, now=T0)
    assert stored is not None and stored.answers == {"emergency": {"answer": "no"}}
