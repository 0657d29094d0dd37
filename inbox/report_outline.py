"""An opened report as the intake team reads it: notices first, a ten-second summary, every
answer under a Norwegian (or English) label, and the questions left unanswered listed once.

A pure function of the report document (`concern-report/1`), the reader's language and the
envelope's received time and review deadline. `flask inbox open` writes it as text
(inbox/report_text.py); the browser builds the same outline with static/js/report-outline.js,
which follows this file line for line (a Chromium test compares the two on many reports).

Text is a list of parts, `{"text", "typed"}`: `typed` marks what came from the report rather
than from our table of words, so that a page can isolate it and show its hidden characters.
Nothing in the report is dropped: a value this code does not know is shown as it is, and a
field it does not know goes under "other information" by its own name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inbox.report_labels import NORWAY, words

Part = dict[str, Any]
Line = list[Part]

# What each kind of reporter was asked (intake/journey.py's path): a question on the path that
# has no answer is listed as unanswered; one off the path is never mentioned.
PRIVATE, PROFESSIONAL, CHILD = "private", "professional", "child"
KNOWN = {
    "": ("schema", "submitted_at", "language", "reporter_type", "anonymity",
         "child_in_danger_now", "location", "children", "parents", "concern", "interpreter",
         "reporter", "anonymous"),
    "location": ("municipality_number", "municipality_name", "postal_code", "found_by",
                 "district", "district_name"),
    "children": ("name", "approximate_age", "national_id", "birth_date", "unborn", "address",
                 "found_at", "description", "relation", "relation_other", "told",
                 "why_not_told", "is_the_reporter"),
    "parents": ("guardians", "lives_with", "told", "why_not_told"),
    "guardians": ("name", "phone"),
    "concern": ("topics", "description", "sources", "frequency", "since", "background",
                "measures", "other_agencies", "other_views", "child_views"),
    "interpreter": ("needed", "language"),
    "reporter": ("name", "role", "workplace", "workplace_address", "organisation_number",
                 "phone", "email", "safe_contact"),
}
REPORTER_FIELDS = {
    PRIVATE: ("name", "phone", "email"),
    PROFESSIONAL: ("name", "role", "workplace", "workplace_address", "organisation_number",
                   "phone", "email"),
    CHILD: ("safe_contact",),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# ASCII digits only ([0-9], not \d), as in JavaScript; fullmatch, as JavaScript's `$` has no
# newline exception.
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})"
                   r"(?::([0-9]{2})(?:\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NATIONAL_ID = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{3})[0-9]{2}")
_DISTRICT = re.compile(r"[0-9]{6}")
# Submission times from this century and the next; anything else is shown as it was written.
_YEARS = range(1900, 3000)


# --- values ----------------------------------------------------------------------------------


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _plain(value: Any) -> str:
    """A value as text, the same in Python and JavaScript."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return _number_text(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _part(text: str, typed: bool = False) -> Part:
    return {"text": text, "typed": typed}


def _tidy(parts: list[Part]) -> Line:
    """Empty parts dropped, neighbouring parts of our own words joined."""
    line: Line = []
    for part in parts:
        if part["text"] == "":
            continue
        if line and not part["typed"] and not line[-1]["typed"]:
            line[-1] = _part(line[-1]["text"] + part["text"])
        else:
            line.append(part)
    return line


def _fill(template: str, **values: Line | str) -> Line:
    """`template` as parts, each `{name}` replaced by the parts (or our words) given for it."""
    parts: list[Part] = []
    position = 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(_part(template[position:found.start()]))
        value = values[found.group(1)]
        parts.extend([_part(value)] if isinstance(value, str) else value)
        position = found.end()
    parts.append(_part(template[position:]))
    return _tidy(parts)


def _join(lines: list[Line], separator: str) -> Line:
    parts: list[Part] = []
    for index, line in enumerate(lines):
        if index:
            parts.append(_part(separator))
        parts.extend(line)
    return _tidy(parts)


