"""Team mode on PostgreSQL: the rules hold below the console (RULES.md, "Where the rules are enforced").

The console's schema is owned by one role (the one that ran the migrations); it is the only role that writes. A
person's login is set up with ``db grant LOGIN --role R``: it may read the console's tables (not the sealing key,
not the request queue) and call three SECURITY DEFINER functions, ``dnd_request`` (hand a console command to the
writer; the actor is the function's ``session_user``, never a value the caller supplies), ``dnd_reply`` (read the
answer to one's own request) and ``dnd_cancel`` (cancel one's own request; migration 0013). It is granted no INSERT,
UPDATE, DELETE or TRUNCATE anywhere, so any client's direct write is refused by the server. The writer,
``dnd-console serve``, runs as the owner beside the database: it takes each request, runs the same command with the same
rules as that actor, and answers with NOTIFY.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from console.errors import Refused, UserError
from console.store.identity import ROLES, add_agent
from console.store.ledger import record_note
from console.store.locations import get_location
from console.store.models import Agent

REQUESTS_CHANNEL = "'dnd_requests:' || left(current_schema(), 40)"
REPLIES_CHANNEL = "'dnd_replies:' || left(current_schema(), 40)"
#: Tables a granted login may not read: the sealing key, and the queue of everyone's requests and answers.
PRIVATE_TABLES = ("audit_key", "console_requests", "console_request_files")
AGENT_FUNCTIONS = ("dnd_request(text, text[], bytea[])", "dnd_reply(bigint)")
#: Migration 0013: a login cancels its own request (``dnd_cancel``).
CANCEL_FUNCTION = "dnd_cancel(bigint)"
#: Every function a granted login may call (``db grant`` grants them, ``--revoke`` takes them away).
GRANTED_FUNCTIONS = (*AGENT_FUNCTIONS, CANCEL_FUNCTION)
#: The answer to a request cancelled before the writer took it (``dnd_cancel``, migration 0013).
CANCELLED_PENDING_LINE = "dnd-console: cancelled before the writer started it: nothing was done"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def writer_name(schema: str) -> str:
    """The writer's application_name, so a console can tell whether a writer serves its schema."""
    return f"dnd-console serve:{schema}"[:63]


