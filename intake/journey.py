"""The journey: the wizard's steps as data, and pure functions of the answers.

Which steps apply, which comes next, whether a step may be visited, and which answers count are
all computed here from the stored answers, on every request; nothing the browser says about the
journey is trusted. Reporter types: `private` (named, or anonymous by the anonymity step),
`professional` (never anonymous) and `child` (a child or young person reporting about themselves).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

Answers = Mapping[str, Mapping[str, Any]]
MAX_CHILDREN = 10
CHILD_STEP = re.compile(r"^child-(\d{1,2})-([a-z]+)$")


_NO_ANSWERS: Mapping[str, Any] = MappingProxyType({})


def answer(answers: Answers, step: str, field: str) -> Any:
    return answers.get(step, _NO_ANSWERS).get(field)


def reporter_type(answers: Answers) -> str | None:
    return answer(answers, "reporter-type", "reporter_type")


def _is(*types: str) -> Callable[[Answers], bool]:
    return lambda answers: reporter_type(answers) in types


def _not_child(answers: Answers) -> bool:
    return reporter_type(answers) != "child"


def _always(_answers: Answers) -> bool:
    return True


def _in_danger(answers: Answers) -> bool:
    return answer(answers, "emergency", "answer") in ("yes", "unsure")


def location_mode(answers: Answers) -> str:
    """How the reporter is finding the municipality: 'postal_code', 'list' (does not know the
    postal code) or 'where_was' (does not know where the child lives)."""
    return answer(answers, "location", "mode") or "postal_code"


# A postal code on Svalbard or Jan Mayen (not municipalities): the reporter then chooses the
# municipality where the family is registered, and the report says where the child lives.
OUTSIDE_MUNICIPALITIES = {"Svalbard": "lives_on_svalbard", "Jan Mayen": "lives_on_jan_mayen"}


def outside_area(answers: Answers) -> str | None:
    """'Svalbard' or 'Jan Mayen' when the reporter gave a postal code there and chose the
    municipality from the list."""
    area = answer(answers, "location", "area")
    if location_mode(answers) == "list" and area in OUTSIDE_MUNICIPALITIES:
        return str(area)
    return None


def _postal_code_known(answers: Answers) -> bool:
    return _location(answers)[0]


def _needs_list(answers: Answers) -> bool:
    return _location(answers)[1]


def _needs_own_municipality(answers: Answers) -> bool:
    return _location(answers)[2]


def _resolving_step(answers: Answers) -> str | None:
    """The step whose answer settled the municipality, if one has."""
    return _location(answers)[3]


def _location(answers: Answers) -> tuple[bool, bool, bool, str | None]:
    """Whether the postal code found a municipality, whether the reporter must choose it from
    the list, whether they must give their own instead, and the step that settled it.

    Worked out together, reading each answer once: every step's `applies` asks some of them,
    and the path is worked out several times a request."""
    location = answers.get("location", _NO_ANSWERS)
    mode = location.get("mode") or "postal_code"
    postal_code_known = mode == "postal_code" and bool(location.get("suggested"))
    confirmed = answers.get("location-confirm", _NO_ANSWERS).get("confirmed")
    needs_list = mode in ("list", "where_was") or (postal_code_known and confirmed == "no")
    needs_own = needs_list and (
        answers.get("municipality", _NO_ANSWERS).get("municipality") == "unknown")
    if needs_own:
        resolving: str | None = "own-municipality"
    elif needs_list:
        resolving = "municipality"
    elif postal_code_known and confirmed == "yes":
        resolving = "location-confirm"
    else:
        resolving = None
    return postal_code_known, needs_list, needs_own, resolving


def districts(answers: Answers) -> list[str]:
    """The districts (bydeler) of the report's municipality that a service of their own
    covers: the server stores them beside the answer that settled the municipality."""
    step = _resolving_step(answers)
    found = answer(answers, step, "districts") if step else None
    if not isinstance(found, list):
        return []
    return [number for number in found if isinstance(number, str)]


def _asks_district(answers: Answers) -> bool:
    return bool(districts(answers))


def district(answers: Answers) -> str | None:
    """The district the report goes to: one the journey offered and the reporter chose; None
    when it was not asked or the reporter does not know it (the municipality's default)."""
    chosen = answer(answers, "district", "district")
    return chosen if chosen in districts(answers) else None


def _anonymous(answers: Answers) -> bool:
    return reporter_type(answers) == "private" and (
        answer(answers, "anonymity", "anonymity") == "anonymous"
    )


def _asks_about_reporter(answers: Answers) -> bool:
    return reporter_type(answers) is not None and not _anonymous(answers)


@dataclass(frozen=True)
class Step:
    name: str
    applies: Callable[[Answers], bool] = _always
    section: str = ""


# Before the children: who is reporting and where the report goes.
OPENING: tuple[Step, ...] = (
    Step("emergency"),
    Step("emergency-call", _in_danger),
    Step("reporter-type"),
    Step("location", section="location"),
    Step("location-confirm", _postal_code_known, section="location"),
    Step("municipality", _needs_list, section="location"),
    Step("own-municipality", _needs_own_municipality, section="location"),
    # After the municipality, because only some municipalities have districts served apart.
    Step("district", _asks_district, section="location"),
    Step("anonymity", _is("private"), section="you"),
)
# Asked once per child (a child reporting about themselves is the one child).
PER_CHILD: tuple[Step, ...] = (
    Step("name", section="child"),
    Step("age", section="child"),
    Step("address", _not_child, section="child"),
    Step("relation", _is("private"), section="child"),
    Step("told", _is("professional"), section="child"),
)
CLOSING: tuple[Step, ...] = (
    Step("children", _not_child, section="child"),
    Step("parents", _not_child, section="parents"),
    Step("parents-told", _is("professional"), section="parents"),
    Step("topics", section="concern"),
    Step("concern", section="concern"),
    Step("source", _not_child, section="concern"),
    Step("timing", section="concern"),
    Step("background", _is("professional"), section="concern"),
    Step("child-views", section="concern"),
    Step("interpreter", _not_child, section="concern"),
    Step("about-you", _asks_about_reporter, section="you"),
    Step("check"),
)
# Where a report cannot go: the municipality's service is not connected (or has no key).
NOT_RECEIVING = "not-connected"
FIXED_NAMES = frozenset(s.name for s in OPENING + CLOSING) | {NOT_RECEIVING}
PER_CHILD_NAMES = frozenset(s.name for s in PER_CHILD)


def child_step(index: int, kind: str) -> str:
    return f"child-{index}-{kind}"


def parse_child_step(step: str) -> tuple[int, str] | None:
    found = CHILD_STEP.match(step)
    if not found or found.group(2) not in PER_CHILD_NAMES:
        return None
    index = int(found.group(1))
    return (index, found.group(2)) if 1 <= index <= MAX_CHILDREN else None


def kind(step: str) -> str:
    """The form a step uses: `child-2-age` uses the `age` form."""
    parsed = parse_child_step(step)
    return f"child-{parsed[1]}" if parsed else step


def is_step(step: str) -> bool:
    return step in FIXED_NAMES or parse_child_step(step) is not None


def child_count(answers: Answers) -> int:
    if reporter_type(answers) == "child":
        return 1
    count = str(answer(answers, "children", "count") or "")
    return max(1, min(MAX_CHILDREN, int(count))) if count.isascii() and count.isdigit() else 1


def receiving(answers: Answers) -> str | None:
    """'yes', 'no-service' or 'no-key' once the municipality is known (set by the server).

    Once the reporter has named the district, it is that district's service that must be able
    to receive; the server stores the answer for the municipality it was given for, so a
    district answered for another municipality says nothing here."""
    step = _resolving_step(answers)
    if step is None:
        return None
    if _asks_district(answers) and (
        answer(answers, "district", "municipality") == municipality_number(answers)
    ):
        told = answer(answers, "district", "receiving")
        if told:
            return str(told)
    return answer(answers, step, "receiving")


def path(answers: Answers) -> list[str]:
    """The steps this reporter walks, given what they have answered so far."""
    return list(_steps(answers))


# Every answer the path depends on: the `applies` of each step, where the report goes and
# whether its service can receive (`receiving`), how many children. A request works the path
# out several times, and a report's thousands of requests walk a few dozen paths, so each is
# worked out once per worker for the values these answers hold. A step whose `applies` reads
# another answer must add it here: tests/unit/test_journey.py checks that nothing else is read.
PATH_INPUTS: tuple[tuple[str, str], ...] = (
    ("emergency", "answer"),
    ("reporter-type", "reporter_type"),
    ("location", "mode"),
    ("location", "suggested"),
    ("location-confirm", "confirmed"),
    ("location-confirm", "districts"),
    ("location-confirm", "receiving"),
    ("municipality", "municipality"),
    ("municipality", "districts"),
    ("municipality", "receiving"),
    ("own-municipality", "municipality"),
    ("own-municipality", "districts"),
    ("own-municipality", "receiving"),
    ("district", "municipality"),
    ("district", "receiving"),
    ("anonymity", "anonymity"),
    ("children", "count"),
)


def _steps(answers: Answers) -> tuple[str, ...]:
    try:
        key = tuple(_frozen(answers.get(step, _NO_ANSWERS).get(field))
                    for step, field in PATH_INPUTS)
    except _NotText:
        return _worked_out(answers)
    return _path_for(key)


class _NotText(Exception):
    pass


def _frozen(value: Any) -> str | tuple[str, ...] | None:
    # The server stores these answers as text or lists of text. Anything else is worked out
    # uncached: as a key, 1, 1.0 and True would be one.
    if value is None or type(value) is str:
        return value
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    raise _NotText


@functools.lru_cache(maxsize=1024)
def _path_for(key: tuple[Any, ...]) -> tuple[str, ...]:
    answers: dict[str, dict[str, Any]] = {}
    for (step, field), value in zip(PATH_INPUTS, key, strict=True):
        if value is not None:
            answers.setdefault(step, {})[field] = list(value) if isinstance(value, tuple) else value
    return _worked_out(answers)


def _worked_out(answers: Answers) -> tuple[str, ...]:
    steps = [step.name for step in OPENING if step.applies(answers)]
    if receiving(answers) not in (None, "yes"):
        # The journey ends at a page with the service's contact details instead.
        cut = steps.index("anonymity") if "anonymity" in steps else len(steps)
        return (*steps[:cut], NOT_RECEIVING)
    for index in range(1, child_count(answers) + 1):
        steps += [child_step(index, s.name) for s in PER_CHILD if s.applies(answers)]
    steps += [step.name for step in CLOSING if step.applies(answers)]
    return tuple(steps)


def next_step(answers: Answers, done: set[str] | list[str]) -> str:
    """The first step on the path that is not yet complete ("check" when all are)."""
    steps = _steps(answers)
    for name in steps:
        if name not in done:
            return name
    return steps[-1]


def can_visit(step: str, answers: Answers, done: set[str] | list[str]) -> bool:
    """A step may be shown if it is on the path and every step before it is complete."""
    steps = _steps(answers)
    if step not in steps:
        return False
    return all(name in done for name in steps[: steps.index(step)])


def following(step: str, answers: Answers) -> str:
    steps = _steps(answers)
    index = steps.index(step)
    return steps[min(index + 1, len(steps) - 1)]


def previous(step: str, answers: Answers) -> str | None:
    steps = _steps(answers)
    if step not in steps or steps.index(step) == 0:
        return None
    return steps[steps.index(step) - 1]


# Follow-up questions, by step kind: each counts only after the answer it follows up. Without
# JavaScript the follow-up is always on the page, so "If yes: which language?" can arrive
# filled in beside "No": that text belongs to a branch the reporter turned away from.
FOLLOW_UPS: dict[str, dict[str, tuple[str, str]]] = {
    "child-relation": {"relation_other": ("relation", "other")},
    "child-told": {"why_not": ("told", "no")},
    "parents-told": {"why_not": ("told", "no")},
    "interpreter": {"language": ("needed", "yes")},
}


def follow_up_applies(step: str, field: str, values: Mapping[str, Any]) -> bool:
    """Whether `field` of `step` was asked, given the step's other answers."""
    condition = FOLLOW_UPS.get(kind(step), {}).get(field)
    return condition is None or values.get(condition[0]) == condition[1]


def counted(answers: Answers, done: set[str] | list[str]) -> dict[str, Mapping[str, Any]]:
    """The answers that count: complete steps on the current path, without follow-ups to an
    answer not given. Answers left on a branch the reporter turned away from stay in the draft
    (they may turn back) but count for nothing."""
    return {
        name: {field: value for field, value in answers[name].items()
               if follow_up_applies(name, field, answers[name])}
        for name in _steps(answers) if name in done and name in answers
    }


def is_complete(answers: Answers, done: set[str] | list[str]) -> bool:
    steps = _steps(answers)
    return steps[-1] == "check" and all(name in done for name in steps if name != "check")


def municipality_number(answers: Answers) -> str | None:
    """Where the report goes: the municipality the reporter confirmed or chose, or, when they
    know neither where the child lives nor where it was, their own."""
    if _needs_own_municipality(answers):
        return answer(answers, "own-municipality", "municipality") or None
    if _needs_list(answers):
        return answer(answers, "municipality", "municipality") or None
    if answer(answers, "location-confirm", "confirmed") == "yes":
        return answer(answers, "location", "suggested")
    return None


def routed_by(answers: Answers) -> str:
    """How the municipality was found, for the team: the report says so."""
    if _needs_own_municipality(answers):
        return "reporter_municipality"
    if location_mode(answers) == "where_was":
        return "where_the_child_was"
    area = outside_area(answers)
    if area is not None:
        return OUTSIDE_MUNICIPALITIES[area]
    if _needs_list(answers):
        return "chosen_from_list"
    return "postal_code"


def section_of(step: str) -> str:
    for candidate in OPENING + PER_CHILD + CLOSING:
        if candidate.name == step or (parse_child_step(step) or (0, ""))[1] == candidate.name:
            return candidate.section
    return ""
