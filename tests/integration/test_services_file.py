"""The services file on every backend: a valid file creates services and coverage, an edited file
hands municipalities over to a new service on a given day, and every mistake an operator can make
is refused with a message that names it, leaving the database as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from database import Database
from routing import directory, services_file
from routing.acceptance import NoKeyError, accept
from routing.models import Coverage, Envelope, Service, ServiceKey
from routing.services_file import ServicesFileError
from tests.helpers.services import KEY_SINCE, add_key, add_service

OSLO, BERGEN, BAERUM, ASKER = "0301", "4601", "3201", "3203"
LOAD_DAY = date(2026, 6, 1)  # the "today" of every load, so the tests do not age
MERGE_DAY = date(2027, 1, 1)
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "services.example.toml"

REST_UNCOVERED = """
[[uncovered]]
all_others = true
reason = "Test: only the services above are connected"
"""


def service(
    service_id: str,
    *coverage: tuple[str, str] | tuple[str, str, str],
    name: str | None = None,
    phone: str = "+47 22 00 00 00",
    extra: str = "",
) -> str:
    """One [[service]] table with a [[service.coverage]] per (municipality, from[, to]);
    `extra` lines go among the service's own keys."""
    text = f'[[service]]\nid = "{service_id}"\n'
    if name != "":
        text += f'name = "{name or "Barneverntjenesten " + service_id}"\n'
    text += f'phone = "{phone}"\n' + extra
    for link in coverage:
        text += f'[[service.coverage]]\nmunicipality = "{link[0]}"\nfrom = {link[1]}\n'
        if len(link) == 3:
            text += f"to = {link[2]}\n"
    return text + "\n"


def write(tmp_path: Path, *parts: str, name: str = "services.toml") -> Path:
    path = tmp_path / name
    path.write_text("".join(parts), encoding="utf-8")
    return path


def load(database: Database, path: Path, *, dry_run: bool = False) -> services_file.Summary:
    with database.session() as session:
        return services_file.load(session, path, on=LOAD_DAY, dry_run=dry_run)


def refused(database: Database, path: Path) -> list[str]:
    with pytest.raises(ServicesFileError) as caught:
        load(database, path)
    return caught.value.problems


def snapshot(database: Database) -> tuple[list[tuple], list[tuple]]:
    with database.session() as session:
        services = [
            (s.id, s.name, s.phone, s.email, s.fallback_email, s.is_demo)
            for s in session.scalars(select(Service).order_by(Service.id))
        ]
        coverage = sorted(
            (c.service_id, c.municipality_number, c.valid_from, c.valid_to)
            for c in session.scalars(select(Coverage))
        )
    return services, coverage


def service_id_for(database: Database, number: str, on: date) -> str | None:
    with database.session() as session:
        found = directory.service_for(session, number, on)
        return found.id if found else None


SEPARATE = (
    service("asker", (ASKER, "2024-01-01"), name="Barneverntjenesten i Asker"),
    service("baerum", (BAERUM, "2024-01-01"), name="Barneverntjenesten i Bærum"),
    REST_UNCOVERED,
)
MERGED = (
    service("asker", (ASKER, "2024-01-01", MERGE_DAY), name="Barneverntjenesten i Asker"),
    service("baerum", (BAERUM, "2024-01-01", MERGE_DAY), name="Barneverntjenesten i Bærum"),
    service(
        "asker-baerum",
        (ASKER, MERGE_DAY),
        (BAERUM, MERGE_DAY),
        name="Barneverntjenesten for Asker og Bærum",
    ),
    REST_UNCOVERED,
)


# --- a valid file --------------------------------------------------------------------------------


