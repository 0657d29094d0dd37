"""The directory on every backend: loading and reloading the municipalities and postal codes,
which service covers a municipality on a given day, and which key new reports are sealed to."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from database import Database
from routing import directory
from routing.acceptance import NoKeyError, accept
from routing.directory import LoadSummary, PostalCodeKind
from routing.models import Coverage, Envelope, Municipality, PostalCode, Service
from tests.helpers.services import add_key, add_service, retire_all_keys

MUNICIPALITIES = 357
POSTAL_CODES = 5122
DISTRICTS = 15  # Oslo's bydeler, data/districts.csv
OSLO, BERGEN, BAERUM, ASKER = "0301", "4601", "3201", "3203"


def counts(database: Database) -> tuple[int, int]:
    with database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Municipality)),
            session.scalar(select(func.count()).select_from(PostalCode)),
        )


def service_id_for(database: Database, number: str, on: date) -> str | None:
    with database.session() as session:
        service = directory.service_for(session, number, on)
        return service.id if service else None


# --- loading -----------------------------------------------------------------------------------


def test_loading_the_directory_gives_every_municipality_and_postal_code(empty_db):
    with empty_db.session() as session:
        summary = directory.load(session)
    assert summary == LoadSummary(MUNICIPALITIES, POSTAL_CODES, DISTRICTS)
    assert counts(empty_db) == (MUNICIPALITIES, POSTAL_CODES)


def test_loading_the_directory_twice_changes_nothing(empty_db):
    with empty_db.session() as session:
        directory.load(session)
    with empty_db.session() as session:
        before = [(m.number, m.name, m.county_name) for m in directory.all_municipalities(session)]
    with empty_db.session() as session:
        assert directory.load(session) == LoadSummary(MUNICIPALITIES, POSTAL_CODES, DISTRICTS)
    assert counts(empty_db) == (MUNICIPALITIES, POSTAL_CODES)
    with empty_db.session() as session:
        after = [(m.number, m.name, m.county_name) for m in directory.all_municipalities(session)]
    assert after == before


def test_reloading_the_directory_keeps_services_connected(db):
    add_service(db, "oslo", OSLO)
    with db.session() as session:
        directory.load(session)
    assert service_id_for(db, OSLO, date(2025, 6, 1)) == "oslo"
    assert counts(db) == (MUNICIPALITIES, POSTAL_CODES)


def test_reloading_changed_data_renames_municipalities_and_replaces_postal_codes(db, tmp_path):
    changed = tmp_path / "data"
    shutil.copytree(directory.DATA_DIR, changed)
    with (changed / "municipalities.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        if row["kommunenummer"] == BAERUM:
            row["name"] = row["name_norwegian"] = "Nye Bærum"
    with (changed / "municipalities.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    postal = (changed / "postal_codes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in postal if not line.startswith("0150,")]
    (changed / "postal_codes.csv").write_text("".join(kept), encoding="utf-8")

    with db.session() as session:
        assert directory.load(session, changed) == LoadSummary(
            MUNICIPALITIES, POSTAL_CODES - 1, DISTRICTS)
    with db.session() as session:
        assert session.get(Municipality, BAERUM).name == "Nye Bærum"
        assert directory.look_up_postal_code(session, "0150").kind is PostalCodeKind.UNKNOWN
        assert directory.look_up_postal_code(session, "0151").kind is PostalCodeKind.HOME


def test_every_home_postal_code_points_to_a_municipality_in_the_directory(db):
    with db.session() as session:
        orphans = session.scalars(
            select(PostalCode.code)
            .outerjoin(Municipality, Municipality.number == PostalCode.municipality_number)
            .where(
                Municipality.number.is_(None),
                PostalCode.municipality_number.not_in(directory.NOT_MUNICIPALITIES),
            )
        ).all()
    assert orphans == []


@pytest.mark.parametrize(
    ("code", "kind", "number"),
    [
        ("0150", PostalCodeKind.HOME, OSLO),
        ("5003", PostalCodeKind.HOME, BERGEN),
        ("1337", PostalCodeKind.HOME, BAERUM),
        ("0018", PostalCodeKind.NOT_A_HOME, None),
        ("0001", PostalCodeKind.NOT_A_HOME, None),
        ("9170", PostalCodeKind.NOT_A_MUNICIPALITY, None),
        ("8099", PostalCodeKind.NOT_A_MUNICIPALITY, None),
        ("9999", PostalCodeKind.UNKNOWN, None),
    ],
)
def test_postal_code_look_up(db, code, kind, number):
    with db.session() as session:
        found = directory.look_up_postal_code(session, code)
        assert found.kind is kind
        assert [m.number for m in found.municipalities] == ([number] if number else [])


def test_municipality_list_is_in_norwegian_alphabetical_order(db):
    with db.session() as session:
        names = [m.name_norwegian for m in directory.all_municipalities(session)]
    assert len(names) == MUNICIPALITIES
    first_letters = "".join(dict.fromkeys(name[0] for name in names))
    assert first_letters.endswith("ØÅ"), (
        "BUG in routing/directory.py all_municipalities: it orders by the database's collation "
        "(code points on SQLite and on a C-collated PostgreSQL: Å before Ø; an en_US PostgreSQL "
        "would put Å among the A's), so the reporter's municipality list is not in Norwegian "
        "order (… Z, Æ, Ø, Å) and differs between backends. Initial letters in list order: "
        f"{first_letters!r}; list ends {names[-3:]}"
    )


# --- which service covers a municipality, and when ---------------------------------------------


def test_municipality_without_a_connected_service_has_none(db):
    add_service(db, "oslo", OSLO)
    assert service_id_for(db, BERGEN, date(2025, 6, 1)) is None


def test_intermunicipal_service_receives_for_every_municipality_it_covers(db):
    add_service(db, "asker-baerum", BAERUM, ASKER)
    assert service_id_for(db, BAERUM, date(2025, 6, 1)) == "asker-baerum"
    assert service_id_for(db, ASKER, date(2025, 6, 1)) == "asker-baerum"


def test_coverage_ending_on_a_date_hands_over_to_the_next_service_that_day(db):
    add_service(db, "baerum", BAERUM, valid_from=date(2024, 1, 1), valid_to=date(2025, 1, 1))
    add_service(db, "asker-baerum", BAERUM, valid_from=date(2025, 1, 1))
    assert service_id_for(db, BAERUM, date(2023, 12, 31)) is None
    assert service_id_for(db, BAERUM, date(2024, 1, 1)) == "baerum"
    assert service_id_for(db, BAERUM, date(2024, 12, 31)) == "baerum"
    assert service_id_for(db, BAERUM, date(2025, 1, 1)) == "asker-baerum"
    assert service_id_for(db, BAERUM, date(2031, 5, 17)) == "asker-baerum"


def cover_district(database: Database, service_id: str, district: str,
                   valid_from: date = date(2024, 1, 1)) -> None:
    with database.session() as session:
        if session.get(Service, service_id) is None:
            session.add(Service(id=service_id, name=f"Barneverntjenesten {service_id}"))
            session.flush()
        session.add(Coverage(service_id=service_id, municipality_number=district[:4],
                             district=district, valid_from=valid_from))


def test_a_district_served_separately_gets_its_reports_and_the_default_gets_the_rest(db):
    cover_district(db, "gamle-oslo", "030101")  # before the default, so order cannot decide
    add_service(db, "oslo", OSLO)
    on = date(2025, 6, 1)
    with db.session() as session:
        def service_id(district: str | None) -> str | None:
            found = directory.service_for(session, OSLO, on, district)
            return found.id if found else None

        assert service_id("030101") == "gamle-oslo"
        assert service_id("030104") == "oslo"
        assert service_id(None) == "oslo"
        for wrong in ("460101", "030100", "0301", "03010a"):
            with pytest.raises(ValueError):
                service_id(wrong)
    # Before the district's own coverage begins, its reports go to the default.
    cover_district(db, "nordstrand", "030114", valid_from=date(2026, 1, 1))
    with db.session() as session:
        assert directory.service_for(session, OSLO, date(2025, 12, 31), "030114").id == "oslo"
        assert directory.service_for(session, OSLO, date(2026, 1, 1), "030114").id == (
            "nordstrand")


def test_a_municipality_with_only_district_coverage_has_no_service_for_an_unknown_district(db):
    # The services file refuses this; the lookup must still not guess a district's service.
    cover_district(db, "gamle-oslo", "030101")
    assert service_id_for(db, OSLO, date(2025, 6, 1)) is None


def test_report_sent_just_after_midnight_norwegian_time_goes_to_the_new_service(db):
    old = add_service(db, "baerum", BAERUM, valid_from=date(2024, 1, 1),
                      valid_to=date(2025, 1, 1)).pair
    new = add_service(db, "asker-baerum", BAERUM, valid_from=date(2025, 1, 1)).pair
    # 23:30 UTC on New Year's Eve is 00:30 on New Year's Day in Norway.
    before = datetime(2024, 12, 31, 22, 30, tzinfo=UTC)
    after = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    with db.session() as session:
        first = accept(session, b'{"concern": "before"}', BAERUM, now=before)
        second = accept(session, b'{"concern": "after"}', BAERUM, now=after)
    with db.session() as session:
        stored = {e.id: (e.service_id, e.key_id) for e in session.scalars(select(Envelope))}
    assert stored[first.id] == ("baerum", old.key_id)
    assert stored[second.id] == ("asker-baerum", new.key_id)


# --- which key new reports are sealed to -------------------------------------------------------


def test_new_reports_are_sealed_to_the_newest_key_in_force(db):
    add_service(db, "oslo", OSLO, with_key=False)
    first = add_key(db, "oslo", datetime(2024, 1, 1, tzinfo=UTC))
    second = add_key(db, "oslo", datetime(2024, 6, 1, tzinfo=UTC))
    short_lived = add_key(
        db, "oslo", datetime(2024, 9, 1, tzinfo=UTC), retired_at=datetime(2024, 10, 1, tzinfo=UTC)
    )
    add_key(db, "oslo", datetime(2099, 1, 1, tzinfo=UTC))  # registered ahead of a rotation

    def key_at(when: datetime | None) -> str | None:
        with db.session() as session:
            key = directory.current_key(session, "oslo", when)
            return key.key_id if key else None

    assert key_at(datetime(2023, 12, 31, tzinfo=UTC)) is None
    assert key_at(datetime(2024, 3, 1, tzinfo=UTC)) == first.key_id
    assert key_at(datetime(2024, 7, 1, tzinfo=UTC)) == second.key_id
    assert key_at(datetime(2024, 9, 15, tzinfo=UTC)) == short_lived.key_id
    assert key_at(datetime(2024, 10, 1, tzinfo=UTC)) == second.key_id, "retired keys are ignored"
    assert key_at(None) == second.key_id


def test_service_whose_keys_are_all_retired_cannot_receive(db):
    add_service(db, "oslo", OSLO)
    retire_all_keys(db, "oslo", datetime.now(UTC) - timedelta(minutes=1))
    with db.session() as session:
        assert directory.current_key(session, "oslo") is None
        with pytest.raises(NoKeyError):
            accept(session, b"{}", OSLO)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Envelope)) == 0



def test_the_directory_names_oslos_districts(db):
    with db.session() as session:
        names = directory.district_names(session, OSLO)
        assert len(names) == DISTRICTS
        assert names["030101"] == "Gamle Oslo" and names["030115"] == "Søndre Nordstrand"
        assert directory.district_names(session, "4601") == {}
