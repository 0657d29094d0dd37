"""What a service administrator does with the users of their own service. Every function takes
the service id, and a user of another service is treated exactly like one that does not exist."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox import second_factor, signin
from inbox.auth import create_user
from inbox.models import IntakeUser, Role


@dataclass(frozen=True)
class OpenSession:
    started_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    is_admin: bool
    active: bool
    enrolled: bool
    sessions: list[OpenSession] = field(default_factory=list)


def list_for_service(session: Session, service_id: str, now: datetime) -> list[UserRow]:
    """The service's users, each with the sessions they are signed in with now."""
    users = session.scalars(
        select(IntakeUser).where(IntakeUser.service_id == service_id).order_by(IntakeUser.username)
    ).all()
    open_ = signin.open_sessions(session, [user.id for user in users], now)
    return [
        UserRow(user.id, user.username, user.is_admin, user.active,
                second_factor.is_enrolled(user),
                [OpenSession(row.started_at, row.seen_at) for row in open_.get(user.id, [])])
        for user in users
    ]


def own_user(session: Session, service_id: str, user_id: int) -> IntakeUser | None:
    return session.scalar(
        select(IntakeUser).where(IntakeUser.id == user_id, IntakeUser.service_id == service_id)
    )


def username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(IntakeUser.id).where(IntakeUser.username == username)) is not None


def add_member(session: Session, service_id: str, username: str) -> tuple[IntakeUser, str]:
    """A new member with a random initial password, returned once for the admin to hand over;
    only its hash is stored. Raises auth.UserError as create_user does."""
    # 16 characters of the URL-safe alphabet: about 96 bits, and easy to read out or copy.
    password = secrets.token_urlsafe(12)
    return create_user(session, username, password, service_id, Role.MEMBER), password


def deactivate(session: Session, user: IntakeUser) -> None:
    """The user can no longer sign in, and every session they have open ends now."""
    user.active = False
    signin.end_all(session, user.id)
