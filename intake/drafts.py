"""Encrypted drafts: the reporter's answers between steps.

The server stores a draft only as SecretBox ciphertext; the 32-byte key is in the reporter's
cookie and nowhere else. Each save is conditional on the version read, so two tabs or a
double-clicked "Send" cannot both win.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nacl.exceptions
import nacl.secret
import nacl.utils
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from database import DirectStatement, utcnow
from intake.models import Draft


class StaleDraft(Exception):
    """Someone else saved this draft since it was read (another tab, a repeated submit)."""


_HEX_DIGITS = "0123456789abcdef"


@dataclass(frozen=True)
class DraftKey:
    """What the reporter's cookie holds: which draft, and the key that opens it."""

    draft_id: str
    key: bytes

    @classmethod
    def new(cls) -> DraftKey:
        return cls(secrets.token_hex(16), nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE))

    def to_cookie(self) -> str:
        return f"{self.draft_id}.{base64.urlsafe_b64encode(self.key).decode('ascii')}"

    @classmethod
    def from_cookie(cls, value: str | None) -> DraftKey | None:
        if not value or value.count(".") != 1:
            return None
        draft_id, encoded = value.split(".")
        try:
            key = base64.urlsafe_b64decode(encoded.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return None
        # Only ids we could have made reach the database: PostgreSQL refuses a NUL in text
        # outright, and a forged cookie is no reason for a server error.
        if (len(draft_id) != 32 or draft_id.strip(_HEX_DIGITS)
                or len(key) != nacl.secret.SecretBox.KEY_SIZE):
            return None
        return cls(draft_id, key)


@dataclass
class DraftData:
    """The decrypted draft: answers per step, raw as typed (valid or not), and which steps are
    complete."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    sent: dict[str, str] | None = None
    version: int = 0
    # When every complete step was last re-validated together: the wizard's rules and the day
    # (intake.wizard.recheck_stamp), or "" after a change that was not followed by one.
    checked: str = ""
    # Which other steps' answers each complete step's form read when it was last validated
    # ("*": all of them): while `checked` holds, a save re-validates only the steps that read
    # the step it changed (intake.wizard.save_step).
    reads: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(
            {"answers": self.answers, "done": self.done, "sent": self.sent,
             "checked": self.checked, "reads": self.reads},
            ensure_ascii=False,
        ).encode("utf-8")


# Every wizard request loads and saves its draft: these are built once, as table statements;
# the load and the update, which every request runs, on the DB-API cursor itself
# (database.DirectStatement), so that neither statement building nor SQLAlchemy's execution
# layer is paid per request.
_DRAFTS = Draft.__table__
_LOAD = select(_DRAFTS.c.ciphertext, _DRAFTS.c.version, _DRAFTS.c.expires_at).where(
    _DRAFTS.c.id == bindparam("draft_id"))
_INSERT = insert(_DRAFTS)
_DELETE = delete(_DRAFTS).where(_DRAFTS.c.id == bindparam("draft_id"))
_UPDATE = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("draft_id"), _DRAFTS.c.version == bindparam("read"))
    .values(ciphertext=bindparam("ciphertext"), version=bindparam("written"),
            expires_at=bindparam("expires"))
)
_LOAD_DIRECT = DirectStatement(_LOAD)
_UPDATE_DIRECT = DirectStatement(_UPDATE)


def _connection(on: Connection | Session) -> Connection:
    return on.connection() if isinstance(on, Session) else on


def load(on: Connection | Session, key: DraftKey, now: datetime | None = None) -> DraftData | None:
    """The draft, or None if it expired, was deleted, or the key does not open it."""
    row = _LOAD_DIRECT.first(_connection(on), {"draft_id": key.draft_id})
    if row is None:
        return None
    ciphertext, version, expires_at = row
    if expires_at <= (now or utcnow()):
        return None
    try:
        plaintext = nacl.secret.SecretBox(key.key).decrypt(ciphertext)
    except nacl.exceptions.CryptoError:
        return None
    data = json.loads(plaintext)
    return DraftData(data["answers"], data["done"], data.get("sent"), version,
                     data.get("checked", ""), data.get("reads", {}))


def save(
    on: Connection | Session, key: DraftKey, data: DraftData, ttl: timedelta,
    now: datetime | None = None,
) -> None:
    """Write the draft, extending its life; StaleDraft if it changed since `data` was loaded."""
    now = now or utcnow()
    ciphertext = nacl.secret.SecretBox(key.key).encrypt(data.to_json())
    connection = _connection(on)
    if data.version == 0 and _LOAD_DIRECT.first(connection, {"draft_id": key.draft_id}) is None:
        connection.execute(_INSERT, {"id": key.draft_id, "ciphertext": ciphertext, "version": 1,
                                     "expires_at": now + ttl})
        data.version = 1
        return
    changed = _UPDATE_DIRECT.rowcount(connection, {
        "draft_id": key.draft_id, "read": data.version, "ciphertext": ciphertext,
        "written": data.version + 1, "expires": now + ttl,
    })
    if changed != 1:
        raise StaleDraft(key.draft_id)
    data.version += 1


def discard(on: Connection | Session, key: DraftKey, now: datetime | None = None) -> bool:
    """Delete the draft if this key opens it. A cookie with the right draft id but another key
    proves nothing, so it deletes nothing; an expired draft goes whoever asks."""
    connection = _connection(on)
    row = _LOAD_DIRECT.first(connection, {"draft_id": key.draft_id})
    if row is None:
        return False
    ciphertext, _version, expires_at = row
    if expires_at > (now or utcnow()):
        try:
            nacl.secret.SecretBox(key.key).decrypt(ciphertext)
        except nacl.exceptions.CryptoError:
            return False
    connection.execute(_DELETE, {"draft_id": key.draft_id})
    return True


def purge_expired(session: Session, now: datetime | None = None) -> int:
    result = session.execute(delete(Draft).where(Draft.expires_at <= (now or utcnow())))
    return int(result.rowcount)  # type: ignore[attr-defined]
