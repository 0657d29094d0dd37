"""The services file: the reviewed TOML file that says which child welfare services exist and which
municipalities each covers, from when until when.

An operator edits it and runs `flask directory services FILE`. Every problem is collected and shown
at once, and nothing is written while any remains: a wrong routing table sends a report about a
child to the wrong municipality, or to nobody. The format is described in
`data/services.example.toml`. Keys are never touched here (`flask keys register` does that).

Rules chosen here, beyond "the file must be well formed":

- Municipality numbers are the 2024 numbers. A 2020–2023 number that was only renumbered is
  mapped to its new number, and the summary says so; one whose municipality was split or merged
  is refused, naming the candidates, because the file must say which municipality it means.
- No municipality may be covered twice on any day, by two services or by one service twice.
- A coverage entry may list `districts` (bydeler, six digits: "030101" is Gamle Oslo): then it
  covers only those districts of its own municipality, and no district twice on any day. A
  municipality with a district served separately must keep a default coverage (no districts)
  on every such day, for reports whose district is not known and for its other districts.
- Every municipality in the directory must be covered from the load date on, with no gap, unless
  an `[[uncovered]]` entry in the file names it (or says `all_others = true`) and gives a reason.
- The file is the whole routing table. A service that is in the database but not in the file is
  kept (envelopes and keys refer to it) and reported as "not in the file"; if it still covers a
  municipality on or after the load date, the file is refused: to retire a service, keep it in
  the file and give its coverage an end date, so the handover is reviewed like everything else.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from database import utcnow
from routing import push
from routing.directory import DATA_DIR, NORWAY
from routing.models import Coverage, Municipality, Service

NUMBER_CHANGES_FILE = "municipality_number_changes_2024.csv"
SERVICE_FIELDS = (
    "id", "name", "phone", "email", "fallback_email", "push_url", "push_secret_env", "coverage",
)
COVERAGE_FIELDS = ("municipality", "districts", "from", "to")
UNCOVERED_FIELDS = ("municipalities", "all_others", "reason")
# Lower-case letters, digits and hyphens: the id appears in URLs, file names and log lines.
SERVICE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
DEMO_PREFIX = "demo-"  # routing/demo.py's ids; a real service must never be mistaken for one
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{2,38}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MUNICIPALITY_NUMBER = re.compile(r"[0-9]{4}")
# A district (bydel): its municipality's four digits and its own two, as KS numbers them.
DISTRICT_NUMBER = re.compile(r"[0-9]{6}")
# The name of an environment variable, as shells and container runtimes accept it.
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,99}")


class ServicesFileError(Exception):
    """The file cannot be loaded; `problems` says everything that is wrong with it."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the services file")


@dataclass(frozen=True)
class NumberChange:
    old_name: str
    new_number: str
    new_name: str
    change: str


@dataclass(frozen=True)
class Link:
    """One coverage entry of the file, its number already checked (and mapped if it was old);
    an entry that lists districts gives one link per district."""

    municipality: str
    valid_from: date
    valid_to: date | None
    written_as: str
    district: str | None = None


@dataclass(frozen=True)
class ServiceEntry:
    id: str
    name: str
    phone: str
    email: str | None
    fallback_email: str | None
    coverage: tuple[Link, ...]
    # The signed push to the service's case system: where, and which environment variable of
    # the worker holds the secret. Both or neither.
    push_url: str | None = None
    push_secret_env: str | None = None


@dataclass(frozen=True)
class Exemption:
    """Municipalities deliberately left without a service, and why."""

    municipalities: frozenset[str]
    all_others: bool
    reason: str


@dataclass(frozen=True)
class ServicesFile:
    services: tuple[ServiceEntry, ...]
    exemptions: tuple[Exemption, ...]
    notices: tuple[str, ...]


