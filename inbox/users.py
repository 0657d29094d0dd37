"""What a service administrator does with the users of their own service. Every function takes
the service id, and a user of another service is treated exactly like one that does not exist."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox import second_factor
from inbox.auth import create_user
from inbox.models import IntakeUser, Role


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    is_admin: bool
    active: bool
    enrolled: bool


def list_for_service(session: Session, service_id: str) -> list[UserRow]:
    users = session.scalars(
        select(IntakeUser).where(IntakeUser.service_id == service_id).order_by(IntakeUser.username)
    )
    return [
        UserRow(user.id, user.username, user.is_admin, user.active,
                second_factor.is_enrolled(user))
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


def deactivate(user: IntakeUser) -> None:
    """The user can no longer sign in, and a session they have open ends at its next request."""
    user.active = False
