"""Sealing: only the service's key opens a report, and the file's size says little."""

from __future__ import annotations

import json

import pytest

from sealing import (
    KDF_INTERACTIVE,
    KeyPair,
    SealingError,
    fingerprint,
    read_key_file,
    seal,
    unseal,
    write_key_file,
)

TEXT = "Barnet sier: «أنا خائف» 😢👶🏽".encode()


def test_a_report_opens_with_its_services_key_exactly_as_written():
    oslo = KeyPair.generate()
    assert unseal(seal(TEXT, oslo.public_key), oslo.private_key) == TEXT


def test_a_report_sealed_for_oslo_cannot_be_opened_with_bergens_key():
    oslo, bergen = KeyPair.generate(), KeyPair.generate()
    with pytest.raises(SealingError):
        unseal(seal(TEXT, oslo.public_key), bergen.private_key)


def test_a_short_and_a_long_report_have_the_same_sealed_size():
    pair = KeyPair.generate()
    assert len(seal(b"x" * 10, pair.public_key)) == len(seal(b"x" * 3000, pair.public_key))
    assert len(seal(b"x" * 5000, pair.public_key)) > len(seal(b"x" * 3000, pair.public_key))


def test_a_key_file_opens_with_its_passphrase_and_holds_no_plain_private_key():
    pair = KeyPair.generate()
    text = write_key_file(pair, "seven words of passphrase", params=KDF_INTERACTIVE)
    assert read_key_file(text, "seven words of passphrase") == pair
    from sealing import b64

    assert b64(pair.private_key) not in text


def test_a_wrong_passphrase_or_a_damaged_key_file_is_refused_clearly():
    pair = KeyPair.generate()
    text = write_key_file(pair, "seven words of passphrase", params=KDF_INTERACTIVE)
    with pytest.raises(SealingError, match="wrong passphrase"):
        read_key_file(text, "six words of passphrase")
    damaged = json.loads(text)
    damaged["public_key"] = KeyPair.generate().public_key.hex()
    with pytest.raises(SealingError):
        read_key_file(json.dumps(damaged), "seven words of passphrase")
    with pytest.raises(ValueError):
        write_key_file(pair, "short", params=KDF_INTERACTIVE)


def test_fingerprints_tell_keys_apart_and_stay_the_same_for_one_key():
    one, other = KeyPair.generate(), KeyPair.generate()
    assert fingerprint(one.public_key) == fingerprint(one.public_key)
    assert fingerprint(one.public_key) != fingerprint(other.public_key)
    assert one.key_id != other.key_id
