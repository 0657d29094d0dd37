"""Export an opened report (`concern-report/1`) to the KS Fiks bekymringsmelding v2 format.

Norwegian case-management systems already import that format (message types
`no.ks.fiks.bekymringsmelding.privat.v2` and `.offentlig.v2`). A named private report becomes the
`privat` document and a professional's report the `offentlig` one. Answers the format has no field
for are not dropped: they go, with Norwegian labels, into the free text after the reporter's own
words. Nothing is made up. A value the format requires but the report lacks is an empty string
where the format allows one (a child's unknown name or address), and otherwise `CannotExport`.
Norwegian appears here because these are the format's own names and its readers' language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from inbox.report_labels import fill, words
from routing.acceptance import REPORT_SCHEMA
from routing.directory import is_district_of

FORMAT = "KS Fiks v2"
INSTEAD = "Use the concern-report/1 JSON instead."
# KS: local Norwegian time, written without a zone.
NORWAY = ZoneInfo("Europe/Oslo")
# KS numbers a district (bydel) by its own two digits; "00" says "no district": the report
# names none (its municipality has no districts served apart, or the reporter did not know).
NO_DISTRICT = "00"

# The two patterns in the schema that our own validation does not already guarantee.
PHONE_PATTERN = re.compile(r"^[+]?[0-9]+([- ][0-9]+)*$")
EMAIL_PATTERN = re.compile(
    r"^[A-Za-zæøåÆØÅ0-9-_]+(\.[A-Za-zæøåÆØÅ0-9-_]+)*@[A-Za-zæøåÆØÅ0-9-]+(\.[A-Za-zæøåÆØÅ0-9-]+)*"
    r"(\.[A-Za-z]{2,})$"
)
# "Skoleveien 1, 0150 Oslo": the street, then a postal code and a post town after a comma.
ADDRESS_WITH_POSTAL_CODE = re.compile(r"^(?P<street>.+?),\s*(?P<code>\d{4})\s+(?P<town>\D+)$")

# Our answer values and labels, in bokmål, from the table the team's reading of a report uses
# too (static/report-labels.json); the export's own phrases are its `ks` part. The v2 schemas
# have no enumerations, so these only ever appear in free text.
_NB = words("nb")
_KS = _NB["ks"]
# KS: "the sending organisation's name"; ours is the website, by its Norwegian name.
DELIVERY_CHANNEL = _KS["delivery_channel"]
YES_NO = _NB["values"]["answers"]
TOPICS = _NB["values"]["topics"]
SOURCES = _NB["values"]["sources"]
FREQUENCIES = _NB["values"]["frequencies"]
RELATIONS = _NB["values"]["relations"]
FOUND_BY = _NB["values"]["found_by"]
LANGUAGES = _NB["values"]["languages"]
FIELDS = _NB["fields"]
CHILD_LABELS = {key: FIELDS[f"children.{key}"] for key in (
    "name", "approximate_age", "national_id", "birth_date", "unborn", "address", "found_at",
    "description", "relation", "relation_other", "told", "why_not_told")}
EXTRAS_HEADING = _KS["extras_heading"]


class CannotExport(Exception):
    """The report cannot be expressed in the KS Fiks v2 format; the message says why, in
    English, and `reason` names the reason for a page that says it in the reader's language
    (templates/inbox/open.html, data-fiks-refused-<reason>)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def to_fiks_v2(report: Mapping[str, Any]) -> dict[str, Any]:
    """The `privat` or `offentlig` v2 document for a decrypted report."""
    if not isinstance(report, Mapping) or report.get("schema") != REPORT_SCHEMA:
        raise CannotExport(f"Only a {REPORT_SCHEMA} report can be exported to {FORMAT}.",
                           "not-a-report")
    kind = report.get("reporter_type")
    if kind == "child":
        raise CannotExport(
            f"A report from a child about themselves cannot be exported to {FORMAT}: the format "
            f"has no such case (it requires an adult reporter's name). {INSTEAD}", "child")
    if kind == "private" and (report.get("anonymous") or report.get("anonymity") == "anonymous"):
        raise CannotExport(
            f"An anonymous report cannot be exported to {FORMAT}: the format requires the "
            f"reporter's name. {INSTEAD}", "anonymous")
    if kind not in ("private", "professional"):
        raise CannotExport(f"A report from a reporter of type {kind!r} cannot be exported to "
                           f"{FORMAT}. {INSTEAD}", "reporter-type")
    if not report.get("children"):
        raise CannotExport(f"A report about no child cannot be exported to {FORMAT}. {INSTEAD}",
                           "no-child")
    if kind == "private":
        return _private(report)
    return _professional(report)


