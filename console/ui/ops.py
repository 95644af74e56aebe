"""Every database operation of the window, one function each; they run on the database worker only.

Each takes the :class:`AppContext` first, opens its own transaction and returns plain values (frozen
dataclasses, domain objects), never ORM objects, so nothing the GUI thread holds is bound to a Session.
This module is the one place where the window touches the store: when ``console.services`` offers an
operation, its function here becomes a call to the service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import orm

from console.domain.channels import Channel
from console.domain.evidence import EvidenceLink
from console.domain.reviews import Review, ReviewState
from console.domain.state import ChannelState
from console.errors import NotFound
from console.services.context import AppContext
from console.store import actions, contact_list, locations, possible_opt_outs, review_queries, reviews
from console.store.contact_list import ContactFilter, ContactRow
from console.store.history import HistoryEntry, contact_history
from console.store.identity import current_actor, role_of
from console.store.models import Contact, Location
from console.store.possible_opt_outs import PossibleOptOutView
from console.store.queries import StoredState, channel_states
from console.ui.taskman import checkpoint


@dataclass(frozen=True, slots=True)
class WindowStart:
    actor: str
    role: str
    locations: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class ContactListing:
    """A list's count, its location's connected channels and its first page."""

    count: int
    connected: int
    first_page: tuple[ContactRow, ...]


@dataclass(frozen=True, slots=True)
class ContactCard:
    """What the contact panel shows of one contact."""

    id: int
    name: str
    email: str | None
    phone: str | None
    location_id: int
    stored: Mapping[Channel, StoredState]
    connected: frozenset[Channel]
    reviews: Mapping[Channel, Review | None]


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A review with what its dialog shows around it, and the role of the one looking at it."""

    review: Review
    contact: ContactCard
    state: ChannelState
    history: tuple[HistoryEntry, ...]
    role: str


@dataclass(frozen=True, slots=True)
class ReviewPage:
    rows: tuple[Review, ...]
    more: bool
    pending: int | None


def window_start(ctx: AppContext) -> WindowStart:
    with ctx.store.read() as session:
        actor = ctx.settings.actor or current_actor(session)
        return WindowStart(actor, role_of(session, actor),
                           tuple((loc.id, loc.name) for loc in locations.list_locations(session)))


# -- the contact list


def contact_listing(ctx: AppContext, flt: ContactFilter, page_size: int) -> ContactListing:
    with ctx.store.read() as session:
        connected = locations.connected_mask(session, flt.location_id)
        count = contact_list.count_contacts(session, flt)
        checkpoint()
        first = contact_list.contact_page(session, flt, 0, page_size) if count else []
    return ContactListing(count, connected, tuple(first))


def contact_page(ctx: AppContext, flt: ContactFilter, offset: int, limit: int) -> list[ContactRow]:
    with ctx.store.read() as session:
        return contact_list.contact_page(session, flt, offset, limit)


def contact_rows(ctx: AppContext, ids: Sequence[int]) -> dict[int, ContactRow]:
    with ctx.store.read() as session:
        return contact_list.contact_rows(session, sorted(ids))


# -- one contact


def _card(session: orm.Session, contact: Contact) -> ContactCard:
    stored = channel_states(session, contact.id)
    found = {c: review_queries.open_review(session, contact.id, c) if s.state.locked else None
             for c, s in stored.items()}
    return ContactCard(contact.id, contact.name, contact.email, contact.phone, contact.location_id, stored,
                       locations.connected_channels(session, contact.location_id), found)


def contact_card(ctx: AppContext, contact_id: int) -> ContactCard | None:
    with ctx.store.read() as session:
        contact = session.get(Contact, contact_id)
        return _card(session, contact) if contact is not None else None


def set_dnd(ctx: AppContext, contact_id: int, channels: Sequence[Channel] | None, turn_on: bool, actor: str,
            cleared: bool, versions: Mapping[Channel, int] | None) -> actions.ActionResult:
    with ctx.store.write() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("this contact no longer exists")
        return actions.set_dnd(session, contact, channels, turn_on, actor, provider_cleared=cleared,
                               expected_versions=versions)