def create_team_objects(bind: Connection) -> None:
    """The request queue and the two functions a granted login may call (migration 0005, PostgreSQL)."""
    schema = str(bind.execute(text("SELECT current_schema()")).scalar_one())
    quoted = quote_ident(schema)
    bind.execute(
        text("""
        CREATE TABLE console_requests (
            id bigserial PRIMARY KEY,
            actor varchar(200) NOT NULL DEFAULT session_user,
            command text NOT NULL,
            state varchar(16) NOT NULL DEFAULT 'pending',
            exit_code integer,
            stdout text,
            stderr text,
            created_at timestamptz NOT NULL DEFAULT now(),
            done_at timestamptz
        )""")
    )
    bind.execute(text("CREATE INDEX ix_console_requests_state ON console_requests (state, id)"))
    bind.execute(
        text("""
        CREATE TABLE console_request_files (
            request_id bigint NOT NULL REFERENCES console_requests (id) ON DELETE CASCADE,
            position integer NOT NULL,
            name text NOT NULL,
            content bytea NOT NULL,
            PRIMARY KEY (request_id, position)
        )""")
    )
    bind.execute(
        text(f"""
        CREATE FUNCTION dnd_request(command text, names text[], contents bytea[]) RETURNS bigint
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {quoted}, pg_temp AS $$
        DECLARE
            rid bigint;
        BEGIN
            INSERT INTO console_requests (actor, command) VALUES (session_user, command) RETURNING id INTO rid;
            FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
                INSERT INTO console_request_files (request_id, position, name, content)
                VALUES (rid, i, names[i], contents[i]);
            END LOOP;
            PERFORM pg_notify({REQUESTS_CHANNEL}, rid::text);
            RETURN rid;
        END $$""")
    )
    bind.execute(
        text(f"""
        CREATE FUNCTION dnd_reply(rid bigint)
        RETURNS TABLE (state varchar, exit_code integer, stdout text, stderr text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {quoted}, pg_temp AS $$
            SELECT r.state, r.exit_code, r.stdout, r.stderr FROM console_requests r
            WHERE r.id = rid AND r.actor = session_user
        $$""")
    )
    for function in AGENT_FUNCTIONS:
        bind.execute(text(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC"))
    for table in ("console_requests", "console_request_files"):
        bind.execute(text(f"REVOKE ALL ON {table} FROM PUBLIC"))


def drop_team_objects(bind: Connection) -> None:
    for function in AGENT_FUNCTIONS:
        bind.execute(text(f"DROP FUNCTION IF EXISTS {function}"))
    bind.execute(text("DROP TABLE IF EXISTS console_request_files"))
    bind.execute(text("DROP TABLE IF EXISTS console_requests"))


def create_cancel_function(bind: Connection) -> None:
    """Migration 0013 (PostgreSQL): ``dnd_cancel(request)``, which a login calls to cancel a request of its own.

    It changes nothing but that request's row, and only when the request is the caller's (``session_user``, as
    ``dnd_request`` recorded it); another login's request and no request at all are told apart by nobody (both
    answer NULL). A pending request is answered "cancelled" at once (the writer never takes it); a running one is
    marked ``cancel_requested_at`` and the writer is woken (NOTIFY ``cancel:ID`` on the requests channel): it stops
    an import's child and answers "cancelled" (console.store.requests). It returns the request's state as the
    call left it: ``cancelled``, ``cancelling``, or ``done``/``failed`` (nothing left to cancel)."""
    schema = str(bind.execute(text("SELECT current_schema()")).scalar_one())
    bind.execute(text("ALTER TABLE console_requests ADD COLUMN cancel_requested_at timestamptz"))
    bind.execute(
        text(f"""
        CREATE FUNCTION dnd_cancel(rid bigint) RETURNS varchar
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {quote_ident(schema)}, pg_temp AS $$
        DECLARE
            was varchar;
        BEGIN
            SELECT r.state INTO was FROM console_requests r WHERE r.id = rid AND r.actor = session_user FOR UPDATE;
            IF NOT FOUND THEN
                RETURN NULL;
            ELSIF was = 'pending' THEN
                UPDATE console_requests SET state = 'cancelled', cancel_requested_at = now(), exit_code = 1,
                    stdout = '', stderr = '{CANCELLED_PENDING_LINE}' || chr(10), done_at = now() WHERE id = rid;
                PERFORM pg_notify({REPLIES_CHANNEL}, rid::text);
                RETURN 'cancelled';
            ELSIF was = 'running' THEN
                UPDATE console_requests SET cancel_requested_at = coalesce(cancel_requested_at, now()) WHERE id = rid;
                PERFORM pg_notify({REQUESTS_CHANNEL}, 'cancel:' || rid::text);
                RETURN 'cancelling';
            END IF;
            RETURN was;
        END $$""")
    )
    bind.execute(text(f"REVOKE ALL ON FUNCTION {CANCEL_FUNCTION} FROM PUBLIC"))
    logins = bind.execute(
        text(
            "SELECT r.rolname FROM pg_roles r WHERE has_function_privilege(r.oid, 'dnd_request(text, text[], bytea[])',"
            " 'EXECUTE') AND NOT r.rolsuper AND r.rolname <> current_user ORDER BY r.rolname"
        )
    ).scalars()
    for login in logins:  # the logins set up with db grant before this revision may cancel their own requests too
        bind.execute(text(f"GRANT EXECUTE ON FUNCTION {CANCEL_FUNCTION} TO {quote_ident(str(login))}"))


def drop_cancel_function(bind: Connection) -> None:
    bind.execute(text(f"DROP FUNCTION IF EXISTS {CANCEL_FUNCTION}"))
    bind.execute(text("UPDATE console_requests SET state = 'failed' WHERE state = 'cancelled'"))
    bind.execute(text("ALTER TABLE console_requests DROP COLUMN IF EXISTS cancel_requested_at"))


def login_is_granted(connection: Connection) -> bool:
    """A login set up with ``db grant``: it cannot write the ledger itself, so its writes go to the writer."""
    return not connection.execute(text("SELECT has_table_privilege(current_user, 'events', 'INSERT')")).scalar()


def _check_login(session: Session, login: str) -> None:
    row = session.execute(
        text(
            "SELECT r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolbypassrls,"
            " pg_has_role(r.oid, n.nspowner, 'MEMBER'), r.rolname = current_user"
            " FROM pg_roles r, pg_namespace n WHERE r.rolname = :login AND n.nspname = current_schema()"
        ),
        {"login": login},
    ).first()
    if row is None:
        raise UserError(f"there is no database login {login!r}: create it first (CREATE ROLE {login} LOGIN)")
    can_login, superuser, createrole, bypassrls, owner_member, is_self = row
    if is_self or owner_member:
        raise Refused(f"{login} owns the console's schema (or is a member of its owner): it would bypass every rule")
    if superuser or bypassrls:
        raise Refused(f"{login} is a superuser: the server enforces nothing for it")
    if createrole:
        raise Refused(f"{login} has CREATEROLE: it could grant itself any role")
    if not can_login:
        raise UserError(f"{login} is not a login (ALTER ROLE {login} LOGIN)")


def grant_login(session: Session, actor: str, login: str, role: str) -> Agent:
    """Set ``login`` up to use the console with ``role`` and nothing more; recorded in agents and the audit."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    _check_login(session, login)
    agent = add_agent(session, actor, login, role)  # refuses anyone but an admin (or the first admin)
    schema = quote_ident(str(session.scalar(text("SELECT current_schema()"))))
    who = quote_ident(login)
    connection = session.connection()
    connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {who}"))
    connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {who}"))
    connection.execute(text(f"REVOKE ALL ON {', '.join(PRIVATE_TABLES)} FROM {who}"))
    for function in GRANTED_FUNCTIONS:
        connection.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {who}"))
    record_note(session, get_location(session, None).id, actor, "db.grant", {"login": login, "role": role})
    return agent


def refresh_grants(connection: Connection) -> list[str]:
    """After a migration: every login set up with ``db grant`` reads the tables the migration added too (GRANT
    SELECT ON ALL TABLES covers only the tables that existed then), and still not the private ones. The logins
    that are agents of this console and may use its schema; their names."""
    schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
    present = {str(t) for t in connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()}
    private = [t for t in PRIVATE_TABLES if t in present]
    if "agents" not in present or len(private) < len(PRIVATE_TABLES):  # before team mode (0005): no logins
        return []
    logins = [
        str(name)
        for name in connection.execute(
            text(
                "SELECT a.name FROM agents a JOIN pg_roles r ON r.rolname = a.name, pg_namespace n"
                " WHERE n.nspname = current_schema() AND NOT pg_has_role(r.oid, n.nspowner, 'MEMBER')"
                " AND has_schema_privilege(r.oid, n.oid, 'USAGE') ORDER BY a.name"
            )
        ).scalars()
    ]
    quoted = quote_ident(schema)
    for login in logins:
        who = quote_ident(login)
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {quoted} TO {who}"))
        connection.execute(text(f"REVOKE ALL ON {', '.join(PRIVATE_TABLES)} FROM {who}"))
    return logins


def revoke_login(session: Session, actor: str, login: str) -> None:
    """Undo ``grant_login``: no privilege left on the schema, and no row in agents."""
    from console.store.identity import role_of

    if role_of(session, actor) != "admin":
        raise Refused(f"{actor} is not an admin: only an admin can revoke a login")
    if login == actor:
        raise Refused("an admin cannot revoke their own login")
    exists = session.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :l"), {"l": login})
    if not exists:
        raise UserError(f"there is no database login {login!r}")
    schema = quote_ident(str(session.scalar(text("SELECT current_schema()"))))
    who = quote_ident(login)
    connection = session.connection()
    for function in GRANTED_FUNCTIONS:
        connection.execute(text(f"REVOKE ALL ON FUNCTION {function} FROM {who}"))
    connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}"))
    connection.execute(text(f"REVOKE ALL ON SCHEMA {schema} FROM {who}"))
    agent = session.get(Agent, login)
    if agent is not None:
        session.delete(agent)
        session.flush()
    record_note(session, get_location(session, None).id, actor, "db.revoke", {"login": login})
