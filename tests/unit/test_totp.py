"""inbox/totp.py (pyotp underneath) against RFC 6238's SHA-1 test vectors (appendix B), and our
rules around them: the ±1 step window, a used step refused, malformed codes refused. And the
enrolment QR code (inbox/qr_code.py): what it draws, read back from the SVG, is exactly the
set-up link."""

from __future__ import annotations

import base64

import pyotp
import pytest

from inbox import qr_code, totp
from tests.helpers.qr import drawn_modules, qr_modules, read_svg

RFC_KEY = b"12345678901234567890"
RFC_SECRET = base64.b32encode(RFC_KEY).decode()
# (Unix time, the 8-digit SHA-1 value); a 6-digit code is its last six digits.
RFC_6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("now", "expected"), RFC_6238_SHA1)
def test_codes_match_the_rfc_6238_vectors(now, expected):
    step = totp.time_step(now)
    assert pyotp.TOTP(RFC_SECRET, digits=8).generate_otp(step) == expected
    assert totp.code_for_step(RFC_SECRET, step) == expected[-6:]
    assert totp.matching_step(RFC_SECRET, expected[-6:], now, None) == step


def test_a_code_from_the_step_before_or_after_is_accepted_but_not_two_away():
    now = 1111111111
    step = totp.time_step(now)
    for offset in (-1, 1):
        code = totp.code_for_step(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, now, None) == step + offset
    for offset in (-2, 2):
        code = totp.code_for_step(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, now, None) is None


def test_a_used_step_and_every_earlier_one_is_refused():
    now = 1234567890
    step = totp.time_step(now)
    code = totp.code_for_step(RFC_SECRET, step)
    assert totp.matching_step(RFC_SECRET, code, now, last_used_step=step) is None
    assert totp.matching_step(RFC_SECRET, code, now, last_used_step=step - 1) == step
    later = totp.code_for_step(RFC_SECRET, step + 1)
    assert totp.matching_step(RFC_SECRET, later, now, last_used_step=step) == step + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5"])
def test_malformed_codes_are_refused(code):
    assert totp.matching_step(RFC_SECRET, code, 59, None) is None


def test_a_code_typed_with_spaces_is_read_as_digits():
    assert totp.matching_step(RFC_SECRET, " 287 082 ", 59, None) == 1


def test_new_secrets_are_160_bit_base32_and_differ():
    first, second = totp.new_secret(), totp.new_secret()
    assert len(base64.b32decode(first)) == 20 and first != second


def test_the_provisioning_uri_names_the_issuer_account_and_parameters():
    uri = totp.provisioning_uri(RFC_SECRET, "kari@oslo", "Innboks")
    assert uri.startswith("otpauth://totp/Innboks:kari%40oslo?")
    read_back = pyotp.parse_uri(uri)
    assert (read_back.secret, read_back.name, read_back.issuer) == (RFC_SECRET, "kari@oslo",
                                                                     "Innboks")
    assert (read_back.digits, read_back.interval) == (6, 30)
    assert read_back.generate_otp(41) == totp.code_for_step(RFC_SECRET, 41)


# --- the QR code -------------------------------------------------------------------------------

URI = totp.provisioning_uri(RFC_SECRET, "kari.nordmann@oslo", "Bekymringsmelding innboks")


def test_the_qr_code_draws_exactly_the_set_up_link():
    drawn = drawn_modules(qr_code.svg(URI, "QR code"))
    assert drawn in qr_modules(URI)
    other = totp.provisioning_uri(totp.new_secret(), "kari.nordmann@oslo",
                                  "Bekymringsmelding innboks")
    assert drawn not in qr_modules(other)


def test_the_qr_code_is_a_named_picture_with_no_style_attribute_and_nothing_fetched():
    svg = str(qr_code.svg(URI, "QR-kode <for> «appen» & nøkkelen"))
    parser = read_svg(svg)
    assert len(parser.svgs) == 1 and parser.svgs[0]["role"] == "img"
    assert parser.titles == ["QR-kode <for> «appen» & nøkkelen"], "the title is escaped text"
    assert parser.styled == 0, "the Content-Security-Policy blocks inline style"
    assert "href" not in svg and "url(" not in svg
    width, height = parser.svgs[0]["width"], parser.svgs[0]["height"]
    assert width == height and 200 <= int(width) <= 320, "fits a 320 px phone at its own size"
