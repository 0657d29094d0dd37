"""The markers mean what they say: `make check` deselects by them (`not browser and not live`)
and the PostgreSQL pass of `make test` selects by them (`each_database`), so a test that needs
a browser or live processes must carry its marker, and one that lacks it cannot start them.
Each check runs pytest itself, on the suite or on the samples in tests/helpers/marker_samples."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SAMPLES = Path("tests/helpers/marker_samples")


def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
    # Without the plugins of hypothesis and schemathesis, which these runs do not use: they
    # take half of pytest's start-up.
    plugins_off = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugins_off, "-q", *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "TEST_DATABASE": "sqlite", "COLUMNS": "300"},
    )


def needs(*paths: str) -> dict[str, set[str]]:
    """What each test under `paths` needs, as the suite classifies it (`pytest --needs`)."""
    ran = pytest_run("--collect-only", "--needs", *paths)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    found = {}
    for line in ran.stdout.splitlines():
        node, marker, markers = line.partition(" needs:")
        if marker:
            found[node] = set(markers.split())
    return found


def test_tests_are_classified_by_where_they_live_and_the_fixtures_they_use():
    found = needs("tests/browser", "tests/faults", "tests/unit", str(SAMPLES / "sample_needs.py"))
    kind = {node: node.split("/")[1] for node in found}
    assert {kind[node] for node in found} == {"browser", "faults", "unit", "helpers"}
    # `make check` deselects `browser` and `live`: nothing from these directories is left.
    assert all("browser" in found[node] for node in found if kind[node] == "browser")
    assert all("live" in found[node] for node in found if kind[node] == "faults")
    # Unit tests and browser tests run in one pass, whatever fixtures they use; one browser
    # path is kept on PostgreSQL by hand.
    assert not any("each_database" in found[node] for node in found if kind[node] == "unit")
    assert 0 < sum("each_database" in found[node] for node in found if kind[node] == "browser")
    assert {node.split("::")[1]: found[node] for node in found if kind[node] == "helpers"} == {
        "test_uses_the_browser": {"browser"},
        "test_uses_a_live_system": {"live", "each_database"},
        "test_uses_the_app": {"each_database"},
        "test_uses_nothing": set(),
    }


def test_a_test_without_the_marker_cannot_start_chromium_gunicorn_or_a_worker(tmp_path):
    report = tmp_path / "report.xml"
    pytest_run(f"--junitxml={report}", str(SAMPLES / "sample_guard.py"))
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        failure = case.find("failure")
        outcomes[case.get("name")] = "passed" if failure is None else failure.get("message", "")
    refused = {
        "test_chromium_without_the_browser_marker": "starts `node run-driver` but is not "
                                                    "marked 'browser'",
        "test_gunicorn_without_the_live_marker": "starts `gunicorn` but is not marked 'live'",
        "test_a_worker_without_the_live_marker": "starts `flask worker` but is not marked 'live'",
    }
    for name, message in refused.items():
        assert message in outcomes.pop(name), name
    assert outcomes == {"test_gunicorn_with_the_live_marker": "passed",
                        "test_another_program_without_a_marker": "passed"}