def test_a_valid_file_creates_its_services_and_coverage(db, tmp_path):
    text = """
[[service]]
id = "bergen"
name = "Barneverntjenesten i Bergen"
phone = "+47 55 56 00 00"
email = "barnevern@bergen.example"
fallback_email = "post@bergen.example"
[[service.coverage]]
municipality = "4601"
from = 2024-01-01
"""
    summary = load(db, write(tmp_path, text, service("asker-baerum", (ASKER, "2024-01-01"),
                                                     (BAERUM, "2024-01-01")), REST_UNCOVERED))
    assert summary.has_changes
    assert summary.services_added == [
        '"bergen" Barneverntjenesten i Bergen',
        '"asker-baerum" Barneverntjenesten asker-baerum',
    ]
    assert len(summary.coverage_added) == 3
    assert snapshot(db) == (
        [
            ("asker-baerum", "Barneverntjenesten asker-baerum", "+47 22 00 00 00", None, None,
             False),
            ("bergen", "Barneverntjenesten i Bergen", "+47 55 56 00 00",
             "barnevern@bergen.example", "post@bergen.example", False),
        ],
        [
            ("asker-baerum", BAERUM, date(2024, 1, 1), None),
            ("asker-baerum", ASKER, date(2024, 1, 1), None),
            ("bergen", BERGEN, date(2024, 1, 1), None),
        ],
    )
    assert service_id_for(db, ASKER, LOAD_DAY) == "asker-baerum"
    assert service_id_for(db, BERGEN, LOAD_DAY) == "bergen"
    assert service_id_for(db, OSLO, LOAD_DAY) is None


def test_loading_the_same_file_twice_changes_nothing(db, tmp_path):
    path = write(tmp_path, *MERGED)
    first = load(db, path)
    after_first = snapshot(db)
    second = load(db, path)
    assert first.has_changes
    assert not second.has_changes
    assert second.lines()[0] == "No changes."
    assert snapshot(db) == after_first


def test_the_example_file_is_valid(db):
    summary = load(db, EXAMPLE, dry_run=True)
    assert len(summary.services_added) == 4
    assert snapshot(db) == ([], [])


def test_a_changed_contact_is_reported_and_updated(db, tmp_path):
    load(db, write(tmp_path, *SEPARATE))
    edited = (service("asker", (ASKER, "2024-01-01"), name="Barneverntjenesten i Asker",
                      phone="+47 66 00 00 00"),) + SEPARATE[1:]
    summary = load(db, write(tmp_path, *edited))
    assert summary.services_changed == ['"asker" Barneverntjenesten i Asker: phone']
    assert not summary.coverage_added and not summary.coverage_ended
    with db.session() as session:
        assert session.get(Service, "asker").phone == "+47 66 00 00 00"


# --- the key scenario: two services merge into one from a given day -----------------------------


def test_two_services_merging_into_one_hand_over_on_the_merge_day(db, tmp_path):
    load(db, write(tmp_path, *SEPARATE, name="before.toml"))
    keys = {name: add_key(db, name, KEY_SINCE) for name in ("asker", "baerum")}
    assert service_id_for(db, ASKER, MERGE_DAY) == "asker"

    summary = load(db, write(tmp_path, *MERGED, name="after.toml"))
    keys["asker-baerum"] = add_key(db, "asker-baerum", KEY_SINCE)

    assert summary.services_added == ['"asker-baerum" Barneverntjenesten for Asker og Bærum']
    assert summary.coverage_ended == [
        f'"asker" covers {ASKER} Asker from 2024-01-01 until {MERGE_DAY} (was: no end)',
        f'"baerum" covers {BAERUM} Bærum from 2024-01-01 until {MERGE_DAY} (was: no end)',
    ]
    assert summary.coverage_added == [
        f'"asker-baerum" covers {BAERUM} Bærum from {MERGE_DAY}, no end',
        f'"asker-baerum" covers {ASKER} Asker from {MERGE_DAY}, no end',
    ]
    assert summary.coverage_removed == []

    day_before = date(2026, 12, 31)
    assert service_id_for(db, ASKER, day_before) == "asker"
    assert service_id_for(db, BAERUM, day_before) == "baerum"
    assert service_id_for(db, ASKER, MERGE_DAY) == "asker-baerum"
    assert service_id_for(db, BAERUM, MERGE_DAY) == "asker-baerum"

    # Reports sent at noon in Norway (11:00 UTC in winter) on each side of the merge.
    with db.session() as session:
        before = accept(session, b'{"concern": "before"}', BAERUM,
                        now=datetime(2026, 12, 31, 11, tzinfo=UTC))
        after = accept(session, b'{"concern": "after"}', BAERUM,
                       now=datetime(2027, 1, 1, 11, tzinfo=UTC))
    with db.session() as session:
        stored = {e.id: (e.service_id, e.key_id) for e in session.scalars(select(Envelope))}
        key_ids = set(session.scalars(select(ServiceKey.key_id)))
    assert stored[before.id] == ("baerum", keys["baerum"].key_id)
    assert stored[after.id] == ("asker-baerum", keys["asker-baerum"].key_id)
    # The loader never touches keys.
    assert key_ids == {pair.key_id for pair in keys.values()}


