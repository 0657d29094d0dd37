"""The locks in requirements/ agree with pyproject.toml, and every install uses them.

A lock that disagrees with pyproject.toml means someone changed a dependency and did not re-lock
(scripts/lock.py): then `make test` would test something other than what pyproject.toml says and
the image would ship that. Every pinned package carries hashes, so a file that changed on the
index after locking is refused. setuptools in the virtualenv is 78.1.1 or newer (65.5.0, which a
new Python 3.11 venv brings, has known vulnerabilities).
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = Path(__file__).resolve().parents[2]
LOCKS = PROJECT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def lock_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("lock", PROJECT / "scripts" / "lock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pins(name: str) -> dict[str, str]:
    text = (LOCKS / name).read_text(encoding="utf-8")
    return {canonicalize_name(found.group(1)): found.group(2) for found in PIN.finditer(text)}


def pyproject() -> dict[str, list[str]]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"runtime": project["dependencies"],
            "test": project["optional-dependencies"]["test"]}


def test_installed_setuptools_is_78_1_1_or_newer():
    assert Version(version("setuptools")) >= Version("78.1.1"), version("setuptools")


@pytest.mark.parametrize("name", ["build.lock", "test.lock", "runtime.lock"])
def test_every_lock_was_made_from_pyprojects_dependencies_as_they_are_now(name):
    first = (LOCKS / name).read_text(encoding="utf-8").splitlines()[0]
    script = lock_script()
    assert first == script.DIGEST_PREFIX + script.dependency_digest(), (
        f"requirements/{name} was made from other dependencies than pyproject.toml has now: "
        "run scripts/lock.py (the README says how)")


def test_every_dependency_in_pyproject_is_pinned_in_the_locks_within_its_range():
    test_lock, runtime_lock = pins("test.lock"), pins("runtime.lock")
    for group, lock in (("runtime", runtime_lock), ("runtime", test_lock), ("test", test_lock)):
        for line in pyproject()[group]:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{requirement.name} ({group}) is not in the lock"
            assert requirement.specifier.contains(lock[name], prereleases=True), (
                f"{requirement.name} is locked at {lock[name]}, outside {requirement.specifier}")


def test_the_image_lock_has_the_runtime_dependencies_only_at_the_tested_versions():
    test_lock, runtime_lock = pins("test.lock"), pins("runtime.lock")
    assert "pytest" not in runtime_lock and "playwright" not in runtime_lock
    for name, pinned in runtime_lock.items():
        assert test_lock.get(name) == pinned, f"{name}: {pinned} in the image, not as tested"


def test_pip_and_setuptools_are_locked_new_enough():
    build = pins("build.lock")
    assert Version(build["setuptools"]) >= Version("78.1.1")
    assert Version(build["pip"]) >= Version("25.1")


@pytest.mark.parametrize("name", ["build.lock", "test.lock", "runtime.lock"])
def test_every_pin_carries_hashes(name):
    text = (LOCKS / name).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert blocks and all(PIN.match(block) for block in blocks), "a line that is no pin"
    for block in blocks:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), block.splitlines()[0]


def test_make_and_the_image_install_from_the_locks_with_hashes_required():
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q --require-hashes -r requirements/build.lock" in makefile
    assert "pip install -q --require-hashes -r requirements/test.lock" in makefile
    assert "-e '.[test]'" not in makefile, "an install that resolves for itself"
    dockerfile = (PROJECT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements/build.lock" in dockerfile
    assert "pip install --require-hashes -r requirements/runtime.lock" in dockerfile
    assert "requirements/test.lock" not in dockerfile
    assert "make test" in (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
