"""Search by any part of a contact's name, email or phone, answered from an index made for substring search.

SQLite answers from ``contacts_search``, an FTS5 table with the trigram tokenizer over each contact's name, email
and phone digits (migration 0009 keeps it in step with ``contacts`` by triggers); PostgreSQL from pg_trgm GIN
indexes on the same three values, through ``ILIKE``/``LIKE``. Both ignore case.

A trigram index needs three characters: a search of one or two characters finds the names, emails and phone
numbers (their digits) that *start* with it, through the (location, column) indexes on SQLite and the trigram
indexes on PostgreSQL, so a short search is as fast as a long one and answers the same on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    column,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from console.domain.addresses import AddressError, normalize_phone
from console.store.models import Contact

CONTACTS = cast(Table, Contact.__table__)
#: Trigrams need this many characters; shorter searches look for a start instead of a part.
MIN_PART = 3
#: Up to this many trigram matches are fetched and then sorted; more are sorted by walking the name index.
FEW = 2000
PHONE_PUNCTUATION = frozenset("+-(). /")
_TOP = "\U0010ffff"
_FTS = table("contacts_search", column("rowid"), column("contacts_search"))
_TRIGGER = "contacts_search_insert"
#: The phone's digits, written exactly as PostgreSQL's index expression (``ltrim(phone, '+')``) so it is used.
_PHONE_DIGITS = func.ltrim(CONTACTS.c.phone, literal_column("'+'"))


@dataclass(frozen=True, slots=True)
class Search:
    """How a search is answered. ``condition`` is exact, for counts with other filters and for pages."""

    condition: ColumnElement[bool]
    #: Few contacts match: a query finds them first and then sorts them, instead of walking the sort order.
    few: bool
    #: The number of the location's matches from the trigram index alone (SQLite, three characters or more).
    index_count: Select[Any] | None = None
    #: For pages of many matches: the same search tested on each row, so the name index is walked in order
    #: without first collecting every match (None: collect them).
    row_test: ColumnElement[bool] | None = None
    #: The location's matches (their ids) from the trigram index alone, in index order: counting the first few
    #: thousand of them stops early.
    index_matches: Select[Any] | None = None


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """What a search box text looks for."""

    #: The text itself, trimmed: a part (or, when short, the start) of a name or an email.
    text: str
    #: Its digits, when the text is made of digits and phone punctuation (three at least, unless the text is
    #: short): a part (or start) of a phone's digits.
    digits: str | None
    #: The whole phone number it names, in E.164, when it reads as one (a national number with a trunk 0, say).
    phone: str | None


def search_terms(text: str, region: str) -> SearchTerms:
    words = text.strip()
    digits = "".join(ch for ch in words if ch.isdigit())
    phone_like = bool(digits) and all(ch.isdigit() or ch in PHONE_PUNCTUATION for ch in words)
    # one or two digits are a part of a long text too short to look for, but the start of a short one
    phone_like = phone_like and (len(digits) >= MIN_PART or len(words) < MIN_PART)
    phone: str | None = None
    if phone_like and len(digits) >= 6:
        try:
            phone = normalize_phone(words, region)
        except AddressError:
            phone = None
    return SearchTerms(words, digits if phone_like else None, phone)


def search_for(session: Session, text: str, region: str, location_id: int) -> Search:
    """Contacts of the location whose name, email or phone digits contain ``text`` (short texts: start with it)."""
    terms = search_terms(text, region)
    if not terms.text:
        return Search(false(), few=True)
    if session.get_bind().dialect.name == "postgresql":
        return Search(or_(*_postgresql(terms)), few=False)
    if len(terms.text) < MIN_PART:
        return Search(or_(*_starts(terms, location_id)), few=True)
    return _fts_search(session, terms, location_id)


# -- SQLite: FTS5 trigram ------------------------------------------------------------------------------------


def _phrase(text: str) -> str:
    """An FTS5 string: everything inside double quotes is literal, a quote is written twice."""
    return '"' + text.replace('"', '""') + '"'


def fts_query(terms: SearchTerms, location_id: int) -> str:
    """The FTS5 query of a search of three characters or more, in one location."""
    parts = ["{name email phone_digits} : " + _phrase(terms.text)]
    if terms.digits is not None and terms.digits != terms.text:
        parts.append("phone_digits : " + _phrase(terms.digits))
    if terms.phone is not None:
        parts.append("phone_digits : " + _phrase(terms.phone.lstrip("+")))
    return "(" + " OR ".join(parts) + f') AND location : "[{int(location_id)}]"'


def _fts_search(session: Session, terms: SearchTerms, location_id: int) -> Search:
    query = fts_query(terms, location_id)
    matches = select(_FTS.c.rowid).where(_FTS.c.contacts_search.op("MATCH")(query))
    counted = select(func.count()).select_from(_FTS).where(_FTS.c.contacts_search.op("MATCH")(query))
    ids = session.scalars(matches.limit(FEW + 1)).all()
    if len(ids) <= FEW:
        listed = func.json_each(orjson.dumps(list(ids)).decode()).table_valued("value")
        return Search(CONTACTS.c.id.in_(select(listed.c.value)), few=True, index_count=counted, index_matches=matches)
    return Search(CONTACTS.c.id.in_(matches), few=False, index_count=counted, row_test=_row_test(terms),
                  index_matches=matches)


def _row_test(terms: SearchTerms) -> ColumnElement[bool] | None:
    """The same search tested on each row with LIKE, for walking the name index through many matches.

    SQLite's LIKE ignores case for ASCII letters only, so this is offered for ASCII texts only; any other text
    collects its matches from the trigram index first."""
    if not terms.text.isascii():
        return None
    pattern = f"%{_like_escaped(terms.text)}%"
    tests = [CONTACTS.c.name.like(pattern, escape="\\"), CONTACTS.c.email.like(pattern, escape="\\")]
    digits = {d for d in (terms.text, terms.digits, terms.phone and terms.phone.lstrip("+")) if d and d.isdigit()}
    tests += [_PHONE_DIGITS.like(f"%{d}%") for d in sorted(digits)]
    return or_(*tests)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(col: Any, start: str) -> ColumnElement[bool]:
    """``col`` starts with ``start``, as a range the (location, column) index serves."""
    return and_(col >= start, col < start + _TOP)


def _case_variants(text: str) -> list[str]:
    """Every upper/lower spelling of a short text (at most four for two letters)."""
    variants = [""]
    for ch in text:
        spellings = dict.fromkeys(s for s in (ch, ch.lower(), ch.upper()) if len(s) == 1)
        variants = [v + s for v in variants for s in spellings]
    return variants


def _starts(terms: SearchTerms, location_id: int) -> list[ColumnElement[bool]]:
    """A short search: names, emails and phone digits that start with it, each an index range."""
    here = CONTACTS.c.location_id == location_id  # in every term, so each range gets its own index search
    found = [and_(here, _prefix(CONTACTS.c.name, v)) for v in _case_variants(terms.text)]
    found.append(and_(here, _prefix(CONTACTS.c.email, terms.text.lower())))
    if terms.digits is not None:
        found.append(and_(here, _prefix(CONTACTS.c.phone, "+" + terms.digits)))
    return found


def insert_contacts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert contacts in bulk (each row with its ``id``), indexed for search in one statement; contacts added
    afterwards get the ids that follow.

    On SQLite the per-row trigger makes FTS5 write its pending index on every row (about five times the work of
    indexing them together), so for the length of this transaction, which holds the write lock, the insert
    trigger is set aside and the new rows are indexed from ``contacts_search_source``; the trigger is then put
    back exactly as the schema had it."""
    if not rows:
        return
    trigger = None
    if session.get_bind().dialect.name == "sqlite":
        trigger = session.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": _TRIGGER}
        )
    if trigger is None:
        session.execute(insert(CONTACTS), list(rows))
        if session.get_bind().dialect.name == "postgresql":  # the ids were given: the next contact's comes after
            session.execute(text("SELECT setval(pg_get_serial_sequence('contacts', 'id'), max(id)) FROM contacts"))
        return
    connection = session.connection()
    connection.exec_driver_sql(f"DROP TRIGGER {_TRIGGER}")
    session.execute(insert(CONTACTS), list(rows))
    ids = orjson.dumps([row["id"] for row in rows]).decode()
    session.execute(
        text(
            "INSERT INTO contacts_search (rowid, name, email, phone_digits, location)"
            " SELECT id, name, email, phone_digits, location FROM contacts_search_source"
            " WHERE id IN (SELECT value FROM json_each(:ids))"
        ),
        {"ids": ids},
    )
    connection.exec_driver_sql(trigger)


# -- PostgreSQL: pg_trgm -------------------------------------------------------------------------------------


def _postgresql(terms: SearchTerms) -> list[ColumnElement[bool]]:
    escaped = _like_escaped(terms.text)
    pattern = f"%{escaped}%" if len(terms.text) >= MIN_PART else f"{escaped}%"
    found: list[ColumnElement[bool]] = [
        CONTACTS.c.name.ilike(pattern, escape="\\"),
        CONTACTS.c.email.ilike(pattern, escape="\\"),
    ]
    if terms.digits is not None:
        digits = f"%{terms.digits}%" if len(terms.digits) >= MIN_PART else f"{terms.digits}%"
        found.append(_PHONE_DIGITS.like(digits))
    if terms.phone is not None:
        found.append(_PHONE_DIGITS.like(f"%{terms.phone.lstrip('+')}%"))
    return found
