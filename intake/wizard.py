"""The wizard's domain logic: saving a step's answers, and sending the finished report.

Plain functions over a draft, a session and formdata; the views only parse the request, call
one of these, and render or redirect.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from database import utcnow
from intake import journey, report
from intake.bidi import one_line
from intake.drafts import DraftData
from intake.forms import FORMS, StepContext, StepForm
from intake.identifiers import ascii_digits
from routing import alerts, directory, receipt_status
from routing.acceptance import accept
from routing.directory import NORWAY
from routing.models import Envelope, Municipality

# Steps whose answer settles where the report goes.
RESOLVING = {"location-confirm", "municipality", "own-municipality"}
LOCATION_STEPS = ("location-confirm", "municipality", "own-municipality", "district")


def _rules_fingerprint() -> str:
    """A digest of the wizard's code (forms, journey, this module): a deploy that changes what
    a valid answer is changes it, without anyone having to remember to bump a number."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


RULES = _rules_fingerprint()


def recheck_stamp(now: datetime | None = None) -> str:
    """What a re-validation of every complete step depends on besides the answers: the rules
    and the Norwegian day (a date of birth is checked against today)."""
    return f"{RULES}:{(now or utcnow()).astimezone(NORWAY).date().isoformat()}"


# In a step's reads: its form consulted the municipality list, which can change between saves
# without any answer changing; such a step is validated again at every save.
DIRECTORY = "(directory)"
# In a step's reads, with a postal code and what the directory said of it: while the directory
# says the same of it, the verdict holds (a location step is not validated again at every save).
POSTAL_CODE_READ = "(postal-code)"
# In a step's reads: its form looked at every answer (iterated over them).
EVERY_STEP = "*"


class ReadAnswers(Mapping[str, Mapping[str, Any]]):
    """The draft's answers as one step's form sees them, noting which steps' answers it reads,
    whether by a look-up of its own or through the journey's functions."""

    def __init__(self, answers: Mapping[str, Mapping[str, Any]]) -> None:
        self._answers = answers
        self.steps: set[str] = set()

    def __getitem__(self, step: str) -> Mapping[str, Any]:
        self.steps.add(step)
        return self._answers[step]

    def get(self, step: str, default: Any = None) -> Any:
        self.steps.add(step)
        return self._answers.get(step, default)

    def __contains__(self, step: object) -> bool:
        self.steps.add(str(step))
        return step in self._answers

    def __iter__(self) -> Iterator[str]:
        self.steps.add(EVERY_STEP)
        return iter(self._answers)

    def __len__(self) -> int:
        self.steps.add(EVERY_STEP)
        return len(self._answers)

    def __bool__(self) -> bool:
        # StepContext asks `answers or {}`. Whether there is any answer at all changes only
        # from none to some (answers go only with a send or a change outside a save), so only
        # "none" is a verdict that rests on every step.
        if not self._answers:
            self.steps.add(EVERY_STEP)
            return False
        return True


