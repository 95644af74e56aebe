"""Contacts: adding, updating and finding them by id, email or phone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.addresses import AddressError, normalize_email, normalize_phone, parse_contact_ref
from console.domain.events import now_us
from console.errors import InvalidInput, NotFound
from console.store.models import Contact
from console.store.projection import recompute_contacts


def clean_address(email: str | None, phone: str | None, region: str) -> tuple[str | None, str | None]:
    try:
        return (
            normalize_email(email) if email and email.strip() else None,
            normalize_phone(phone, region) if phone and phone.strip() else None,
        )
    except AddressError as exc:
        raise InvalidInput(str(exc)) from None


def add_contact(
    session: Session,
    location_id: int,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    region: str = "US",
) -> Contact:
    """Create a contact; events already recorded for its address apply to it at once."""
    if not name or not name.strip():
        raise InvalidInput("a contact needs a name")
    norm_email, norm_phone = clean_address(email, phone, region)
    now = now_us()
    contact = Contact(
        location_id=location_id,
        name=name.strip(),
        email=norm_email,
        phone=norm_phone,
        external_id=external_id,
        created_at_us=now,
        updated_at_us=now,
        dnd_mask=0,
    )
    session.add(contact)
    session.flush()
    if norm_email or norm_phone:
        recompute_contacts(session, location_id, [contact.id])
        session.refresh(contact)
    return contact


def find_contacts(session: Session, ref: str, location_id: int, region: str = "US") -> list[Contact]:
    """The contacts a CONTACT argument names: an id, or every contact of the location with that address."""
    try:
        what, value = parse_contact_ref(ref, region)
    except AddressError as exc:
        raise InvalidInput(f"{exc} (CONTACT is an id, an email address or a phone number)") from None
    if what == "id":
        contact = session.get(Contact, value)
        if contact is None:
            raise NotFound(f"no contact with id {value}")
        return [contact]
    column = Contact.email if what == "email" else Contact.phone
    contacts = list(
        session.scalars(select(Contact).where(Contact.location_id == location_id, column == value).order_by(Contact.id))
    )
    if not contacts:
        raise NotFound(f"no contact with {what} {value} in this location")
    return contacts
