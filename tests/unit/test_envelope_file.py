"""The downloadable envelope file (`concern-envelope/1`): what the intake team saves and later
opens. It must round-trip exactly, and a damaged or forged file must be refused with a message a
person can act on, never a traceback and never a file name taken from inside it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from routing.envelope_file import FORMAT, EnvelopeFileError, parse, to_file
from routing.models import Envelope
from sealing import KeyPair, b64, seal, unseal

CREATED = datetime(2025, 3, 30, 0, 59, 58, 123456, tzinfo=UTC)


def make_envelope(sealed: bytes = b"\x00sealed\xffbytes", **changes: object) -> Envelope:
    values: dict[str, object] = dict(
        id="0123456789abcdef0123456789abcdef",
        reference="K7M2P9XQ",
        service_id="oslo",
        key_id="fedcba9876543210",
        schema="concern-report/1",
        sealed=sealed,
        created_at=CREATED,
        review_deadline=CREATED + timedelta(days=7),
    )
    values.update(changes)
    return Envelope(**values)


def valid_document() -> dict[str, object]:
    return json.loads(to_file(make_envelope()))


def encode(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


def test_the_file_describes_itself_in_utf8_json_with_a_utc_timestamp():
    document = json.loads(to_file(make_envelope()).decode("utf-8"))
    assert document == {
        "format": "concern-envelope/1",
        "envelope_id": "0123456789abcdef0123456789abcdef",
        "reference": "K7M2P9XQ",
        "service_id": "oslo",
        "key_id": "fedcba9876543210",
        "schema": "concern-report/1",
        "created_at": "2025-03-30T00:59:58.123456Z",
        "sealed": b64(b"\x00sealed\xffbytes"),
    }


def test_a_time_given_in_another_zone_is_written_as_utc():
    oslo_summer = timezone(timedelta(hours=2))
    envelope = make_envelope(created_at=datetime(2025, 7, 1, 0, 30, tzinfo=oslo_summer))
    assert json.loads(to_file(envelope))["created_at"] == "2025-06-30T22:30:00Z"


def test_parse_gives_back_every_field_exactly():
    parsed = parse(to_file(make_envelope()))
    assert parsed.envelope_id == "0123456789abcdef0123456789abcdef"
    assert parsed.reference == "K7M2P9XQ"
    assert parsed.service_id == "oslo"
    assert parsed.key_id == "fedcba9876543210"
    assert parsed.schema == "concern-report/1"
    assert parsed.created_at == CREATED
    assert parsed.sealed == b"\x00sealed\xffbytes"
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.reference = "AAAAAAAA"  # type: ignore[misc]


def test_a_sealed_report_survives_the_file_and_opens_with_the_private_key():
    pair = KeyPair.generate()
    report = json.dumps({"concern": "Hun gråter. تبكي كل يوم 😢"}, ensure_ascii=False).encode()
    parsed = parse(to_file(make_envelope(sealed=seal(report, pair.public_key))))
    assert unseal(parsed.sealed, pair.private_key) == report


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not UTF-8 JSON"),
        (b"PK\x03\x04 a zip file", "not UTF-8 JSON"),
        (b"\xff\xfe{}", "not UTF-8 JSON"),
        (b"[1, 2, 3]", "not a concern-envelope/1 file"),
        (encode({"format": "concern-keyfile/1"}), "not a concern-envelope/1 file"),
        (encode({"format": "concern-envelope/2"}), "not a concern-envelope/1 file"),
    ],
)
def test_something_that_is_not_an_envelope_file_is_refused_with_a_clear_message(data, message):
    with pytest.raises(EnvelopeFileError, match=message):
        parse(data)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sealed", None, "lacks sealed"),
        ("key_id", None, "lacks key_id"),
        ("reference", 12345678, "reference not text"),
        ("reference", "../../.bashrc", "reference is malformed"),
        ("reference", "k7m2p9xq", "reference is malformed"),
        ("reference", "K7M2P9XQ/", "reference is malformed"),
        ("reference", "K7M2P9XQ\n", "reference is malformed"),
        ("envelope_id", "../0123456789abcdef0123456789ab", "id is malformed"),
        ("key_id", "not a key id", "key id is malformed"),
        ("sealed", "not base64!", "sealed report in the envelope file is damaged"),
        ("sealed", "", "holds no sealed report"),
        ("created_at", "last Tuesday", "creation time is malformed"),
        ("created_at", "2025-03-30T00:59:58", "creation time has no time zone"),
    ],
)
def test_a_damaged_or_forged_field_is_refused_and_named(field, value, message):
    document = valid_document()
    if value is None:
        del document[field]
    else:
        document[field] = value
    with pytest.raises(EnvelopeFileError, match=message):
        parse(encode(document))


def test_a_huge_file_is_refused_before_it_is_read_as_json():
    with pytest.raises(EnvelopeFileError, match="too large"):
        parse(b" " * (16 * 1024 * 1024 + 1))


def test_the_format_name_is_the_one_the_design_promises():
    assert FORMAT == "concern-envelope/1"
