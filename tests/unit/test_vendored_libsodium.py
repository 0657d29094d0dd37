"""The vendored libsodium build (static/vendor/) is exactly what scripts/vendor_libsodium.sh
fetched and recorded: each file's sha256 matches static/vendor/README.md, nothing is vendored
that the README does not list, the pages load only listed files, and the licences ship beside
the code. A file edited by hand, or replaced without re-running the script, fails here."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"
SCRIPT = ROOT / "scripts" / "vendor_libsodium.sh"
# The lines `sha256sum` writes into the README's code block: 64 hex digits, two spaces, a name.
SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$", re.M)
ISC_GRANT = ("Permission to use, copy, modify, and/or distribute this software for any\n"
             "purpose with or without fee is hereby granted")
LICENCES = ("LICENSE.libsodium-sumo", "LICENSE.libsodium-wrappers-sumo")


def recorded() -> dict[str, str]:
    return {name: digest for digest, name in
            SUM_LINE.findall((VENDOR / "README.md").read_text(encoding="utf-8"))}


def test_every_vendored_file_has_the_sha256_the_readme_records():
    sums = recorded()
    assert sums, "static/vendor/README.md records no checksums"
    actual = {name: hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() for name in sums}
    assert actual == sums


def test_nothing_is_vendored_that_the_readme_does_not_list():
    present = {path.name for path in VENDOR.iterdir() if path.name != "README.md"}
    assert present == set(recorded())


def test_the_script_writes_the_files_the_readme_lists_and_records_their_sums():
    script = SCRIPT.read_text(encoding="utf-8")
    copied = set(re.findall(r'^cp "[^"]+" "\$OUT/([^"]+)"$', script, re.M))
    assert copied == set(recorded())
    summed = re.search(r'sha256sum ([^)]+)\)', script)
    assert summed and set(summed.group(1).split()) == copied
    # Pinned versions, not "latest": the script is repeatable.
    assert re.search(r'^WRAPPERS_VERSION="\$\{1:-\d+\.\d+\.\d+\}"$', script, re.M)
    assert os.access(SCRIPT, os.X_OK), "run as scripts/vendor_libsodium.sh, as the README says"


def test_the_licences_ship_beside_the_code_and_are_isc():
    sums = recorded()
    for name in LICENCES:
        assert name in sums, f"{name} is not recorded"
        text = (VENDOR / name).read_text(encoding="utf-8")
        assert text.startswith("Copyright") and ISC_GRANT in text
    assert "Licence: ISC" in (VENDOR / "README.md").read_text(encoding="utf-8")


def test_the_pages_load_only_vendored_files_that_are_recorded():
    sums = recorded()
    loaded = {match for template in (ROOT / "templates").rglob("*.html")
              for match in re.findall(r"filename='vendor/([^']+)'", template.read_text(
                  encoding="utf-8"))}
    assert loaded == {"libsodium-sumo.js", "libsodium-wrappers-sumo.js"}
    assert loaded <= set(sums)