def test_a_service_left_out_of_the_file_is_kept_and_reported_once_its_coverage_has_ended(
    db, tmp_path
):
    load(db, write(tmp_path, *MERGED))
    without_asker = MERGED[1:]
    # Asker's coverage runs until the merge day, after the load day: still routing, so refused.
    problems = refused(db, write(tmp_path, *without_asker))
    assert any('"asker"' in p and "not in the file" in p and f"{ASKER} Asker" in p
               for p in problems), problems

    with db.session() as session:
        summary = services_file.load(
            session, write(tmp_path, *without_asker), on=date(2027, 2, 1)
        )
    assert summary.not_in_file == ['"asker" Barneverntjenesten i Asker']
    assert not summary.has_changes
    with db.session() as session:
        assert session.get(Service, "asker") is not None
    assert service_id_for(db, ASKER, date(2026, 12, 31)) == "asker"


# --- the push channel -----------------------------------------------------------------------------

PUSH = 'push_url = "https://sak.bergen.example/mottak"\n'
SECRET_ENV = 'push_secret_env = "BERGEN_PUSH_SECRET"\n'


def push_settings(database: Database, service_id: str) -> tuple[str | None, str | None, str | None]:
    with database.session() as session:
        found = session.get_one(Service, service_id)
        return found.push_url, found.push_secret_env, found.push_secret


def test_a_push_endpoint_is_loaded_with_the_name_of_its_secrets_variable_never_the_secret(
    db, tmp_path, monkeypatch
):
    monkeypatch.delenv("BERGEN_PUSH_SECRET", raising=False)
    pushing = write(tmp_path, service("bergen", (BERGEN, "2024-01-01"), extra=PUSH + SECRET_ENV),
                    REST_UNCOVERED, name="push.toml")
    summary = load(db, pushing)
    assert push_settings(db, "bergen") == (
        "https://sak.bergen.example/mottak", "BERGEN_PUSH_SECRET", None)
    # Loaded where the variable is not set: said, not refused (the worker's environment counts).
    assert any("BERGEN_PUSH_SECRET is not set here" in note for note in summary.notices)

    monkeypatch.setenv("BERGEN_PUSH_SECRET", "x" * 40)
    moved = write(tmp_path, service("bergen", (BERGEN, "2024-01-01"),
                                    extra='push_url = "https://ny.bergen.example/"\n' + SECRET_ENV),
                  REST_UNCOVERED, name="moved.toml")
    summary = load(db, moved)
    assert summary.services_changed == ['"bergen" Barneverntjenesten bergen: push_url']
    assert "ny.bergen.example" not in "\n".join(summary.lines())  # names the field, not the URL
    assert not any("is not set here" in note for note in summary.notices)

    # The file is the whole table: a push no longer in it is switched off.
    summary = load(db, write(tmp_path, service("bergen", (BERGEN, "2024-01-01")), REST_UNCOVERED,
                             name="off.toml"))
    assert summary.services_changed == [
        '"bergen" Barneverntjenesten bergen: push_url, push_secret_env']
    assert push_settings(db, "bergen") == (None, None, None)


