#!/usr/bin/env python3
"""Commit messages a log view can show: a subject of at most 72 characters, a blank line, then
a body that says why. Checks every commit after the cut-off (history before it stays as it is),
or one message file, as git's commit-msg hook passes it. Exit status 1 when any falls short.

    .venv/bin/python scripts/check_commit_messages.py            # commits since the cut-off
    .venv/bin/python scripts/check_commit_messages.py MSG_FILE   # one message (commit-msg hook)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# The last commit made before the rule; nothing is rewritten to meet it.
CUT_OFF = "54256f7"
SUBJECT_LIMIT = 72


def problems_in(message: str, *, merge: bool = False) -> list[str]:
    """What is wrong with one commit message (git's comment lines already removed)."""
    lines = message.strip("\n").split("\n")
    subject = lines[0]
    found = []
    if len(subject) > SUBJECT_LIMIT:
        found.append(f"the subject is {len(subject)} characters, more than {SUBJECT_LIMIT}")
    if len(lines) > 1 and lines[1].strip():
        found.append("the second line is not blank: a blank line goes between subject and body")
    # git's own merge messages have no body; every other commit says why.
    if not merge and not any(line.strip() for line in lines[2:]):
        found.append("there is no body saying why")
    return found


def problems_since(cut_off: str = CUT_OFF, repo: Path = PROJECT) -> list[str]:
    """Each commit after `cut_off` on the current branch whose message falls short."""
    log = subprocess.run(
        ["git", "log", "--format=%H %P%x00%B%x00", f"{cut_off}..HEAD"],
        cwd=repo, capture_output=True, text=True, check=True,
    ).stdout
    fields = log.split("\0")
    found = []
    for header, message in zip(fields[0::2], fields[1::2], strict=False):
        commit, *parents = header.split()
        for problem in problems_in(message, merge=len(parents) > 1):
            found.append(f"{commit[:10]} {message.strip().splitlines()[0][:50]!r}: {problem}")
    return found


def main(arguments: list[str]) -> int:
    if arguments:
        text = Path(arguments[0]).read_text(encoding="utf-8")
        message = "\n".join(line for line in text.split("\n") if not line.startswith("#"))
        found = problems_in(message)
    else:
        found = problems_since()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
