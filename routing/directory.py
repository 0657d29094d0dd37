"""The directory: which municipality a postal code suggests, and which service covers it.

Loaded from the CSV files in `data/` (see `data/README.md` for their sources) by
`flask directory load`, and reloadable when municipalities merge or split.
"""

from __future__ import annotations

import csv
import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from database import utcnow
from routing.models import Coverage, District, Municipality, PostalCode, Service, ServiceKey

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Bring's categories: G street addresses, B both, P PO boxes, S service codes. Only G and B are
# places where a child can live.
HOME_CATEGORIES = {"G", "B"}
# Svalbard and Jan Mayen have postal codes but are not municipalities (data/README.md). Rule: such
# a code never suggests a service; the reporter is told so and chooses the municipality from the
# list (for a child staying on Svalbard, the municipality where the family is registered).
NOT_MUNICIPALITIES = {"2100": "Svalbard", "2211": "Jan Mayen"}
# Coverage is by Norwegian calendar day.
NORWAY = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True)
class LoadSummary:
    municipalities: int
    postal_codes: int
    districts: int = 0


def load(session: Session, data_dir: Path = DATA_DIR) -> LoadSummary:
    """Replace the municipality and postal code tables with the CSV files' contents."""
    with open(data_dir / "municipalities.csv", encoding="utf-8", newline="") as file:
        municipalities = list(csv.DictReader(file))
    with open(data_dir / "postal_codes.csv", encoding="utf-8", newline="") as file:
        postal_codes = list(csv.DictReader(file))

    known = {m.number: m for m in session.scalars(select(Municipality))}
    for row in municipalities:
        values = dict(
            name=row["name"],
            name_norwegian=row["name_norwegian"],
            name_sami=row["name_sami"] or None,
            county_number=row["county_number"],
            county_name=row["county_name"],
        )
        existing = known.get(row["kommunenummer"])
        if existing is None:
            session.add(Municipality(number=row["kommunenummer"], **values))
        else:
            for field, value in values.items():
                setattr(existing, field, value)
    session.execute(delete(PostalCode))
    session.add_all(
        PostalCode(
            code=row["postnummer"],
            place=row["poststed"],
            municipality_number=row["kommunenummer"],
            category=row["kategori"],
        )
        for row in postal_codes
    )
    session.flush()
    districts = _load_districts(session, data_dir / "districts.csv")
    return LoadSummary(len(municipalities), len(postal_codes), districts)