def test_a_service_whose_case_system_gives_feedback_says_so_and_can_change_its_mind(db, tmp_path):
    own = write(tmp_path, service("bergen", (BERGEN, "2024-01-01"),
                                  extra="handles_feedback = true\n"),
                REST_UNCOVERED, name="own.toml")
    load(db, own)
    with db.session() as session:
        assert session.get_one(Service, "bergen").handles_feedback
    summary = load(db, write(tmp_path, service("bergen", (BERGEN, "2024-01-01")), REST_UNCOVERED,
                             name="ours.toml"))
    assert summary.services_changed == ['"bergen" Barneverntjenesten bergen: handles_feedback']
    with db.session() as session:
        assert not session.get_one(Service, "bergen").handles_feedback


@pytest.mark.parametrize("slip", ['push_secret = "hemmelig-9f2c"\n' + SECRET_ENV,
                                  'push_secret_env = "hemmelig-9f2c"\n'])
def test_a_secret_written_in_the_file_is_refused_without_repeating_it(db, tmp_path, slip):
    problems = refused(db, write(tmp_path, service(
        "bergen", (BERGEN, "2024-01-01"), extra=PUSH + slip), REST_UNCOVERED))
    assert problems and all("hemmelig-9f2c" not in problem for problem in problems)
    assert snapshot(db) == ([], [])


# --- districts (bydeler) ----------------------------------------------------------------------

GAMLE_OSLO, GRUNERLOKKA = "030101", "030102"


def district_service(service_id: str, districts: list[str], valid_from: str = "2024-01-01",
                     valid_to: str | None = None, municipality: str = OSLO) -> str:
    listed = ", ".join(f'"{district}"' for district in districts)
    text = (f'[[service]]\nid = "{service_id}"\nname = "Barneverntjenesten {service_id}"\n'
            f'phone = "+47 23 43 00 00"\n[[service.coverage]]\nmunicipality = "{municipality}"\n'
            f"districts = [{listed}]\nfrom = {valid_from}\n")
    return text + (f"to = {valid_to}\n\n" if valid_to else "\n")


OSLO_WITH_A_DISTRICT = (
    service("oslo", (OSLO, "2024-01-01"), name="Barneverntjenesten i Oslo"),
    district_service("gamle-oslo", [GAMLE_OSLO]),
    REST_UNCOVERED,
)


def district_service_id(database: Database, number: str, on: date,
                        district: str | None) -> str | None:
    with database.session() as session:
        found = directory.service_for(session, number, on, district)
        return found.id if found else None


def test_oslo_with_one_district_served_separately_routes_by_the_district_when_known(db, tmp_path):
    summary = load(db, write(tmp_path, *OSLO_WITH_A_DISTRICT))
    assert f'"gamle-oslo" covers district {GAMLE_OSLO} of {OSLO} Oslo from 2024-01-01, no end' in (
        summary.coverage_added)
    assert district_service_id(db, OSLO, LOAD_DAY, GAMLE_OSLO) == "gamle-oslo"
    assert district_service_id(db, OSLO, LOAD_DAY, GRUNERLOKKA) == "oslo"  # not served apart
    assert district_service_id(db, OSLO, LOAD_DAY, None) == "oslo"  # the district not known
    with pytest.raises(ValueError):
        district_service_id(db, OSLO, LOAD_DAY, "460101")  # a district of Bergen

    # A report is sealed to the district's service, and only when the district is given. While
    # that service has no key, its reports are refused, not sealed to the municipality's.
    add_key(db, "oslo", KEY_SINCE)
    with db.session() as session, pytest.raises(NoKeyError) as refused:
        accept(session, b"{}", OSLO, district=GAMLE_OSLO)
    assert refused.value.service.id == "gamle-oslo"
    add_key(db, "gamle-oslo", KEY_SINCE)
    with db.session() as session:
        told = accept(session, b"{}", OSLO, district=GAMLE_OSLO)
        not_told = accept(session, b"{}", OSLO)
        other_district = accept(session, b"{}", OSLO, district=GRUNERLOKKA)
        keys = {key.service_id: key.key_id for key in session.scalars(select(ServiceKey))}
    assert (told.service_id, told.key_id) == ("gamle-oslo", keys["gamle-oslo"])
    assert (not_told.service_id, not_told.key_id) == ("oslo", keys["oslo"])
    assert (other_district.service_id, other_district.key_id) == ("oslo", keys["oslo"])
    assert not load(db, write(tmp_path, *OSLO_WITH_A_DISTRICT, name="again.toml")).has_changes


