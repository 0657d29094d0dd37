"""Intake users and their passwords (Argon2id via argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import AuditEntry, IntakeUser

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases cost the same time and say
# nothing about which usernames exist.
_DUMMY_HASH = _hasher.hash("no such user: dummy password")


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


def create_user(session: Session, username: str, password: str, service_id: str) -> IntakeUser:
    username = username.strip().lower()
    if not username:
        raise UserError("the username is empty")
    if len(password) < MIN_PASSWORD_LENGTH and not username.startswith("demo-"):
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(IntakeUser.id).where(IntakeUser.username == username)):
        raise UserError(f"a user named {username!r} exists")
    user = IntakeUser(username=username, password_hash=_hasher.hash(password), service_id=service_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> IntakeUser | None:
    user = session.scalar(
        select(IntakeUser).where(IntakeUser.username == username.strip().lower())
    )
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def audit(
    session: Session,
    action: str,
    *,
    user: IntakeUser | None = None,
    service_id: str | None = None,
    envelope_id: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            action=action,
            user_id=user.id if user else None,
            service_id=user.service_id if user else service_id,
            envelope_id=envelope_id,
        )
    )
