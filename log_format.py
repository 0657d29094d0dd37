"""Logging for every process (web, worker, CLI): one JSON object per line in production, so a
log pipeline can parse it without guessing, and never an IP address.

What is logged is ids, counts and exception types (see app._unexpected_error); this module adds
the last line of defence: anything shaped like an IPv4 or IPv6 address in a message or an
extra field is replaced before the line is written, whichever library wrote it.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

# Dotted quads, and IPv6 written with at least two colons between hex groups (so "12:30" or a
# time of day is left alone). Deliberately greedy: a false positive costs a log line's detail,
# a false negative would put a reporter's address in the logs.
IP_ADDRESS = re.compile(
    r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)
REDACTED = "[address removed]"
# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def scrub(text: str) -> str:
    return IP_ADDRESS.sub(REDACTED, text)


class NoAddresses(logging.Filter):
    """Rewrites the record's message so no handler, JSON or not, can write an address."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = scrub(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's message or traceback locals may hold what was typed.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(log_format: str, level: str) -> None:
    """Set up the root logger once per process; called by the app factory."""
    handler = logging.StreamHandler()
    handler.addFilter(NoAddresses())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    # Replace only what an earlier call installed; pytest's capture handlers stay.
    for existing in [h for h in root.handlers if getattr(h, "_concern_report", False)]:
        root.removeHandler(existing)
    handler._concern_report = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Werkzeug's request log starts every line with the client's IP address; gunicorn's access
    # log is off unless asked for (and the compose file does not ask).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