def test_a_district_handed_to_its_own_service_on_a_date_routes_before_and_after(db, tmp_path):
    handover = date(2027, 1, 1)
    load(db, write(tmp_path, service("oslo", (OSLO, "2024-01-01")),
                   district_service("gamle-oslo", [GAMLE_OSLO], valid_from=str(handover)),
                   REST_UNCOVERED))
    assert district_service_id(db, OSLO, date(2026, 12, 31), GAMLE_OSLO) == "oslo"
    assert district_service_id(db, OSLO, handover, GAMLE_OSLO) == "gamle-oslo"
    assert district_service_id(db, OSLO, handover, None) == "oslo"


def test_districts_are_stored_one_row_each_and_a_district_dropped_from_the_file_is_removed(
    db, tmp_path
):
    load(db, write(tmp_path, service("oslo", (OSLO, "2024-01-01")),
                   district_service("indre-oslo", [GAMLE_OSLO, GRUNERLOKKA]), REST_UNCOVERED))
    assert district_service_id(db, OSLO, LOAD_DAY, GRUNERLOKKA) == "indre-oslo"
    summary = load(db, write(tmp_path, service("oslo", (OSLO, "2024-01-01")),
                             district_service("indre-oslo", [GAMLE_OSLO]), REST_UNCOVERED,
                             name="smaller.toml"))
    assert summary.coverage_removed == [
        f'"indre-oslo" covers district {GRUNERLOKKA} of {OSLO} Oslo from 2024-01-01, no end: '
        "not in the file"]
    assert district_service_id(db, OSLO, LOAD_DAY, GRUNERLOKKA) == "oslo"
    with db.session() as session:
        rows = session.scalars(select(Coverage).where(Coverage.district.is_not(None))).all()
        assert [(row.service_id, row.municipality_number, row.district) for row in rows] == [
            ("indre-oslo", OSLO, GAMLE_OSLO)]


ARNA = '\n[[district]]\nnumber = "460101"\nname = "Arna"\n'


def test_the_file_names_the_districts_of_a_city_the_directory_has_no_names_for(db, tmp_path):
    summary = load(db, write(tmp_path, service("bergen", (BERGEN, "2024-01-01")),
                             district_service("arna", ["460101"], municipality=BERGEN),
                             ARNA, REST_UNCOVERED))
    assert summary.districts_named == ["460101 Arna"]
    with db.session() as session:
        assert directory.district_names(session, BERGEN) == {"460101": "Arna"}
        # Reloading the directory keeps what the file named.
        directory.load(session)
        assert directory.district_names(session, BERGEN) == {"460101": "Arna"}
    again = load(db, write(tmp_path, service("bergen", (BERGEN, "2024-01-01")),
                           district_service("arna", ["460101"], municipality=BERGEN),
                           ARNA, REST_UNCOVERED, name="again.toml"))
    assert again.districts_named == [] and not again.has_changes


