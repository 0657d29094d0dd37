"""Reading a services file: the TOML, each service, its coverage and the deliberate gaps,
checked field by field against the directory. Pure: what the file says and what is wrong
with it, nothing from the database beyond the directory it is given."""

from __future__ import annotations

import csv
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from routing import push
from routing.directory import DATA_DIR
from routing.services_file.model import (
    DistrictName,
    Exemption,
    Link,
    NumberChange,
    Problems,
    ServiceEntry,
    ServicesFile,
    ServicesFileError,
)

NUMBER_CHANGES_FILE = "municipality_number_changes_2024.csv"
SERVICE_FIELDS = (
    "id", "name", "phone", "email", "fallback_email", "push_url", "push_secret_env",
    "handles_feedback", "coverage",
)
COVERAGE_FIELDS = ("municipality", "districts", "from", "to")
UNCOVERED_FIELDS = ("municipalities", "all_others", "reason")
DISTRICT_FIELDS = ("number", "name")
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


def parse(
    document: Mapping[str, Any],
    municipalities: Mapping[str, str],
    changes: Mapping[str, list[NumberChange]],
    problems: Problems,
    environ: Mapping[str, str] | None = None,
) -> ServicesFile:
    """What the parsed TOML says, checked against the directory (number → name); every problem
    goes to `problems`. `environ` (the loader's environment) only adds a note when a push
    secret's variable is not set in it. The checks across entries are in `checks`."""
    reader = _Reader(municipalities, changes, problems)
    if not municipalities:
        problems.add("the directory is empty: run `flask directory load` first")
    for key in document:
        if key not in ("service", "uncovered", "district"):
            problems.add(
                f"unknown top-level key {key!r}; a file has only [[service]], [[uncovered]] "
                "and [[district]]"
            )

    raw_services = document.get("service")
    if not _is_table_list(raw_services):
        problems.add("the file defines no services: add at least one [[service]] table")
        raw_services = []
    services = [reader.service(index, raw) for index, raw in enumerate(raw_services, start=1)]
    for entry in services:
        if entry.push_secret_env and environ is not None and not environ.get(entry.push_secret_env):
            problems.note(
                f'service "{entry.id}": {entry.push_secret_env} is not set here. The worker must '
                "have it in its environment (32 random characters or more, given to the service "
                "for checking signatures), or its pushes wait and then fail."
            )
    problems.extend(_duplicate_ids(services))

    exemptions = _optional_tables(
        document, "uncovered", reader.exemption, problems,
        "[[uncovered]] must be a list of tables, each with a reason")
    if sum(exemption.all_others for exemption in exemptions) > 1:
        problems.add("only one [[uncovered]] entry may say all_others = true")

    districts = _optional_tables(
        document, "district", reader.district_name, problems,
        "[[district]] must be a list of tables, each with a number and a name")
    for number in sorted({d.number for d in districts
                          if sum(o.number == d.number for o in districts) > 1}):
        problems.add(f"[[district]] {number} is named twice")
    return ServicesFile(tuple(services), tuple(exemptions), tuple(problems.notices),
                        tuple(districts))


T = TypeVar("T")


def _optional_tables(document: Mapping[str, Any], key: str, read: Callable[[int, Any], T | None],
                     problems: Problems, not_a_list: str) -> list[T]:
    """The entries of an optional [[key]] list read one by one (numbered from 1), leaving out
    those `read` refused; a key that is not a list of tables is a problem of its own."""
    raw = document.get(key, [])
    if not _is_table_list(raw):
        problems.add(not_a_list)
        raw = []
    return [entry for index, item in enumerate(raw, start=1)
            if (entry := read(index, item)) is not None]


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _unknown_keys(where: str, raw: Mapping[str, Any], allowed: tuple[str, ...]) -> list[str]:
    return [
        f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})"
        for key in raw
        if key not in allowed
    ]


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


