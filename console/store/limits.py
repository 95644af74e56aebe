"""What the database can hold (the models' column lengths): imports check each record against it before storing.

PostgreSQL refuses a value longer than its column or a text holding a NUL character, and one such value
would fail its whole chunk on every run; SQLite stores either silently. Checking first makes both backends
reject that record (and only that one) with a clear reason.
"""

from __future__ import annotations

from console.domain.events import Event
from console.store.encoding import order_text

# The declared lengths of the columns these values go in (console/store/models.py), as plain numbers so the import
# processes check records without loading SQLAlchemy; tests/test_limits_match_models.py keeps them equal.
#: An event's key is stored in the ledger and the no-op records, and inside the channel state's order text.
KEY = 300
ADDRESS = 320
#: The reason of a trigger, or the label of a record that triggers nothing.
REASON = 80
SOURCE = 32
_ORDER = 300
CONTACT_NAME = 300
CONTACT_EMAIL = 320
CONTACT_PHONE = 20
CONTACT_EXTERNAL_ID = 200

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