def history(ctx: AppContext, contact_id: int) -> list[HistoryEntry]:
    with ctx.store.read() as session:
        contact = session.get(Contact, contact_id)
        return contact_history(session, contact) if contact is not None else []


# -- the location's integrations and possible opt-outs


def integrations(ctx: AppContext, location_id: int) -> tuple[str, frozenset[Channel]]:
    with ctx.store.read() as session:
        location = session.get(Location, location_id)
        name = location.name if location is not None else str(location_id)
        return name, locations.connected_channels(session, location_id)


def set_connected(ctx: AppContext, location_id: int, channel: Channel, connected: bool) -> None:
    with ctx.store.write() as session:
        locations.set_connected(session, location_id, [channel], connected)


def list_possible_opt_outs(ctx: AppContext, location_id: int) -> list[PossibleOptOutView]:
    with ctx.store.read() as session:
        return possible_opt_outs.list_possible_opt_outs(session, location_id)


def decide_possible_opt_out(ctx: AppContext, opt_out_id: int, actor: str, confirm: bool) -> None:
    with ctx.store.write() as session:
        if confirm:
            possible_opt_outs.confirm_possible_opt_out(session, opt_out_id, actor)
        else:
            possible_opt_outs.dismiss_possible_opt_out(session, opt_out_id, actor)


# -- opt-in reviews


def review_page(ctx: AppContext, state: ReviewState | None, location_id: int | None, offset: int,
                limit: int) -> ReviewPage:
    """A page of the queue (pending first) and, for the first page, the pending count of the tab's badge."""
    with ctx.store.read() as session:
        rows = review_queries.list_reviews(session, state, location_id, pending_first=True, limit=limit + 1,
                                           offset=offset)
        pending = review_queries.count_reviews(session, ReviewState.PENDING, location_id) if offset == 0 else None
    return ReviewPage(tuple(rows[:limit]), len(rows) > limit, pending)


def review_card(ctx: AppContext, review_id: int, actor: str) -> ReviewCard:
    with ctx.store.read() as session:
        review = review_queries.get_review(session, review_id)
        contact = session.get(Contact, review.contact_id)
        if contact is None:
            raise NotFound(f"no contact with id {review.contact_id}")
        card = _card(session, contact)
        entries = tuple(e for e in contact_history(session, contact) if e.event.channel == review.channel)
        return ReviewCard(review, card, card.stored[review.channel].state, entries, role_of(session, actor))


def submission_card(ctx: AppContext, contact_id: int) -> ContactCard:
    card = contact_card(ctx, contact_id)
    if card is None:
        raise NotFound(f"no contact with id {contact_id}")
    return card


def submit_review(ctx: AppContext, contact_id: int, channel: Channel, actor: str, links: Sequence[EvidenceLink],
                  numbers: Sequence[str], notes: str) -> Review:
    with ctx.store.write() as session:
        return reviews.submit_review(session, contact_id, channel, actor, list(links), list(numbers), notes,
                                     region=ctx.region)


def approve_review(ctx: AppContext, review_id: int, actor: str, links: Sequence[EvidenceLink],
                   numbers: Sequence[str], note: str, version: int) -> Review:
    """Approve, first adding the reviewer's relationship numbers (one transaction)."""
    with ctx.store.write() as session:
        expected: int | None = version
        if numbers:
            reviews.update_review(session, review_id, actor, relationship_numbers=numbers, region=ctx.region,
                                  expected_version=expected)
            expected = None
        return reviews.approve_review(session, review_id, actor, links, note, expected)


def reject_review(ctx: AppContext, review_id: int, actor: str, reason: str, version: int) -> Review:
    with ctx.store.write() as session:
        return reviews.reject_review(session, review_id, actor, reason, version)


def needs_info_review(ctx: AppContext, review_id: int, actor: str, reason: str, version: int) -> Review:
    with ctx.store.write() as session:
        return reviews.needs_info_review(session, review_id, actor, reason, version)


def update_review(ctx: AppContext, review_id: int, actor: str, links: Sequence[EvidenceLink],
                  numbers: Sequence[str], note: str, version: int) -> Review:
    with ctx.store.write() as session:
        return reviews.update_review(session, review_id, actor, links, numbers, note, region=ctx.region,
                                     expected_version=version)

