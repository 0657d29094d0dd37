"""Sealing and the key file: only the receiving service opens a report, its size says little,
and the team's key file refuses the wrong passphrase or damage with a clear message."""

from __future__ import annotations

import base64
import json

import pytest

from sealing import (
    KDF_INTERACTIVE,
    KeyPair,
    SealingError,
    b64,
    fingerprint,
    key_id,
    pad,
    read_key_file,
    seal,
    unpad,
    unseal,
    write_key_file,
)

PASSPHRASE = "fire ord som huskes lett"
REPORT = (
    "Barnet sa: «أنا خائف من أبي» og gråt 😢👶🏽 – læreren så blåmerker på armen.\n"
    "ÆØÅ æøå, zero-width joiner: 👨‍👩‍👧"
).encode()


@pytest.fixture(scope="module")
def oslo() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def bergen() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def key_file_text(oslo: KeyPair) -> str:
    return write_key_file(oslo, PASSPHRASE, label="Barneverntjenesten i Oslo",
                          params=KDF_INTERACTIVE)


def test_report_with_arabic_and_emoji_opens_exactly_as_written(oslo):
    opened = unseal(seal(REPORT, oslo.public_key), oslo.private_key)
    assert opened == REPORT
    assert "أنا خائف" in opened.decode("utf-8")


def test_report_sealed_for_oslo_cannot_be_opened_with_bergens_key(oslo, bergen):
    sealed = seal(REPORT, oslo.public_key)
    with pytest.raises(SealingError, match="cannot open"):
        unseal(sealed, bergen.private_key)


def test_sealed_report_does_not_contain_its_plaintext(oslo):
    sealed = seal(b"CANARY-sealed-report-1234", oslo.public_key)
    assert b"CANARY" not in sealed


def test_sealing_the_same_report_twice_gives_different_files(oslo):
    # Two identical reports must not be recognisable as identical from the outside.
    assert seal(REPORT, oslo.public_key) != seal(REPORT, oslo.public_key)


def test_short_and_long_reports_have_the_same_sealed_size(oslo):
    short = seal(b"x" * 10, oslo.public_key)
    long = seal(("æ" * 1500).encode(), oslo.public_key)  # 3,000 bytes
    assert len(short) == len(long)


def test_very_long_report_lands_in_a_larger_bucket_and_still_opens(oslo):
    text = ("Bekymring " * 2000).encode()  # 20,000 bytes
    sealed = seal(text, oslo.public_key)
    assert len(sealed) > len(seal(b"x", oslo.public_key))
    assert unseal(sealed, oslo.private_key) == text


@pytest.mark.parametrize(
    "plaintext",
    [b"", b"\x00", b"ends with zeros\x00\x00", b"ends with marker\x80", b"x" * 4095, b"x" * 4096],
)
def test_padding_keeps_every_byte_of_the_report(plaintext):
    # Trailing zero bytes or a 0x80 in the report itself must survive padding.
    assert unpad(pad(plaintext)) == plaintext


def test_damaged_sealed_file_is_refused(oslo):
    sealed = bytearray(seal(REPORT, oslo.public_key))
    sealed[-1] ^= 0x01
    with pytest.raises(SealingError):
        unseal(bytes(sealed), oslo.private_key)


def test_key_file_opens_with_its_passphrase_to_the_same_key_pair(oslo, key_file_text):
    assert read_key_file(key_file_text, PASSPHRASE) == oslo


def test_key_file_holds_no_readable_private_key(oslo, key_file_text):
    assert b64(oslo.private_key) not in key_file_text
    assert oslo.private_key.hex() not in key_file_text
    document = json.loads(key_file_text)
    assert document["key_id"] == oslo.key_id
    assert document["label"] == "Barneverntjenesten i Oslo"


def test_key_file_with_wrong_passphrase_is_refused_with_a_clear_message(key_file_text):
    with pytest.raises(SealingError, match="wrong passphrase"):
        read_key_file(key_file_text, "fire ord som huskes dårlig")


