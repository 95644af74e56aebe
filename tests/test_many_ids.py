"""Reads over many contacts at once stay within the database's limit of parameters per statement."""

from __future__ import annotations

from console.domain.channels import Channel
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.inbound import inbound_states_many, set_inbound
from console.store.locations import get_location


def test_inbound_states_of_more_contacts_than_a_statement_takes_parameters(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, get_location(session, None).id, "Ann Lee", phone="+14155550100")
        set_inbound(session, contact, [Channel.SMS], True, "tester")
        contact_id = contact.id
    # past SQLite's limit of parameters a statement (32,766 by default, 250,000 in some builds; PostgreSQL: 65,535)
    many = 300_000 if store.dialect == "sqlite" else 70_000
    ids = [*range(1_000_000, 1_000_000 + many), contact_id]
    with store.read() as session:
        found = inbound_states_many(session, ids)
    assert list(found) == [(contact_id, Channel.SMS)]
