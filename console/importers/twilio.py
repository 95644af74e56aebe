"""Twilio messages (Console CSV rows, API / BulkExport resources, webhook form fields) as SMS events."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from console.domain.addresses import AddressError, normalize_phone
from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source
from console.domain.keywords import Inbound, classify_inbound
from console.domain.triggers import twilio_error_trigger
from console.importers.dates import parse_date
from console.importers.fast import make_event

_TWILIO = Source.TWILIO.value
_SMS = Channel.SMS
_INBOUND_STATUSES = frozenset({"received", "receiving"})
_MAX_BODY = 1600
_new_event = tuple.__new__  # Event(...) positionally without the named tuple's __new__ (see fast.make_event)
#: The fields naming a message in webhooks (``SmsSid``/``SmsMessageSid`` are the older names).
_SID_FIELDS = frozenset({"MessageSid", "SmsSid", "SmsMessageSid"})


def error_code(value: Any) -> tuple[int | None, str]:
    """The error code as a number (None when absent or not numeric) and as text."""
    if value is None or value == "" or value == 0 or isinstance(value, bool):
        return None, ""
    if isinstance(value, int):
        return value, str(value)
    text = str(value).strip()
    if not text or text == "0":
        return None, ""
    if text.isdigit():
        return int(text), text
    try:
        number = float(text)
    except ValueError:
        return None, text
    return (int(number), str(int(number))) if number.is_integer() and number > 0 else (None, text)


@lru_cache(maxsize=4096)
def _outbound_outcome(state: str, code: Any) -> tuple[Effect, DndKind | None, str, dict[str, str]]:
    """(effect, kind, reason, detail) of an outbound message's status and error code."""
    number, code_text = error_code(code)
    trigger = twilio_error_trigger(number)
    if trigger is not None:
        return Effect.SET, trigger.kind, trigger.reason, {"status": state, "error_code": code_text}
    label = f"{state or 'unknown'}/{code_text}" if code_text else state or "unknown"
    return Effect.NONE, None, label, {"label": label}


def message_event(
    sid: Any,
    status: Any,
    direction: Any,
    sender: Any,
    recipient: Any,
    body: Any,
    code: Any,
    at_us: int,
    region: str,
    opt_out_type: Any = None,
) -> Event | str:
    """One message (or status callback) as an event, or the reason it cannot be read."""
    if not sid or type(sid) is not str:
        return "message sid missing"
    state = status.strip().lower() if type(status) is str else ""
    way = direction.strip().lower() if type(direction) is str else ""
    if way[:2] == "in":
        inbound = True
    elif way[:3] == "out":
        inbound = False
    else:
        inbound = state in _INBOUND_STATUSES
    if inbound and not state:
        state = "received"
    who = sender if inbound else recipient
    channel = _SMS
    address: str | None = None
    if who and type(who) is str:
        if who[:9] == "whatsapp:":
            channel, who = Channel.WHATSAPP, who[9:]
        if 9 <= len(who) <= 16 and who[0] == "+" and who[1] != "0" and who[1:].isdigit() and who.isascii():
            address = who  # already E.164: skip the (cached) normalizer, most exports write numbers this way
        else:
            try:
                address = normalize_phone(who, region)
            except AddressError as exc:
                return str(exc)
    else:
        other = recipient if inbound else sender
        if type(other) is str and other[:9] == "whatsapp:":
            channel = Channel.WHATSAPP
    key = f"{sid}:{state or 'unknown'}"
    if inbound:
        event = _inbound_event(key, at_us, channel, address, body, opt_out_type)
    else:
        if type(code) is not str and type(code) is not int:
            code = None if code is None else str(code)
        effect, kind, reason, detail = _outbound_outcome(state, code)
        if channel is not _SMS and effect is Effect.SET:  # error triggers are SMS rules
            effect, kind, reason, detail = Effect.NONE, None, f"whatsapp/{reason}", {"label": f"whatsapp/{reason}"}
        # make_event() without its call: outbound rows are most of a message log
        values = (_TWILIO, key, at_us, channel, effect, kind, reason, address, None, False, dict(detail))
        event = _new_event(Event, values)
    if address is None and (event.effect is not Effect.NONE or "possible_opt_out" in event.detail):
        # A status callback without ``To`` carries no number by design and changes nothing; a trigger (or a
        # possible opt-out an agent must see) without its number cannot be applied to anyone.
        return ("'from'" if inbound else "'to'") + " number missing"
    return event


