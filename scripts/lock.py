"""Re-lock the dependencies: every package pinned to one version, with the sha256 of every file
PyPI has for it, for Python 3.11 on Linux.

    .venv/bin/pip install uv        # once; uv resolves and hashes (it is not a dependency)
    .venv/bin/python scripts/lock.py

writes, from pyproject.toml and requirements/build.in:

- requirements/build.lock    pip and setuptools, installed first (the venv and the image)
- requirements/test.lock     the runtime dependencies and the `test` extra (make run, make
                             test, CI)
- requirements/runtime.lock  the runtime dependencies alone, at the same versions (the image)

Each lock's first line records a hash of pyproject.toml's dependency lists, so that
tests/unit/test_dependency_lock.py fails when pyproject.toml changes and nobody re-locked.
Run it after changing a dependency in pyproject.toml, or to take newer releases; read the diff.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
LOCKS = PROJECT / "requirements"
PLATFORM = ["--python-version", "3.11", "--python-platform", "x86_64-unknown-linux-gnu"]
DIGEST_PREFIX = "# pyproject.toml dependencies sha256: "


def dependency_digest(pyproject: Path = PROJECT / "pyproject.toml") -> str:
    """A hash of what the locks are made from: the runtime dependencies and the test extra."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lists = {"dependencies": project["dependencies"],
             "test": project["optional-dependencies"]["test"]}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


def compile_lock(output: str, *inputs: str, extra: list[str] | None = None) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    command = [uv, "pip", "compile", *inputs, *(extra or []), "--generate-hashes",
               "--no-header", "--quiet", *PLATFORM, "-o", output]
    subprocess.run(command, cwd=PROJECT, check=True)
    path = PROJECT / output
    header = (f"{DIGEST_PREFIX}{dependency_digest()}\n"
              f"# Made by scripts/lock.py (uv pip compile {' '.join(inputs + tuple(extra or []))}"
              f"); do not edit by hand.\n")
    path.write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")


def main() -> None:
    LOCKS.mkdir(exist_ok=True)
    compile_lock("requirements/build.lock", "requirements/build.in")
    compile_lock("requirements/test.lock", "pyproject.toml", extra=["--extra", "test"])
    # The same versions as the test lock: what the tests ran against is what the image gets.
    compile_lock("requirements/runtime.lock", "pyproject.toml",
                 extra=["--constraint", "requirements/test.lock"])


if __name__ == "__main__":
    main()
