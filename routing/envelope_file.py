"""The downloadable envelope: the sealed report and its routing metadata in one self-describing
UTF-8 JSON file (`concern-envelope/1`). The same file opens in `flask inbox open`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from routing.models import Envelope
from sealing import SealingError, b64, unb64

FORMAT = "concern-envelope/1"
REFERENCE_RE = re.compile(r"^[A-Z0-9]{8}$")


class EnvelopeFileError(ValueError):
    """Not an envelope file, or a damaged one."""


@dataclass(frozen=True)
class EnvelopeFile:
    envelope_id: str
    reference: str
    service_id: str
    key_id: str
    schema: str
    created_at: str
    sealed: bytes


def to_file(envelope: Envelope) -> bytes:
    document = {
        "format": FORMAT,
        "envelope_id": envelope.id,
        "reference": envelope.reference,
        "service_id": envelope.service_id,
        "key_id": envelope.key_id,
        "schema": envelope.schema,
        "created_at": envelope.created_at.isoformat().replace("+00:00", "Z"),
        "sealed": b64(envelope.sealed),
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def parse(data: bytes) -> EnvelopeFile:
    try:
        document: dict[str, Any] = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EnvelopeFileError("this is not an envelope file (not JSON)") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise EnvelopeFileError(f"this is not a {FORMAT} file")
    try:
        fields = {name: document[name] for name in
                  ("envelope_id", "reference", "service_id", "key_id", "schema", "created_at")}
        sealed = unb64(document["sealed"])
    except (KeyError, TypeError, SealingError) as error:
        raise EnvelopeFileError("the envelope file is incomplete or damaged") from error
    if not all(isinstance(value, str) for value in fields.values()):
        raise EnvelopeFileError("the envelope file is damaged")
    # The reference names the files `flask inbox open` writes, so it must be harmless.
    if not REFERENCE_RE.match(fields["reference"]):
        raise EnvelopeFileError("the envelope's reference is malformed")
    return EnvelopeFile(sealed=sealed, **fields)
