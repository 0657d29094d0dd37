"""The rooms depend one way: intake → routing ← inbox. Routing knows nothing about forms or
logins, and the two outer rooms know nothing about each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"routing": {"intake", "inbox"}, "intake": {"inbox"}, "inbox": {"intake"}}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_each_room_imports_only_what_it_may():
    violations = []
    for room, forbidden in FORBIDDEN.items():
        files = list((ROOT / room).rglob("*.py"))
        assert files, f"no modules found in {room}/"
        for path in files:
            wrong = imported_packages(path) & forbidden
            if wrong:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(wrong)}")
    assert violations == []