class _DirectoryList(Sequence[tuple[str, str]]):
    """The municipality list, noting that a form used it."""

    def __init__(self, items: list[tuple[str, str]], reads: ReadAnswers) -> None:
        self._items = items
        self._reads = reads

    def __getitem__(self, index: Any) -> Any:
        self._reads.steps.add(DIRECTORY)
        return self._items[index]

    def __len__(self) -> int:
        self._reads.steps.add(DIRECTORY)
        return len(self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self._reads.steps.add(DIRECTORY)
        return iter(self._items)


def context_for(
    session: Session, draft: DraftData, step: str = "", reads: ReadAnswers | None = None
) -> StepContext:
    """What the step's form may know besides its own answers. With `reads`, the form sees the
    answers through it, and what it consults is noted there."""
    answers: Mapping[str, Mapping[str, Any]] = draft.answers if reads is None else reads
    parsed = journey.parse_child_step(step)
    name = ""
    names: dict[str, str] = {}
    if step == "district":
        number = journey.municipality_number(answers)
        municipality = session.get(Municipality, number) if number else None
        name = municipality.name if municipality else ""
        names = directory.district_names(session, number) if number else {}
    choices: Sequence[tuple[str, str]] = municipality_choices(session)
    if reads is not None:
        choices = _DirectoryList(list(choices), reads)

    def look_up(code: str) -> directory.PostalLookup:
        found = look_up_postal_code(session, code)
        if reads is not None:
            reads.steps.add(_postal_code_read(code, found))
        return found

    return StepContext(
        answers=answers,
        look_up_postal_code=look_up,
        municipality_choices=choices,
        child_index=parsed[0] if parsed else 0,
        municipality_name=name,
        district_names=names,
    )


# The municipality list, per process: every step's form gets it (the location steps offer it),
# and reading and sorting 357 rows for every request was half of each page's cost. The
# directory changes once a year by `flask directory load`; a process sees it within a minute.
CHOICES_TTL_SECONDS = 60.0
_choices: tuple[float, list[tuple[str, str]]] | None = None
# The municipalities' names, read with the list: "Send" names the municipality in the report.
_names: dict[str, str] = {}


# Postal codes the same way: the location step's verdict rests on one, so it is validated again
# at every save (see _recheck_others), and two ORM look-ups per save were a tenth of a wizard
# request's CPU. Keyed by database too (tests give each their own); at most the 10,000 codes of
# four digits. The municipality in a look-up is only read for its number.
_postal_codes: tuple[float, dict[tuple[str, str], directory.PostalLookup]] = (0.0, {})


def look_up_postal_code(session: Session, code: str) -> directory.PostalLookup:
    global _postal_codes
    now = time.monotonic()
    if now - _postal_codes[0] > CHOICES_TTL_SECONDS:
        _postal_codes = (now, {})
    key = (_database_url(session), code)
    found = _postal_codes[1].get(key)
    if found is None:
        found = _postal_codes[1][key] = directory.look_up_postal_code(session, code)
    return found


def _database_url(session: Session) -> str:
    # A request's session that nothing has used yet says so without being opened for it
    # (extensions.db_session_when_used): a step's save then needs none.
    url = getattr(session, "database_url", None)
    return url if isinstance(url, str) else str(session.get_bind().engine.url)


def _postal_code_read(code: str, found: directory.PostalLookup) -> str:
    numbers = ",".join(municipality.number for municipality in found.municipalities)
    return f"{POSTAL_CODE_READ}|{code}|{found.kind}|{numbers}|{found.place}"


def _postal_codes_hold(session: Session, reads: list[str]) -> bool:
    """Whether the directory says now what it said of each postal code among `reads`."""
    for read in reads:
        if read.startswith(POSTAL_CODE_READ):
            code = read.split("|", 2)[1]
            if _postal_code_read(code, look_up_postal_code(session, code)) != read:
                return False
    return True


def municipality_choices(session: Session) -> list[tuple[str, str]]:
    global _choices, _names
    now = time.monotonic()
    if _choices is None or now - _choices[0] > CHOICES_TTL_SECONDS:
        municipalities = directory.all_municipalities(session)
        # The county is shown because two pairs of municipalities share a name (Herøy, Våler).
        _choices = (now, [(m.number, f"{m.name} ({m.county_name})") for m in municipalities])
        _names = {m.number: m.name for m in municipalities}
    return _choices[1]


def municipality_name(session: Session, number: str) -> str | None:
    """The municipality's name, from the list every step reads anyway; the directory itself
    for a number the list does not have (yet)."""
    municipality_choices(session)
    return _names.get(number) or directory.municipality_name(session, number)


def form_for(
    session: Session, step: str, draft: DraftData, formdata: Any = None,
    reads: ReadAnswers | None = None,
) -> StepForm:
    """The step's form, filled from `formdata` or else from what the draft holds."""
    if formdata is None:
        formdata = MultiDict(as_pairs(draft.answers.get(step, {})))
    return FORMS[journey.kind(step)](formdata, context_for(session, draft, step, reads))


def validated(
    session: Session, step: str, draft: DraftData, formdata: Any = None
) -> tuple[StepForm, bool]:
    """The step's form, validated, noting in the draft which other steps' answers (and whether
    the directory) its verdict rests on: while those stay as they are, so does the verdict."""
    reads = ReadAnswers(draft.answers)
    form = form_for(session, step, draft, formdata, reads)
    valid = form.validate()
    draft.reads[step] = sorted(reads.steps - {step})
    return form, valid


def raw_answers(form: StepForm, formdata: MultiDict[str, str]) -> dict[str, Any]:
    """What the reporter sent for this step's fields, as sent, valid or not; one-line fields
    without the characters that would let them disguise themselves (intake/bidi.py)."""
    kept: dict[str, Any] = {}
    for field in form:
        values = formdata.getlist(field.name)
        if field.type == "StringField":
            values = [one_line(value) for value in values]
        if len(values) > 1 or (values and field.type == "CheckboxesField"):
            kept[field.name] = values
        elif values:
            kept[field.name] = values[0]
    return kept


@dataclass
class Saved:
    form: StepForm
    valid: bool
    stay: bool = False  # show the same step again (after removing a child)


def save_step(
    session: Session, draft: DraftData, step: str, formdata: MultiDict[str, str]
) -> Saved:
    """Store the step's input as typed, validate it, and re-check the steps it may affect.

    Input is stored whether or not it is valid, so nothing typed is lost to an error, to
    "previous step" or to the language switch; only valid input marks the step complete.
    """
    action = formdata.get("action", "")
    # Any change below voids the last full re-check, until _recheck_others makes a new one.
    stamp = recheck_stamp()
    # While the last save's re-check holds (same rules, same day, nothing changed outside a
    # save since), each complete step's reads are known, and only the steps that read this
    # one need validating again.
    trusted = draft.checked == stamp
    unchanged = step == "check" and trusted
    draft.checked = ""
    if step == "location" and action in ("unknown-postal-code", "unknown-where"):
        mode = "list" if action == "unknown-postal-code" else "where_was"
        _location_changed(draft, {"mode": mode})
        draft.answers[step] = {"mode": mode}
        _mark(draft, step, True)
        return Saved(form_for(session, step, draft), True)
    if step == "location" and action == "outside-municipality":
        outside = _outside_municipality(session, draft, formdata)
        if outside is not None:
            return outside
    if (step == "children" and action.startswith("remove-")
            and action[7:].isascii() and action[7:].isdigit()):
        remove_child(draft, int(action[7:]))
        _mark(draft, step, False)
        return Saved(form_for(session, step, draft), False, stay=True)

    form, valid = validated(session, step, draft, formdata)
    before = dict(draft.answers.get(step, {}))
    draft.answers[step] = {**raw_answers(form, formdata), **(form.derived() if valid else {})}
    if step == "location":
        _location_changed(draft, draft.answers[step], before)
    if step == "children" and "count" in before:
        draft.answers[step]["count"] = before["count"]
    if valid and step in RESOLVING:
        _municipality_settled(session, draft, step)
    if valid and step == "district":
        draft.answers[step]["municipality"] = journey.municipality_number(draft.answers)
        draft.answers[step]["receiving"] = receiving_status(
            session, draft.answers, district=journey.district(draft.answers))
    _mark(draft, step, valid)
    if valid and step == "children" and draft.answers[step].get("add_another") == "yes":
        _add_child(draft)
    if unchanged:
        # Sending: nothing but the declaration changed since the last step's save re-checked
        # every step under these same rules today, so that check still holds.
        draft.checked = stamp
    else:
        _recheck_others(session, draft, step, only_readers=trusted)
    return Saved(form, valid)


def _outside_municipality(
    session: Session, draft: DraftData, formdata: MultiDict[str, str]
) -> Saved | None:
    """"Choose the municipality from the list" under a postal code on Svalbard or Jan Mayen:
    the list, keeping the postal code and the area for the report. The server looks the code
    up again; any other code is saved as an ordinary answer (None)."""
    typed = formdata.get("postal_code", "")
    code = directory.normalise_postal_code(ascii_digits(typed))
    found = directory.look_up_postal_code(session, code) if len(code) == 4 else None
    if found is None or found.kind is not directory.PostalCodeKind.NOT_A_MUNICIPALITY:
        return None
    _location_changed(draft, {"mode": "list"})
    draft.answers["location"] = {"mode": "list", "postal_code": typed,
                                 "postal_code_normalised": code, "area": found.place}
    _mark(draft, "location", True)
    return Saved(form_for(session, "location", draft), True)


def _municipality_settled(session: Session, draft: DraftData, step: str) -> None:
    """The answer settling the municipality stores what the journey needs to know of it: can
    its service receive, and which of its districts have a service of their own."""
    answers = draft.answers[step]
    answers["receiving"] = receiving_status(session, draft.answers)
    number = journey.municipality_number(draft.answers)
    answers["districts"] = (
        directory.districts_served(session, number, utcnow().astimezone(NORWAY).date())
        if number and number != "unknown" else []
    )
    if journey.answer(draft.answers, "district", "municipality") != number:
        # A district answered for another municipality (even "I do not know") is asked again.
        _mark(draft, "district", False)


def receiving_status(
    session: Session, answers: Mapping[str, Mapping[str, Any]], district: str | None = None
) -> str:
    """Whether the service that gets the report (the district's, when it is given and has one
    of its own; else the municipality's) can receive a report through this website now."""
    number = journey.municipality_number(answers)
    if not number or number == "unknown":
        return "yes"
    now = utcnow()
    found = directory.service_and_key(session, number, now, district)
    if found is None:
        return "no-service"
    if found.key_id is None:
        # The reporter is shown the service's phone number; the operators must hear of it.
        alerts.alert_no_key(session, found.service_id, now)
        return "no-key"
    return "yes"


def _location_changed(
    draft: DraftData, new: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> None:
    """A new postal code or a new way of finding the municipality means the reporter must
    confirm or choose again: an old confirmation must not route the report somewhere new."""
    before = before if before is not None else draft.answers.get("location", {})
    keys = ("mode", "suggested")
    if any(before.get(key) != new.get(key) for key in keys):
        for name in LOCATION_STEPS:
            if name in draft.done:
                draft.done.remove(name)


def _mark(draft: DraftData, step: str, valid: bool) -> None:
    if valid and step not in draft.done:
        draft.done.append(step)
    if not valid and step in draft.done:
        draft.done.remove(step)


def _add_child(draft: DraftData) -> None:
    count = journey.child_count(draft.answers)
    if count >= journey.MAX_CHILDREN:
        return
    draft.answers["children"] = {"count": str(count + 1)}
    _mark(draft, "children", False)


def remove_child(draft: DraftData, index: int) -> None:
    """Remove child `index`, moving the later children's answers down one place."""
    count = journey.child_count(draft.answers)
    if count <= 1 or not 1 <= index <= count:
        return
    kinds = [step.name for step in journey.PER_CHILD]
    for position in range(index, count + 1):
        for kind in kinds:
            current = journey.child_step(position, kind)
            following = journey.child_step(position + 1, kind)
            was_done = following in draft.done
            if current in draft.done:
                draft.done.remove(current)
            draft.answers.pop(current, None)
            if position < count and following in draft.answers:
                draft.answers[current] = draft.answers[following]
                if was_done:
                    draft.done.append(current)
    draft.answers.setdefault("children", {})["count"] = str(count - 1)


def _recheck_others(
    session: Session, draft: DraftData, changed: str, only_readers: bool = False
) -> None:
    """An answer can make another insufficient (a private reporter who becomes a professional
    owes more details): such steps are no longer complete, so the journey walks the reporter
    through them again before check-your-answers.

    With `only_readers`, a complete step is validated again only if its form read the changed
    step's answers (or all of them, or the directory) when it was last validated: a verdict
    that read nothing that changed still holds, so a save costs the same late in a report as
    early; a postal code it looked up counts as unchanged while the directory says the same of
    it. Otherwise (a new day, a deploy, a change made outside a save) every one is."""
    for name in list(draft.done):
        if name in (changed, "check", "emergency-call") or name not in draft.answers:
            continue
        if name == "location" and draft.answers[name].get("mode") in ("list", "where_was"):
            continue
        reads = draft.reads.get(name)
        if only_readers and reads is not None and not (
            {changed, EVERY_STEP, DIRECTORY} & set(reads)
        ) and _postal_codes_hold(session, reads):
            continue
        if not validated(session, name, draft)[1]:
            draft.done.remove(name)
    if changed != "check" and "check" in draft.done:
        draft.done.remove("check")
    draft.checked = recheck_stamp()


def send(
    session: Session,
    draft: DraftData,
    *,
    language: str,
    review_days: int,
    now: datetime | None = None,
) -> Envelope:
    """Build the report from the answers that count, then route, seal and accept it.

    The caller has checked `journey.is_complete`; the municipality is recomputed here from the
    answers, never taken from the request.
    """
    now = now or utcnow()
    counted = journey.counted(draft.answers, draft.done)
    number = journey.municipality_number(counted)
    name = municipality_name(session, number) if number else None
    if number is None or name is None:
        raise ValueError("the journey is complete but names no known municipality")
    district = journey.district(counted)
    district_name = directory.district_name(session, district)
    document = report.build(
        draft.answers,
        draft.done,
        language=language,
        submitted_at=now,
        municipality_name=name,
        district_name=district_name,
    )
    status_code = receipt_status.new_code()
    envelope = accept(
        session, report.encode(document), number, review_days=review_days, now=now,
        district=district, status_code_hash=status_code.digest,
        # The law owes a professional more feedback (routing/feedback.py); the one fact about
        # the reporter kept outside the sealed report.
        reporter_has_duty=journey.reporter_type(counted) == "professional",
    )
    draft.answers = {}
    draft.done = []
    draft.reads = {}
    # The code lives on only here, in the draft the reporter's cookie opens, until it expires;
    # the district's name too, for the receipt, as the answers are gone.
    draft.sent = {"envelope_id": envelope.id, "status_code": status_code.shown,
                  "district": district_name or ""}
    return envelope


def as_pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        elif value is not None:
            pairs.append((key, str(value)))
    return pairs
