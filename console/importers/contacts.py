"""Contacts CSV rows: name (or first and last name), email, phone, external id, location."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from console.domain.addresses import AddressError, normalize_phone
from console.importers.base import ContactRow, Record, Reject
from console.importers.csvfile import CsvTable
from console.importers.errors import MissingColumns
from console.importers.mailgun import email_address
from console.store.limits import contact_problem

COLUMNS = {
    "name": ("name", "fullname", "contactname"),
    "first_name": ("firstname", "givenname"),
    "last_name": ("lastname", "surname", "familyname"),
    "email": ("email", "emailaddress"),
    "phone": ("phone", "phonenumber", "mobile", "mobilephone"),
    "external_id": ("externalid", "id"),
    "location": ("location", "locationname"),
}


def iter_contacts(stream: BinaryIO, path: Path, region: str, latin1: bool = False) -> Iterator[Record]:
    """One ``ContactRow`` per data row, or a ``Reject`` naming what is wrong with it."""
    table = CsvTable(stream, path, COLUMNS, required=(), latin1=latin1)
    index = table.index
    if index["email"] is None and index["phone"] is None:
        raise_missing(table, path)
    if index["name"] is None and index["first_name"] is None and index["last_name"] is None:
        raise_missing(table, path, ("name",))
    file = str(path)
    for line, _, row, problem, raw in table.rows():
        if row is None:
            if problem:
                yield Reject(file, line, problem, raw)
            continue
        cells = {name: _cell(row, i) for name, i in index.items()}
        name = cells["name"] or " ".join(p for p in (cells["first_name"], cells["last_name"]) if p)
        if not name and not cells["email"] and not cells["phone"]:
            yield Reject(file, line, "no name, email or phone", table.raw(row))
            continue
        try:
            email = email_address(cells["email"]) if cells["email"] else None
            phone = normalize_phone(cells["phone"], region) if cells["phone"] else None
        except AddressError as exc:
            yield Reject(file, line, str(exc), table.raw(row))
            continue
        held = contact_problem(name, email, phone, cells["external_id"])
        if held is not None:
            yield Reject(file, line, held, table.raw(row))
            continue
        yield ContactRow(file, line, name, email, phone, cells["external_id"], cells["location"])


def _cell(row: list[str], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    value = row[index].strip()
    return value or None


def raise_missing(table: CsvTable, path: Path, missing: tuple[str, ...] = ("email", "phone")) -> None:
    shown = ", ".join(table.header)[:200]
    if len(table.header) == 1:
        problem = f"the header row has a single column ({shown!r}): wrong delimiter? Use ',' or ';'"
    else:
        problem = f"missing required column(s): {' or '.join(missing)} (header: {shown})"
    raise MissingColumns(path, problem, missing)
