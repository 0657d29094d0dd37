"""The services file: the reviewed TOML file that says which child welfare services exist and which
municipalities each covers, from when until when.

An operator edits it and runs `flask directory services FILE`. Every problem is collected
(model.Problems) and shown at once, and nothing is written while any remains: a wrong routing
table sends a report about a child to the wrong municipality, or to nobody. The format is
described in `data/services.example.toml`. Keys are never touched here (`flask keys register`
does that).

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

The package reads the file (parsing.py), checks it across entries and against the database
(checks.py), works out every change and then writes them (applying.py); model.py holds what
they pass between them.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from database import utcnow
from routing.directory import DATA_DIR, NORWAY
from routing.models import Municipality
from routing.services_file.applying import Summary, apply
from routing.services_file.checks import check_database, cross_check
from routing.services_file.model import Problems, ServicesFile, ServicesFileError
from routing.services_file.parsing import SERVICE_ID, parse, parse_toml, read_number_changes

__all__ = ["SERVICE_ID", "ServicesFile", "ServicesFileError", "Summary", "apply", "load",
           "today", "validate"]


def today() -> date:
    return utcnow().astimezone(NORWAY).date()


def validate(
    session: Session, text: str, on: date | None = None, data_dir: Path = DATA_DIR
) -> ServicesFile:
    """The checked file, or ServicesFileError with every problem found."""
    on = on or today()
    municipalities = {m.number: m.name for m in session.scalars(select(Municipality))}
    problems = Problems()
    services_file = parse(parse_toml(text), municipalities, read_number_changes(data_dir),
                          problems, os.environ)
    cross_check(services_file, municipalities, on, problems)
    problems.extend(check_database(session, services_file, on))
    if problems:
        raise ServicesFileError(problems.found)
    return services_file


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
