"""Evidence links of an opt-in review: only absolute http(s) URLs with a host are ever kept or opened."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("https", "http")
MAX_URL_LENGTH = 2048

#: Spaces and control characters a browser would strip or ignore, so they can never disguise a scheme.
_EDGE = "".join(chr(c) for c in range(0x21)) + "\x7f\u00a0\u200b\u200c\u200d\u2060\ufeff"
_INSIDE = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u200b-\u200d\u2028\u2029\u2060\ufeff\\]")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class EvidenceKind(StrEnum):
    VIDEO = "video"
    SCREENSHOT = "screenshot"
    DOCUMENT = "document"
    OTHER = "other"


class EvidenceError(ValueError):
    """An evidence link that is refused; the message says why."""


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """A link to proof of opt-in (for example a screen recording), as the reviewer sees it."""

    url: str
    kind: EvidenceKind = EvidenceKind.OTHER
    captured_on: date | None = None
    note: str | None = None

    @classmethod
    def checked(
        cls, url: str, kind: EvidenceKind | str = EvidenceKind.OTHER, captured_on: date | None = None,
        note: str | None = None,
    ) -> EvidenceLink:
        """A link whose URL passed :func:`validate_evidence_url`; raises :class:`EvidenceError` otherwise."""
        return cls(validate_evidence_url(url), parse_kind(kind), captured_on, (note or "").strip() or None)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "url": self.url, "kind": self.kind.value, "note": self.note,
            "captured_on": self.captured_on.isoformat() if self.captured_on else None,
        }


def parse_kind(kind: EvidenceKind | str) -> EvidenceKind:
    try:
        return EvidenceKind(str(kind).strip().lower())
    except ValueError:
        names = ", ".join(k.value for k in EvidenceKind)
        raise EvidenceError(f"unknown evidence kind {kind!r} (kinds: {names})") from None


def validate_evidence_url(text: str) -> str:
    """The cleaned URL when ``text`` is an absolute http:// or https:// URL with a host; else EvidenceError.

    Leading and trailing spaces and control characters are removed first (as a browser would), the scheme is
    compared whatever its case, and a URL with spaces, control characters or backslashes inside is refused,
    so nothing a browser might read differently gets through.
    """
    url = text.strip(_EDGE)
    shown = _shorten(url)
    if not url:
        raise EvidenceError("an evidence link is empty")
    if len(url) > MAX_URL_LENGTH:
        raise EvidenceError(f"the evidence link {shown} is longer than {MAX_URL_LENGTH} characters")
    if _INSIDE.search(url):
        raise EvidenceError(f"the evidence link {shown} contains spaces, control characters or backslashes")
    scheme, sep, rest = url.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        raise EvidenceError(f"the evidence link {shown} is not an absolute URL (it must start with https://)")
    if scheme.lower() not in ALLOWED_SCHEMES:
        raise EvidenceError(
            f"the evidence link {shown} uses {scheme.lower()}: (only https:// and http:// links are accepted)"
        )
    url = scheme.lower() + ":" + rest
    if not rest.startswith("//"):
        raise EvidenceError(f"the evidence link {shown} has no host (write {scheme.lower()}://host/...)")
    parts = urlsplit(url)
    if not parts.netloc or not parts.hostname:
        raise EvidenceError(f"the evidence link {shown} has no host")
    if "@" in parts.netloc:
        raise EvidenceError(f"the evidence link {shown} carries a user name or password (user@host)")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise EvidenceError(f"the evidence link {shown} has an invalid port") from None
    if not _valid_host(parts.hostname, parts.netloc):
        raise EvidenceError(f"the evidence link {shown} has an invalid host {parts.hostname!r}")
    return url


def is_openable(url: str) -> bool:
    """May this link be handed to the browser? The only gate before opening any evidence link."""
    try:
        validate_evidence_url(url)
    except EvidenceError:
        return False
    return True


def parse_evidence(text: str, default_kind: EvidenceKind = EvidenceKind.OTHER) -> EvidenceLink:
    """``URL`` or ``KIND=URL`` (``video=https://...``) as typed on the command line."""
    head, sep, tail = text.partition("=")
    if sep and head.strip().lower() in {k.value for k in EvidenceKind}:
        return EvidenceLink.checked(tail, head)
    return EvidenceLink.checked(text, default_kind)


def _valid_host(host: str, netloc: str) -> bool:
    if netloc.startswith("["):
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return bool(labels) and all(_LABEL.match(label) for label in labels)


def _shorten(url: str, limit: int = 80) -> str:
    shown = url if len(url) <= limit else url[: limit - 3] + "..."
    return repr(shown)