@dataclass
class Summary:
    """What a load changed (or, in a dry run, would change), as sentences for the operator."""

    services_added: list[str] = field(default_factory=list)
    services_changed: list[str] = field(default_factory=list)
    coverage_added: list[str] = field(default_factory=list)
    coverage_ended: list[str] = field(default_factory=list)
    coverage_changed: list[str] = field(default_factory=list)
    coverage_removed: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return any(
            (
                self.services_added,
                self.services_changed,
                self.coverage_added,
                self.coverage_ended,
                self.coverage_changed,
                self.coverage_removed,
            )
        )

    def lines(self) -> list[str]:
        sections = (
            ("Services added", self.services_added),
            ("Services changed", self.services_changed),
            ("Coverage added", self.coverage_added),
            ("Coverage ended", self.coverage_ended),
            ("Coverage end changed", self.coverage_changed),
            ("Coverage removed", self.coverage_removed),
            ("Services in the database but not in the file (kept)", self.not_in_file),
            ("Notes", self.notices),
        )
        lines = [] if self.has_changes else ["No changes."]
        for title, items in sections:
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines.extend(f"  - {item}" for item in items)
        return lines


# --- reading --------------------------------------------------------------------------------------


def read_number_changes(data_dir: Path = DATA_DIR) -> dict[str, list[NumberChange]]:
    """Old (2020–2023) municipality number → what became of it on 2024-01-01."""
    changes: dict[str, list[NumberChange]] = defaultdict(list)
    with open(data_dir / NUMBER_CHANGES_FILE, encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            changes[row["old_kommunenummer"]].append(
                NumberChange(
                    row["old_name"], row["new_kommunenummer"], row["new_name"], row["change"]
                )
            )
    return dict(changes)


def parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ServicesFileError([f"the file is not valid TOML: {error}"]) from error


def describe(valid_from: date, valid_to: date | None) -> str:
    return f"from {valid_from} until {valid_to}" if valid_to else f"from {valid_from}, no end"


def parse(
    document: Mapping[str, Any],
    municipalities: Mapping[str, str],
    changes: Mapping[str, list[NumberChange]],
    on: date,
    environ: Mapping[str, str] | None = None,
) -> tuple[ServicesFile, list[str]]:
    """Check the parsed TOML against the directory (number → name): what the file says, and
    every problem found in it. Pure; the database checks live in `check_database`. `environ`
    (the loader's environment) only adds a note when a push secret's variable is not set in it.
    """
    problems: list[str] = []
    notices: list[str] = []
    # Municipalities named in a coverage entry that was refused for its dates: not also reported
    # as uncovered, which would only be noise.
    doubtful: set[str] = set()
    if not municipalities:
        problems.append("the directory is empty: run `flask directory load` first")
    for key in document:
        if key not in ("service", "uncovered"):
            problems.append(
                f"unknown top-level key {key!r}; a file has only [[service]] and [[uncovered]]"
            )

    raw_services = document.get("service")
    if not _is_table_list(raw_services):
        problems.append("the file defines no services: add at least one [[service]] table")
        raw_services = []
    services = [
        _parse_service(index, raw, municipalities, changes, problems, notices, doubtful)
        for index, raw in enumerate(raw_services, start=1)
    ]
    for entry in services:
        if entry.push_secret_env and environ is not None and not environ.get(entry.push_secret_env):
            notices.append(
                f'service "{entry.id}": {entry.push_secret_env} is not set here. The worker must '
                "have it in its environment (32 random characters or more, given to the service "
                "for checking signatures), or its pushes wait and then fail."
            )
    problems.extend(_duplicate_ids(services))

    raw_exemptions = document.get("uncovered", [])
    if not _is_table_list(raw_exemptions):
        problems.append("[[uncovered]] must be a list of tables, each with a reason")
        raw_exemptions = []
    exemptions = [
        _parse_exemption(index, raw, municipalities, changes, problems, notices)
        for index, raw in enumerate(raw_exemptions, start=1)
    ]
    exemptions = [exemption for exemption in exemptions if exemption is not None]
    if sum(exemption.all_others for exemption in exemptions) > 1:
        problems.append("only one [[uncovered]] entry may say all_others = true")

    problems.extend(_overlaps(services, municipalities))
    if municipalities:
        problems.extend(_gaps(services, exemptions, municipalities, on, doubtful))
        problems.extend(_districts_without_default(services, municipalities, doubtful))
    return ServicesFile(tuple(services), tuple(exemptions), tuple(notices)), problems


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _unknown_keys(where: str, raw: Mapping[str, Any], allowed: tuple[str, ...]) -> list[str]:
    return [
        f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})"
        for key in raw
        if key not in allowed
    ]


