"""What a services file says once read (services, their dated coverage, deliberate gaps), and
the problems found on the way, collected in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


class ServicesFileError(Exception):
    """The file cannot be loaded; `problems` says everything that is wrong with it."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the services file")


@dataclass
class Problems:
    """Everything wrong with the file, in the order found (nothing is written while any
    remains), and notes the operator should read even when nothing is wrong."""

    found: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Municipalities named in a coverage entry that was refused: not also reported as
    # uncovered, which would only be noise.
    doubtful: set[str] = field(default_factory=set)

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def extend(self, problems: Iterable[str]) -> None:
        self.found.extend(problems)

    def note(self, notice: str) -> None:
        self.notices.append(notice)

    def __len__(self) -> int:
        return len(self.found)


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
    # The service's case system gives reporters their feedback; the inbox does not ask for it.
    handles_feedback: bool = False


@dataclass(frozen=True)
class Exemption:
    """Municipalities deliberately left without a service, and why."""

    municipalities: frozenset[str]
    all_others: bool
    reason: str


@dataclass(frozen=True)
class DistrictName:
    """A [[district]] table: the name of a district the directory's districts.csv does not
    have (a city other than Oslo that the file splits into districts)."""

    number: str
    name: str


@dataclass(frozen=True)
class ServicesFile:
    services: tuple[ServiceEntry, ...]
    exemptions: tuple[Exemption, ...]
    notices: tuple[str, ...]
    districts: tuple[DistrictName, ...] = ()


def describe(valid_from: date, valid_to: date | None) -> str:
    return f"from {valid_from} until {valid_to}" if valid_to else f"from {valid_from}, no end"
