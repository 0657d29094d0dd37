"""Tables of the inbox room: intake users, their sessions, the sign-in back-off and the audit log
(who did what, when; never content, never an IP address)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from database import Base, utcnow


class Role(enum.StrEnum):
    MEMBER = "member"
    # Manages the users of their own service and reads its audit log; nothing beyond it.
    ADMIN = "admin"


class IntakeUser(Base):
    __tablename__ = "intake_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    # Deactivated rather than deleted: the audit log keeps pointing at who did what.
    active: Mapped[bool] = mapped_column(default=True)
    # The TOTP key, base32. Stored as is for now; in production it should be encrypted at rest
    # (a key outside the database), as anyone who reads it can compute the user's codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Set when the user has proved, with a code, that their app holds the key; until then the
    # key is only offered for enrolment and never accepted as a second factor.
    totp_confirmed_at: Mapped[datetime | None]
    # The last time step whose code was accepted: that code and earlier ones are refused.
    totp_last_step: Mapped[int | None]
    # True while the password is one somebody else chose (an administrator or an operator
    # handed it over): it works for one sign-in, at which the user sets their own.
    password_is_initial: Mapped[bool] = mapped_column(default=True)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class InboxSession(Base):
    """A browser's sign-in, kept on the server so that it can be ended: by signing out, by an
    administrator, or because the user's password, authenticator or access changed. The browser
    holds a random token; only its hash is stored, so the table cannot be replayed as cookies.
    Nothing about the browser or where it is (no address, no user agent)."""

    __tablename__ = "inbox_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("intake_users.id"), index=True)
    # "pending": the password was right and the code is still to come; "active": signed in.
    stage: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    # While enrolling: the authenticator key shown in this session, encrypted with a key derived
    # from the browser's token, so neither this row nor the cookie alone reveals it.
    enrolment_secret: Mapped[bytes | None] = mapped_column(LargeBinary)


class SignInThrottle(Base):
    """Failed attempts for one typed username, known or not, from one client, so a lockout says
    nothing about which usernames exist and a stranger's guessing does not lock the user out.
    Keyed by an HMAC of the name and a keyed hash of the client, never either itself: people
    type passwords into the username field, and addresses are not ours to keep."""

    __tablename__ = "sign_in_throttle"

    attempt_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    service_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("intake_users.id"))
    action: Mapped[str] = mapped_column(String(40))
    envelope_id: Mapped[str | None] = mapped_column(String(32))
    # The user an administrator acted on (added, reset, deactivated), or who was locked out.
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("intake_users.id"))