# --- the two documents ---------------------------------------------------------------------


def _head(report: Mapping[str, Any]) -> dict[str, Any]:
    location = report.get("location") or {}
    number = location.get("municipality_number")
    if not isinstance(number, str) or not re.fullmatch(r"\d{4}", number):
        raise CannotExport(f"This report has no municipality number, which {FORMAT} requires. "
                           f"{INSTEAD}", "no-municipality")
    return {
        "kommunenummer": number,
        "kommunenavn": _line(location.get("municipality_name") or ""),
        "bydelsnummer": _district(location.get("district"), number),
        "bydelsnavn": "",
    }


def _district(district: Any, municipality_number: str) -> str:
    """The report's district ("030101") as KS numbers it ("01"), if it is one of the report's
    own municipality; otherwise "00"."""
    if isinstance(district, str) and is_district_of(district, municipality_number):
        return district[4:]
    return NO_DISTRICT


def _tail(report: Mapping[str, Any]) -> dict[str, Any]:
    return {"sendingstidspunkt": _local_time(report.get("submitted_at")),
            "leveringskanal": DELIVERY_CHANNEL}


def _private(report: Mapping[str, Any]) -> dict[str, Any]:
    reporter = report.get("reporter") or {}
    children = report["children"]
    melder: dict[str, Any] = {"personnavn": _required(reporter.get("name"), "the reporter's name")}
    phone = reporter.get("phone")
    if phone and PHONE_PATTERN.match(phone):
        melder["telefonnummer"] = phone
    barn = []
    child_extras = []
    for index, child in enumerate(children, start=1):
        entry: dict[str, Any] = {"personnavn": child.get("name") or ""}
        if child.get("approximate_age") is not None:
            entry["antattAlder"] = str(child["approximate_age"])
        relation = _relation(child)
        if relation:
            entry["relasjon"] = relation
        entry["adresse"] = _address(child.get("address"),
                                    _routing_postal_code(report, len(children)))
        barn.append(entry)
        child_extras += _child_extras(index, child, {"name", "approximate_age", "relation",
                                                     "relation_other", "address"})
    # The private format has no field for anything below: it all goes into the one text.
    extras = [
        *_opening_extras(report),
        *_concern_extras(_concern(report), mapped=set()),
        *child_extras,
        *_parent_extras(report.get("parents") or {}, mapped=False),
        *_interpreter_extras(report),
    ]
    if phone and "telefonnummer" not in melder:
        extras.append(f"{_KS['reporter_phone']}: {phone}")
    if reporter.get("email"):
        extras.append(f"{_KS['reporter_email']}: {reporter['email']}")
    if reporter.get("safe_contact"):
        # A confidential reporter's safe way to be reached: the format has no field for it.
        extras.append(f"{FIELDS['reporter.safe_contact']}: {reporter['safe_contact']}")
    return {
        **_head(report),
        "privatMelder": melder,
        "privatBarn": barn,
        "melding": _with_extras(_concern(report).get("description"),
                                extras + _closing_extras(report)),
        **_tail(report),
    }