def _text(
    raw: Mapping[str, Any], key: str, where: str, problems: list[str], *, max_length: int,
    required: bool, pattern: re.Pattern[str] | None = None, example: str = "",
) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"{where}: {key} is missing")
        return None
    if not isinstance(value, str):
        problems.append(f"{where}: {key} must be text in quotes (got {value!r})")
        return None
    value = value.strip()
    if len(value) > max_length:
        problems.append(f"{where}: {key} is longer than {max_length} characters")
        return None
    if pattern is not None and not pattern.fullmatch(value):
        problems.append(f"{where}: {key} {value!r} does not look like {example}")
        return None
    return value


def _parse_service(
    index: int,
    raw: Mapping[str, Any],
    municipalities: Mapping[str, str],
    changes: Mapping[str, list[NumberChange]],
    problems: list[str],
    notices: list[str],
    doubtful: set[str],
) -> ServiceEntry:
    raw_id = raw.get("id")
    where = f'service "{raw_id}"' if isinstance(raw_id, str) and raw_id else f"service #{index}"
    if "push_secret" in raw:
        # Said plainly, and the value never repeated: this file is reviewed and kept in version
        # control, where a secret does not belong.
        problems.append(
            f"{where}: push_secret must not be in this file. Put the secret in an environment "
            'variable of the worker and name the variable instead, e.g. push_secret_env = '
            '"OSLO_PUSH_SECRET"'
        )
    problems.extend(_unknown_keys(where, {k: v for k, v in raw.items() if k != "push_secret"},
                                  SERVICE_FIELDS))
    service_id = _text(
        raw, "id", where, problems, max_length=64, required=True, pattern=SERVICE_ID,
        example="an id of lower-case letters, digits and hyphens, e.g. 'bergen'",
    )
    if service_id and service_id.startswith(DEMO_PREFIX):
        problems.append(f"{where}: ids starting with {DEMO_PREFIX!r} are kept for demo services")
    name = _text(raw, "name", where, problems, max_length=200, required=True)
    phone = _text(
        raw, "phone", where, problems, max_length=40, required=True, pattern=PHONE,
        example="a phone number, e.g. '+47 55 56 00 00'",
    )
    email = _text(
        raw, "email", where, problems, max_length=254, required=False, pattern=EMAIL,
        example="an e-mail address",
    )
    fallback_email = _text(
        raw, "fallback_email", where, problems, max_length=254, required=False, pattern=EMAIL,
        example="an e-mail address",
    )
    push_url, push_secret_env = _push(where, raw, problems)
    raw_coverage = raw.get("coverage")
    if not _is_table_list(raw_coverage) or not raw_coverage:
        problems.append(
            f"{where} ({name or 'no name'}) covers no municipality: add at least one "
            "[[service.coverage]] table after it"
        )
        raw_coverage = []
    links = [
        link
        for number, item in enumerate(raw_coverage, start=1)
        for link in _parse_link(
            f"{where}, coverage #{number}", item, municipalities, changes, problems, notices,
            doubtful,
        )
    ]
    # Returned even when something above was wrong, so the overlap and gap checks still see
    # its coverage (and do not report its municipalities as uncovered); nothing is applied then.
    return ServiceEntry(
        service_id or f"#{index}",
        name or "",
        phone or "",
        email,
        fallback_email,
        tuple(links),
        push_url,
        push_secret_env,
    )


