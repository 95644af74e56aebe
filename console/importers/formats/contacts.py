"""Contacts CSV files (name, email, phone, external id, location): synced into the contact list, not the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from console.importers.base import Record
from console.importers.contacts import iter_contacts
from console.importers.registry import Head, Layout, ProviderFormat, ReadContext, register

_COLUMNS = frozenset({"email", "phone", "name", "firstname", "lastname"})


def _score(head: Head) -> int:
    columns = head.columns
    if head.json or not (columns & _COLUMNS) or not ({"email", "phone"} & columns):
        return 0
    return 40  # below every provider CSV: an export with an email column is still that export


def _read(stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    return iter_contacts(stream, context.path, context.region, latin1=context.latin1)


CONTACTS = register(
    ProviderFormat(
        name="contacts",
        source=None,
        title="Contacts (CSV: name, email, phone, external id, location)",
        score=_score,
        layout=lambda head: Layout.WHOLE,  # contacts are synced as one set: never split
        read=_read,
        patterns=("*.csv", "*.txt"),
    )
)
