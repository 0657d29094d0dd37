"""Making the database say what a checked services file says: first every change is worked out
(and told as sentences for the operator), then, unless it is a dry run, all are written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Coverage, District, Municipality, Service
from routing.services_file.model import DistrictName, Link, ServiceEntry, ServicesFile, describe

# A service's fields the file sets, compared by name (a push URL may carry something nobody
# should see in a log, so a change is told by the field's name only).
SERVICE_SETTINGS = ("name", "phone", "email", "fallback_email", "push_url", "push_secret_env",
                    "handles_feedback")


@dataclass
class Summary:
    """What a load changed (or, in a dry run, would change), as sentences for the operator."""

    services_added: list[str] = field(default_factory=list)
    services_changed: list[str] = field(default_factory=list)
    coverage_added: list[str] = field(default_factory=list)
    coverage_ended: list[str] = field(default_factory=list)
    coverage_changed: list[str] = field(default_factory=list)
    coverage_removed: list[str] = field(default_factory=list)
    districts_named: list[str] = field(default_factory=list)
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
                self.districts_named,
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
            ("Districts named", self.districts_named),
            ("Services in the database but not in the file (kept)", self.not_in_file),
            ("Notes", self.notices),
        )
        lines = [] if self.has_changes else ["No changes."]
        for title, items in sections:
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines.extend(f"  - {item}" for item in items)
        return lines


@dataclass
class Changes:
    """Every write a load makes, worked out before any is made."""

    services: list[tuple[ServiceEntry, Service | None]] = field(default_factory=list)  # None: new
    added: list[tuple[str, Link]] = field(default_factory=list)  # (service id, link)
    ends: list[tuple[Coverage, date | None]] = field(default_factory=list)  # (row, new "to")
    removed: list[Coverage] = field(default_factory=list)
    # Districts the file names that the directory does not (or names differently, by the file).
    districts: list[tuple[DistrictName, District | None]] = field(default_factory=list)


def apply(session: Session, services_file: ServicesFile, *, write: bool = True) -> Summary:
    """Make the database say what the file says; with write=False only say what would change.

    Coverage rows are matched by (municipality, from): a changed "to" updates the row in place, so
    the history of who covered what stays readable. The caller commits (one transaction).
    """
    changes, summary = plan(session, services_file)
    if write:
        _write(session, changes)
    return summary


def plan(session: Session, services_file: ServicesFile) -> tuple[Changes, Summary]:
    """What loading the file would change, without changing anything."""
    changes = Changes()
    summary = Summary(notices=list(services_file.notices))
    names = {m.number: m.name for m in session.scalars(select(Municipality))}
    existing = {service.id: service for service in session.scalars(select(Service))}
    for entry in services_file.services:
        service = existing.get(entry.id)
        changes.services.append((entry, service))
        if service is None:
            summary.services_added.append(f'"{entry.id}" {entry.name}')
        else:
            changed = [name for name in SERVICE_SETTINGS
                       if getattr(service, name) != getattr(entry, name)]
            if changed:
                summary.services_changed.append(f'"{entry.id}" {entry.name}: {", ".join(changed)}')
        _plan_coverage(entry, service, names, changes, summary)
    for service_id in sorted(set(existing) - {entry.id for entry in services_file.services}):
        summary.not_in_file.append(f'"{service_id}" {existing[service_id].name}')
    known = {d.number: d for d in session.scalars(select(District))}
    for district in services_file.districts:
        row = known.get(district.number)
        if row is not None and row.named_by == "directory":
            if row.name != district.name:
                summary.notices.append(
                    f"district {district.number} is {row.name} in data/districts.csv; the "
                    f"file's name {district.name!r} is not used")
            continue
        if row is None or row.name != district.name:
            changes.districts.append((district, row))
            summary.districts_named.append(f"{district.number} {district.name}")
    for exemption in services_file.exemptions:
        which = "all municipalities no service covers" if exemption.all_others else ", ".join(
            f"{number} {names[number]}" for number in sorted(exemption.municipalities)
        )
        summary.notices.append(f"Deliberately uncovered: {which}. Reason: {exemption.reason}")
    return changes, summary


def _plan_coverage(
    entry: ServiceEntry, service: Service | None, names: Mapping[str, str], changes: Changes,
    summary: Summary,
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
            changes.removed.append(row)
        if link is None:
            continue
        if not matches:
            summary.coverage_added.append(
                f"{label(number, district)} {describe(valid_from, link.valid_to)}")
            changes.added.append((entry.id, link))
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
        changes.ends.append((row, link.valid_to))


def _write(session: Session, changes: Changes) -> None:
    services: dict[str, Service] = {}
    for entry, service in changes.services:
        if service is None:
            service = Service(id=entry.id, name=entry.name, is_demo=False)
            session.add(service)
        for name in SERVICE_SETTINGS:
            setattr(service, name, getattr(entry, name))
        # The file is the whole table: no push in the file, no push. A secret kept in the
        # database (an endpoint set up in code) gives way to the file's variable.
        service.push_secret = None
        services[entry.id] = service
    for row in changes.removed:
        row.service.coverage.remove(row)
        session.delete(row)
    for row, valid_to in changes.ends:
        row.valid_to = valid_to
    for district, row in changes.districts:
        if row is None:
            session.add(District(number=district.number, name=district.name,
                                 municipality_number=district.number[:4],
                                 named_by="services_file"))
        else:
            row.name, row.named_by = district.name, "services_file"
    for service_id, link in changes.added:
        session.add(Coverage(service=services[service_id], municipality_number=link.municipality,
                             valid_from=link.valid_from, valid_to=link.valid_to,
                             district=link.district))
    session.flush()
