"""Static files under names that carry a hash of their content, so a browser may keep them for a
year: a changed stylesheet gets a new name, and nobody is shown yesterday's layout."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Flask, Response, abort, has_request_context, request, send_from_directory, url_for

ONE_YEAR = 365 * 24 * 3600
HASHED_NAME = re.compile(r"^(?P<stem>[\w-]+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.\w+)$")


@cache
def _digest(path: Path, modified: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def digest(folder: Path, filename: str) -> str:
    path = folder / filename
    return _digest(path, path.stat().st_mtime)


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder or "static")

    # Every page links the stylesheet and the icon: their addresses are built once for each
    # file and the script root they are under. Where templates reload (development) a file
    # may change while the app runs, so its digest, and with it its name, is looked at again
    # on every page; in production the files are the image's.
    built: dict[tuple[str, str], str] = {}

    def asset_url(filename: str) -> str:
        if not has_request_context():
            return url_for("asset", name=hashed_name(filename))
        key = (request.script_root, filename)
        found = built.get(key)
        if found is None or app.jinja_env.auto_reload:
            found = built[key] = url_for("asset", name=hashed_name(filename))
        return found

    def hashed_name(filename: str) -> str:
        stem, dot, suffix = filename.rpartition(".")
        return f"{stem}.{digest(folder, filename)}{dot}{suffix}"

    def serve(name: str) -> Response:
        found = HASHED_NAME.match(name)
        if not found:
            abort(404)
        filename = found["stem"] + found["suffix"]
        if not (folder / filename).is_file() or digest(folder, filename) != found["digest"]:
            abort(404)
        response = send_from_directory(folder, filename, max_age=ONE_YEAR)
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response

    app.add_url_rule("/assets/<name>", "asset", serve)
    app.jinja_env.globals["asset_url"] = asset_url