def _typed(value: Any) -> Line:
    return _tidy([_part(_plain(value), isinstance(value, str))])


def _coded(labels: Mapping[str, str], value: Any) -> Line:
    """A code in words; one we have no words for is shown as it is."""
    if isinstance(value, str) and value in labels:
        return [_part(labels[value])]
    return _typed(value)


def _codes(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [item for item in value if not _blank(item)]
    return [] if _blank(value) else [value]


# --- times and dates -------------------------------------------------------------------------


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 time with a zone, as report.build writes it; None for anything else."""
    found = _TIME.fullmatch(value) if isinstance(value, str) else None
    if not found:
        return None
    year, month, day, hour, minute = (int(found.group(n)) for n in range(1, 6))
    second = int(found.group(6) or 0)
    if (year not in _YEARS or _valid_date(year, month, day) is None or hour > 23
            or minute > 59 or second > 59):
        return None
    zone = found.group(7)
    offset = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[4:6])) * (
        -1 if zone[0] == "-" else 1)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC) - timedelta(
        minutes=offset)


def _oslo(moment: datetime) -> str:
    return moment.astimezone(NORWAY).strftime("%d.%m.%Y %H:%M")


def _birth_date(child: Any) -> date | None:
    """The birth date given, or the one a fødselsnummer or D-number carries (its individual
    number says the century); None when neither says one for certain."""
    given = _get(child, "birth_date")
    found = _DATE.fullmatch(given) if isinstance(given, str) else None
    if found:
        return _valid_date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    number = _get(child, "national_id")
    found = _NATIONAL_ID.fullmatch(number) if isinstance(number, str) else None
    if not found:
        return None
    day, month, year, individual = (int(found.group(n)) for n in range(1, 5))
    if day > 40:
        day -= 40  # a D-number
    if individual < 500:
        century = 1900
    elif year < 40:
        century = 2000
    elif individual < 750 and year >= 54:
        century = 1800
    elif individual >= 900:
        century = 1900
    else:
        return None
    return _valid_date(century + year, month, day)


def _age(born: date, on: date | None) -> int | None:
    if on is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _norwegian_date(value: date) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


# --- the outline -----------------------------------------------------------------------------


class _Outline:
    """One report's outline, built section by section; each section records the questions it
    asked and found unanswered, and the fields it did not know."""

    def __init__(self, report: Any, language: str, received: str | None,
                 review_by: str | None) -> None:
        self.w = words(language)
        self.original = report
        self.report = report if isinstance(report, dict) else {}
        # Fields this code does not know, as (path, value): shown under "other information".
        self.strays: list[tuple[str, Any]] = []
        self.kind = self.report.get("reporter_type")
        self.received, self.review_by = received, review_by
        self.values = self.w["values"]
        self.submitted = _moment(self.report.get("submitted_at"))
        # A child's age is counted on the day the report was sent, in Norway.
        self.today = self.submitted.astimezone(NORWAY).date() if self.submitted else None
        children = self.report.get("children")
        self.children = [child for child in children if isinstance(child, dict)] if isinstance(
            children, list) else []
        self.unanswered: list[dict[str, Any]] = []

    # Labels: the child's own wording where there is one ("@child").
    def label(self, key: str) -> str:
        fields = self.w["fields"]
        if self.kind == CHILD and f"{key}@child" in fields:
            return str(fields[f"{key}@child"])
        return str(fields[key])

    def build(self) -> dict[str, Any]:
        sections = [*self.child_sections(), self.parents_section(), self.concern_section(),
                    self.interpreter_section(), self.reporter_section(), self.about_section(),
                    self.other_section()]
        notices = self.notices()
        return {
            "title": self.w["title"],
            "print_page": self.w["print_page"],
            "notices": {"heading": self.w["headings"]["notices"], "items": notices}
            if notices else None,
            "summary": {"heading": self.w["headings"]["summary"], "rows": self.summary()},
            "sections": [section for section in sections if section["rows"]],
            "unanswered": {"heading": self.w["headings"]["unanswered"],
                           "groups": self.unanswered} if self.unanswered else None,
        }

    # --- notices ---------------------------------------------------------------------------

    def notices(self) -> list[dict[str, Any]]:
        said = self.w["notices"]
        report = self.report
        found: list[dict[str, Any]] = []

        def notice(kind: str, line: Line) -> None:
            found.append({"kind": kind, "parts": line})

        if report.get("anonymity") == "confidential":
            notice("identity", [_part(said["confidential"])])
        if report.get("anonymous") is True or report.get("anonymity") == "anonymous":
            notice("identity", [_part(said["anonymous"])])
        danger = report.get("child_in_danger_now")
        if danger in ("yes", "unsure"):
            notice("danger", [_part(said[f"danger_{danger}"])])
        if self.kind == CHILD:
            notice("info", [_part(said["child_reporter"])])
        interpreter = report.get("interpreter")
        if _get(interpreter, "needed") == "yes":
            language = _get(interpreter, "language")
            notice("info", _fill(said["interpreter"], language=_typed(language))
                   if not _blank(language) else [_part(said["interpreter_no_language"])])
        for number, child in enumerate(self.children, start=1):
            if child.get("unborn") is True:
                notice("info", [_part(said["unborn"])] if len(self.children) == 1 else
                       _fill(said["unborn_numbered"], number=str(number)))
        location = report.get("location")
        if _get(location, "found_by") == "reporter_municipality":
            notice("info", [_part(said["reporter_municipality"])])
        if isinstance(location, dict) and "district" in location and (
                location["district"] is None):
            notice("info", [_part(said["district_unknown"])])
        return found

    # --- the summary -------------------------------------------------------------------------

    def summary(self) -> list[dict[str, Any]]:
        labels, phrases, report = self.w["summary"], self.w["phrases"], self.report
        rows: list[dict[str, Any]] = []

        def row(label: str, lines: list[Line]) -> None:
            lines = [line for line in lines if line]
            if lines:
                rows.append({"label": label, "lines": lines})

        reporter = report.get("reporter")
        name = _get(reporter, "name")
        kind_words = _coded(self.values["reporter_types"], self.kind) if not _blank(
            self.kind) else []
        anonymous = report.get("anonymous") is True or report.get("anonymity") == "anonymous"
        if not kind_words:
            who: Line = []
        elif self.kind == PRIVATE and anonymous:
            who = _fill(phrases["reporter_anonymous"], type=kind_words)
        elif self.kind in (PRIVATE, PROFESSIONAL) and not _blank(name):
            template = ("reporter_confidential" if report.get("anonymity") == "confidential"
                        else "reporter_named")
            who = _fill(phrases[template], type=kind_words, name=_typed(name))
        else:
            who = kind_words
        row(labels["reporter"], [who])
        if self.kind == PROFESSIONAL:
            row(labels["role"], [_join([_typed(_get(reporter, key)) for key in
                                        ("role", "workplace")
                                        if not _blank(_get(reporter, key))], ", ")])
        if self.kind == PRIVATE:
            relations: list[Line] = []
            for child in self.children:
                relation = self.relation(child)
                if relation and relation not in relations:
                    relations.append(relation)
            row(labels["relation"], relations)
        row(labels["children_one" if len(self.children) == 1 else "children_many"],
            [self.child_line(child) for child in self.children])
        concern = report.get("concern")
        row(self.label("concern.topics"),
            [_coded(self.values["topics"], topic) for topic in _codes(_get(concern, "topics"))])
        frequency = _get(concern, "frequency")
        if not _blank(frequency):
            row(self.label("concern.frequency"), [_coded(self.values["frequencies"], frequency)])
        since = _get(concern, "since")
        if not _blank(since):
            row(self.label("concern.since"), [_typed(since)])
        row(labels["place"], self.place())
        if self.received:
            row(labels["received"], [[_part(self.received)]])
        if self.review_by:
            row(labels["review_by"], [[_part(self.review_by)]])
        return rows

    def relation(self, child: Mapping[str, Any]) -> Line:
        relation, other = child.get("relation"), child.get("relation_other")
        if relation == "other" and not _blank(other):
            return _typed(other)
        return _coded(self.values["relations"], relation) if not _blank(relation) else []

    def child_line(self, child: Mapping[str, Any]) -> Line:
        phrases = self.w["phrases"]
        name = child.get("name")
        parts = [_typed(name) if not _blank(name) else [_part(phrases["child_unnamed"])]]
        born = _birth_date(child)
        age = child.get("approximate_age")
        if child.get("unborn") is True:
            parts.append([_part(phrases["unborn"])])
        elif born is not None:
            years = _age(born, self.today)
            parts.append(_fill(phrases["born"], date=_norwegian_date(born)) if years is None
                         else _fill(phrases["born_age"], date=_norwegian_date(born),
                                    age=str(years)))
        elif not _blank(age):
            template = phrases["age"] if self.kind == CHILD else phrases["age_estimated"]
            parts.append(_fill(template, age=_typed(age)))
        return _join(parts, ", ")

    def place(self) -> list[Line]:
        phrases, location = self.w["phrases"], self.report.get("location")
        name, number = _get(location, "municipality_name"), _get(location, "municipality_number")
        pieces: list[Line] = []
        if not _blank(name) and not _blank(number):
            pieces.append(_fill(phrases["municipality"], name=_typed(name),
                                number=_typed(number)))
        elif not _blank(name) or not _blank(number):
            pieces.append(_typed(name if not _blank(name) else number))
        district = _get(location, "district")
        if not _blank(district):
            pieces.append(_fill(phrases["district"], district=self.district(
                district, _get(location, "district_name"))))
        postal_code = _get(location, "postal_code")
        if not _blank(postal_code):
            pieces.append(_fill(phrases["postal_code"], postal_code=_typed(postal_code)))
        lines = [_join(pieces, ", ")]
        found_by = _get(location, "found_by")
        if not _blank(found_by) and found_by != "postal_code":
            lines.append(_coded(self.values["found_by"], found_by))
        return lines

    @staticmethod
    def district(value: Any, name: Any = None) -> Line:
        """A district by its name and its own two digits, as KS numbers it ("Gamle Oslo (01)"
        for "030101"); by the two digits alone when the report has no name for it."""
        if isinstance(value, str) and _DISTRICT.fullmatch(value):
            if isinstance(name, str) and name.strip():
                return _tidy([*_typed(name), _part(" ("), _part(value[4:], True), _part(")")])
            return [_part(value[4:], True)]
        return _typed(value)

    # --- the sections ------------------------------------------------------------------------

    def section(self, heading: str) -> _Section:
        return _Section(self, heading)

    def child_sections(self) -> list[dict[str, Any]]:
        headings, values = self.w["headings"], self.values
        found = []
        for number, child in enumerate(self.children, start=1):
            if self.kind == CHILD:
                heading = headings["child_self"]
            elif len(self.children) == 1:
                heading = headings["child"]
            else:
                heading = headings["child_numbered"].replace("{number}", str(number))
            section = self.section(heading)
            kind = self.kind
            name = child.get("name")
            if _blank(name) and kind == PRIVATE and "name" in child:
                section.row("children.name", [[_part(values["not_known"])]])
            else:
                section.answer("children.name", name, asked=kind in (CHILD, PROFESSIONAL))
            unborn = child.get("unborn") is True
            section.answer("children.approximate_age", child.get("approximate_age"),
                           asked=kind in (PRIVATE, CHILD) and not unborn)
            identified = unborn or any(not _blank(child.get(key))
                                       for key in ("national_id", "birth_date"))
            section.answer("children.national_id", child.get("national_id"),
                           asked=kind == PROFESSIONAL and not identified)
            birth = child.get("birth_date")
            found_date = _DATE.fullmatch(birth) if isinstance(birth, str) else None
            born = _valid_date(*(int(found_date.group(n)) for n in (1, 2, 3))) if (
                found_date) else None
            if born is not None:
                section.row("children.birth_date", [[_part(_norwegian_date(born))]])
            else:
                section.answer("children.birth_date", birth, asked=False)
            if unborn:
                section.row("children.unborn", [[_part(values["answers"]["yes"])]])
            elif not _blank(child.get("unborn")) and child.get("unborn") is not False:
                section.answer("children.unborn", child.get("unborn"), asked=False)
            address = child.get("address")
            if _blank(address) and kind == PRIVATE and "address" in child:
                section.row("children.address", [[_part(values["not_known"])]])
            else:
                section.answer("children.address", address, asked=kind == PROFESSIONAL)
            section.answer("children.found_at", child.get("found_at"),
                           asked=kind in (PRIVATE, PROFESSIONAL))
            section.answer("children.description", child.get("description"),
                           asked=kind == PRIVATE)
            relation = self.relation(child)
            if relation:
                section.row("children.relation", [relation])
            else:
                section.answer("children.relation", child.get("relation"), asked=kind == PRIVATE)
            if child.get("relation") != "other" or _blank(child.get("relation_other")):
                section.answer("children.relation_other", child.get("relation_other"),
                               asked=False)
            section.coded("children.told", values["answers"], child.get("told"),
                          asked=kind == PROFESSIONAL)
            section.answer("children.why_not_told", child.get("why_not_told"),
                           asked=child.get("told") == "no")
            section.others("children", child, f"children.{number}")
            found.append(section.done())
        return found

    def parents_section(self) -> dict[str, Any]:
        parents = self.report.get("parents")
        section = self.section(self.w["headings"]["parents"])
        guardians = _get(parents, "guardians")
        lines = []
        for guardian in guardians if isinstance(guardians, list) else []:
            name, phone = _get(guardian, "name"), _get(guardian, "phone")
            if not isinstance(guardian, dict):
                lines.append(_typed(guardian))
            elif not _blank(phone):
                lines.append(_fill(self.w["phrases"]["guardian_phone"],
                                   name=_typed(name if name is not None else ""),
                                   phone=_typed(phone)))
            elif not _blank(name):
                lines.append(_typed(name))
        if not isinstance(guardians, list) and not _blank(guardians):
            lines.append(_typed(guardians))
        if lines:
            section.row("parents.guardians", lines)
        elif self.kind == PROFESSIONAL:
            section.missing("parents.guardians")
        section.answer("parents.lives_with", _get(parents, "lives_with"),
                       asked=self.kind == PRIVATE)
        section.coded("parents.told", self.values["answers"], _get(parents, "told"),
                      asked=self.kind == PROFESSIONAL)
        section.answer("parents.why_not_told", _get(parents, "why_not_told"),
                       asked=_get(parents, "told") == "no")
        if isinstance(guardians, list):
            for number, guardian in enumerate(guardians, start=1):
                if isinstance(guardian, dict):
                    section.others("guardians", guardian, f"parents.guardians.{number}")
        section.others("parents", parents, "parents")
        return section.done()

    def concern_section(self) -> dict[str, Any]:
        concern, kind, values = self.report.get("concern"), self.kind, self.values
        section = self.section(self.w["headings"]["concern"])
        section.listed("concern.topics", values["topics"], _get(concern, "topics"),
                       asked=kind in (PRIVATE, PROFESSIONAL, CHILD))
        section.answer("concern.description", _get(concern, "description"),
                       asked=kind in (PRIVATE, PROFESSIONAL, CHILD))
        section.listed("concern.sources", values["sources"], _get(concern, "sources"),
                       asked=kind in (PRIVATE, PROFESSIONAL))
        section.coded("concern.frequency", values["frequencies"], _get(concern, "frequency"),
                      asked=kind in (PRIVATE, PROFESSIONAL, CHILD))
        section.answer("concern.since", _get(concern, "since"),
                       asked=kind in (PRIVATE, PROFESSIONAL, CHILD))
        for key in ("background", "measures", "other_agencies", "other_views"):
            section.answer(f"concern.{key}", _get(concern, key), asked=kind == PROFESSIONAL)
        section.answer("concern.child_views", _get(concern, "child_views"),
                       asked=kind in (PRIVATE, PROFESSIONAL, CHILD))
        section.others("concern", concern, "concern")
        return section.done()

    def interpreter_section(self) -> dict[str, Any]:
        interpreter = self.report.get("interpreter")
        section = self.section(self.w["headings"]["interpreter"])
        needed = _get(interpreter, "needed")
        section.coded("interpreter.needed", self.values["answers"], needed,
                      asked=self.kind in (PRIVATE, PROFESSIONAL))
        section.answer("interpreter.language", _get(interpreter, "language"),
                       asked=needed == "yes")
        section.others("interpreter", interpreter, "interpreter")
        return section.done()

    def reporter_section(self) -> dict[str, Any]:
        report, kind, values = self.report, self.kind, self.values
        section = self.section(self.w["headings"]["reporter"])
        section.coded("reporter_type", values["reporter_types"], kind, asked=False)
        section.coded("anonymity", values["anonymity"], report.get("anonymity"),
                      asked=kind == PRIVATE)
        reporter = report.get("reporter")
        asked = REPORTER_FIELDS.get(kind, ()) if isinstance(kind, str) and isinstance(
            reporter, dict) else ()
        for key in KNOWN["reporter"]:
            section.answer(f"reporter.{key}", _get(reporter, key), asked=key in asked)
        if reporter is not None and not isinstance(reporter, dict):
            section.other("reporter", reporter)
        section.others("reporter", reporter, "reporter")
        return section.done()

    def about_section(self) -> dict[str, Any]:
        report, values = self.report, self.values
        location = report.get("location")
        section = self.section(self.w["headings"]["about"])
        section.coded("child_in_danger_now", values["answers"], report.get("child_in_danger_now"),
                      asked=False)
        name, number = _get(location, "municipality_name"), _get(location, "municipality_number")
        if not _blank(name) and not _blank(number):
            section.row("location.municipality", [_fill(
                self.w["phrases"]["municipality"], name=_typed(name), number=_typed(number))])
        else:
            section.answer("location.municipality", name if not _blank(name) else number,
                           asked=False)
        if isinstance(location, dict) and "district" in location:
            district = location["district"]
            section.row("location.district", [self.district(district,
                                                            _get(location, "district_name"))
                                              if not _blank(district)
                                              else [_part(values["district_unknown"])]])
        section.answer("location.postal_code", _get(location, "postal_code"), asked=False)
        section.coded("location.found_by", values["found_by"], _get(location, "found_by"),
                      asked=False)
        submitted = report.get("submitted_at")
        if self.submitted is not None:
            section.row("submitted_at", [[_part(_oslo(self.submitted))]])
        else:
            section.answer("submitted_at", submitted, asked=False)
        section.coded("language", values["languages"], report.get("language"), asked=False)
        section.others("location", location, "location")
        section.others("", report, "")
        return section.done()

    def other_section(self) -> dict[str, Any]:
        section = self.section(self.w["headings"]["other"])
        if not isinstance(self.original, dict) and not _blank(self.original):
            section.other(self.w["title"], self.original)
        for path, value in self.strays:
            section.other(path, value)
        return section.done()


class _Section:
    """One section's rows, and its questions asked but not answered."""

    def __init__(self, outline: _Outline, heading: str) -> None:
        self.outline, self.heading = outline, heading
        self.rows: list[dict[str, Any]] = []
        self.missing_labels: list[str] = []

    def row(self, key: str, lines: list[Line]) -> None:
        self.rows.append({"label": self.outline.label(key), "lines": lines})

    def missing(self, key: str) -> None:
        self.missing_labels.append(self.outline.label(key))

    def answer(self, key: str, value: Any, *, asked: bool) -> None:
        if not _blank(value):
            self.row(key, [_typed(value)])
        elif asked:
            self.missing(key)

    def coded(self, key: str, labels: Mapping[str, str], value: Any, *, asked: bool) -> None:
        if not _blank(value):
            self.row(key, [_coded(labels, value)])
        elif asked:
            self.missing(key)

    def listed(self, key: str, labels: Mapping[str, str], value: Any, *, asked: bool) -> None:
        items = _codes(value)
        if items:
            self.row(key, [_coded(labels, item) for item in items])
        elif asked:
            self.missing(key)

    def others(self, kind: str, mapping: Any, path: str) -> None:
        """Fields this code does not know: kept, under "other information", by their names."""
        if not isinstance(mapping, dict):
            return
        for key in sorted(mapping):
            value = mapping[key]
            if key not in KNOWN[kind] and not _blank(value):
                self.outline.strays.append((f"{path}.{key}" if path else key, value))

    def other(self, path: str, value: Any) -> None:
        self.rows.append({"label": path, "lines": [_typed(value)]})

    def done(self) -> dict[str, Any]:
        if self.missing_labels:
            self.outline.unanswered.append({"heading": self.heading,
                                            "items": self.missing_labels})
        return {"heading": self.heading, "rows": self.rows}


def outline(report: Any, language: str, *, received: str | None = None,
            review_by: str | None = None) -> dict[str, Any]:
    """The report as the team reads it, in `language` (nb, nn or en; others read nb).
    `received` and `review_by` are the envelope's times as the inbox shows them."""
    return _Outline(report, language, received, review_by).build()


# --- what typed text hides -------------------------------------------------------------------

# Characters that change how text around them is shown while showing nothing themselves: the
# bidirectional embeddings, overrides, isolates and marks ("Ali\u202eecilA" displays as
# "AliAlice"), and zero-width characters (two names that look the same but are not).
HIDDEN = frozenset(
    [0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
     *range(0x2060, 0x2065), *range(0x2066, 0x206A)])
_ZWNJ, _ZWJ, _VARIATION_SELECTOR = 0x200C, 0x200D, 0xFE0F
_EMOJI = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF))
_ARABIC_SCRIPT = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                  (0xFE70, 0xFEFC))


