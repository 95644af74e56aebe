"""Contacts: adding and editing them. A contact's addresses decide which kept events apply to it: a new contact,
or a new address, applies the events already recorded for that address at once; an old address's entries stay in
the ledger (the history of that address) and no longer apply to the contact."""

from __future__ import annotations

from dataclasses import dataclass

from console.domain.events import now_us
from console.errors import InvalidInput
from console.services.base import ContactRef, LocationRef, Outcome, actor, location, one_contact
from console.services.context import AppContext
from console.services.reads import ContactView, StatusView, contact_view, status_of_contact
from console.store import contacts as people
from console.store.changes import CONTACTS, DND, Change
from console.store.ledger import record_note
from console.store.projection import recompute_contacts


@dataclass(frozen=True, slots=True)
class ContactEdit:
    """An edited contact: what it was, what it is, and its status now (the new address's events applied)."""

    before: ContactView
    after: ContactView
    status: StatusView

    @property
    def readdressed(self) -> bool:
        return (self.before.email, self.before.phone) != (self.after.email, self.after.phone)


def add_contact(
    ctx: AppContext,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    where: LocationRef = None,
) -> Outcome[ContactView]:
    """A new contact; events already imported for its address apply to it at once."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        loc = location(session, where)
        contact = people.add_contact(session, loc.id, name, email, phone, external_id, ctx.region)
        view = contact_view(session, contact)
    return Outcome(view, Change(DND, loc.id, frozenset({view.id}), who))


def edit_contact(
    ctx: AppContext,
    contact: ContactRef,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    where: LocationRef = None,
) -> Outcome[ContactEdit]:
    """Change a contact's name, email or phone (None: keep it; an empty string removes an address). A new address
    applies the events already kept for it; the change is a ``contact.edited`` note in the audit chain."""
    if name is None and email is None and phone is None:
        raise InvalidInput("nothing to edit: give --name, --email or --phone")
    if name is not None and not name.strip():
        raise InvalidInput("a contact needs a name")
    with ctx.store.write() as session:
        who = actor(ctx, session)
        target = one_contact(ctx, session, contact, where)
        before = contact_view(session, target)
        new_email, new_phone = people.clean_address(email, phone, ctx.region)
        if name is not None:
            target.name = name.strip()
        if email is not None:
            target.email = new_email
        if phone is not None:
            target.phone = new_phone
        target.updated_at_us = now_us()
        session.flush()
        after = contact_view(session, target)
        changed = {
            field: f"{getattr(before, field) or ''} -> {getattr(after, field) or ''}"
            for field in ("name", "email", "phone")
            if getattr(before, field) != getattr(after, field)
        }
        if (before.email, before.phone) != (after.email, after.phone):
            recompute_contacts(session, target.location_id, [target.id])
            session.refresh(target)
        if changed:
            record_note(session, target.location_id, who, "contact.edited", {"contact": str(target.id), **changed})
        result = ContactEdit(before, after, status_of_contact(session, target))
    what = DND if result.readdressed else CONTACTS
    return Outcome(result, Change(what, after.location_id, frozenset({after.id}), who))


def find_one(ctx: AppContext, contact: ContactRef, where: LocationRef = None) -> ContactView:
    """The one contact an id, email or phone names (refused when it names several, NotFound when none)."""
    with ctx.store.read() as session:
        return contact_view(session, one_contact(ctx, session, contact, where))
