"""Every commit after the cut-off has a subject a log view can show (72 characters at most), a
blank line, and a body that says why (scripts/check_commit_messages.py; the same script can be
git's commit-msg hook)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_commit_messages.py"
_spec = importlib.util.spec_from_file_location("check_commit_messages", SCRIPT)
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

GOOD = "Split the services file into reading, checks and applying\n\nWhy it was done.\n"


def test_every_commit_since_the_cut_off_has_a_short_subject_a_blank_line_and_a_body():
    assert check.problems_since() == []


def test_a_message_of_subject_blank_line_and_body_passes():
    assert check.problems_in(GOOD) == []
    assert check.problems_in("x" * 72 + "\n\nWhy.") == []


@pytest.mark.parametrize(("message", "problem"), [
    ("x" * 73 + "\n\nWhy.", "the subject is 73 characters, more than 72"),
    ("A subject\nstraight into the body\n", "the second line is not blank"),
    ("A subject alone\n", "there is no body saying why"),
    ("A subject\n\n\n", "there is no body saying why"),
])
def test_a_message_a_log_view_cannot_show_is_refused_saying_why(message, problem):
    assert any(found.startswith(problem) for found in check.problems_in(message))


def test_git_merge_messages_need_no_body():
    assert check.problems_in("Merge branch 'suite'\n", merge=True) == []