def _professional(report: Mapping[str, Any]) -> dict[str, Any]:
    reporter = report.get("reporter") or {}
    concern = _concern(report)
    parents = report.get("parents") or {}
    children = report["children"]
    email = _required(reporter.get("email"), "the reporter's e-mail address")
    if not EMAIL_PATTERN.match(email):
        raise CannotExport(
            f"The reporter's e-mail address {email!r} does not fit {FORMAT}'s e-mail pattern "
            f"(letters, digits, '.', '-' and '_' only), and changing it would make it someone "
            f"else's. {INSTEAD}", "email-pattern")
    phone = _required(reporter.get("phone"), "the reporter's phone number")
    if not PHONE_PATTERN.match(phone):
        raise CannotExport(f"The reporter's phone number {phone!r} does not fit {FORMAT}'s "
                           f"phone pattern. {INSTEAD}", "phone-pattern")
    workplace: dict[str, Any] = {
        "navn": _line(_required(reporter.get("workplace"), "the reporter's workplace"))}
    if reporter.get("organisation_number"):
        workplace["orgnr"] = _line(reporter["organisation_number"])
    workplace["adresse"] = _address(
        _required(reporter.get("workplace_address"), "the workplace's address"), None)
    melder = {
        "personnavn": _line(_required(reporter.get("name"), "the reporter's name")),
        "rolle": _line(_required(reporter.get("role"), "the reporter's role")),
        "telefonnummer": phone,
        "epost": email,
        "virksomhet": workplace,
    }
    barn = []
    child_extras = []
    for index, child in enumerate(children, start=1):
        entry: dict[str, Any] = {
            # The format requires the number; without one (a birth date, or unborn) it is
            # empty and the birth date is in the text.
            "fnr": child.get("national_id") or "",
            "ufoedt": child.get("unborn") is True,
            "personnavn": _line(child.get("name") or ""),
            "adresse": _address(child.get("address"),
                                _routing_postal_code(report, len(children))),
            "orientert": _told(child.get("told"), f"whether child {index} was told"),
        }
        if child.get("why_not_told"):
            entry["orientertGrunn"] = _line(child["why_not_told"])
        barn.append(entry)
        child_extras += _child_extras(index, child, {"national_id", "unborn", "name",
                                                     "address", "told", "why_not_told"})
    guardians = parents.get("guardians") or []
    if not guardians:
        raise CannotExport(f"{FORMAT} requires the name of at least one parent or guardian, and "
                           f"this report has none. {INSTEAD}", "no-guardian")
    parents_told = _told(parents.get("told"), "whether the parents were told")
    foresatte = []
    for guardian in guardians[:2]:
        person: dict[str, Any] = {"personnavn": _line(guardian.get("name") or "")}
        if guardian.get("phone"):
            person["telefonnummer"] = _line(guardian["phone"])
        person["orientert"] = parents_told
        if parents.get("why_not_told"):
            person["orientertGrunn"] = _line(parents["why_not_told"])
        foresatte.append(person)
    extras = [
        *_opening_extras(report),
        *_concern_extras(concern, mapped={"background", "measures", "other_agencies",
                                          "other_views"}),
        *child_extras,
        *_parent_extras(parents, mapped=True),
        *(f"{_KS['more_guardians']}: {_guardian_text(g)}" for g in guardians[2:]),
        *_closing_extras(report),
    ]

    document: dict[str, Any] = {
        **_head(report),
        "offentligMelder": melder,
        "offentligBarn": barn,
        "foresatte": foresatte,
    }
    interpreter = _interpreter_text(report.get("interpreter") or {})
    if interpreter:
        document["behovForTolk"] = interpreter
    if concern.get("other_agencies"):
        document["andreHjelpeinstanser"] = concern["other_agencies"]
    melding: dict[str, Any] = {
        "melding": _with_extras(concern.get("description"), extras),
        "historie": _history(concern),
    }
    if concern.get("other_views"):
        melding["andreSynspunkter"] = concern["other_views"]
    document["melding"] = melding
    return document | _tail(report)


# --- pieces --------------------------------------------------------------------------------


def _concern(report: Mapping[str, Any]) -> Mapping[str, Any]:
    return report.get("concern") or {}


