"""Sealing reports to a service's public key, and the passphrase-protected key file.

Shared by the three rooms: intake seals, routing records key ids, inbox and the CLI open.
Formats (DESIGN.md): the plaintext is padded to a size bucket and sealed with
`nacl.public.SealedBox` (X25519 + XSalsa20-Poly1305); the key file holds the private key under a
secretbox whose key comes from the passphrase through Argon2id. Every value in the key file is
plain base64 so the same file opens in libsodium's JavaScript build.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

KEYFILE_FORMAT = "concern-keyfile/1"
# Size buckets: the smallest is larger than any short report; beyond it, powers of two, so the
# ciphertext length tells an observer at most the order of magnitude of what was written.
MIN_BUCKET = 4096
PAD_MARKER = b"\x80"


class SealingError(Exception):
    """A sealed file or key file that cannot be opened: wrong key, wrong passphrase, or damage."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise SealingError("not valid base64") from error


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the public key, grouped for reading aloud when confirming it by phone."""
    digest = hashlib.sha256(public_key).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def key_id(public_key: bytes) -> str:
    """A short, stable name for a public key, derived from it so it cannot disagree with it."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def bucket_size(length: int) -> int:
    size = MIN_BUCKET
    while size < length + 1:
        size *= 2
    return size


def pad(plaintext: bytes) -> bytes:
    """ISO/IEC 7816-4 padding (libsodium's sodium_pad): a 0x80 marker, then zeros."""
    size = bucket_size(len(plaintext))
    return plaintext + PAD_MARKER + b"\x00" * (size - len(plaintext) - 1)


def unpad(padded: bytes) -> bytes:
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(PAD_MARKER):
        raise SealingError("padding is damaged")
    return stripped[:-1]


def seal(plaintext: bytes, public_key: bytes) -> bytes:
    return SealedBox(PublicKey(public_key)).encrypt(pad(plaintext))


def unseal(sealed: bytes, private_key: bytes) -> bytes:
    try:
        return unpad(SealedBox(PrivateKey(private_key)).decrypt(sealed))
    except nacl.exceptions.CryptoError as error:
        raise SealingError(
            "this key cannot open the report (wrong key, or damaged file)"
        ) from error


@dataclass(frozen=True)
class KdfParams:
    opslimit: int
    memlimit: int


# `flask keys generate` uses MODERATE (about a second); tests use INTERACTIVE.
KDF_MODERATE = KdfParams(
    nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE
)
KDF_INTERACTIVE = KdfParams(
    nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
)
# Demo key files only: their passphrase ("demo passphrase") is printed by `make run`, so
# stretching it protects nothing, and at INTERACTIVE the 372 demo key files were minutes of a
# newcomer's first run. Demo keys are flagged, and production refuses a database holding any.
KDF_DEMO = KdfParams(nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN)


@dataclass(frozen=True)
class KeyPair:
    public_key: bytes
    private_key: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        private = PrivateKey.generate()
        return cls(bytes(private.public_key), bytes(private))

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


def _derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=params.opslimit,
        memlimit=params.memlimit,
    )


# A stolen key file can be attacked offline, at the attacker's pace: the passphrase is the only
# thing between it and every report sealed to the key. Argon2id slows each guess; length does
# the rest. Four words (a phrase the team can remember) count as long enough too.
MIN_PASSPHRASE_LENGTH = 12
MIN_PASSPHRASE_WORDS = 4
PASSPHRASE_RULE = (f"at least {MIN_PASSPHRASE_LENGTH} characters, or {MIN_PASSPHRASE_WORDS} "
                   "words or more separated by spaces")


def check_passphrase(passphrase: str) -> None:
    """Raises ValueError, saying the rule, for a passphrase too short to protect a key file."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH and len(passphrase.split()) < MIN_PASSPHRASE_WORDS:
        raise ValueError(f"the passphrase must be {PASSPHRASE_RULE}")


def write_key_file(
    pair: KeyPair, passphrase: str, *, label: str = "", params: KdfParams = KDF_MODERATE
) -> str:
    """The key file's text (JSON). Only the private key is secret, and only it is encrypted."""
    check_passphrase(passphrase)
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, params))
    document = {
        "format": KEYFILE_FORMAT,
        "label": label,
        "key_id": pair.key_id,
        "public_key": b64(pair.public_key),
        "kdf": {
            "algorithm": "argon2id13",
            "salt": b64(salt),
            "opslimit": params.opslimit,
            "memlimit": params.memlimit,
        },
        "nonce": b64(nonce),
        "encrypted_private_key": b64(box.encrypt(pair.private_key, nonce).ciphertext),
    }
    return json.dumps(document, indent=2) + "\n"


def read_key_file(text: str, passphrase: str) -> KeyPair:
    try:
        document: dict[str, Any] = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != KEYFILE_FORMAT:
            raise SealingError("this is not a concern-report key file")
        kdf = document["kdf"]
        params = KdfParams(int(kdf["opslimit"]), int(kdf["memlimit"]))
        key = _derive(passphrase, unb64(kdf["salt"]), params)
        private_key = nacl.secret.SecretBox(key).decrypt(
            unb64(document["encrypted_private_key"]), unb64(document["nonce"])
        )
    except nacl.exceptions.CryptoError as error:
        raise SealingError("wrong passphrase for this key file") from error
    except (ValueError, KeyError, TypeError) as error:
        raise SealingError("the key file is damaged or incomplete") from error
    pair = KeyPair(bytes(PrivateKey(private_key).public_key), private_key)
    if b64(pair.public_key) != document.get("public_key"):
        raise SealingError("the key file is damaged: its keys do not belong together")
    return pair
