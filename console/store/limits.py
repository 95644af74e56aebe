"""What the database can hold, read from the models: imports check each record against it before storing.

PostgreSQL refuses a value longer than its column or a text holding a NUL character, and one such value
would fail its whole chunk on every run; SQLite stores either silently. Checking first makes both backends
reject that record (and only that one) with a clear reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.sql.elements import KeyedColumnElement

from console.domain.events import Event
from console.store.models import ChannelStateRow, Contact, LedgerEntry, NoopRecord, PossibleOptOut
from console.store.tables import order_text


def _length(*columns: KeyedColumnElement[Any]) -> int:
    """The smallest declared length of ``columns`` (all ``String(n)``)."""
    lengths = [c.type.length for c in columns if isinstance(c.type, String) and c.type.length]
    assert len(lengths) == len(columns), "every column checked here has a declared length"
    return min(lengths)


_EVENTS = LedgerEntry.__table__.c
#: An event's key is stored in the ledger and the no-op records, and inside the channel state's order text.
KEY = _length(_EVENTS.key, NoopRecord.__table__.c.key)
ADDRESS = _length(_EVENTS.address, PossibleOptOut.__table__.c.address)
#: The reason of a trigger, or the label of a record that triggers nothing.
REASON = _length(_EVENTS.reason, NoopRecord.__table__.c.label)
SOURCE = _length(_EVENTS.source, NoopRecord.__table__.c.source)
_ORDER = _length(ChannelStateRow.__table__.c.last_order)
CONTACT_NAME = _length(Contact.__table__.c.name)
CONTACT_EMAIL = _length(Contact.__table__.c.email)
CONTACT_PHONE = _length(Contact.__table__.c.phone)
CONTACT_EXTERNAL_ID = _length(Contact.__table__.c.external_id)

_key_limits: dict[str, int] = {}


def key_limit(source: str) -> int:
    """The longest key an event of ``source`` may have: its column, and the order text that embeds it."""
    limit = _key_limits.get(source)
    if limit is None:
        moments = (-(2**62), 0, 2**62)
        prefix = max(len(order_text(at, effect, source, "")) for at in moments for effect in ("set", "lift"))
        limit = _key_limits[source] = min(KEY, _ORDER - prefix)
    return limit


#: No key up to this long is too long, whatever its source: most records are decided by this comparison.
_SAFE_KEY = key_limit("s" * SOURCE)


def too_long(what: str, value: str, limit: int) -> str:
    return f"{what} too long ({len(value):,} characters, at most {limit:,})"


def event_problem(event: Event) -> str | None:
    """Why the database cannot hold ``event`` (a value too long for its column, a NUL character), or None.

    Called for every imported record, so the common case is decided by a few comparisons.
    """
    key, address, reason = event.key, event.address, event.reason
    if (
        len(key) <= _SAFE_KEY
        and len(reason) <= REASON
        and "\x00" not in key
        and "\x00" not in reason
        and (address is None or (len(address) <= ADDRESS and "\x00" not in address))
        and "possible_opt_out" not in event.detail
    ):
        return None
    if address is not None and len(address) > ADDRESS:  # first: some keys hold the address
        return too_long("address", address, ADDRESS)
    if len(event.source) > SOURCE:
        return too_long("source", event.source, SOURCE)
    if len(key) > key_limit(event.source):
        return too_long("provider id", key, key_limit(event.source))
    if len(reason) > REASON:
        return too_long("reason", reason, REASON)
    body = event.detail.get("body")  # kept in its own column for a possible opt-out
    for what, value in (("provider id", key), ("address", address), ("reason", reason), ("body", body)):
        if value is not None and "\x00" in value:
            return f"a NUL character in the {what}"
    return None


def contact_problem(name: str, email: str | None, phone: str | None, external_id: str | None) -> str | None:
    """Why the database cannot hold this contact, or None."""
    for what, value, limit in (
        ("name", name, CONTACT_NAME),
        ("email", email, CONTACT_EMAIL),
        ("phone", phone, CONTACT_PHONE),
        ("external id", external_id, CONTACT_EXTERNAL_ID),
    ):
        if value is None:
            continue
        if len(value) > limit:
            return too_long(what, value, limit)
        if "\x00" in value:
            return f"a NUL character in the {what}"
    return None