@dataclass
class _Reader:
    """Reads the file's tables against the directory, telling `problems` what is wrong."""

    municipalities: Mapping[str, str]
    changes: Mapping[str, list[NumberChange]]
    problems: Problems

    def service(self, index: int, raw: Mapping[str, Any]) -> ServiceEntry:
        raw_id = raw.get("id")
        where = f'service "{raw_id}"' if isinstance(raw_id, str) and raw_id else f"service #{index}"
        if "push_secret" in raw:
            # Said plainly, and the value never repeated: this file is reviewed and kept in
            # version control, where a secret does not belong.
            self.problems.add(
                f"{where}: push_secret must not be in this file. Put the secret in an environment "
                'variable of the worker and name the variable instead, e.g. push_secret_env = '
                '"OSLO_PUSH_SECRET"'
            )
        self.problems.extend(_unknown_keys(
            where, {k: v for k, v in raw.items() if k != "push_secret"}, SERVICE_FIELDS))
        service_id = self.text(
            raw, "id", where, max_length=64, required=True, pattern=SERVICE_ID,
            example="an id of lower-case letters, digits and hyphens, e.g. 'bergen'",
        )
        if service_id and service_id.startswith(DEMO_PREFIX):
            self.problems.add(
                f"{where}: ids starting with {DEMO_PREFIX!r} are kept for demo services")
        name = self.text(raw, "name", where, max_length=200, required=True)
        phone = self.text(
            raw, "phone", where, max_length=40, required=True, pattern=PHONE,
            example="a phone number, e.g. '+47 55 56 00 00'",
        )
        email, fallback_email = (
            self.text(raw, key, where, max_length=254, required=False, pattern=EMAIL,
                      example="an e-mail address")
            for key in ("email", "fallback_email")
        )
        push_url, push_secret_env = self.push(where, raw)
        handles_feedback = raw.get("handles_feedback", False)
        if not isinstance(handles_feedback, bool):
            self.problems.add(f"{where}: handles_feedback must be true or false, without quotes")
            handles_feedback = False
        raw_coverage = raw.get("coverage")
        if not _is_table_list(raw_coverage) or not raw_coverage:
            self.problems.add(
                f"{where} ({name or 'no name'}) covers no municipality: add at least one "
                "[[service.coverage]] table after it"
            )
            raw_coverage = []
        links = [
            link
            for number, item in enumerate(raw_coverage, start=1)
            for link in self.links(f"{where}, coverage #{number}", item)
        ]
        # Returned even when something above was wrong, so the overlap and gap checks still see
        # its coverage (and do not report its municipalities as uncovered); nothing is applied
        # then.
        return ServiceEntry(
            service_id or f"#{index}",
            name or "",
            phone or "",
            email,
            fallback_email,
            tuple(links),
            push_url,
            push_secret_env,
            handles_feedback,
        )

    def text(
        self, raw: Mapping[str, Any], key: str, where: str, *, max_length: int, required: bool,
        pattern: re.Pattern[str] | None = None, example: str = "",
    ) -> str | None:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.add(f"{where}: {key} is missing")
            return None
        if not isinstance(value, str):
            self.problems.add(f"{where}: {key} must be text in quotes (got {value!r})")
            return None
        value = value.strip()
        if len(value) > max_length:
            self.problems.add(f"{where}: {key} is longer than {max_length} characters")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.problems.add(f"{where}: {key} {value!r} does not look like {example}")
            return None
        return value

    def push(self, where: str, raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
        before = len(self.problems)
        # Messages about the URL do not repeat it: it may carry a credential someone pasted in.
        url = raw.get("push_url")
        if url is not None and (not isinstance(url, str) or not url.strip()):
            self.problems.add(
                f'{where}: push_url must be a URL in quotes, e.g. "https://sak.example.no/"')
            url = None
        elif isinstance(url, str):
            url = url.strip()
            if len(url) > 2000:
                self.problems.add(f"{where}: push_url is longer than 2000 characters")
            else:
                try:
                    push.check_url(url)
                except ValueError:
                    self.problems.add(
                        f"{where}: push_url must start with https:// (http:// only to this "
                        "machine, for a local relay)"
                    )
                if urlsplit(url).username is not None or urlsplit(url).password is not None:
                    self.problems.add(
                        f"{where}: push_url must not carry a user name or password; the "
                        "signature (push_secret_env) is what the receiver checks"
                    )
        env = raw.get("push_secret_env")
        if env is not None and not (isinstance(env, str) and ENV_NAME.fullmatch(env.strip())):
            # Not repeated either: a common slip is to paste the secret itself here.
            self.problems.add(
                f"{where}: push_secret_env must be the name of an environment variable (capital "
                'letters, digits and _, e.g. "OSLO_PUSH_SECRET"), not the secret itself'
            )
            env = None
        elif env is not None:
            env = env.strip()
        if "push_url" in raw and "push_secret_env" not in raw:
            self.problems.add(
                f'{where}: push_url needs push_secret_env, the environment variable of the worker '
                'that holds the secret the pushes are signed with, e.g. push_secret_env = '
                '"OSLO_PUSH_SECRET"'
            )
        elif "push_secret_env" in raw and "push_url" not in raw:
            self.problems.add(f"{where}: push_secret_env without push_url: where should it push?")
        if len(self.problems) > before:
            return None, None
        return url, env

    def links(self, where: str, raw: Mapping[str, Any]) -> list[Link]:
        self.problems.extend(_unknown_keys(where, raw, COVERAGE_FIELDS))
        written = raw.get("municipality")
        number = self.municipality(where, written)
        valid_from = self.date(where, raw, "from", required=True)
        valid_to = self.date(where, raw, "to", required=False)
        districts = self.districts(where, raw, number)
        if valid_from and valid_to and valid_to <= valid_from:
            label = f"{number} {self.municipalities[number]}" if number else (
                f"municipality {written}")
            self.problems.add(
                f'{where}: {label}: "to" ({valid_to}) must be after "from" ({valid_from}); '
                '"to" is the first day the service no longer covers it'
            )
            if number is not None:
                self.problems.doubtful.add(number)
            return []
        if (number is None or valid_from is None or (valid_to is None and "to" in raw)
                or districts is None):
            if number is not None:
                self.problems.doubtful.add(number)
            return []
        return [Link(number, valid_from, valid_to, str(written), district)
                for district in districts]

    def districts(
        self, where: str, raw: Mapping[str, Any], number: str | None
    ) -> list[str | None] | None:
        """[None] (the whole municipality) without a districts list; the districts it lists;
        None after saying what is wrong with them."""
        if "districts" not in raw:
            return [None]
        listed = raw["districts"]
        example = 'districts = ["030101"]'
        if not isinstance(listed, list) or not listed:
            self.problems.add(
                f"{where}: districts must be a list of district numbers in quotes, e.g. "
                f"{example}; leave it out to cover the whole municipality"
            )
            return None
        before = len(self.problems)
        found: list[str | None] = []
        for value in listed:
            if not isinstance(value, str) or not DISTRICT_NUMBER.fullmatch(value):
                self.problems.add(
                    f"{where}: {value!r} is not a district number: six digits in quotes, the "
                    f"municipality's four and the district's two, e.g. {example}"
                )
            elif value[4:] == "00":
                self.problems.add(
                    f"{where}: district {value}: 00 stands for the whole municipality; leave "
                    "districts out to cover all of it"
                )
            elif number is not None and value[:4] != number:
                owner = self.municipalities.get(value[:4])
                belongs = (f"{value[:4]} {owner}" if owner
                           else f"{value[:4]}, not in the directory")
                self.problems.add(
                    f"{where}: district {value} belongs to municipality {belongs}, not to "
                    f"{number} {self.municipalities[number]}, which this coverage is for"
                )
            elif value in found:
                self.problems.add(f"{where}: district {value} is listed twice")
            else:
                found.append(value)
        return found if len(self.problems) == before else None

    def date(
        self, where: str, raw: Mapping[str, Any], key: str, *, required: bool
    ) -> date | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.problems.add(
                    f'{where}: "{key}" is missing (a date, e.g. {key} = 2025-01-01)')
            return None
        # datetime is a subclass of date; a time of day here would be silently dropped.
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problems.add(
                f'{where}: "{key}" must be a date without quotes or time, e.g. {key} = '
                f"2025-01-01 (got {value!r})"
            )
            return None
        return value

    def municipality(self, where: str, value: object) -> str | None:
        """The 2024 number the file means, or None after saying why there is none."""
        if value is None:
            self.problems.add(
                f'{where}: "municipality" is missing (a number in quotes, e.g. "4601")')
            return None
        if not isinstance(value, str):
            # Unquoted, 0301 is not even valid TOML and 301 loses its leading zero.
            self.problems.add(
                f'{where}: write the municipality number in quotes, e.g. municipality = "0301" '
                f"(got {value!r})"
            )
            return None
        if not MUNICIPALITY_NUMBER.fullmatch(value):
            self.problems.add(f"{where}: {value!r} is not a 4-digit municipality number")
            return None
        if value in self.municipalities:
            return value
        history = self.changes.get(value, [])
        if len(history) == 1 and history[0].change == "renumbered":
            change = history[0]
            self.problems.note(
                f"{where}: municipality {value} ({change.old_name}) is a 2020–2023 number; it has "
                f"been {change.new_number} {change.new_name} since 2024-01-01 and was loaded as "
                f"{change.new_number}. Write {change.new_number} in the file."
            )
            return change.new_number
        if history:
            kinds = " and ".join(sorted({change.change for change in history}))
            candidates = ", ".join(f"{c.new_number} {c.new_name}" for c in history)
            self.problems.add(
                f"{where}: municipality {value} ({history[0].old_name}) is a 2020–2023 number "
                f"that was {kinds} on 2024-01-01, so it could mean any of: {candidates}. Write "
                "the 2024 number of each municipality the service covers."
            )
            return None
        self.problems.add(
            f"{where}: municipality {value} is not in the directory (2024 numbering, "
            "data/municipalities.csv)"
        )
        return None

    def district_name(self, index: int, raw: Mapping[str, Any]) -> DistrictName | None:
        where = f"[[district]] #{index}"
        before = len(self.problems)
        self.problems.extend(_unknown_keys(where, raw, DISTRICT_FIELDS))
        number = self.text(raw, "number", where, max_length=6, required=True,
                           pattern=DISTRICT_NUMBER, example='"460101" (six digits)')
        name = self.text(raw, "name", where, max_length=100, required=True)
        if number is not None and number[4:] == "00":
            self.problems.add(f"{where}: {number}: 00 stands for the whole municipality")
        elif number is not None and number[:4] not in self.municipalities:
            self.problems.add(f"{where}: {number}: there is no municipality {number[:4]} in the "
                              "directory (2024 numbers)")
        if len(self.problems) > before or number is None or name is None:
            return None
        return DistrictName(number, name)

    def exemption(self, index: int, raw: Mapping[str, Any]) -> Exemption | None:
        where = f"[[uncovered]] #{index}"
        before = len(self.problems)
        self.problems.extend(_unknown_keys(where, raw, UNCOVERED_FIELDS))
        reason = self.text(raw, "reason", where, max_length=500, required=True)
        all_others = raw.get("all_others", False)
        if not isinstance(all_others, bool):
            self.problems.add(
                f"{where}: all_others must be true or false (got {all_others!r})")
        listed = raw.get("municipalities", [])
        if not isinstance(listed, list):
            self.problems.add(f'{where}: municipalities must be a list, e.g. ["0301", "4601"]')
            listed = []
        if bool(listed) == (all_others is True):
            self.problems.add(f"{where}: give either a municipalities list or all_others = true")
        numbers = {self.municipality(f"{where}, {value!r}", value) for value in listed}
        if len(self.problems) > before or reason is None:
            return None
        return Exemption(frozenset(n for n in numbers if n), all_others is True, reason)