def _inbound_event(
    key: str, at_us: int, channel: Channel, address: str | None, body: Any, opt_out_type: Any
) -> Event:
    text = body if isinstance(body, str) else "" if body is None else str(body)
    tag = opt_out_type if isinstance(opt_out_type, str) else None
    verdict, keyword = classify_inbound(text, tag)
    if verdict is Inbound.OPT_OUT:
        detail = {"keyword": keyword or "", "body": text[:_MAX_BODY]}
        return make_event(
            _TWILIO,
            key,
            at_us,
            channel,
            Effect.SET,
            DndKind.PERMANENT,
            "sms.opt_out_keyword",
            address,
            detail,
        )
    if verdict is Inbound.OPT_IN:
        detail = {"keyword": keyword or ""}
        return make_event(
            _TWILIO,
            key,
            at_us,
            channel,
            Effect.LIFT,
            DndKind.SPAM,
            "sms.opt_in_keyword",
            address,
            detail,
        )
    label = f"inbound/{verdict.value}"
    detail = {"label": label}
    if verdict is Inbound.POSSIBLE_OPT_OUT:
        detail.update(possible_opt_out="1", body=text[:_MAX_BODY])
    return make_event(_TWILIO, key, at_us, channel, Effect.NONE, None, label, address, detail)


def resource_event(obj: Any, region: str) -> Event | str:
    """A Message resource (API page item or BulkExport line), dates RFC 2822 or ISO 8601."""
    if not isinstance(obj, dict):
        return "record is not a JSON object"
    when = obj.get("date_sent") or obj.get("date_created")
    if not when:
        return "date_sent missing"
    try:
        at_us = parse_date(when) if isinstance(when, str) else _not_text(when)
    except ValueError as exc:
        return f"date_sent unreadable: {exc}"
    return message_event(
        obj.get("sid"),
        obj.get("status"),
        obj.get("direction"),
        obj.get("from"),
        obj.get("to"),
        obj.get("body"),
        obj.get("error_code"),
        at_us,
        region,
    )


def webhook_event(obj: dict[str, Any], region: str, import_time_us: int) -> Event | str:
    """Webhook form fields (status callback or inbound message); they carry no time: the import time."""
    status = obj.get("MessageStatus") or obj.get("SmsStatus")
    direction = "inbound" if not status and obj.get("Body") is not None else None
    return message_event(
        obj.get("MessageSid") or obj.get("SmsSid") or obj.get("SmsMessageSid"),
        status,
        direction,
        obj.get("From"),
        obj.get("To"),
        obj.get("Body"),
        obj.get("ErrorCode"),
        import_time_us,
        region,
        obj.get("OptOutType"),
    )


def form_fields(line: bytes) -> dict[str, str] | str:
    """A raw webhook request body (``From=%2B1415...&Body=STOP&MessageSid=SM...``) as its fields, or the problem.

    Read with ``urllib.parse.parse_qsl``: ``+`` is a space and ``%XX`` a UTF-8 byte, as Twilio posts them.
    """
    try:
        text = line.decode("ascii").strip()
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except UnicodeDecodeError:
        return "not a form-encoded body (raw bytes that are not ASCII, or %-escapes that are not UTF-8)"
    except ValueError:
        return "not a form-encoded body (a field without '=')"
    return dict(pairs)


def is_webhook(fields: dict[str, Any]) -> bool:
    """Form fields of a Twilio messaging webhook (status callback or inbound message)."""
    return not _SID_FIELDS.isdisjoint(fields)


def json_event(obj: Any, region: str, import_time_us: int) -> Event | str:
    """Any Twilio JSON record: webhook form fields when it has ``MessageSid``, else a Message resource."""
    if isinstance(obj, dict) and is_webhook(obj):
        return webhook_event(obj, region, import_time_us)
    return resource_event(obj, region)


def _not_text(value: Any) -> int:
    raise ValueError(f"not a date: {value!r}")
