"""Norwegian identifiers typed by people: lenient parsing, strict check digits."""

from __future__ import annotations

import unicodedata
from datetime import date

FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII digit, everything else as it was.

    A reporter with an Arabic or Urdu keyboard types '٠١٥٠' or '۰۱۵۰' for 0150, and other
    scripts have their own digits too; all mean the same number. Only decimal digits count:
    a superscript '²' is not one.
    """
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def digits(text: str) -> str:
    """'010180 12345', '010180-12345', ' 01018012345 ' and '٠١٠١٨٠ ١٢٣٤٥' all mean the same
    number: its ASCII digits, without separators."""
    return "".join(ch for ch in ascii_digits(text) if ch in "0123456789")


def _mod11(values: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(int(v) * w for v, w in zip(values, weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else check


def is_valid_national_id(number: str) -> bool:
    """Fødselsnummer or D-number: 11 digits, a real date, and both mod-11 check digits.

    D-numbers add 4 to the first digit; H-numbers 4 to the third; the synthetic test numbers
    of Skatteetaten's test register add 8 to the third.
    """
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return False
    if _mod11(number[:9], FNR_WEIGHTS_1) != int(number[9]):
        return False
    if _mod11(number[:10], FNR_WEIGHTS_2) != int(number[10]):
        return False
    day, month = int(number[:2]), int(number[2:4])
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    year = int(number[4:6])
    try:
        date(2000 + year, month, day)
    except ValueError:
        try:
            date(1900 + year, month, day)
        except ValueError:
            return False
    return True


def is_valid_organisation_number(number: str) -> bool:
    if len(number) != 9 or not (number.isascii() and number.isdigit()):
        return False
    return _mod11(number[:8], ORGNR_WEIGHTS) == int(number[8])