def _push(
    where: str, raw: Mapping[str, Any], problems: list[str]
) -> tuple[str | None, str | None]:
    before = len(problems)
    # Messages about the URL do not repeat it: it may carry a credential someone pasted in.
    url = raw.get("push_url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        problems.append(f'{where}: push_url must be a URL in quotes, e.g. "https://sak.example.no/"')
        url = None
    elif isinstance(url, str):
        url = url.strip()
        if len(url) > 2000:
            problems.append(f"{where}: push_url is longer than 2000 characters")
        else:
            try:
                push.check_url(url)
            except ValueError:
                problems.append(
                    f"{where}: push_url must start with https:// (http:// only to this machine, "
                    "for a local relay)"
                )
            if urlsplit(url).username is not None or urlsplit(url).password is not None:
                problems.append(
                    f"{where}: push_url must not carry a user name or password; the signature "
                    "(push_secret_env) is what the receiver checks"
                )
    env = raw.get("push_secret_env")
    if env is not None and not (isinstance(env, str) and ENV_NAME.fullmatch(env.strip())):
        # Not repeated either: a common slip is to paste the secret itself here.
        problems.append(
            f"{where}: push_secret_env must be the name of an environment variable (capital "
            'letters, digits and _, e.g. "OSLO_PUSH_SECRET"), not the secret itself'
        )
        env = None
    elif env is not None:
        env = env.strip()
    if "push_url" in raw and "push_secret_env" not in raw:
        problems.append(
            f'{where}: push_url needs push_secret_env, the environment variable of the worker '
            'that holds the secret the pushes are signed with, e.g. push_secret_env = '
            '"OSLO_PUSH_SECRET"'
        )
    elif "push_secret_env" in raw and "push_url" not in raw:
        problems.append(f"{where}: push_secret_env without push_url: where should it push?")
    if len(problems) > before:
        return None, None
    return url, env


def _parse_link(
    where: str,
    raw: Mapping[str, Any],
    municipalities: Mapping[str, str],
    changes: Mapping[str, list[NumberChange]],
    problems: list[str],
    notices: list[str],
    doubtful: set[str],
) -> list[Link]:
    problems.extend(_unknown_keys(where, raw, COVERAGE_FIELDS))
    written = raw.get("municipality")
    number = _municipality(where, written, municipalities, changes, problems, notices)
    valid_from = _date(where, raw, "from", problems, required=True)
    valid_to = _date(where, raw, "to", problems, required=False)
    districts = _districts(where, raw, number, municipalities, problems)
    if valid_from and valid_to and valid_to <= valid_from:
        label = f"{number} {municipalities[number]}" if number else f"municipality {written}"
        problems.append(
            f'{where}: {label}: "to" ({valid_to}) must be after "from" ({valid_from}); '
            '"to" is the first day the service no longer covers it'
        )
        if number is not None:
            doubtful.add(number)
        return []
    if (number is None or valid_from is None or (valid_to is None and "to" in raw)
            or districts is None):
        if number is not None:
            doubtful.add(number)
        return []
    return [Link(number, valid_from, valid_to, str(written), district) for district in districts]


def _districts(
    where: str,
    raw: Mapping[str, Any],
    number: str | None,
    municipalities: Mapping[str, str],
    problems: list[str],
) -> list[str | None] | None:
    """[None] (the whole municipality) without a districts list; the districts it lists; None
    after saying what is wrong with them."""
    if "districts" not in raw:
        return [None]
    listed = raw["districts"]
    example = 'districts = ["030101"]'
    if not isinstance(listed, list) or not listed:
        problems.append(
            f"{where}: districts must be a list of district numbers in quotes, e.g. {example}; "
            "leave it out to cover the whole municipality"
        )
        return None
    before = len(problems)
    found: list[str | None] = []
    for value in listed:
        if not isinstance(value, str) or not DISTRICT_NUMBER.fullmatch(value):
            problems.append(
                f"{where}: {value!r} is not a district number: six digits in quotes, the "
                f"municipality's four and the district's two, e.g. {example}"
            )
        elif value[4:] == "00":
            problems.append(
                f"{where}: district {value}: 00 stands for the whole municipality; leave "
                "districts out to cover all of it"
            )
        elif number is not None and value[:4] != number:
            owner = municipalities.get(value[:4])
            belongs = f"{value[:4]} {owner}" if owner else f"{value[:4]}, not in the directory"
            problems.append(
                f"{where}: district {value} belongs to municipality {belongs}, not to "
                f"{number} {municipalities[number]}, which this coverage is for"
            )
        elif value in found:
            problems.append(f"{where}: district {value} is listed twice")
        else:
            found.append(value)
    return found if len(problems) == before else None


def _date(
    where: str, raw: Mapping[str, Any], key: str, problems: list[str], *, required: bool
) -> date | None:
    value = raw.get(key)
    if value is None:
        if required:
            problems.append(f'{where}: "{key}" is missing (a date, e.g. {key} = 2025-01-01)')
        return None
    # datetime is a subclass of date; a time of day here would be silently dropped.
    if isinstance(value, datetime) or not isinstance(value, date):
        problems.append(
            f'{where}: "{key}" must be a date without quotes or time, e.g. {key} = 2025-01-01 '
            f"(got {value!r})"
        )
        return None
    return value


def _municipality(
    where: str,
    value: object,
    municipalities: Mapping[str, str],
    changes: Mapping[str, list[NumberChange]],
    problems: list[str],
    notices: list[str],
) -> str | None:
    """The 2024 number the file means, or None after saying why there is none."""
    if value is None:
        problems.append(f'{where}: "municipality" is missing (a number in quotes, e.g. "4601")')
        return None
    if not isinstance(value, str):
        # Unquoted, 0301 is not even valid TOML and 301 loses its leading zero.
        problems.append(
            f'{where}: write the municipality number in quotes, e.g. municipality = "0301" '
            f"(got {value!r})"
        )
        return None
    if not MUNICIPALITY_NUMBER.fullmatch(value):
        problems.append(f"{where}: {value!r} is not a 4-digit municipality number")
        return None
    if value in municipalities:
        return value
    history = changes.get(value, [])
    if len(history) == 1 and history[0].change == "renumbered":
        change = history[0]
        notices.append(
            f"{where}: municipality {value} ({change.old_name}) is a 2020–2023 number; it has been "
            f"{change.new_number} {change.new_name} since 2024-01-01 and was loaded as "
            f"{change.new_number}. Write {change.new_number} in the file."
        )
        return change.new_number
    if history:
        kinds = " and ".join(sorted({change.change for change in history}))
        candidates = ", ".join(f"{c.new_number} {c.new_name}" for c in history)
        problems.append(
            f"{where}: municipality {value} ({history[0].old_name}) is a 2020–2023 number that was "
            f"{kinds} on 2024-01-01, so it could mean any of: {candidates}. Write the 2024 number "
            "of each municipality the service covers."
        )
        return None
    problems.append(
        f"{where}: municipality {value} is not in the directory (2024 numbering, "
        "data/municipalities.csv)"
    )
    return None


def _parse_exemption(
    index: int,
    raw: Mapping[str, Any],
    municipalities: Mapping[str, str],
    changes: Mapping[str, list[NumberChange]],
    problems: list[str],
    notices: list[str],
) -> Exemption | None:
    where = f"[[uncovered]] #{index}"
    before = len(problems)
    problems.extend(_unknown_keys(where, raw, UNCOVERED_FIELDS))
    reason = _text(raw, "reason", where, problems, max_length=500, required=True)
    all_others = raw.get("all_others", False)
    if not isinstance(all_others, bool):
        problems.append(f"{where}: all_others must be true or false (got {all_others!r})")
    listed = raw.get("municipalities", [])
    if not isinstance(listed, list):
        problems.append(f'{where}: municipalities must be a list, e.g. ["0301", "4601"]')
        listed = []
    if bool(listed) == (all_others is True):
        problems.append(f"{where}: give either a municipalities list or all_others = true")
    numbers = {
        _municipality(f"{where}, {value!r}", value, municipalities, changes, problems, notices)
        for value in listed
    }
    if len(problems) > before or reason is None:
        return None
    return Exemption(frozenset(n for n in numbers if n), all_others is True, reason)


def _duplicate_ids(services: list[ServiceEntry]) -> list[str]:
    positions: dict[str, list[str]] = defaultdict(list)
    for index, service in enumerate(services, start=1):
        positions[service.id].append(f"#{index} {service.name}".rstrip())
    return [
        f'service id "{service_id}" is used by {len(places)} services ({", ".join(places)}); '
        "ids must be unique"
        for service_id, places in positions.items()
        if len(places) > 1
    ]


def _overlaps(services: list[ServiceEntry], municipalities: Mapping[str, str]) -> list[str]:
    """Two coverage entries of one municipality that share a day: routing would be a coin toss."""
    entries: dict[tuple[str, str], list[tuple[str, Link]]] = defaultdict(list)
    for service in services:
        for link in service.coverage:
            entries[(link.municipality, link.district or "")].append((service.id, link))
    problems = []
    for key in sorted(entries):
        number, district = key
        ordered = sorted(entries[key], key=lambda entry: entry[1].valid_from)
        for position, (first_id, first) in enumerate(ordered):
            for second_id, second in ordered[position + 1 :]:
                if first.valid_to is not None and first.valid_to <= second.valid_from:
                    break
                ends = [end for end in (first.valid_to, second.valid_to) if end is not None]
                days = describe(second.valid_from, min(ends) if ends else None)
                by = (
                    f'twice by service "{first_id}"'
                    if first_id == second_id
                    else f'by both "{first_id}" and "{second_id}"'
                )
                what = f"{number} {municipalities[number]}"
                if district:
                    what = f"district {district} of {what}"
                problems.append(
                    f"{what} is covered {by} {days}: "
                    f'"{first_id}" {_link_text(first)}; "{second_id}" {_link_text(second)}'
                )
    return problems


def _link_text(link: Link) -> str:
    text = describe(link.valid_from, link.valid_to)
    if link.written_as != link.municipality:
        text += f" (written as {link.written_as})"
    return text


def _gaps(
    services: list[ServiceEntry],
    exemptions: list[Exemption],
    municipalities: Mapping[str, str],
    on: date,
    doubtful: set[str],
) -> list[str]:
    """Municipalities a reporter could not send for, on the load date or on a later day."""
    # Only coverage of the whole municipality counts here: a district served separately does
    # not take the reports whose district is unknown (see `_districts_without_default`).
    spans: dict[str, list[Link]] = defaultdict(list)
    for service in services:
        for link in service.coverage:
            if link.district is None:
                spans[link.municipality].append(link)
    listed = set().union(*(exemption.municipalities for exemption in exemptions))
    all_others = any(exemption.all_others for exemption in exemptions)
    problems = []
    for number in sorted(municipalities):
        label = f"{number} {municipalities[number]}"
        if number in doubtful:
            continue
        if number in listed:
            if any(_covers(link, on) for link in spans[number]):
                problems.append(
                    f"{label} is listed under [[uncovered]] but is covered on {on}: take it off "
                    "the list"
                )
            continue
        gaps = _uncovered_spans(spans[number], on)
        if not gaps or (all_others and not spans[number]):
            continue
        for start, end in gaps:
            if start == on and not spans[number]:
                problems.append(
                    f"no service covers {label} on {on} (the load date): a reporter there could "
                    "not send. Add its service, or list it under [[uncovered]] with a reason."
                )
            else:
                problems.append(
                    f"no service covers {label} {describe(start, end)}: a reporter there could "
                    "not send on those days. Close the gap, or list it under [[uncovered]]."
                )
    return problems


def _districts_without_default(
    services: list[ServiceEntry], municipalities: Mapping[str, str], doubtful: set[str]
) -> list[str]:
    """A municipality split into districts must keep a default coverage (no districts) for
    every day a district of it is served separately: a reporter who does not know the district,
    or lives in another one, must still reach a service."""
    defaults: dict[str, list[Link]] = defaultdict(list)
    districts: list[tuple[str, Link]] = []
    for service in services:
        for link in service.coverage:
            if link.district is None:
                defaults[link.municipality].append(link)
            else:
                districts.append((service.id, link))
    problems = []
    for service_id, link in sorted(districts, key=lambda item: (item[1].district or "", item[0])):
        if link.municipality in doubtful:
            continue
        label = f"{link.municipality} {municipalities[link.municipality]}"
        for start, end in _uncovered_spans(defaults[link.municipality], link.valid_from):
            if link.valid_to is not None and start >= link.valid_to:
                break
            if link.valid_to is not None and (end is None or end > link.valid_to):
                end = link.valid_to
            problems.append(
                f'district {link.district} of {label} is served by "{service_id}", but no '
                f"service covers the rest of {label} {describe(start, end)}: reports whose "
                "district is not known, or from its other districts, would have nowhere to go. "
                f"Add a coverage of {link.municipality} without districts (the default)."
            )
    return problems


def _covers(link: Link, on: date) -> bool:
    return link.valid_from <= on and (link.valid_to is None or link.valid_to > on)


def _uncovered_spans(links: list[Link], on: date) -> list[tuple[date, date | None]]:
    """The stretches from `on` onwards that no link covers (overlaps are refused elsewhere)."""
    gaps: list[tuple[date, date | None]] = []
    cursor: date | None = on  # None: covered for ever from here
    for link in sorted(links, key=lambda link: link.valid_from):
        if cursor is None:
            break
        if link.valid_to is not None and link.valid_to <= cursor:
            continue
        if link.valid_from > cursor:
            gaps.append((cursor, link.valid_from))
        cursor = None if link.valid_to is None else max(cursor, link.valid_to)
    if cursor is not None:
        gaps.append((cursor, None))
    return gaps


# --- the database ---------------------------------------------------------------------------------


def today() -> date:
    return utcnow().astimezone(NORWAY).date()


def check_database(session: Session, services_file: ServicesFile, on: date) -> list[str]:
    """A service the file leaves out must not still be routing reports (see the module's rules)."""
    in_file = {service.id for service in services_file.services}
    problems = []
    for service in session.scalars(select(Service).order_by(Service.id)):
        if service.id in in_file:
            continue
        still = sorted(
            (link for link in service.coverage if link.valid_to is None or link.valid_to > on),
            key=lambda link: (link.municipality_number, link.district or "", link.valid_from),
        )
        if still:
            covers = ", ".join(
                ("" if link.district is None else f"district {link.district} of ")
                + f"{link.municipality_number} {_name(session, link.municipality_number)} "
                f"({describe(link.valid_from, link.valid_to)})"
                for link in still
            )
            problems.append(
                f'service "{service.id}" ({service.name}) is in the database but not in the file, '
                f"and still covers {covers}. Keep it in the file and give that coverage an end "
                'date ("to"), so the handover is reviewed.'
            )
    return problems


def _name(session: Session, number: str) -> str:
    municipality = session.get(Municipality, number)
    return municipality.name if municipality else "(not in the directory)"


def validate(
    session: Session, text: str, on: date | None = None, data_dir: Path = DATA_DIR
) -> ServicesFile:
    """The checked file, or ServicesFileError with every problem found."""
    on = on or today()
    municipalities = {m.number: m.name for m in session.scalars(select(Municipality))}
    services_file, problems = parse(
        parse_toml(text), municipalities, read_number_changes(data_dir), on, os.environ
    )
    problems += check_database(session, services_file, on)
    if problems:
        raise ServicesFileError(problems)
    return services_file


def apply(session: Session, services_file: ServicesFile, *, write: bool = True) -> Summary:
    """Make the database say what the file says; with write=False only say what would change.

    Coverage rows are matched by (municipality, from): a changed "to" updates the row in place, so
    the history of who covered what stays readable. The caller commits (one transaction).
    """
    summary = Summary(notices=list(services_file.notices))
    names = {m.number: m.name for m in session.scalars(select(Municipality))}
    existing = {service.id: service for service in session.scalars(select(Service))}
    for entry in services_file.services:
        service = existing.get(entry.id)
        if service is None:
            summary.services_added.append(f'"{entry.id}" {entry.name}')
            if write:
                service = Service(id=entry.id, name=entry.name, is_demo=False)
                session.add(service)
        else:
            # Field names only: a push URL may carry something nobody should see in a log.
            changed = [
                field_name
                for field_name in (
                    "name", "phone", "email", "fallback_email", "push_url", "push_secret_env",
                )
                if getattr(service, field_name) != getattr(entry, field_name)
            ]
            if changed:
                summary.services_changed.append(f'"{entry.id}" {entry.name}: {", ".join(changed)}')
        if service is not None and write:
            service.name, service.phone = entry.name, entry.phone
            service.email, service.fallback_email = entry.email, entry.fallback_email
            # The file is the whole table: no push in the file, no push. A secret kept in the
            # database (an endpoint set up in code) gives way to the file's variable.
            service.push_url, service.push_secret_env = entry.push_url, entry.push_secret_env
            service.push_secret = None
        _apply_coverage(session, entry, service, names, summary, write=write)
    for service_id in sorted(set(existing) - {entry.id for entry in services_file.services}):
        summary.not_in_file.append(f'"{service_id}" {existing[service_id].name}')
    for exemption in services_file.exemptions:
        which = "all municipalities no service covers" if exemption.all_others else ", ".join(
            f"{number} {names[number]}" for number in sorted(exemption.municipalities)
        )
        summary.notices.append(f"Deliberately uncovered: {which}. Reason: {exemption.reason}")
    if write:
        session.flush()
    return summary


def _apply_coverage(
    session: Session,
    entry: ServiceEntry,
    service: Service | None,
    names: Mapping[str, str],
    summary: Summary,
    *,
    write: bool,
) -> None:
    # Matched by (municipality, district, from); "" for no district, so the keys sort.
    rows: dict[tuple[str, str, date], list[Coverage]] = defaultdict(list)
    for row in service.coverage if service is not None else []:
        rows[(row.municipality_number, row.district or "", row.valid_from)].append(row)
    wanted = {(link.municipality, link.district or "", link.valid_from): link
              for link in entry.coverage}

    def label(number: str, district: str) -> str:
        where = f"{number} {names.get(number, '')}".rstrip()
        return f'"{entry.id}" covers ' + (f"district {district} of {where}" if district else where)

    for key in sorted(set(rows) | set(wanted)):
        number, district, valid_from = key
        link, matches = wanted.get(key), rows.get(key, [])
        # Rows the file no longer has, including any duplicates of one (municipality, from).
        for row in matches[1:] if link else matches:
            summary.coverage_removed.append(
                f"{label(number, district)} {describe(row.valid_from, row.valid_to)}: "
                "not in the file"
            )
            if write and service is not None:
                service.coverage.remove(row)
                session.delete(row)
        if link is None:
            continue
        if not matches:
            summary.coverage_added.append(
                f"{label(number, district)} {describe(valid_from, link.valid_to)}")
            if write:
                session.add(
                    Coverage(
                        service=service,
                        municipality_number=number,
                        valid_from=valid_from,
                        valid_to=link.valid_to,
                        district=link.district,
                    )
                )
            continue
        row = matches[0]
        if row.valid_to == link.valid_to:
            continue
        was = f"until {row.valid_to}" if row.valid_to else "no end"
        sentence = (f"{label(number, district)} {describe(valid_from, link.valid_to)} "
                    f"(was: {was})")
        ends_sooner = link.valid_to is not None and (
            row.valid_to is None or link.valid_to < row.valid_to
        )
        (summary.coverage_ended if ends_sooner else summary.coverage_changed).append(sentence)
        if write:
            row.valid_to = link.valid_to


def load(
    session: Session,
    path: Path,
    *,
    on: date | None = None,
    dry_run: bool = False,
    data_dir: Path = DATA_DIR,
) -> Summary:
    """Check the file and apply it (unless dry_run); raise ServicesFileError and write nothing
    when anything is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ServicesFileError([f"cannot read {path}: {error}"]) from error
    services_file = validate(session, text, on, data_dir)
    return apply(session, services_file, write=not dry_run)