def _load_districts(session: Session, path: Path) -> int:
    """The districts data/districts.csv names (Oslo's bydeler), by number and name. A district
    the services file named (a city the CSV does not cover) is left as the file named it."""
    if not path.exists():
        return 0
    with open(path, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    known = {d.number: d for d in session.scalars(select(District))}
    for row in rows:
        existing = known.get(row["bydelsnummer"])
        if existing is None:
            session.add(District(number=row["bydelsnummer"], name=row["name"],
                                 municipality_number=row["kommunenummer"], named_by="directory"))
        else:
            existing.name, existing.named_by = row["name"], "directory"
    session.flush()
    return len(rows)


_DISTRICT_NAMES = select(District.number, District.name).where(
    District.municipality_number == bindparam("municipality"))


def district_names(session: Session, municipality_number: str) -> dict[str, str]:
    """The names of the municipality's districts, by number ("030101": "Gamle Oslo")."""
    return {number: name for number, name in
            session.execute(_DISTRICT_NAMES, {"municipality": municipality_number})}


def district_name(session: Session, number: str | None) -> str | None:
    """A district's name, or None when it has none in the directory (or no district)."""
    return session.scalar(select(District.name).where(District.number == number)) if number \
        else None


class PostalCodeKind(enum.StrEnum):
    HOME = "home"
    NOT_A_HOME = "not_a_home"
    NOT_A_MUNICIPALITY = "not_a_municipality"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PostalLookup:
    kind: PostalCodeKind
    place: str = ""
    municipalities: Sequence[Municipality] = ()


def normalise_postal_code(text: str) -> str:
    """People type '0 150', ' 0150 ' or '0150 Oslo'; keep the digits."""
    return "".join(ch for ch in text if ch in "0123456789")


def look_up_postal_code(session: Session, code: str) -> PostalLookup:
    row = session.get(PostalCode, code)
    if row is None:
        return PostalLookup(PostalCodeKind.UNKNOWN)
    if row.municipality_number in NOT_MUNICIPALITIES:
        return PostalLookup(
            PostalCodeKind.NOT_A_MUNICIPALITY, NOT_MUNICIPALITIES[row.municipality_number]
        )
    if row.category not in HOME_CATEGORIES:
        return PostalLookup(PostalCodeKind.NOT_A_HOME, row.place)
    municipality = session.get(Municipality, row.municipality_number)
    return PostalLookup(PostalCodeKind.HOME, row.place, (municipality,) if municipality else ())


_NAME = select(Municipality.name).where(Municipality.number == bindparam("number"))


def municipality_name(session: Session, number: str) -> str | None:
    """The municipality's name as the report gives it, or None for a number not in the
    directory."""
    return session.scalar(_NAME, {"number": number})


# Norwegian alphabetical order ends ... X Y Z Æ Ø Å; databases disagree (code points put Å
# before Ø, en_US puts Å among the A's), so the order is decided here, the same on every backend.
# The three letters become the ASCII characters right after "z"; other accents (Sámi á, č, đ)
# sort with their base letter.
NORWEGIAN_LAST_LETTERS = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|"})


def norwegian_sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.casefold().translate(NORWEGIAN_LAST_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def all_municipalities(session: Session) -> list[Municipality]:
    municipalities = session.scalars(select(Municipality))
    return sorted(municipalities, key=lambda m: norwegian_sort_key(m.name_norwegian))


def is_district_of(district: str, municipality_number: str) -> bool:
    """A district number is six digits: its municipality's four, then the district's own two
    (never "00", which KS uses for "no districts")."""
    return (
        len(district) == 6 and district.isascii() and district.isdigit()
        and district[:4] == municipality_number and district[4:] != "00"
    )


def service_for(
    session: Session, municipality_number: str, on: date, district: str | None = None
) -> Service | None:
    """The service covering the municipality on the given day, if any is connected.

    With a district (six digits, e.g. "030101"): the service that covers that district that
    day, if it is served separately; otherwise, and without a district (the reporter does not
    know it), the municipality's default service.
    """
    if district is not None and not is_district_of(district, municipality_number):
        raise ValueError(f"{district!r} is not a district number of {municipality_number}")
    return session.scalar(_SERVICE_FOR[district is not None], {
        "municipality": municipality_number, "district": district, "on": on})


def _which_coverage(district_given: bool) -> ColumnElement[bool]:
    """The district's own coverage and the municipality's default; order by
    `Coverage.district.is_(None)` to prefer the district's (false sorts before true)."""
    return (or_(Coverage.district == bindparam("district"), Coverage.district.is_(None))
            if district_given else Coverage.district.is_(None))


def _service_for_statement(district_given: bool) -> Select[tuple[Service]]:
    on = bindparam("on", type_=Coverage.valid_from.type)
    return (
        select(Service)
        .join(Coverage, Coverage.service_id == Service.id)
        .where(Coverage.municipality_number == bindparam("municipality"),
               _which_coverage(district_given), _in_force(on))
        .order_by(Coverage.district.is_(None))
        .limit(1)
    )


def districts_served(session: Session, municipality_number: str, on: date) -> list[str]:
    """The districts of the municipality that a service of their own covers on the given day,
    in number order: the wizard asks for the district only when there are any."""
    return sorted({district for district in session.scalars(
        select(Coverage.district).where(
            Coverage.municipality_number == municipality_number,
            Coverage.district.is_not(None),
            _in_force(on),
        )
    ) if district})


def _in_force(on: date | BindParameter[date]) -> ColumnElement[bool]:
    """Coverage that holds on the given day: begun, and not yet ended."""
    return and_(Coverage.valid_from <= on,
                or_(Coverage.valid_to.is_(None), Coverage.valid_to > on))


def _key_in_force(at: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """A key that has begun and is not retired."""
    return and_(ServiceKey.valid_from <= at,
                or_(ServiceKey.retired_at.is_(None), ServiceKey.retired_at > at))


def current_key(session: Session, service_id: str, at: datetime | None = None) -> ServiceKey | None:
    """The newest key in force for the service: new reports are sealed to it."""
    at = at or utcnow()
    return session.scalar(
        select(ServiceKey)
        .where(ServiceKey.service_id == service_id, _key_in_force(at))
        .order_by(ServiceKey.valid_from.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class ServiceAndKey:
    """Which service gets a report for a place, and the key in force to seal it to (both None
    when the service has none)."""

    service_id: str
    key_id: str | None
    public_key: bytes | None


def _service_and_key_statement(
    district_given: bool,
) -> Select[tuple[str, str | None, bytes | None]]:
    at = bindparam("at", type_=ServiceKey.valid_from.type)
    on = bindparam("on", type_=Coverage.valid_from.type)
    return (
        # Columns, not entities: this runs on every submit, and loading ORM objects for three
        # values was most of its cost.
        select(Service.id, ServiceKey.key_id, ServiceKey.public_key)
        .join(Coverage, Coverage.service_id == Service.id)
        .outerjoin(ServiceKey, and_(ServiceKey.service_id == Service.id, _key_in_force(at)))
        .where(Coverage.municipality_number == bindparam("municipality"),
               _which_coverage(district_given), _in_force(on))
        .order_by(Coverage.district.is_(None), ServiceKey.valid_from.desc().nulls_last())
        .limit(1)
    )


# Built once: this runs on every submit.
_SERVICE_AND_KEY = {given: _service_and_key_statement(given) for given in (False, True)}
# And this on every visit to the check page, which names where the report goes.
_SERVICE_FOR = {given: _service_for_statement(given) for given in (False, True)}


def service_and_key(
    session: Session, municipality_number: str, at: datetime, district: str | None = None
) -> ServiceAndKey | None:
    """`service_for` (on the Norwegian day of `at`) and that service's `current_key`, in one
    statement: a report is routed and sealed on every submit, and this is one round trip
    instead of two. None when no service covers the place; no key when the service has none
    in force."""
    if district is not None and not is_district_of(district, municipality_number):
        raise ValueError(f"{district!r} is not a district number of {municipality_number}")
    # On the connection: the ORM's execution layer cost as much as the statement (issue 20).
    row = session.connection().execute(_SERVICE_AND_KEY[district is not None], {
        "municipality": municipality_number, "district": district, "at": at,
        "on": at.astimezone(NORWAY).date(),
    }).first()
    return ServiceAndKey(*row) if row is not None else None


def register_key(
    session: Session,
    service_id: str,
    public_key: bytes,
    *,
    is_demo: bool = False,
    valid_from: datetime | None = None,
) -> ServiceKey:
    """Register a public key. A later valid_from rotates: reports from that moment are sealed
    to the new key, and reports sealed before still name (and open with) the old one."""
    from sealing import key_id

    key = ServiceKey(
        key_id=key_id(public_key), service_id=service_id, public_key=public_key, is_demo=is_demo,
        valid_from=valid_from or utcnow(),
    )
    session.add(key)
    session.flush()
    return key


class LastKeyError(ValueError):
    """Retiring this key would leave its service unable to receive reports."""


def retire_key(session: Session, key_id: str, at: datetime | None = None, *,
               allow_last: bool = False) -> ServiceKey:
    """Stop sealing new reports to a key (a lost or compromised private key). Reports already
    sealed to it are untouched: only its private key opens them."""
    at = at or utcnow()
    key = session.get(ServiceKey, key_id)
    if key is None:
        raise KeyError(key_id)
    others = session.scalars(
        select(ServiceKey).where(
            ServiceKey.service_id == key.service_id,
            ServiceKey.key_id != key_id,
            or_(ServiceKey.retired_at.is_(None), ServiceKey.retired_at > at),
        )
    ).all()
    if not others and not allow_last:
        raise LastKeyError(
            f"{key_id} is the only key of {key.service_id} in force: after retiring it the "
            "service cannot receive reports. Register a new key first."
        )
    key.retired_at = at
    session.flush()
    return key
