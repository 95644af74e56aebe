"""Search by any part of a contact's name, email or phone, answered from an index made for substring search.

SQLite answers from ``contacts_search``, an FTS5 table with the trigram tokenizer over each contact's name, email
and phone digits (migration 0009 keeps it in step with ``contacts`` by triggers); PostgreSQL from pg_trgm GIN
indexes on the same three values, through ``ILIKE``/``LIKE``. Both ignore case.

A trigram index needs three characters: a search of one or two characters finds the names, emails and phone
numbers (their digits) that *start* with it, through the (location, column) indexes on SQLite and the trigram
indexes on PostgreSQL, so a short search is as fast as a long one and answers the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Table, and_, column, false, func, literal_column, or_, select, table
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
#: The phone's digits, written exactly as PostgreSQL's index expression (``ltrim(phone, '+')``) so it is used.
_PG_PHONE_DIGITS = func.ltrim(CONTACTS.c.phone, literal_column("'+'"))


@dataclass(frozen=True, slots=True)
class Search:
    condition: ColumnElement[bool]
    #: Few contacts match: a query finds them first and then sorts them, instead of walking the sort order.
    few: bool


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """What a search box text looks for."""

    #: The text itself, trimmed: a part (or, when short, the start) of a name or an email.
    text: str
    #: Its digits, when the text is made of digits and phone punctuation: a part (or start) of a phone's digits.
    digits: str | None
    #: The whole phone number it names, in E.164, when it reads as one (a national number with a trunk 0, say).
    phone: str | None


def search_terms(text: str, region: str) -> SearchTerms:
    words = text.strip()
    digits = "".join(ch for ch in words if ch.isdigit())
    phone_like = bool(digits) and all(ch.isdigit() or ch in PHONE_PUNCTUATION for ch in words)
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
        found, few = _postgresql(terms), False
    else:
        found, few = _sqlite(session, terms, location_id)
    if terms.phone is not None:
        found.append(and_(CONTACTS.c.location_id == location_id, CONTACTS.c.phone == terms.phone))
    return Search(or_(*found) if found else false(), few)


# -- SQLite: FTS5 trigram ------------------------------------------------------------------------------------


def _phrase(text: str) -> str:
    """An FTS5 string: everything inside double quotes is literal, a quote is written twice."""
    return '"' + text.replace('"', '""') + '"'


def fts_query(terms: SearchTerms) -> str | None:
    """The FTS5 query for the parts of ``terms`` long enough for trigrams, or None.

    The text is looked for in every column: the phone digits only hold digits, so a text with any other
    character never matches there, and an all-digit text is its own digits, which are looked for there anyway."""
    parts = []
    if len(terms.text) >= MIN_PART:
        parts.append(_phrase(terms.text))
    if terms.digits is not None and terms.digits != terms.text and len(terms.digits) >= MIN_PART:
        parts.append("phone_digits : " + _phrase(terms.digits))
    return " OR ".join(f"({part})" for part in parts) or None


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


def _sqlite(session: Session, terms: SearchTerms, location_id: int) -> tuple[list[ColumnElement[bool]], bool]:
    """The conditions, and whether few contacts match (at most ``FEW`` from the trigram index, or a short search)."""
    found: list[ColumnElement[bool]] = []
    few = True
    query = fts_query(terms)
    if query is not None:
        matches = select(_FTS.c.rowid).where(_FTS.c.contacts_search.op("MATCH")(query))
        ids = session.scalars(matches.limit(FEW + 1)).all()
        if len(ids) > FEW:
            found.append(CONTACTS.c.id.in_(matches))
            few = False
        elif ids:
            listed = func.json_each(orjson.dumps(list(ids)).decode()).table_valued("value")
            found.append(CONTACTS.c.id.in_(select(listed.c.value)))
    here = CONTACTS.c.location_id == location_id  # in every term, so each range gets its own index search
    if len(terms.text) < MIN_PART:
        found += [and_(here, _prefix(CONTACTS.c.name, v)) for v in _case_variants(terms.text)]
        found.append(and_(here, _prefix(CONTACTS.c.email, terms.text.lower())))
    if terms.digits is not None and len(terms.digits) < MIN_PART:
        found.append(and_(here, _prefix(CONTACTS.c.phone, "+" + terms.digits)))
    return found, few


# -- PostgreSQL: pg_trgm -------------------------------------------------------------------------------------


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _postgresql(terms: SearchTerms) -> list[ColumnElement[bool]]:
    text = _like_escaped(terms.text)
    pattern = f"%{text}%" if len(terms.text) >= MIN_PART else f"{text}%"
    found: list[ColumnElement[bool]] = [
        CONTACTS.c.name.ilike(pattern, escape="\\"),
        CONTACTS.c.email.ilike(pattern, escape="\\"),
    ]
    if terms.digits is not None:
        digits = f"%{terms.digits}%" if len(terms.digits) >= MIN_PART else f"{terms.digits}%"
        found.append(_PG_PHONE_DIGITS.like(digits))
    return found
