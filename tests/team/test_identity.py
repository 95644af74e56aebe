"""On PostgreSQL the acting agent is the database user; roles come from the agents table."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, select, text

from console.domain.channels import DndKind
from console.store.db import Store
from console.store.identity import can_review, current_actor, role_of
from console.store.ledger import record_events
from console.store.models import LedgerEntry
from tests.conftest import pg_url
from tests.helpers import email_set

from .conftest import Databases, Result, add_contacts, with_user

Cli = Callable[..., Result]
Opener = Callable[[str], Store]


@pytest.fixture
def agent_role(pg_databases: Databases) -> Iterator[tuple[str, str]]:
    """(admin URL, URL of a new login role with the privileges a console needs) on a fresh schema."""
    url = pg_databases.new()
    Store(url).dispose()  # create the schema as the owner
    schema = pg_databases.schemas[-1].name
    role = f"t_agent_{uuid.uuid4().hex[:10]}"
    base = pg_url()
    assert base
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
        conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
    try:
        yield url, with_user(url, role)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_the_database_user_is_the_actor(agent_role: tuple[str, str], open_store: Opener, run_cli: Cli) -> None:
    owner_url, agent_url = agent_role
    agent = agent_url.split("://", 1)[1].split("@", 1)[0]
    add_contacts(open_store(owner_url), 1)
    store = open_store(agent_url)
    with store.read() as session:
        assert current_actor(session) == agent  # DND_CONSOLE_ACTOR ("tester") does not count here
        assert role_of(session, agent) == "agent"

    result = run_cli(agent_url, "set", "user0@example.com", "--channel", "sms", "--on")
    assert result.code == 0, result
    history = json.loads(run_cli(owner_url, "history", "user0@example.com", "--json").stdout)
    assert [h["actor"] for h in history] == [agent]
    with store.read() as session:
        assert session.scalars(select(LedgerEntry.actor)).all() == [agent]


def test_roles_come_from_the_agents_table(agent_role: tuple[str, str], open_store: Opener, run_cli: Cli) -> None:
    owner_url, agent_url = agent_role
    agent = agent_url.split("://", 1)[1].split("@", 1)[0]
    owner = open_store(owner_url)
    (cid,) = add_contacts(owner, 1)
    with owner.write() as session:
        record_events(session, 1, [email_set("user0@example.com", "2024-03-01 10:00", DndKind.SPAM,
                                             "email.complained")], "importer")

    assert run_cli(owner_url, "agents", "add", "postgres", "--role", "admin").code == 0  # the first admin
    refused = run_cli(agent_url, "agents", "add", agent, "--role", "admin")
    assert refused.code == 1 and f"{agent} is not an admin" in refused.stderr

    submitted = run_cli(owner_url, "review", "submit", str(cid), "--channel", "email",
                        "--evidence", "https://example.com/optin.mp4", "--json")
    assert submitted.code == 0, submitted
    review_id = str(json.loads(submitted.stdout)["id"])
    denied = run_cli(agent_url, "review", "approve", review_id)
    assert denied.code == 1, denied
    assert "Traceback" not in denied.output and "reviewer" in denied.stderr

    assert run_cli(owner_url, "agents", "add", agent, "--role", "reviewer").code == 0
    with open_store(agent_url).read() as session:
        assert role_of(session, current_actor(session)) == "reviewer" and can_review(session, agent)
    approved = run_cli(agent_url, "review", "approve", review_id)
    assert approved.code == 0, approved
    status = json.loads(run_cli(owner_url, "status", str(cid), "--json").stdout)
    assert status["contacts"][0]["channels"]["email"]["dnd"] is False
    history = json.loads(run_cli(owner_url, "history", str(cid), "--json").stdout)
    assert history[-1]["actor"] == agent
