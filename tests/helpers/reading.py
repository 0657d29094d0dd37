"""What the intake team reads, checked the same way on the page and in `flask inbox open`'s text:
the reports of each kind of reporter, every enumerated value of concern-report/1 (from its JSON
Schema, docs/concern-report-1.schema.json), and the check that no code or field name of the
document is what a reader sees."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from inbox.report_labels import table
from tests.helpers import fiks

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "concern-report-1.schema.json").read_text("utf-8"))
LANGUAGES = ("nb", "nn", "en")
SUMMER = "2026-07-01T21:59:30.123456Z"  # 23:59 in Oslo, in summer time
SUMMER_OSLO = "01.07.2026 23:59"
HIDDEN_NAME = "Ali\u202eecilA Nord\u200bmann"  # displays as "AliAlice Nordmann" if not shown
HIDDEN_NAME_SHOWN = "Ali⟨U+202E⟩ecilA Nord⟨U+200B⟩mann"


# --- the schema's codes and names --------------------------------------------------------------


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        found: Any = SCHEMA
        for part in node["$ref"].lstrip("#/").split("/"):
            found = found[part]
        return dict(found)
    return node


def walk_schema(node: dict[str, Any] | None = None, path: str = "") -> Iterator[
        tuple[str, dict[str, Any]]]:
    """(path, schema) for every place in the document, `children[]` for array items."""
    node = _resolve(SCHEMA if node is None else node)
    yield path, node
    for name, child in node.get("properties", {}).items():
        yield from walk_schema(child, f"{path}.{name}" if path else name)
    if isinstance(node.get("items"), dict):
        yield from walk_schema(node["items"], f"{path}[]")
    for option in node.get("oneOf", []):
        yield from walk_schema(option, path)


def enums() -> dict[str, list[str]]:
    """Every enumerated field's path and its values (null left out)."""
    found: dict[str, list[str]] = {}
    for path, node in walk_schema():
        if "enum" in node:
            found.setdefault(path, [])
            found[path] += [v for v in node["enum"] if v is not None and v not in found[path]]
        if "const" in node and isinstance(node["const"], str):
            found.setdefault(path, [node["const"]])
    return found


def field_names() -> set[str]:
    return {name for path, node in walk_schema() for name in node.get("properties", {})}


CODES = {value for values in enums().values() for value in values}
LANGUAGE_CODES = set(enums()["language"])


# --- reports of each kind of reporter ----------------------------------------------------------


def child_answers(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {
        "emergency": {"answer": "no"}, "reporter-type": {"reporter_type": "child"},
        "location": {"mode": "postal_code", "postal_code": "0150",
                     "postal_code_normalised": "0150", "suggested": "0301"},
        "location-confirm": {"confirmed": "yes", "receiving": "yes"},
        "child-1-name": {"name": "Mina"}, "child-1-age": {"age": "13"},
        "topics": {"topics": ["domestic-violence"]},
        "concern": {"description": "Det er mye krangling hjemme.\nJeg får ikke sove."},
        "timing": {"frequency": "long", "since": "i fjor sommer"},
        "child-views": {"views": "At noen snakker med mamma."},
        "about-you": {"safe_contact": "Ring skolen og spør etter helsesykepleier."},
    }
    answers.update(changes)
    return answers


# Which notices each report must open with (the keys of the table's "notices").
KINDS: dict[str, tuple[dict[str, dict[str, Any]], tuple[str, ...]]] = {
    "private named": (fiks.private_answers(interpreter={"needed": "no"}), ()),
    "private confidential": (fiks.private_answers(
        anonymity={"anonymity": "confidential"}, emergency={"answer": "unsure"},
        **{"emergency-call": {}}, interpreter={"needed": "unknown"}),
        ("confidential", "danger_unsure")),
    "private anonymous": (fiks.private_answers(anonymity={"anonymity": "anonymous"}),
                          ("anonymous", "interpreter")),
    "professional": (fiks.professional_answers(
        location={"mode": "postal_code", "postal_code": "0150",
                  "postal_code_normalised": "0150", "suggested": "0301"},
        emergency={"answer": "yes"}, interpreter={"needed": "no"},
        **{"child-2-age": {"national_id": "", "birth_date": "", "unborn": True}}),
        ("danger_yes", "unborn_numbered")),
    "child": (child_answers(), ("child_reporter",)),
}


def report_of(kind: str, *, submitted_at: str = SUMMER) -> dict[str, Any]:
    """The report of one kind of reporter, as the wizard builds it, sent at `submitted_at`."""
    answers, _ = KINDS[kind]
    document = fiks.build(copy.deepcopy(answers))
    document["submitted_at"] = submitted_at
    return document


def expected_notices(kind: str, language: str) -> list[str]:
    """The notices' texts, in order, as the report's reader must meet them first."""
    said = table()[language]["notices"]
    texts = []
    for key in KINDS[kind][1]:
        text = said[key]
        texts.append(text.replace("{number}", "2").replace("{language}", "Arabisk"))
    return texts


def answers_in(report: dict[str, Any]) -> list[str]:
    """Every answer of the report as the reader must find it: what was typed as typed, and a
    code by its words in bokmål (the caller words it in its own language)."""
    found = []
    for path, value in _leaves(report):
        if not isinstance(value, str) or path in ("schema", "submitted_at"):
            continue
        found.append(value)
    return found


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value, f"{path}[]")
    else:
        yield path, node