def _required(value: Any, what: str) -> str:
    if not value:
        raise CannotExport(f"{FORMAT} requires {what}, and this report has none. {INSTEAD}",
                           "missing-reporter")
    return str(value)


def _told(answer: Any, what: str) -> bool:
    if answer not in ("yes", "no"):
        raise CannotExport(f"{FORMAT} requires a yes or no for {what}, and this report has "
                           f"none. {INSTEAD}", "not-told")
    return answer == "yes"


def _line(text: str) -> str:
    """The offentlig schema's `^(.*)$` fields hold one line; a line break would fail it (and a
    case system's import). The words stay; the breaks become spaces."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _local_time(submitted_at: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(submitted_at))
    except ValueError as error:
        raise CannotExport(f"This report's submission time {submitted_at!r} is not a time, and "
                           f"{FORMAT} requires one. {INSTEAD}", "time") from error
    if moment.tzinfo is None:
        raise CannotExport(f"This report's submission time {submitted_at!r} has no time zone, "
                           f"so it cannot be given in Norwegian time. {INSTEAD}", "time")
    return moment.astimezone(NORWAY).replace(tzinfo=None).isoformat(timespec="seconds")


def _address(text: Any, postal_code: str | None) -> dict[str, str]:
    """Our address is one line as the reporter wrote it. A trailing ", 0150 Oslo" is split
    into its fields; otherwise the whole text is the first line (empty when unknown)."""
    text = _line(text or "")
    found = ADDRESS_WITH_POSTAL_CODE.match(text)
    if found:
        return {"adresselinje1": found["street"].strip(), "postnummer": found["code"],
                "poststed": found["town"].strip()}
    address = {"adresselinje1": text}
    if postal_code:
        address["postnummer"] = postal_code
    return address


def _routing_postal_code(report: Mapping[str, Any], child_count: int) -> str | None:
    """The postal code the reporter gave "where the child lives". With several children it is
    not known to be every child's, so it is then only in the text."""
    location = report.get("location") or {}
    if child_count == 1 and location.get("found_by") == "postal_code":
        return location.get("postal_code")
    return None


def _relation(child: Mapping[str, Any]) -> str | None:
    relation, other = child.get("relation"), child.get("relation_other")
    parts = []
    if relation and not (relation == "other" and other):
        parts.append(RELATIONS.get(relation, relation))
    if other:
        parts.append(other)
    return ", ".join(parts) or None


def _interpreter_text(interpreter: Mapping[str, Any]) -> str | None:
    needed, language = interpreter.get("needed"), interpreter.get("language")
    parts = [YES_NO.get(needed, needed)] if needed else []
    if language:
        parts.append(fill(_KS["interpreter_language"], language=language))
    return ", ".join(parts) or None


def _history(concern: Mapping[str, Any]) -> str:
    parts = [concern.get("background") or ""]
    if concern.get("measures"):
        parts.append(f"{FIELDS['concern.measures']}: {concern['measures']}")
    return "\n\n".join(part for part in parts if part)


def _with_extras(description: Any, extras: list[str]) -> str:
    """The reporter's own words first and unchanged, then what has no field of its own."""
    parts = [description] if description else []
    if extras:
        parts.append("\n".join([EXTRAS_HEADING, *extras]))
    return "\n\n".join(parts)


def _labelled(values: Any, labels: Mapping[str, str]) -> str:
    """Our enumerated values in Norwegian; an unknown value is kept as it is, not guessed at."""
    items = values if isinstance(values, list) else [values]
    return "; ".join(labels.get(item, str(item)) for item in items)


def _opening_extras(report: Mapping[str, Any]) -> list[str]:
    extras = []
    if report.get("anonymity") == "confidential":
        extras.append(fill(_KS["important"], text=_NB["notices"]["confidential"]))
    danger = report.get("child_in_danger_now")
    if danger:
        extras.append(fill(_KS["danger"], question=FIELDS["child_in_danger_now"],
                           answer=str(YES_NO.get(danger, danger))))
    return extras


