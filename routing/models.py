"""Tables of the routing room: the directory (municipalities, postal codes, services, coverage,
keys) and the envelopes that carry sealed reports."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from database import Base, utcnow


class Municipality(Base):
    __tablename__ = "municipalities"

    number: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_norwegian: Mapped[str] = mapped_column(String(100))
    name_sami: Mapped[str | None] = mapped_column(String(100))
    county_number: Mapped[str] = mapped_column(String(2))
    county_name: Mapped[str] = mapped_column(String(100))


class District(Base):
    """A district (bydel) of a municipality, by its six-digit number (SSB's: the
    municipality's four digits and the district's two) and its name, so a reporter is shown
    "Gamle Oslo", not a number. From data/districts.csv (`flask directory load`), or named by
    the services file for a city that file splits into districts (`named_by`)."""

    __tablename__ = "districts"

    number: Mapped[str] = mapped_column(String(6), primary_key=True)
    municipality_number: Mapped[str] = mapped_column(ForeignKey("municipalities.number"),
                                                     index=True)
    name: Mapped[str] = mapped_column(String(100))
    named_by: Mapped[str] = mapped_column(String(20), default="directory")


class PostalCode(Base):
    __tablename__ = "postal_codes"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    place: Mapped[str] = mapped_column(String(100))
    # Not a foreign key: Svalbard (2100) and Jan Mayen (2211) have postal codes but are not
    # municipalities, and the directory keeps them so the wizard can say so.
    municipality_number: Mapped[str] = mapped_column(String(4), index=True)
    category: Mapped[str] = mapped_column(String(1))


class Service(Base):
    """A child welfare service (barnevernstjeneste) that receives reports."""

    __tablename__ = "services"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Where the team is told that reports arrived, and who is told when that fails. Nullable: demo
    # services and services created before the services file have none.
    email: Mapped[str | None] = mapped_column(String(254))
    fallback_email: Mapped[str | None] = mapped_column(String(254))
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Delivery channels besides the built-in inbox, all optional. The push secret signs what we
    # send (HMAC-SHA256). The services file names an environment variable that holds it
    # (push_secret_env), read by the worker at each push, so the secret is in neither the file
    # nor the database; push_secret (in the database) is only for endpoints set up in code.
    # Of the pull API's bearer token only a hash is kept.
    push_url: Mapped[str | None] = mapped_column(String(2000))
    push_secret: Mapped[str | None] = mapped_column(String(200))
    api_token_hash: Mapped[str | None] = mapped_column(String(64))
    # Last, as migration 0004 added it.
    push_secret_env: Mapped[str | None] = mapped_column(String(100))
    # The service's own case system tells reporters about their reports (the services file's
    # handles_feedback): the inbox then neither asks for feedback steps nor reminds of them.
    handles_feedback: Mapped[bool] = mapped_column(default=False)

    coverage: Mapped[list[Coverage]] = relationship(back_populates="service")
    keys: Mapped[list[ServiceKey]] = relationship(back_populates="service")


class Coverage(Base):
    """A service covers a municipality, or one district (bydel) of it, from one date until (not
    including) another.

    A large city may have a district served by a service of its own. Its reports go there when
    the reporter names the district; every other report for the municipality (another district,
    or the district not known) goes to the municipality's default coverage, the row without a
    district, which the services file requires beside any district row.
    """

    __tablename__ = "coverage"
    __table_args__ = (Index("ix_coverage_municipality", "municipality_number", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"))
    municipality_number: Mapped[str] = mapped_column(ForeignKey("municipalities.number"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # The district number: the municipality's four digits and the district's two, "030101"
    # (Gamle Oslo), as KS's kommunenummer + bydelsnummer. None: the whole municipality (default).
    district: Mapped[str | None] = mapped_column(String(6))

    service: Mapped[Service] = relationship(back_populates="coverage")


class ServiceKey(Base):
    """A service's public key. The private key never reaches the server."""

    __tablename__ = "service_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(default=False)

    service: Mapped[Service] = relationship(back_populates="keys")


class EnvelopeState(enum.StrEnum):
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    DOWNLOADED = "downloaded"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


class Envelope(Base):
    """A sealed report and the routing metadata that is not secret."""

    __tablename__ = "envelopes"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_envelope_reference"),
        Index("ix_envelope_service_created", "service_id", "created_at"),
        Index("ix_envelope_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(8))
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"))
    key_id: Mapped[str] = mapped_column(ForeignKey("service_keys.key_id"))
    schema: Mapped[str] = mapped_column(String(40))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default=EnvelopeState.ACCEPTED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_deadline: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    downloaded_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    # When the team was told (arrival), reminded (not downloaded in 24 h) and the fallback
    # contact escalated to (not acknowledged in 2 working days); each is sent once.
    notified_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    # When the retention period after acknowledgement ended and the sealed bytes were removed;
    # the row stays (state, times, reference) for the statistics.
    sealed_deleted_at: Mapped[datetime | None]
    # When a delivery ran out of tries (the inbox job, or the push to the case system) and the
    # envelope became `failed`. It stays in the inbox all the same; kept after a later recovery,
    # so "it failed once" is still on record.
    failed_at: Mapped[datetime | None]
    # The reporter's way back to the report's status (routing/receipt_status.py): a hash of the
    # code shown once on the receipt. Nullable: envelopes from before the code have none.
    status_code_hash: Mapped[str | None] = mapped_column(String(64))
    # Feedback to the reporter (barnevernsloven, see routing/feedback.py): only what the status
    # page shows, dates and the two outcomes, never a message. Whether the reporter has the
    # duty to report (a professional): the law owes only them the investigation steps.
    reporter_has_duty: Mapped[bool] = mapped_column(default=False)
    # Whether an investigation was opened (False: closed without one, "henlagt"), and the date.
    investigation_opened: Mapped[bool | None]
    investigation_decided_on: Mapped[date | None] = mapped_column(Date)
    # How an opened investigation ended: "closed" or "followed-up", and the date it ended.
    investigation_outcome: Mapped[str | None] = mapped_column(String(16))
    investigation_ended_on: Mapped[date | None] = mapped_column(Date)
    # When the team was mailed that this report's feedback deadline is near; once.
    feedback_reminded_at: Mapped[datetime | None]


class ChannelState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class ChannelDelivery(Base):
    """An envelope's delivery over one channel besides the inbox: "push" (we POST it to the
    service's case-management system) or "pull" (their system fetched it and acknowledged it).
    One row per envelope and channel, so a delivery is recorded exactly once."""

    __tablename__ = "channel_deliveries"
    __table_args__ = (
        UniqueConstraint("envelope_id", "channel", name="uq_channel_delivery"),
        Index("ix_channel_delivery_state", "channel", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[str] = mapped_column(ForeignKey("envelopes.id"))
    channel: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=ChannelState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # The receiver's last HTTP status (None: no answer at all, e.g. refused or timed out).
    last_status: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class OperatorAlert(Base):
    """Something the operators (not an intake team) must be told by e-mail: an envelope whose
    delivery failed after the last try (once per envelope, ever) or a service that cannot receive
    because it has no key in force (at most once an hour per service).

    An outbox: the alert is written in the transaction that found the problem and mailed later
    by the worker's housekeeping, so a mail server that is down delays it but cannot lose it.
    Ids, states and statuses only; nothing from a report.
    """

    __tablename__ = "operator_alerts"
    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_operator_alert"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The envelope id (kind "envelope-failed") or the service id (kind "no-key").
    subject: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"))
    # Which channel failed and how ("push: status 404, refused permanently"); never content.
    detail: Mapped[str] = mapped_column(String(200), default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
