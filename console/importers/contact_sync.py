"""Contacts CSV rows into the store: matched by normalized email, then phone, then external id, per location."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from console.domain.events import now_us
from console.importers.base import ContactRow, Reject
from console.store.models import Contact, Location
from console.store.projection import recompute_contacts


@dataclass(slots=True)
class ContactsSummary:
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    contact_ids: set[int] = field(default_factory=set)

    def as_dict(self, contact_ids: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejects": [{"file": r.file, "line": r.line, "error": r.error} for r in self.rejects[:1000]],
        }
        if contact_ids:  # the contacts the import created or updated (renamed, readdressed), smallest id first
            data["contact_ids"] = sorted(self.contact_ids)
        return data

    def absorb(self, part: ContactsSummary) -> None:
        """Add the counts of one committed chunk."""
        self.records += part.records
        self.created += part.created
        self.updated += part.updated
        self.unchanged += part.unchanged
        self.rejected += part.rejected
        self.rejects.extend(part.rejects)
        self.contact_ids |= part.contact_ids

    def reject(self, reject: Reject) -> None:
        self.records += 1
        self.rejected += 1
        self.rejects.append(reject)


def _location_ids(session: Session, rows: list[ContactRow]) -> dict[str, int]:
    names = sorted({r.location.strip() for r in rows if r.location and r.location.strip()})
    if not names:
        return {}
    return {
        name: lid for lid, name in session.execute(select(Location.id, Location.name).where(Location.name.in_(names)))
    }


def _raw(row: ContactRow) -> str:
    """The row's cells as read, to keep with a rejected row."""
    cells = {
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "external_id": row.external_id,
        "location": row.location,
    }
    return orjson.dumps({k: v for k, v in cells.items() if v}).decode()


def sync_contacts(
    session: Session, default_location_id: int, rows: list[ContactRow], summary: ContactsSummary, region: str
) -> None:
    """Create or update the contacts of ``rows``; a new or re-addressed contact replays its channels."""
    locations = _location_ids(session, rows)
    by_location: dict[int, list[ContactRow]] = defaultdict(list)
    for row in rows:
        wanted = (row.location or "").strip()
        if wanted and wanted not in locations:
            summary.reject(Reject(row.file, row.line, f"unknown location {wanted!r}", _raw(row)))
        elif not (row.email or row.phone or row.external_id):
            summary.reject(
                Reject(row.file, row.line, "no email, phone or external_id to match the contact by", _raw(row))
            )
        else:
            by_location[locations[wanted] if wanted else default_location_id].append(row)
    for location_id, group in by_location.items():
        _sync_location(session, location_id, group, summary)


def _sync_location(session: Session, location_id: int, rows: list[ContactRow], summary: ContactsSummary) -> None:
    emails = sorted({r.email for r in rows if r.email})
    phones = sorted({r.phone for r in rows if r.phone})
    externals = sorted({r.external_id for r in rows if r.external_id})
    index: dict[tuple[str, str], Contact] = {}
    found = session.scalars(
        select(Contact).where(
            Contact.location_id == location_id,
            or_(Contact.email.in_(emails), Contact.phone.in_(phones), Contact.external_id.in_(externals)),
        )
    )
    for existing in found:
        _index(index, existing)
    readdressed: list[Contact] = []
    touched: list[Contact] = []
    now = now_us()
    for row in rows:
        summary.records += 1
        contact: Contact | None = (
            (index.get(("email", row.email)) if row.email else None)
            or (index.get(("phone", row.phone)) if row.phone else None)
            or (index.get(("external", row.external_id)) if row.external_id else None)
        )
        name = row.name.strip() or row.email or row.phone or row.external_id or "?"
        if contact is None:
            contact = Contact(
                location_id=location_id,
                name=name,
                email=row.email,
                phone=row.phone,
                external_id=row.external_id,
                created_at_us=now,
                updated_at_us=now,
                dnd_mask=0,
            )
            session.add(contact)
            readdressed.append(contact)
            touched.append(contact)
            summary.created += 1
        else:
            changes = {
                key: value
                for key, value in (
                    ("name", row.name.strip()),
                    ("email", row.email),
                    ("phone", row.phone),
                    ("external_id", row.external_id),
                )
                if value and getattr(contact, key) != value
            }
            if not changes:
                summary.unchanged += 1
            else:
                for key, value in changes.items():
                    setattr(contact, key, value)
                contact.updated_at_us = now
                summary.updated += 1
                touched.append(contact)
                if "email" in changes or "phone" in changes:
                    readdressed.append(contact)
        _index(index, contact)
    session.flush()
    summary.contact_ids.update(c.id for c in touched)  # created, renamed or readdressed: the import changed them
    recompute_contacts(session, location_id, sorted({c.id for c in readdressed}))


def _index(index: dict[tuple[str, str], Contact], contact: Contact) -> None:
    if contact.email:
        index.setdefault(("email", contact.email), contact)
    if contact.phone:
        index.setdefault(("phone", contact.phone), contact)
    if contact.external_id:
        index.setdefault(("external", contact.external_id), contact)
