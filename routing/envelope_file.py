"""The downloadable envelope: the sealed report and its routing metadata in one self-describing
UTF-8 JSON file (`concern-envelope/1`). The same file opens in `flask inbox open`.

Everything outside `sealed` is metadata that is not secret. `parse` checks every field, because
the file comes back from a team's machine and its reference names the files the opener writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from routing.models import Envelope
from sealing import SealingError, b64, unb64

FORMAT = "concern-envelope/1"
# Used with fullmatch: a `$` anchor would let a trailing newline through.
REFERENCE_RE = re.compile(r"[A-Z0-9]{8}")
ENVELOPE_ID_RE = re.compile(r"[0-9a-f]{32}")
KEY_ID_RE = re.compile(r"[0-9a-f]{16}")
# Generous: a sealed report is a padded, base64-encoded document of at most a few hundred kB.
MAX_FILE_BYTES = 16 * 1024 * 1024
_TEXT_FIELDS = ("envelope_id", "reference", "service_id", "key_id", "schema", "created_at")


class EnvelopeFileError(ValueError):
    """Not an envelope file, or a damaged one; the message says which, for a person to read."""


@dataclass(frozen=True)
class EnvelopeFile:
    envelope_id: str
    reference: str
    service_id: str
    key_id: str
    schema: str
    created_at: datetime
    sealed: bytes


def to_file(envelope: Envelope) -> bytes:
    document = {
        "format": FORMAT,
        "envelope_id": envelope.id,
        "reference": envelope.reference,
        "service_id": envelope.service_id,
        "key_id": envelope.key_id,
        "schema": envelope.schema,
        "created_at": _iso_utc(envelope.created_at),
        "sealed": b64(envelope.sealed),
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def parse(data: bytes) -> EnvelopeFile:
    """The envelope in `data`, or EnvelopeFileError saying what is wrong with it."""
    if len(data) > MAX_FILE_BYTES:
        raise EnvelopeFileError("this file is far too large to be an envelope file")
    try:
        document: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EnvelopeFileError("this is not an envelope file (it is not UTF-8 JSON)") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise EnvelopeFileError(f"this is not a {FORMAT} file")
    missing = [name for name in (*_TEXT_FIELDS, "sealed") if name not in document]
    if missing:
        raise EnvelopeFileError(f"the envelope file lacks {', '.join(missing)}")
    wrong = [name for name in (*_TEXT_FIELDS, "sealed") if not isinstance(document[name], str)]
    if wrong:
        raise EnvelopeFileError(f"the envelope file is damaged ({', '.join(wrong)} not text)")
    # The reference names the files `flask inbox open` writes, so it must be harmless.
    if not REFERENCE_RE.fullmatch(document["reference"]):
        raise EnvelopeFileError("the envelope's reference is malformed")
    if not ENVELOPE_ID_RE.fullmatch(document["envelope_id"]):
        raise EnvelopeFileError("the envelope's id is malformed")
    if not KEY_ID_RE.fullmatch(document["key_id"]):
        raise EnvelopeFileError("the envelope's key id is malformed")
    try:
        sealed = unb64(document["sealed"])
    except SealingError as error:
        raise EnvelopeFileError("the sealed report in the envelope file is damaged") from error
    if not sealed:
        raise EnvelopeFileError("the envelope file holds no sealed report")
    return EnvelopeFile(
        envelope_id=document["envelope_id"],
        reference=document["reference"],
        service_id=document["service_id"],
        key_id=document["key_id"],
        schema=document["schema"],
        created_at=_parse_time(document["created_at"]),
        sealed=sealed,
    )


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise EnvelopeFileError("the envelope's creation time is malformed") from error
    if value.tzinfo is None:
        raise EnvelopeFileError("the envelope's creation time has no time zone")
    return value.astimezone(UTC)
