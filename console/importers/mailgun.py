"""Mailgun events and suppression-list rows as ledger events."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from console.domain.addresses import AddressError, normalize_email
from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source
from console.domain.triggers import mailgun_no_effect_label, mailgun_trigger, suppression_list_trigger
from console.importers.dates import parse_date, parse_epoch

_EMAIL = Channel.EMAIL
#: Below 2**33 s (year 2242), ``round(seconds * 1e6)`` of a float is exact for 6-decimal timestamps.
_EXACT_FLOAT_LIMIT = float(2**33)
_MAILGUN = Source.MAILGUN.value
#: Keys are at most this long (the ledger's column holds 300 and the order text adds the time and source).
MAX_KEY = 200
_new_event = tuple.__new__  # Event(...) positionally without the named tuple's __new__ (see fast.make_event)


@lru_cache(maxsize=262_144)
def email_address(text: str) -> str:
    """Normalized email; ``Name <a@b.c>`` is accepted. Raises ``AddressError``."""
    if "<" in text and text.rstrip().endswith(">"):
        text = text[text.rindex("<") + 1 : text.rstrip().rindex(">")]
    return normalize_email(text)


@lru_cache(maxsize=4096)
def _outcome(event: str, severity: str | None, reason: str | None) -> tuple[Effect, DndKind | None, str, bool]:
    """(effect, kind, reason, is_label) of an event type; labels name records that trigger nothing."""
    trigger = mailgun_trigger(event, severity, reason)
    if trigger is not None:
        return Effect.SET, trigger.kind, trigger.reason, False
    return Effect.NONE, None, mailgun_no_effect_label(event, severity, reason), True


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def seconds_text(at_us: int) -> str:
    """Canonical epoch-seconds text of a time (``1709287200.375624``), used in idempotency keys."""
    return f"{at_us // 1_000_000}.{at_us % 1_000_000:06d}"


def event_key(ident: str, at_us: int, event: str, address: str | None) -> str:
    """The idempotency key of a Mailgun event (RULES.md): its id, timestamp, event type and recipient.

    Mailgun ids are unique only within a day and published samples reuse one id and timestamp for different
    events, so the id alone is not enough. A key longer than ``MAX_KEY`` (a long id or address) keeps its
    readable start and ends in a digest of the whole.
    """
    return event_key_bounded(f"{ident}@{seconds_text(at_us)}/{event}/{address or ''}")


def event_key_bounded(key: str) -> str:
    """``key``, or when longer than ``MAX_KEY`` its readable start and a digest of the whole."""
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return f"{key[: MAX_KEY - 33]}#{digest}"


def content_id(obj: dict[str, Any], severity: Any, reason: Any) -> str:
    """Stands in for the id of an event that has none: ``~`` and a digest of what tells such events apart
    beyond timestamp, type and recipient (severity, reason, the message id), so a re-import finds the same key."""
    message = obj.get("message")
    headers = message.get("headers") if type(message) is dict else None
    message_id = headers.get("message-id") if type(headers) is dict else None
    text = "\x1f".join(_text(part) or "" for part in (severity, reason, message_id))
    return "~" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def mailgun_event(obj: Any) -> Event | str:
    """An events-API item or a webhook payload as an event, or the reason it cannot be read."""
    if type(obj) is not dict:
        return "record is not a JSON object"
    fallback: Any = None
    data = obj.get("event-data")
    if data is not None:
        if type(data) is not dict:
            return "event-data is not a JSON object"
        signature = obj.get("signature")
        fallback = signature.get("timestamp") if type(signature) is dict else None
        obj = data
    event = obj.get("event")
    if not event or type(event) is not str:
        return "event missing"
    stamp = obj.get("timestamp")
    if type(stamp) is float and 0.0 < stamp < _EXACT_FLOAT_LIMIT:
        at_us = round(stamp * 1_000_000)
    else:
        if stamp is None or stamp == "":
            stamp = fallback
            if stamp is None or stamp == "":
                return "timestamp missing"
        try:
            at_us = parse_epoch(stamp)
        except ValueError as exc:
            return f"timestamp unreadable: {exc}"
    severity = obj.get("severity")
    reason = obj.get("reason")
    if (severity is not None and type(severity) is not str) or (reason is not None and type(reason) is not str):
        severity, reason = _text(severity), _text(reason)
    effect, kind, why, is_label = _outcome(event, severity or None, reason or None)
    recipient = obj.get("recipient")
    address: str | None = None
    if recipient:
        if type(recipient) is not str:
            return "recipient is not text"
        try:
            address = email_address(recipient)
        except AddressError as exc:
            return str(exc)
    elif effect is not Effect.NONE:
        return "recipient missing"  # a trigger must name whom it is about; other events may carry none by design
    detail = {"event": event, "label": why} if is_label else {"event": event}
    ident = obj.get("id")
    if not ident or type(ident) is not str:
        ident = _text(ident) or content_id(obj, severity, reason)
    key = f"{ident}@{at_us // 1_000_000}.{at_us % 1_000_000:06d}/{event}/{address or ''}"  # = event_key(), inlined
    if len(key) > MAX_KEY:
        key = event_key_bounded(key)
    # make_event() without its call: this is the hot path of the typical export
    return _new_event(Event, (_MAILGUN, key, at_us, _EMAIL, effect, kind, why, address, None, False, detail))


def suppression_event(list_name: str, obj: Any) -> Event | str:
    """A suppression-list row (CSV cells by name, or an API item) as an email DND."""
    if not isinstance(obj, dict):
        return "record is not a JSON object"
    address_text = obj.get("address")
    if not address_text or not isinstance(address_text, str):
        return "address missing"
    created = obj.get("created_at")
    if created is None or created == "":
        return "created_at missing"
    try:
        at_us = parse_epoch(created) if isinstance(created, int | float) else parse_date(str(created))
    except ValueError as exc:
        return f"created_at unreadable: {exc}"
    try:
        address = email_address(address_text)
    except AddressError as exc:
        return str(exc)
    trigger = suppression_list_trigger(list_name)
    detail = {"list": list_name}
    for name in ("code", "error", "tag", "tags"):
        value = obj.get(name)
        if value not in (None, "", []):
            detail[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)[:500]
    key = f"{list_name}:{address}:{at_us}"
    tag = detail.get("tag") or detail.get("tags")
    if tag and tag != "*":
        # one unsubscribe per tag (the v2 API lists ``*`` and ``tag1`` for one address at one time): two
        # records, two keys; ``*`` (all) keeps the key it always had
        key = event_key_bounded(f"{key}:{tag}")
    return Event(
        _MAILGUN,
        key,
        at_us,
        _EMAIL,
        Effect.SET,
        trigger.kind,
        trigger.reason,
        address,
        detail=detail,
    )