@pytest.mark.parametrize("field", ["encrypted_private_key", "nonce", "public_key", "kdf"])
def test_tampered_key_file_is_refused(oslo, key_file_text, field):
    document = json.loads(key_file_text)
    holder, name = (document["kdf"], "salt") if field == "kdf" else (document, field)
    raw = bytearray(base64.b64decode(holder[name]))
    raw[0] ^= 0x01
    holder[name] = b64(bytes(raw))
    with pytest.raises(SealingError):
        read_key_file(json.dumps(document), PASSPHRASE)


def test_key_file_with_a_swapped_public_key_is_refused(key_file_text, bergen):
    document = json.loads(key_file_text)
    document["public_key"] = b64(bergen.public_key)
    with pytest.raises(SealingError, match="do not belong together"):
        read_key_file(json.dumps(document), PASSPHRASE)


@pytest.mark.parametrize(
    "text",
    ["", "not json", "{}", json.dumps({"format": "concern-keyfile/1"})],
)
def test_truncated_or_foreign_file_is_refused_as_a_key_file(text):
    with pytest.raises(SealingError):
        read_key_file(text, PASSPHRASE)


def test_json_file_that_is_not_a_key_file_object_is_refused_with_a_clear_message():
    # Someone picks the wrong .json file: they must get "damaged/not a key file", not a crash.
    escaped = {}
    for text in ["[1, 2]", '"a string"', "42", "null"]:
        try:
            read_key_file(text, PASSPHRASE)
        except SealingError:
            continue
        except Exception as error:  # noqa: BLE001 - the point is which exception escapes
            escaped[text] = f"{type(error).__name__}: {error}"
    assert not escaped, (
        "BUG in sealing.read_key_file (sealing.py, `document.get(\"format\")` on the parsed JSON): "
        "a JSON file whose top level is not an object raises something other than SealingError, "
        f"so the key-file tools crash instead of saying the file is not a key file: {escaped}"
    )


def test_file_of_another_format_is_named_as_such():
    with pytest.raises(SealingError, match="not a concern-report key file"):
        read_key_file(json.dumps({"format": "something-else/1"}), PASSPHRASE)


@pytest.mark.parametrize("passphrase", ["", "1234567", "kort", "elleve tegn", "12345678901",
                                        "tre små ord", "  a b c  "])
def test_a_passphrase_under_12_characters_and_under_four_words_is_refused(oslo, passphrase):
    with pytest.raises(ValueError, match="at least 12 characters, or 4 words or more"):
        write_key_file(oslo, passphrase, params=KDF_INTERACTIVE)


@pytest.mark.parametrize("passphrase", ["æøåæøåæøåæøå", "123456789012", "ku og ei ku",
                                        "tolv tegn  x"])
def test_a_passphrase_of_12_characters_or_four_words_is_accepted(oslo, passphrase):
    text = write_key_file(oslo, passphrase, params=KDF_INTERACTIVE)
    assert read_key_file(text, passphrase) == oslo


def test_fingerprint_and_key_id_are_stable_for_one_key(oslo):
    copy = bytes(bytearray(oslo.public_key))
    assert fingerprint(oslo.public_key) == fingerprint(copy)
    assert key_id(oslo.public_key) == key_id(copy) == oslo.key_id


def test_fingerprint_and_key_id_tell_two_keys_apart(oslo, bergen):
    assert fingerprint(oslo.public_key) != fingerprint(bergen.public_key)
    assert key_id(oslo.public_key) != key_id(bergen.public_key)


def test_fingerprint_is_grouped_for_reading_aloud(oslo):
    groups = fingerprint(oslo.public_key).split(" ")
    assert len(groups) == 8
    assert all(len(group) == 4 and group == group.upper() for group in groups)


def test_key_id_fits_the_envelope_column(oslo):
    # routing.models.ServiceKey.key_id is String(16).
    assert len(oslo.key_id) == 16