def test_the_file_does_not_rename_a_district_the_directory_names(db, tmp_path):
    summary = load(db, write(tmp_path, service("oslo", (OSLO, "2024-01-01")), REST_UNCOVERED,
                             '\n[[district]]\nnumber = "030101"\nname = "Old Town"\n'))
    assert any("030101 is Gamle Oslo in data/districts.csv" in note for note in summary.notices)
    with db.session() as session:
        assert directory.district_name(session, "030101") == "Gamle Oslo"


# --- refusals: each names the thing and writes nothing ------------------------------------------


REFUSALS = {
    "unknown number": (
        (service("nowhere", ("9999", "2024-01-01")), REST_UNCOVERED),
        ['service "nowhere"', "municipality 9999 is not in the directory"],
    ),
    "ambiguous old number": (
        (service("aalesund", ("1507", "2024-01-01")), REST_UNCOVERED),
        ['service "aalesund"', "1507 (Ålesund)", "split", "1508 Ålesund", "1580 Haram"],
    ),
    "overlap between two services": (
        (
            service("bergen", (BERGEN, "2024-01-01")),
            service("vest", (BERGEN, "2025-01-01", "2026-01-01")),
            REST_UNCOVERED,
        ),
        [f"{BERGEN} Bergen", '"bergen"', '"vest"', "from 2025-01-01 until 2026-01-01"],
    ),
    "overlap within one service": (
        (
            service("bergen", (BERGEN, "2024-01-01", "2025-06-01"), (BERGEN, "2025-01-01")),
            REST_UNCOVERED,
        ),
        [f"{BERGEN} Bergen", 'twice by service "bergen"', "from 2025-01-01 until 2025-06-01"],
    ),
    "renumbered number overlapping its new number": (
        (
            service("halden", ("3101", "2024-01-01")),
            service("old-halden", ("3001", "2024-01-01")),
            REST_UNCOVERED,
        ),
        ["3101 Halden", '"halden"', '"old-halden"', "written as 3001"],
    ),
    "uncovered municipality": (
        (service("bergen", (BERGEN, "2024-01-01")),),
        [f"no service covers {OSLO} Oslo on {LOAD_DAY}", "[[uncovered]]"],
    ),
    "gap after coverage ends": (
        (service("bergen", (BERGEN, "2024-01-01", "2027-01-01")), REST_UNCOVERED),
        [f"no service covers {BERGEN} Bergen from 2027-01-01, no end"],
    ),
    "end before start": (
        (service("bergen", (BERGEN, "2025-01-01", "2025-01-01")), REST_UNCOVERED),
        ['service "bergen"', f"{BERGEN} Bergen", '"to" (2025-01-01) must be after "from" '
         "(2025-01-01)"],
    ),
    "duplicate id": (
        (
            service("bergen", (BERGEN, "2024-01-01"), name="Bergen A"),
            service("bergen", (OSLO, "2024-01-01"), name="Bergen B"),
            REST_UNCOVERED,
        ),
        ['service id "bergen" is used by 2 services', "Bergen A", "Bergen B"],
    ),
    "missing name": (
        (service("bergen", (BERGEN, "2024-01-01"), name=""), REST_UNCOVERED),
        ['service "bergen": name is missing'],
    ),
    "uncovered without a reason": (
        ("[[uncovered]]\nall_others = true\n",),
        ["[[uncovered]] #1: reason is missing"],
    ),
    "not TOML": (
        ('[[service]\nid = "x"\n',),
        ["not valid TOML", "line 1"],
    ),
    "push secret written in the file": (
        (service("bergen", (BERGEN, "2024-01-01"), extra=PUSH + 'push_secret = "hemmelig"\n'),
         REST_UNCOVERED),
        ['service "bergen": push_secret must not be in this file', "push_secret_env"],
    ),
    "push URL without the secret's variable": (
        (service("bergen", (BERGEN, "2024-01-01"), extra=PUSH), REST_UNCOVERED),
        ['service "bergen": push_url needs push_secret_env'],
    ),
    "the secret's variable without a push URL": (
        (service("bergen", (BERGEN, "2024-01-01"), extra=SECRET_ENV), REST_UNCOVERED),
        ['service "bergen": push_secret_env without push_url'],
    ),
    "push over plain HTTP": (
        (service("bergen", (BERGEN, "2024-01-01"),
                 extra='push_url = "http://sak.bergen.example/mottak"\n' + SECRET_ENV),
         REST_UNCOVERED),
        ['service "bergen": push_url must start with https://'],
    ),
    "push URL with a password": (
        (service("bergen", (BERGEN, "2024-01-01"),
                 extra='push_url = "https://sak:passord@sak.bergen.example/"\n' + SECRET_ENV),
         REST_UNCOVERED),
        ['service "bergen": push_url must not carry a user name or password'],
    ),
    "a district of another municipality": (
        (service("oslo", (OSLO, "2024-01-01")), district_service("bydel", ["460101"]),
         REST_UNCOVERED),
        ['service "bydel", coverage #1: district 460101 belongs to municipality 4601 Bergen, '
         f"not to {OSLO} Oslo"],
    ),
    "a district covered twice": (
        (service("oslo", (OSLO, "2024-01-01")), district_service("gamle-oslo", [GAMLE_OSLO]),
         district_service("sentrum", [GRUNERLOKKA, GAMLE_OSLO], valid_from="2026-01-01"),
         REST_UNCOVERED),
        [f"district {GAMLE_OSLO} of {OSLO} Oslo is covered by both", '"gamle-oslo"', '"sentrum"',
         "from 2026-01-01, no end"],
    ),
    "a district with no default coverage beside it": (
        (district_service("gamle-oslo", [GAMLE_OSLO]), REST_UNCOVERED),
        [f'district {GAMLE_OSLO} of {OSLO} Oslo is served by "gamle-oslo"',
         f"no service covers the rest of {OSLO} Oslo from 2024-01-01, no end",
         "Add a coverage of 0301 without districts"],
    ),
    "a default coverage that ends before its district's": (
        (service("oslo", (OSLO, "2024-01-01", "2026-01-01")),
         district_service("gamle-oslo", [GAMLE_OSLO]), REST_UNCOVERED),
        [f"no service covers the rest of {OSLO} Oslo from 2026-01-01, no end"],
    ),
    "a district number that is not one": (
        (service("oslo", (OSLO, "2024-01-01")), district_service("bydel", ["3011"]),
         REST_UNCOVERED),
        ["'3011' is not a district number: six digits in quotes"],
    ),
    "a district named for a municipality that does not exist": (
        (service("oslo", (OSLO, "2024-01-01")), REST_UNCOVERED,
         '\n[[district]]\nnumber = "999901"\nname = "Nowhere"\n'),
        ["[[district]] #1: 999901: there is no municipality 9999"],
    ),
    "district 00": (
        (service("oslo", (OSLO, "2024-01-01")), district_service("bydel", ["030100"]),
         REST_UNCOVERED),
        ["district 030100: 00 stands for the whole municipality"],
    ),
    "handles_feedback in quotes": (
        (service("bergen", (BERGEN, "2024-01-01"), extra='handles_feedback = "yes"\n'),
         REST_UNCOVERED),
        ['service "bergen": handles_feedback must be true or false, without quotes'],
    ),
    "a secret's variable that is not a variable name": (
        (service("bergen", (BERGEN, "2024-01-01"),
                 extra=PUSH + 'push_secret_env = "bergen push secret"\n'), REST_UNCOVERED),
        ['service "bergen": push_secret_env must be the name of an environment variable'],
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_mistake_is_refused_with_a_message_naming_it_and_nothing_is_written(db, tmp_path, case):
    # Start from a loaded file, so "nothing written" also means "nothing changed".
    load(db, write(tmp_path, *SEPARATE, name="good.toml"))
    before = snapshot(db)
    parts, expected = REFUSALS[case]
    problems = refused(db, write(tmp_path, *parts, name="bad.toml"))
    assert any(all(text in problem for text in expected) for problem in problems), problems
    assert snapshot(db) == before


def test_every_problem_in_a_file_is_reported_at_once(db, tmp_path):
    problems = refused(db, write(
        tmp_path,
        service("aalesund", ("1507", "2024-01-01")),
        service("nowhere", ("9999", "2024-01-01"), name=""),
        service("bergen", (BERGEN, "2025-01-01", "2024-01-01")),
        REST_UNCOVERED,
    ))
    assert len(problems) == 4, problems
    assert snapshot(db) == ([], [])


def test_a_renumbered_old_number_is_loaded_as_the_new_number_and_reported(db, tmp_path):
    summary = load(db, write(tmp_path, service("halden", ("3001", "2024-01-01")), REST_UNCOVERED))
    assert any("3001 (Halden)" in note and "3101 Halden" in note and "loaded as 3101" in note
               for note in summary.notices), summary.notices
    assert service_id_for(db, "3101", LOAD_DAY) == "halden"
    assert summary.coverage_added == ['"halden" covers 3101 Halden from 2024-01-01, no end']


def test_a_municipality_listed_as_uncovered_with_a_reason_may_stay_uncovered(db, tmp_path):
    every_other = snapshot_numbers(db) - {OSLO}
    parts = [service("rest", *[(number, "2024-01-01") for number in sorted(every_other)])]
    problems = refused(db, write(tmp_path, *parts))
    assert problems == [
        f"no service covers {OSLO} Oslo on {LOAD_DAY} (the load date): a reporter there could "
        "not send. Add its service, or list it under [[uncovered]] with a reason."
    ]
    parts.append(f'[[uncovered]]\nmunicipalities = ["{OSLO}"]\nreason = "Bydeler connect in May"\n')
    summary = load(db, write(tmp_path, *parts))
    assert any("0301 Oslo" in note and "Bydeler connect in May" in note
               for note in summary.notices)
    assert service_id_for(db, OSLO, LOAD_DAY) is None


def snapshot_numbers(database: Database) -> set[str]:
    with database.session() as session:
        return {m.number for m in directory.all_municipalities(session)}


def test_a_service_outside_the_file_that_still_routes_is_refused(db, tmp_path):
    add_service(db, "legacy-oslo", OSLO, with_key=False)
    problems = refused(db, write(tmp_path, *SEPARATE))
    assert problems == [
        'service "legacy-oslo" (Barneverntjenesten legacy-oslo) is in the database but not in the '
        f"file, and still covers {OSLO} Oslo (from 2024-01-01, no end). Keep it in the file and "
        'give that coverage an end date ("to"), so the handover is reviewed.'
    ]


# --- flask directory services ------------------------------------------------------------------


def run_cli(app, path: Path, *options: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["directory", "services", str(path), *options])


def test_flask_directory_services_dry_run_shows_the_changes_and_writes_nothing(
    app, database, tmp_path
):
    result = run_cli(app, write(tmp_path, *SEPARATE), "--dry-run")
    assert result.exit_code == 0, result.output
    assert '"asker" Barneverntjenesten i Asker' in result.output
    assert "Dry run: nothing was written." in result.output
    assert snapshot(database) == ([], [])


def test_flask_directory_services_writes_the_file(app, database, tmp_path):
    result = run_cli(app, write(tmp_path, *SEPARATE))
    assert result.exit_code == 0, result.output
    assert "Services added (2):" in result.output
    assert [row[0] for row in snapshot(database)[0]] == ["asker", "baerum"]
    again = run_cli(app, write(tmp_path, *SEPARATE))
    assert again.exit_code == 0 and "No changes." in again.output


def test_flask_directory_services_lists_problems_and_exits_1(app, database, tmp_path):
    result = run_cli(app, write(tmp_path, service("aalesund", ("1507", "2024-01-01"))))
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "1580 Haram" in result.output
    assert f"no service covers {OSLO} Oslo" in result.output
    assert snapshot(database) == ([], [])
