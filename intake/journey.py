"""The journey: the wizard's steps as data, and pure functions of the answers.

Which steps apply, which comes next, whether a step may be visited, and which answers count are
all computed here from the stored answers, on every request; nothing the browser says about the
journey is trusted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Answers = Mapping[str, Mapping[str, Any]]


def answer(answers: Answers, step: str, field: str) -> Any:
    return answers.get(step, {}).get(field)


def _always(_answers: Answers) -> bool:
    return True


def _in_danger(answers: Answers) -> bool:
    return answer(answers, "emergency", "answer") in ("yes", "unsure")


def _postal_code_known(answers: Answers) -> bool:
    return bool(answer(answers, "location", "suggested")) and not answer(
        answers, "location", "unknown"
    )


def _needs_municipality_list(answers: Answers) -> bool:
    if answer(answers, "location", "unknown"):
        return True
    return _postal_code_known(answers) and answer(answers, "location-confirm", "confirmed") == "no"


@dataclass(frozen=True)
class Step:
    name: str
    applies: Callable[[Answers], bool] = _always


STEPS: tuple[Step, ...] = (
    Step("emergency"),
    Step("emergency-call", _in_danger),
    Step("reporter-type"),
    Step("child"),
    Step("location"),
    Step("location-confirm", _postal_code_known),
    Step("municipality", _needs_municipality_list),
    Step("concern"),
    Step("about-you"),
    Step("check"),
)
STEP_NAMES = frozenset(step.name for step in STEPS)


def path(answers: Answers) -> list[str]:
    """The steps this reporter walks, given what they have answered so far."""
    return [step.name for step in STEPS if step.applies(answers)]


def next_step(answers: Answers, done: set[str] | list[str]) -> str:
    """The first step on the path that is not yet complete ("check" when all are)."""
    for name in path(answers):
        if name not in done:
            return name
    return "check"


def can_visit(step: str, answers: Answers, done: set[str] | list[str]) -> bool:
    """A step may be shown if it is on the path and every step before it is complete."""
    steps = path(answers)
    if step not in steps:
        return False
    return all(name in done for name in steps[: steps.index(step)])


def following(step: str, answers: Answers) -> str:
    steps = path(answers)
    index = steps.index(step)
    return steps[min(index + 1, len(steps) - 1)]


def previous(step: str, answers: Answers) -> str | None:
    steps = path(answers)
    if step not in steps or steps.index(step) == 0:
        return None
    return steps[steps.index(step) - 1]


def counted(answers: Answers, done: set[str] | list[str]) -> dict[str, Mapping[str, Any]]:
    """The answers that count: complete steps on the current path. Answers left on a branch the
    reporter turned away from stay in the draft (they may turn back) but count for nothing."""
    return {name: answers[name] for name in path(answers) if name in done and name in answers}


def is_complete(answers: Answers, done: set[str] | list[str]) -> bool:
    return all(name in done for name in path(answers) if name != "check")


def municipality_number(answers: Answers) -> str | None:
    """Where the report goes: the municipality the reporter confirmed or chose."""
    if _needs_municipality_list(answers):
        return answer(answers, "municipality", "municipality") or None
    if answer(answers, "location-confirm", "confirmed") == "yes":
        return answer(answers, "location", "suggested")
    return None
