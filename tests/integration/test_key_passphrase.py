"""`flask keys generate` at a real terminal: it says what passphrase it needs before asking, and
refuses one under 12 characters that is not four words (a stolen key file is attacked offline,
at the attacker's pace), writing no key file then.

The command runs in a pseudo-terminal (getpass reads the controlling terminal, as for a person).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from sealing import read_key_file
from tests.helpers.environment import TEST_SECRET

PROJECT = Path(__file__).resolve().parents[2]
RULE = "at least 12 characters, or 4 words or more separated by spaces"


def at_a_terminal(tmp_path: Path, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run `flask ARGS` with a terminal of its own, type each answer after each passphrase
    prompt, and return the exit status and everything the terminal showed."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "SECRET_KEY": TEST_SECRET, "VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'unused.db'}",
           "PYTHONPATH": str(PROJECT), "PYTHONDONTWRITEBYTECODE": "1"}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: becomes flask, with the pseudo-terminal as its terminal
        try:
            os.chdir(PROJECT)
            os.execve(sys.executable, [sys.executable, "-m", "flask", "--app", "app", *args], env)
        finally:
            os._exit(127)  # never back into pytest
    shown, sent = b"", 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child closed the terminal: it has finished
                break
            if not chunk:
                break
            shown += chunk
            # Answer a prompt only once it is shown whole: getpass has turned echo off by then
            # (and would throw away anything typed before it).
            prompts = shown.count(b"Passphrase: ") + shown.count(b"Passphrase again: ")
            if sent < min(prompts, len(answers)):
                os.write(terminal, answers[sent].encode() + b"\n")
                sent += 1
    finally:
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_keys_generate_says_the_rule_before_asking_and_takes_four_words(tmp_path):
    key_file = tmp_path / "team.key"
    code, shown = at_a_terminal(tmp_path, ["keys", "generate", "--out", str(key_file)],
                                ["ku og ei ku", "ku og ei ku"])
    assert code == 0, shown
    assert shown.index(RULE) < shown.index("Passphrase:"), "the rule comes before the question"
    assert "ku og ei ku" not in shown, "the passphrase is not echoed"
    assert read_key_file(key_file.read_text(), "ku og ei ku").key_id in shown


@pytest.mark.parametrize("passphrase", ["elleve tegn", "short", "tre små ord"])
def test_keys_generate_refuses_a_short_passphrase_and_writes_nothing(tmp_path, passphrase):
    key_file = tmp_path / "team.key"
    code, shown = at_a_terminal(tmp_path, ["keys", "generate", "--out", str(key_file)],
                                [passphrase, passphrase])
    assert code != 0
    assert f"the passphrase must be {RULE}" in shown
    assert not key_file.exists()
