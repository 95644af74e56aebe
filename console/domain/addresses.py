"""Normalized addresses: emails trimmed and lower-cased, phones in E.164."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "US"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class AddressError(ValueError):
    """An address that cannot be normalized."""


def normalize_email(text: str) -> str:
    email = text.strip().lower()
    if email.startswith("mailto:"):
        email = email[7:]
    if not _EMAIL.match(email):
        raise AddressError(f"not an email address: {text.strip()!r}")
    return email


@lru_cache(maxsize=262_144)
def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number written in any common format; national numbers use ``region``."""
    raw = text.strip()
    if _E164.match(raw):
        return raw
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        raise AddressError(f"not a phone number: {raw!r}") from None
    if not phonenumbers.is_possible_number(number):
        raise AddressError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_email(text: str) -> bool:
    return "@" in text


def parse_contact_ref(text: str, region: str = DEFAULT_REGION) -> tuple[str, str | int]:
    """What a CONTACT argument names: ("id", 7), ("email", "a@b.c") or ("phone", "+1...")."""
    ref = text.strip()
    if ref.isdigit():
        return "id", int(ref)
    if looks_like_email(ref):
        return "email", normalize_email(ref)
    return "phone", normalize_phone(ref, region)
