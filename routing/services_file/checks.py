"""The checks across a services file's entries (no municipality covered twice on a day, none
left without a service, no district without its municipality's default), and the one check
against the database (a service the file leaves out must not still route reports)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import Municipality, Service
from routing.services_file.model import (
    Exemption,
    Link,
    Problems,
    ServiceEntry,
    ServicesFile,
    describe,
)


def cross_check(
    services_file: ServicesFile, municipalities: Mapping[str, str], on: date, problems: Problems
) -> None:
    """Tell `problems` what the entries, read one by one, cannot show: overlaps, gaps from the
    load date `on`, and districts without a default."""
    services = list(services_file.services)
    problems.extend(_overlaps(services, municipalities))
    if municipalities:
        problems.extend(_gaps(services, list(services_file.exemptions), municipalities, on,
                              problems.doubtful))
        problems.extend(_districts_without_default(services, municipalities, problems.doubtful))


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


def check_database(session: Session, services_file: ServicesFile, on: date) -> list[str]:
    """A service the file leaves out must not still be routing reports (see the package's
    rules)."""
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
