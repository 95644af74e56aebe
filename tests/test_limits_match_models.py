"""The lengths imports check records against (store/limits.py, plain numbers) are the models' column lengths."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String

from console.store import limits
from console.store.models import ChannelStateRow, Contact, LedgerEntry, NoopRecord, PossibleOptOut


def declared(*columns: Any) -> int:
    lengths = [c.type.length for c in columns if isinstance(c.type, String) and c.type.length]
    assert len(lengths) == len(columns), "every column checked here has a declared length"
    return min(lengths)


def test_the_limits_an_import_checks_are_the_lengths_of_the_columns_the_values_go_in() -> None:
    events, noops = LedgerEntry.__table__.c, NoopRecord.__table__.c
    assert declared(events.key, noops.key) == limits.KEY
    assert declared(events.address, PossibleOptOut.__table__.c.address) == limits.ADDRESS
    assert declared(events.reason, noops.label) == limits.REASON
    assert declared(events.source, noops.source) == limits.SOURCE
    assert declared(ChannelStateRow.__table__.c.last_order) == limits._ORDER
    contacts = Contact.__table__.c
    assert (
        declared(contacts.name), declared(contacts.email), declared(contacts.phone), declared(contacts.external_id)
    ) == (limits.CONTACT_NAME, limits.CONTACT_EMAIL, limits.CONTACT_PHONE, limits.CONTACT_EXTERNAL_ID)
