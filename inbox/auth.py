"""Intake users, their passwords (Argon2id via argon2-cffi) and the audit log of what they do."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.models import AuditEntry, IntakeUser, Role
from routing.models import Service

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000
# Plain ASCII names: no look-alike letters, nothing a terminal or a log line could misread.
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@-]{0,99}")

_hasher = PasswordHasher()
# Demo users only (`flask demo setup`, refused in production): their passwords are printed by
# `make run` for anyone to use, so stretching them protects nothing, and 372 hashes at the
# default cost were minutes of a newcomer's first run. A demo user's first sign-in rehashes the
# password at the default cost (authenticate), like any hash with old parameters.
_demo_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# Verified against when the username is unknown, so both cases cost the same time and say
# nothing about which usernames exist.
_DUMMY_HASH = _hasher.hash("no such user: dummy password")


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def create_user(
    session: Session, username: str, password: str, service_id: str, role: Role = Role.MEMBER,
    *, demo: bool = False,
) -> IntakeUser:
    username = normalise_username(username)
    if not USERNAME_RE.fullmatch(username):
        raise UserError(
            "a username is 1 to 100 characters of a-z, 0-9 and . _ @ -, "
            "starting with a letter or digit"
        )
    _check_length(password)
    if session.get(Service, service_id) is None:
        raise UserError(f"there is no service with id {service_id!r}")
    if session.scalar(select(IntakeUser.id).where(IntakeUser.username == username)):
        raise UserError(f"a user named {username!r} exists")
    hasher = _demo_hasher if demo else _hasher
    user = IntakeUser(
        username=username, password_hash=hasher.hash(password), service_id=service_id, role=role
    )
    session.add(user)
    session.flush()
    return user


def _check_length(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters "
            f"(and at most {MAX_PASSWORD_LENGTH})"
        )


def is_current_password(user: IntakeUser, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_own_password(user: IntakeUser, password: str) -> None:
    """The user's own password replaces the one they were given (or their old one). The caller
    ends the user's other sessions: whoever knew the old password is out."""
    _check_length(password)
    user.password_hash = _hasher.hash(password)
    user.password_is_initial = False


def authenticate(session: Session, username: str, password: str) -> IntakeUser | None:
    """The user if the password is theirs, else None: the same answer, and about the same time,
    for an unknown username as for a wrong password."""
    user = session.scalar(
        select(IntakeUser).where(IntakeUser.username == normalise_username(username))
    )
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def audit(
    session: Session,
    action: str,
    *,
    user: IntakeUser | None = None,
    envelope_id: str | None = None,
    subject: IntakeUser | None = None,
) -> None:
    """Who did what, when. Never content, never an IP address, never a typed username: a
    failed sign-in is recorded without one, as people type passwords into the username field."""
    owner = user or subject
    session.add(
        AuditEntry(
            action=action,
            user_id=user.id if user else None,
            service_id=owner.service_id if owner else None,
            envelope_id=envelope_id,
            subject_user_id=subject.id if subject else None,
        )
    )