def _child_extras(index: int, child: Mapping[str, Any], mapped: set[str]) -> list[str]:
    lines = []
    if not child.get("name"):
        lines.append(_KS["name_unknown"])
    if not child.get("address"):
        lines.append(_KS["address_unknown"])
    for key, value in child.items():
        if key in mapped or value is None or value is False or value == "":
            continue
        if key == "unborn":
            lines.append(_NB["notices"]["unborn"])
        elif key == "birth_date":
            lines.append(f"{CHILD_LABELS['birth_date']}: {_norwegian_date(value)}")
        elif key in ("told", "relation"):
            labels = YES_NO if key == "told" else RELATIONS
            lines.append(f"{CHILD_LABELS[key]}: {_labelled(value, labels)}")
        else:
            lines.append(f"{CHILD_LABELS.get(key, key)}: {value}")
    if not lines:
        return []
    heading = (fill(_KS["child_named"], number=str(index), name=str(child["name"]))
               if child.get("name") else fill(_KS["child"], number=str(index)))
    return [heading, *(f"  {line}" for line in lines)]


def _norwegian_date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


def _guardian_text(guardian: Mapping[str, Any]) -> str:
    name = str(guardian.get("name") or "")
    if guardian.get("phone"):
        return fill(_KS["guardian_phone"], name=name, phone=str(guardian["phone"]))
    return name


def _parent_extras(parents: Mapping[str, Any], *, mapped: bool) -> list[str]:
    extras = []
    if not mapped:
        guardians = parents.get("guardians") or []
        if guardians:
            extras.append(f"{FIELDS['parents.guardians']}: "
                          + "; ".join(_guardian_text(g) for g in guardians))
        if parents.get("told"):
            extras.append(f"{FIELDS['parents.told']}: {_labelled(parents['told'], YES_NO)}")
        if parents.get("why_not_told"):
            extras.append(f"{FIELDS['parents.why_not_told']}: {parents['why_not_told']}")
    if parents.get("lives_with"):
        extras.append(f"{FIELDS['parents.lives_with']}: {parents['lives_with']}")
    return extras


def _concern_extras(concern: Mapping[str, Any], *, mapped: set[str]) -> list[str]:
    """Everything about the concern except the description and what has its own field."""
    extras = []
    if concern.get("topics"):
        extras.append(f"{FIELDS['concern.topics']}: {_labelled(concern['topics'], TOPICS)}")
    if concern.get("sources"):
        extras.append(f"{FIELDS['concern.sources']}: {_labelled(concern['sources'], SOURCES)}")
    if concern.get("frequency"):
        extras.append(
            f"{FIELDS['concern.frequency']}: {_labelled(concern['frequency'], FREQUENCIES)}")
    if concern.get("since"):
        extras.append(f"{FIELDS['concern.since']}: {concern['since']}")
    if concern.get("child_views"):
        extras.append(f"{FIELDS['concern.child_views']}: {concern['child_views']}")
    for key in ("background", "measures", "other_agencies", "other_views"):
        if key not in mapped and concern.get(key):
            extras.append(f"{FIELDS['concern.' + key]}: {concern[key]}")
    return extras


def _interpreter_extras(report: Mapping[str, Any]) -> list[str]:
    text = _interpreter_text(report.get("interpreter") or {})
    return [f"{FIELDS['interpreter.needed']}: {text}"] if text else []


def _closing_extras(report: Mapping[str, Any]) -> list[str]:
    location = report.get("location") or {}
    extras = []
    found_by, postal_code = location.get("found_by"), location.get("postal_code")
    if found_by == "postal_code" and postal_code:
        extras.append(fill(_KS["found_by_postal_code"], postal_code=str(postal_code)))
    else:
        if found_by:
            extras.append(FOUND_BY.get(found_by) or fill(_KS["found_by_other"],
                                                         found_by=str(found_by)))
        if postal_code:
            extras.append(f"{_KS['postal_code']}: {postal_code}")
    language = report.get("language")
    if language:
        extras.append(fill(_KS["language"], language=str(LANGUAGES.get(language, language))))
    return extras
