"""Locations, agents and the audit log through the services (RULES.md, Roles, revision 2): connecting,
disconnecting and adding a location need admin once an admin exists, whichever front end asks, and are audited."""

from __future__ import annotations

import pytest

from console.domain.channels import Channel
from console.errors import InvalidInput, NotFound, Refused
from console.services import agents, audit, locations
from console.store.changes import AGENTS, INTEGRATIONS, LOCATIONS
from tests.services.conftest import Desk


def log_reasons(desk: Desk) -> list[str]:
    return [e.reason for e in audit.audit_log(desk.ctx)]


def test_connect_and_disconnect_allowed_while_no_admin_exists_and_audited(desk: Desk) -> None:
    off = locations.disconnect(desk.ctx, "Default", ["whatsapp", "gmb"])
    assert Channel.WHATSAPP not in off.result.connected and off.change.what == INTEGRATIONS
    on = locations.connect(desk.ctx, None, [Channel.WHATSAPP])
    assert Channel.WHATSAPP in on.result.connected and Channel.GMB not in on.result.connected
    [first, second] = audit.audit_log(desk.ctx)
    assert (first.reason, first.detail, first.actor) == ("location.disconnected", {"channels": "whatsapp,gmb"}, desk.me)
    assert (second.reason, second.detail) == ("location.connected", {"channels": "whatsapp"})


def test_connect_refused_for_a_non_admin_once_an_admin_exists(desk: Desk) -> None:
    desk.grant("boss", "admin")
    with pytest.raises(Refused, match=f"{desk.me} is not an admin: only an admin can connect or disconnect"):
        locations.disconnect(desk.ctx, "Default", ["sms"])
    assert Channel.SMS in locations.get_location(desk.ctx).connected
    assert log_reasons(desk) == []


def test_connect_allowed_for_an_admin(desk: Desk) -> None:
    desk.grant("boss", "admin")
    desk.grant(desk.me, "admin")
    assert Channel.SMS not in locations.disconnect(desk.ctx, 1, ["sms"]).result.connected
    assert log_reasons(desk) == ["location.disconnected"]


def test_add_location_rules_and_audit(desk: Desk) -> None:
    done = locations.add_location(desk.ctx, "North", ["email", "sms"])
    assert done.result.connected == {Channel.EMAIL, Channel.SMS} and done.change.what == LOCATIONS
    assert [v.name for v in locations.list_locations(desk.ctx)] == ["Default", "North"]
    with pytest.raises(InvalidInput, match="already exists"):
        locations.add_location(desk.ctx, "North")
    with pytest.raises(NotFound):
        locations.connect(desk.ctx, "South", ["sms"])
    with pytest.raises(InvalidInput, match="at least one channel"):
        locations.connect(desk.ctx, "North", [])
    desk.grant("boss", "admin")
    with pytest.raises(Refused, match="only an admin can add a location"):
        locations.add_location(desk.ctx, "South")
    [entry] = audit.audit_log(desk.ctx)
    assert entry.reason == "location.added" and entry.detail == {"name": "North", "channels": "email,sms"}


def test_first_admin_rule(desk: Desk) -> None:
    with pytest.raises(Refused, match="while no admin exists, anyone may add the first admin"):
        agents.add_agent(desk.ctx, "rita", "reviewer")
    first = agents.add_agent(desk.ctx, "boss", "admin")
    assert first.result.role == "admin" and first.change.what == AGENTS
    with pytest.raises(Refused, match=r"only an admin can add agents$"):
        agents.add_agent(desk.ctx, "eve", "admin")
    desk.grant(desk.me, "admin")
    agents.add_agent(desk.ctx, "rita", "reviewer")
    assert {(a.name, a.role) for a in agents.list_agents(desk.ctx)} == {
        ("boss", "admin"),
        (desk.me, "admin"),
        ("rita", "reviewer"),
    }
    assert [(e.reason, e.detail["name"], e.actor) for e in audit.audit_log(desk.ctx)] == [
        ("agent.added", "boss", desk.me),
        ("agent.added", "rita", desk.me),
    ]
    with pytest.raises(InvalidInput, match="unknown role"):
        agents.add_agent(desk.ctx, "x", "owner")


def test_audit_log_keeps_entries_not_about_one_contact_and_filters_by_since(desk: Desk) -> None:
    from console.services import dnd

    ann = desk.world.contact()
    locations.add_location(desk.ctx, "North")
    dnd.set_dnd(desk.ctx, ann.id, [Channel.SMS], True)  # about one contact: not in the log
    agents.add_agent(desk.ctx, "boss", "admin")
    entries = audit.audit_log(desk.ctx)
    assert [e.reason for e in entries] == ["location.added", "agent.added"]
    assert set(entries[0].as_dict()) == {"id", "at", "actor", "reason", "detail"}
    assert [e.reason for e in audit.audit_log(desk.ctx, since_us=entries[1].at_us)] == ["agent.added"]
    assert audit.audit_log(desk.ctx, audit.parse_since("2999-01-01")) == []
    with pytest.raises(InvalidInput, match="not a date"):
        audit.parse_since("yesterday")


def test_audit_verify(desk: Desk) -> None:
    locations.add_location(desk.ctx, "North")
    result = audit.verify(desk.ctx)
    assert result.ok and result.entries == 1