def typed_answers(report: dict[str, Any]) -> list[str]:
    """What the reporter typed (or the directory filled in): every string that is no code."""
    enum_paths = set(enums())
    return [value for path, value in _leaves(report)
            if isinstance(value, str) and path not in enum_paths
            and path not in ("submitted_at", "location.district")
            and not (path.endswith("[]") and path[:-2] in enum_paths)]


def coded_answers(report: dict[str, Any], language: str) -> list[str]:
    """The words the reader must see for each code the report holds."""
    values = table()[language]["values"]
    groups = {
        "child_in_danger_now": "answers", "children[].told": "answers",
        "parents.told": "answers", "interpreter.needed": "answers",
        "concern.topics[]": "topics", "concern.sources[]": "sources",
        "concern.frequency": "frequencies", "children[].relation": "relations",
        "location.found_by": "found_by", "language": "languages",
        "reporter_type": "reporter_types", "anonymity": "anonymity",
    }
    found = []
    for path, value in _leaves(report):
        if path in groups and isinstance(value, str):
            if path == "children[].relation" and value == "other":
                continue  # the reporter's own words stand for it
            found.append(values[groups[path]][value])
    return found


# --- nothing internal is shown -------------------------------------------------------------------


def _words(texts: Iterable[str]) -> set[str]:
    return {word for text in texts for word in re.findall(r"\w+", text.lower())}


def _table_texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _table_texts(value)
    elif isinstance(node, str):
        yield node


def natural_words(language: str) -> set[str]:
    """Words of the reader's language as our own table writes them: a code that is also such a
    word ("no" is "now" in nynorsk) is looked for as a whole value only."""
    return _words(_table_texts(table()[language]))


def pieces_of(text: str) -> list[str]:
    """A reader's view of whole values: each line, and what follows its label, stripped of a
    text file's markers ("! ", "- ", "| ")."""
    found = []
    for line in text.splitlines():
        line = line.strip().lstrip("!-|").strip()
        found.append(line)
        found += [part.strip() for part in re.split(r": |\? ", line)]
    return [piece for piece in found if piece]


def codes_shown(text: str, language: str, typed: Iterable[str] = ()) -> list[str]:
    """The document's codes and field names that a reader of `text` (the page's visible text or
    the .txt) would see, in `language`, leaving out what the reporter typed. Empty is right.

    A code with a hyphen, an underscore or a slash must be nowhere; any other must not be a
    whole value; and in Norwegian, where an English word stands out, nowhere as a word unless
    our own Norwegian uses it too ("no" is "now" in nynorsk)."""
    for answer in sorted(typed, key=len, reverse=True):
        for line in answer.splitlines():
            if line.strip():
                text = text.replace(line.strip(), " ")
    natural = natural_words(language)
    pieces = set(pieces_of(text))
    shown = []
    for code in sorted(CODES | field_names()):
        if re.search(r"[-_/]", code):
            if code in text:
                shown.append(code)
        elif code in LANGUAGE_CODES or code.lower() in natural or language == "en":
            if code in pieces:
                shown.append(code)
        elif re.search(rf"(?<!\w){re.escape(code)}(?!\w)", text, re.IGNORECASE):
            shown.append(code)
    return shown


def normalised_words(text: str) -> list[str]:
    """The words of a text as a PDF's extraction gives them back: Unicode compatibility forms
    folded (Arabic presentation forms, ligatures), only letters and digits."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def missing_from(haystack: str, needles: Iterable[str]) -> list[str]:
    """The needles whose words are not all among the haystack's words."""
    words = set(normalised_words(haystack))
    return [needle for needle in needles
            if not set(normalised_words(needle)) <= words]


# --- every code, in as few reports as will hold them ----------------------------------------------


def enum_walk() -> list[dict[str, Any]]:
    """Reports that between them hold every enumerated value of concern-report/1: one per
    language the form can be filled in, each another kind of reporter, answer, way the
    municipality was found and so on, with six children, one for each relation."""
    values = enums()
    kinds = list(KINDS)
    documents = []
    for index, language in enumerate(values["language"]):
        document = report_of(kinds[index % len(kinds)])
        cycle = {path: options[index % len(options)] for path, options in values.items()}
        document["language"] = language
        document["child_in_danger_now"] = cycle["child_in_danger_now"]
        document["location"]["found_by"] = cycle["location.found_by"]
        document["parents"]["told"] = cycle["parents.told"]
        document["interpreter"]["needed"] = cycle["interpreter.needed"]
        document["concern"]["frequency"] = cycle["concern.frequency"]
        document["concern"]["topics"] = list(values["concern.topics[]"])
        document["concern"]["sources"] = list(values["concern.sources[]"])
        first = document["children"][0]
        document["children"] = [
            {**first, "relation": relation, "told": values["children[].told"][number % 2],
             "relation_other": "Trener i klubben" if relation == "other" else None}
            for number, relation in enumerate(values["children[].relation"])]
        documents.append(document)
    held = {(path, value) for document in documents for path, value in _leaves(document)}
    wanted = {(path, value) for path, options in values.items() for value in options}
    assert wanted <= held, f"the walk misses {sorted(wanted - held)}"
    return documents
