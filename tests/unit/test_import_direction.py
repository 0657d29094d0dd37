"""The rooms depend one way: intake → routing ← inbox. Routing knows nothing about forms or
logins, and the two outer rooms know nothing about each other. The shared plumbing beside
them (the modules at the project's root) imports no room at all, so any room may use it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = {"intake", "routing", "inbox"}
FORBIDDEN = {"routing": {"intake", "inbox"}, "intake": {"inbox"}, "inbox": {"intake"}}
# The wiring: the application factory and the development data that spans the rooms.
WIRING = {"app.py", "demo_cli.py"}


def imports(path: Path) -> set[str]:
    """Every module a file imports by absolute name, wherever in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imports(path)}


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


def test_the_shared_modules_import_no_room():
    """Except a room's `models`: creating the schema (database.create_all, the Alembic
    migrations) needs every table registered, and that is all it takes from the rooms."""
    shared = [path for path in ROOT.glob("*.py") if path.name not in WIRING]
    assert {"config.py", "database.py", "extensions.py"} <= {path.name for path in shared}
    violations = []
    for path in shared:
        wrong = {name for name in imports(path)
                 if name.split(".")[0] in ROOMS and name not in {f"{r}.models" for r in ROOMS}}
        if wrong:
            violations.append(f"{path.name} imports {sorted(wrong)}")
    assert violations == []


def test_the_check_would_see_a_shared_module_importing_a_room(tmp_path):
    module = tmp_path / "plumbing.py"
    module.write_text("def f():\n    from routing import jobs\n    import inbox.models\n")
    assert imports(module) == {"routing", "inbox.models"}