def _within(code: int | None, ranges: tuple[tuple[int, int], ...]) -> bool:
    return code is not None and any(low <= code <= high for low, high in ranges)


def _joins_as_written(before: int | None, code: int, after: int | None) -> bool:
    """A joiner doing its ordinary work, which is not marked: a zero-width joiner inside an
    emoji sequence (a family is one picture), a non-joiner between two letters of Arabic
    script (Persian and Urdu spelling)."""
    if code == _ZWJ:
        return (_within(before, _EMOJI) or before == _VARIATION_SELECTOR) and _within(
            after, _EMOJI)
    if code == _ZWNJ:
        return _within(before, _ARABIC_SCRIPT) and _within(after, _ARABIC_SCRIPT)
    return False


def reveal(text: str) -> list[dict[str, Any]]:
    """`text` as pieces `{"text", "hidden"}`: each hidden character replaced by a visible
    marker such as "⟨U+202E⟩" (`hidden` true), the rest as it is."""
    pieces: list[dict[str, Any]] = []
    codes = [ord(character) for character in text]
    plain: list[str] = []
    for index, code in enumerate(codes):
        before = codes[index - 1] if index else None
        after = codes[index + 1] if index + 1 < len(codes) else None
        if code in HIDDEN and not _joins_as_written(before, code, after):
            if plain:
                pieces.append({"text": "".join(plain), "hidden": False})
                plain = []
            pieces.append({"text": f"⟨U+{code:04X}⟩", "hidden": True})
        else:
            plain.append(chr(code))
    if plain:
        pieces.append({"text": "".join(plain), "hidden": False})
    return pieces
