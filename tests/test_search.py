"""Search finds parts: any part of a name, email or phone, in any case, from an index made for substring search."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import event, func, inspect, select, text

from console.domain.channels import Channel, DndKind
from console.domain.state import Status
from console.services.demo import build_demo
from console.store import contact_search
from console.store.actions import set_dnd
from console.store.contact_list import CONTACTS, ContactFilter, SortKey, conditions, contact_page, count_contacts
from console.store.contact_search import search_for
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.locations import get_location
from console.store.migrate import alembic_config, current_revision, ensure_schema, head_revision
from console.store.models import Contact

PEOPLE = [
    ("Ann Rossi", "ann.rossi.55@mail.example.com", "+14152435545"),
    ("Bo Chen", "bo.chen@example.org", "+14155550163"),
    ("Cara Diaz", "cara@example.net", "+12125550199"),
    ("ROSA LEE", "rosa.lee@example.com", None),
    ("Ünal ÖZTÜRK", None, "+442079460958"),
    ("50% Off Ltd", "deals@example.com", None),
    ("500 Offers", "offers@example.com", None),
    ("a_b Corp", "ab@example.com", None),
    ("axb Corp", "axb@example.com", None),
    ('Dr "Bo" Fox', "fox@example.com", None),
]


@pytest.fixture
def people(store: Store) -> Store:
    with store.write() as session:
        location = get_location(session, None).id
        for name, email, phone in PEOPLE:
            add_contact(session, location, name, email, phone)
    return store


def found(store: Store, search: str, region: str = "US") -> list[str]:
    with store.read() as session:
        flt = ContactFilter(get_location(session, None).id, search=search, region=region)
        names = [row.name for row in contact_page(session, flt, 0, 100)]
        assert count_contacts(session, flt) == len(names), search
    return names


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("rossi.55", ["Ann Rossi"]),
        ("mail.example.com", ["Ann Rossi"]),
        ("243-5545", ["Ann Rossi"]),
        ("555-0163", ["Bo Chen"]),
        ("(415) 555", ["Bo Chen"]),
        ("+1 415", ["Ann Rossi", "Bo Chen"]),
        ("5550", ["Bo Chen", "Cara Diaz"]),
        ("hen", ["Bo Chen"]),
        ("example.org", ["Bo Chen"]),
        ("a lee", ["ROSA LEE"]),
        ("nobody", []),
    ],
)
def test_search_finds_any_part_of_a_name_email_or_phone(people: Store, search: str, expected: list[str]) -> None:
    assert found(people, search) == expected


def test_search_digits_match_the_phone_digits_not_the_punctuation(people: Store) -> None:
    assert found(people, "415.243.5545") == ["Ann Rossi"]
    assert found(people, "(212) 555-0199") == ["Cara Diaz"]
    assert found(people, "2125550199") == ["Cara Diaz"]
    assert found(people, "415-555-0000") == []
    # a national number with a trunk prefix finds the number it names
    assert found(people, "020 7946 0958", region="GB") == ["Ünal ÖZTÜRK"]


def test_search_ignores_case(people: Store) -> None:
    assert found(people, "ROSSI") == ["Ann Rossi"]
    assert found(people, "Mail.Example.COM") == ["Ann Rossi"]
    assert found(people, "rosa lee") == ["ROSA LEE"]
    assert found(people, "öztürk") == ["Ünal ÖZTÜRK"]


def test_search_text_is_literal(people: Store) -> None:
    assert found(people, "50%") == ["50% Off Ltd"]
    assert found(people, "a_b") == ["a_b Corp"]
    assert found(people, "%") == []
    assert found(people, "_") == []
    assert found(people, '"Bo"') == ['Dr "Bo" Fox']
    assert found(people, "Bo\\") == []


def test_search_of_one_or_two_characters_finds_starts(people: Store) -> None:
    assert found(people, "an") == ["Ann Rossi"]
    assert found(people, "BO") == ["Bo Chen"]
    assert found(people, "r") == ["ROSA LEE"]
    assert found(people, "of") == ["500 Offers"]  # offers@example.com
    assert found(people, "14") == ["Ann Rossi", "Bo Chen"]
    assert found(people, "ss") == []  # a part, not a start: too short for the substring index


def test_search_follows_added_changed_and_removed_contacts(people: Store) -> None:
    with people.write() as session:
        location = get_location(session, None).id
        new_id = add_contact(session, location, "Zed Quill", "zq@example.com", "+13035550111").id
    assert found(people, "quil") == ["Zed Quill"]
    with people.write() as session:
        session.execute(text("UPDATE contacts SET name = 'Zed Marsh', phone = NULL WHERE id = :id"), {"id": new_id})
    assert found(people, "quil") == []
    assert found(people, "marsh") == ["Zed Marsh"]
    assert found(people, "303-555") == []
    with people.write() as session:
        session.execute(text("UPDATE contacts SET dnd_mask = 3 WHERE id = :id"), {"id": new_id})
    assert found(people, "marsh") == ["Zed Marsh"]
    with people.write() as session:
        session.execute(text("DELETE FROM contacts WHERE id = :id"), {"id": new_id})
    assert found(people, "marsh") == []
    assert_search_index_whole(people)


def assert_search_index_whole(store: Store) -> None:
    """SQLite: the trigram index holds exactly the contacts' current values (FTS5's own check against them)."""
    if store.dialect == "sqlite":
        with store.write() as session:
            session.execute(text("INSERT INTO contacts_search (contacts_search, rank) VALUES ('integrity-check', 1)"))


def sqlite_plans(store: Store, search: str) -> str:
    """The query plans of every statement a count and a page of this search run (SQLite)."""
    statements: list[tuple[str, object]] = []

    def remember(_conn: object, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", remember)
    try:
        found(store, search)
    finally:
        event.remove(store.engine, "before_cursor_execute", remember)
    with store.engine.connect() as conn:
        return " | ".join(
            " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))  # type: ignore[arg-type]
            for sql, params in statements
            if "contacts" in sql
        )


def postgresql_plan(store: Store, search: str) -> str:
    with store.read() as session:
        flt = ContactFilter(get_location(session, None).id, search=search)
        where = conditions(session, flt, search_for(session, search, "US", flt.location_id), True)
        query = select(func.count()).select_from(CONTACTS).where(*where)
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table is scanned otherwise
        return " ".join(str(row[0]) for row in session.execute(text(f"EXPLAIN {compiled}")))


def test_search_is_answered_from_the_substring_index(people: Store) -> None:
    if people.dialect == "sqlite":
        for search in ("rossi", "555-0163", "ro"):
            plans = sqlite_plans(people, search)
            assert "SCAN contacts " not in plans + " ", plans  # never a scan of the whole table
        assert "contacts_search VIRTUAL TABLE" in sqlite_plans(people, "rossi")
        assert "contacts_search VIRTUAL TABLE" in sqlite_plans(people, "555-0163")
    else:
        assert "ix_contacts_name_trgm" in postgresql_plan(people, "rossi")
        assert "ix_contacts_email_trgm" in postgresql_plan(people, "rossi")
        assert "ix_contacts_phone_digits_trgm" in postgresql_plan(people, "555-0163")
        assert "ix_contacts_name_trgm" in postgresql_plan(people, "ro")


def test_demo_contacts_are_searchable(store: Store) -> None:
    build_demo(store, contacts=400)
    with store.read() as session:
        name, email, phone = session.execute(
            select(CONTACTS.c.name, CONTACTS.c.email, CONTACTS.c.phone).where(
                CONTACTS.c.email.is_not(None), CONTACTS.c.phone.is_not(None), CONTACTS.c.location_id == 1
            )
        ).first()  # type: ignore[misc]
    assert name in found(store, email.split("@")[0][2:])
    assert name in found(store, f"{phone[5:8]}-{phone[8:]}")
    assert_search_index_whole(store)
    with store.write() as session:  # the bulk insert put the insert trigger back
        add_contact(session, 1, "After Demo", "after.demo@example.com")
    assert found(store, "after.dem") == ["After Demo"]


def search_indexes(store: Store) -> list[str]:
    if store.dialect == "sqlite":
        return [t for t in store.table_names() if t.startswith("contacts_search")]
    return [i["name"] for i in inspect(store.engine).get_indexes("contacts") if str(i["name"]).endswith("_trgm")]


def test_upgrade_from_0004_indexes_the_contacts_already_there(db_url: str) -> None:
    store = Store(db_url, migrate=False)
    try:
        ensure_schema(store.engine, target="0004")
        # The contact is written as a 0004 console wrote it: today's store code reads tables 0004 lacks.
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO contacts (location_id, name, email, phone, created_at_us, updated_at_us, dnd_mask)"
                    " VALUES (1, 'Old Timer', 'old.timer@example.com', '+14155550177', 0, 0, 0)"
                )
            )
        ensure_schema(store.engine)
        assert current_revision(store.engine) == head_revision()
        assert search_indexes(store)
        assert found(store, "timer@") == ["Old Timer"]
        assert found(store, "555-0177") == ["Old Timer"]
        assert_search_index_whole(store)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0004")
        assert not search_indexes(store)
        ensure_schema(store.engine)
        assert found(store, "timer@") == ["Old Timer"]
    finally:
        store.dispose()


@pytest.mark.parametrize("search", ["example", "ROSSI", "öztürk", "555", "(415) 555", "50%", "a_b", "o"])
def test_many_matches_are_listed_like_few(people: Store, monkeypatch: pytest.MonkeyPatch, search: str) -> None:
    """Past ``FEW`` matches the list walks the name index testing each row; it lists exactly the same contacts."""
    few = found(people, search)
    monkeypatch.setattr(contact_search, "FEW", 0)
    assert found(people, search) == few


@pytest.mark.parametrize("few", [2000, 0])
def test_search_combines_with_the_other_filters(people: Store, monkeypatch: pytest.MonkeyPatch, few: int) -> None:
    monkeypatch.setattr(contact_search, "FEW", few)
    with people.write() as session:
        location = get_location(session, None).id
        bo = session.scalars(select(Contact).where(Contact.name == "Bo Chen")).one()
        set_dnd(session, bo, [Channel.SMS], True, "tester")
    with people.read() as session:
        for flt, expected in [
            (ContactFilter(location, search="example", channel=Channel.SMS), ["Bo Chen"]),
            (ContactFilter(location, search="example", kind=DndKind.MANUAL), ["Bo Chen"]),
            (ContactFilter(location, search="example", channel=Channel.EMAIL), []),
            (ContactFilter(location, search="rossi", status=Status.OFF), ["Ann Rossi"]),
            (ContactFilter(location, search="example", status=Status.PARTIAL), ["Bo Chen"]),
        ]:
            assert [row.name for row in contact_page(session, flt, 0, 100)] == expected, flt
            assert count_contacts(session, flt) == len(expected), flt
        off = ContactFilter(location, search="example", status=Status.OFF)
        assert count_contacts(session, off) == len(contact_page(session, off, 0, 100)) == 8


@pytest.mark.parametrize("few", [2000, 0])
@pytest.mark.parametrize("sort", list(SortKey))
def test_search_results_sort_by_any_column(
    people: Store, monkeypatch: pytest.MonkeyPatch, few: int, sort: SortKey
) -> None:
    monkeypatch.setattr(contact_search, "FEW", few)
    with people.read() as session:
        location = get_location(session, None).id
        for descending in (False, True):
            flt = ContactFilter(location, search="example", sort=sort, descending=descending)
            rows = contact_page(session, flt, 0, 100)
            keys = [(getattr(r, sort.value), r.id) for r in rows if getattr(r, sort.value) is not None]
            assert len(rows) == 9 and keys == sorted(keys, reverse=descending), (
                sort,
                descending,
            )  # NULLs: as the database puts them


def test_a_capped_count_stops_early_when_very_many_match(people: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from console.store.contact_list import count_contacts_up_to

    monkeypatch.setattr(contact_search, "FEW", 0)
    with people.read() as session:
        location = get_location(session, None).id
        many = ContactFilter(location, search="example")
        total = count_contacts(session, many)
        assert total > 3
        # SQLite walks rows past the cap; PostgreSQL's planner counts pg_trgm matches itself, exactly
        assert count_contacts_up_to(session, many, 3) == ((4, False) if people.dialect == "sqlite" else (total, True))
        assert count_contacts_up_to(session, many, total) == (total, True)
        assert count_contacts_up_to(session, ContactFilter(location, search="rossi"), 3) == (1, True)
        assert count_contacts_up_to(session, ContactFilter(location), 3) == (len(PEOPLE), True)  # no search: counted
