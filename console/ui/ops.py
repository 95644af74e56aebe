"""The window's database operations, one function each, on the services; they run on the database worker only.

Each takes the :class:`AppContext` first and returns plain values (the services' frozen read models, domain
objects), so nothing the GUI thread holds is bound to a database session. A view that needs several read models (a
contact with its open reviews, a review with its contact and history) asks for them here, in one job; the job's
checkpoints let a cancelled one stop between them. Who acts is the context's (the services read it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from console.domain.channels import Channel, mask_of
from console.domain.evidence import EvidenceLink
from console.domain.inbound import InboundState
from console.domain.reviews import Review, ReviewState
from console.domain.state import ChannelState
from console.errors import NotFound, WriterNeeded
from console.services import agents, contacts, dnd, forwarded, inbound, locations, opt_outs, reads, reviews
from console.services.context import AppContext
from console.services.dnd import DndResult
from console.services.inbound import InboundResult
from console.services.reads import ChannelView, ContactView
from console.store import contact_list
from console.store.contact_list import ContactFilter, ContactRow
from console.store.history import HistoryEntry
from console.store.possible_opt_outs import PossibleOptOutView
from console.ui.taskman import checkpoint

#: Matches counted before the list is shown; past that the list shows at once and the rest are counted after.
COUNT_AT_ONCE = contact_list.COUNT_AT_ONCE


@dataclass(frozen=True, slots=True)
class WindowStart:
    actor: str
    role: str
    locations: tuple[tuple[int, str], ...]
    acting: agents.ActingView


@dataclass(frozen=True, slots=True)
class ContactListing:
    """A list's count, its location's connected channels (a mask) and its first page."""

    count: int
    connected: int
    first_page: tuple[ContactRow, ...]
    #: False: ``count`` is a lower bound (a search matching very many); ``contact_count`` counts them all.
    exact: bool = True


@dataclass(frozen=True, slots=True)
class ContactCard:
    """What the contact panel shows of one contact: each channel (state, version, connected) and open reviews."""

    id: int
    name: str
    email: str | None
    phone: str | None
    location_id: int
    channels: Mapping[Channel, ChannelView]
    reviews: Mapping[Channel, Review | None]
    #: Inbound DND in effect (sms, call), by channel; a channel missing is not blocked.
    inbound: Mapping[Channel, InboundState] = field(default_factory=dict)

    @property
    def connected(self) -> frozenset[Channel]:
        return frozenset(c for c, view in self.channels.items() if view.connected)


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A review with what its dialog shows around it, and who is looking at it with which role."""

    review: Review
    contact: ContactCard
    state: ChannelState
    history: tuple[HistoryEntry, ...]
    actor: str
    role: str


@dataclass(frozen=True, slots=True)
class ReviewPage:
    rows: tuple[Review, ...]
    more: bool
    pending: int | None
    #: Each row's contact (by id), so two contacts of the same name can be told apart by their address.
    contacts: Mapping[int, ContactRow] = field(default_factory=dict)


def window_start(ctx: AppContext) -> WindowStart:
    who = agents.acting(ctx)
    return WindowStart(who.name, who.role, tuple((loc.id, loc.name) for loc in locations.list_locations(ctx)), who)


# -- the contact list


def contact_listing(ctx: AppContext, flt: ContactFilter, page_size: int) -> ContactListing:
    page = reads.contact_list_page(ctx, flt, 0, page_size, count_cap=COUNT_AT_ONCE)
    return ContactListing(page.total, mask_of(page.connected), page.rows, page.exact)


def contact_count(ctx: AppContext, flt: ContactFilter) -> int:
    return reads.count_list(ctx, flt)


def contact_page(ctx: AppContext, flt: ContactFilter, offset: int, limit: int) -> tuple[ContactRow, ...]:
    return reads.contact_list_rows(ctx, flt, offset, limit)


def contact_rows(ctx: AppContext, ids: Sequence[int]) -> dict[int, ContactRow]:
    return reads.contact_rows_by_id(ctx, sorted(ids))


# -- one contact


def contact_view(ctx: AppContext, contact_id: int) -> ContactView:
    return contacts.find_one(ctx, contact_id)


def save_contact(ctx: AppContext, location_id: int, before: ContactView | None, name: str, email: str,
                 phone: str) -> int:
    """Add the contact (``before`` None) or change what differs from ``before`` (an emptied field removes it)."""
    try:
        if before is None:
            return contacts.add_contact(ctx, name, email or None, phone or None, where=location_id).result.id
        edited = contacts.edit_contact(ctx, before.id, name if name != before.name else None,
                                       email if email != (before.email or "") else None,
                                       phone if phone != (before.phone or "") else None)
        return edited.result.after.id
    except WriterNeeded as needed:  # a login set up with db grant: the team's writer makes the change
        place = locations.get_location(ctx, location_id).name
        if before is None:
            return forwarded.save_contact(ctx, needed, place, None, {"name": name, "email": email, "phone": phone})
        return forwarded.save_contact(ctx, needed, place, before.id, {
            "name": name if name != before.name else None,
            "email": email if email != (before.email or "") else None,
            "phone": phone if phone != (before.phone or "") else None,
        })


def find_contact(ctx: AppContext, ref: str) -> tuple[int, int]:
    """The contact an id, email or phone names (one: several is refused): its id and location id."""
    found = contacts.find_one(ctx, int(ref) if ref.isdigit() else ref)
    return found.id, found.location_id


def contact_card(ctx: AppContext, contact_id: int) -> ContactCard | None:
    """None when the contact no longer exists."""
    try:
        (found,) = reads.status(ctx, contact_id)
    except NotFound:
        return None
    channels = {view.channel: view for view in found.channels}
    open_reviews: dict[Channel, Review | None] = {}
    for channel, view in channels.items():
        checkpoint()
        open_reviews[channel] = reviews.open_review(ctx, contact_id, channel) if view.state.locked else None
    c = found.contact
    blocked = {ch: state for (_cid, ch), state in inbound.inbound_now(ctx, [c.id]).items()}
    return ContactCard(c.id, c.name, c.email, c.phone, c.location_id, channels, open_reviews, blocked)


def set_dnd(ctx: AppContext, contact_id: int, channels: Sequence[Channel] | None, turn_on: bool, cleared: bool,
            versions: Mapping[Channel, int] | None, note: str | None = None, until_us: int | None = None) -> DndResult:
    """``until_us``: the end of the manual DND turned on (None: until an agent turns it off)."""
    try:
        return dnd.set_dnd(ctx, contact_id, channels, turn_on, note=note, provider_cleared=cleared,
                           expected_versions=versions, until=until_us).result
    except WriterNeeded as needed:  # the writer applies it with the same rules and the same version check
        return forwarded.set_dnd(ctx, needed, contact_id, channels, turn_on, note, cleared, until_us, versions)


def set_inbound(ctx: AppContext, contact_id: int, channel: Channel, turn_on: bool,
                note: str | None = None) -> InboundResult | None:
    """Inbound DND (block incoming) on sms or call, through the service, audited like every change."""
    try:
        return inbound.set_inbound(ctx, str(contact_id), channel.value, turn_on, note)
    except WriterNeeded as needed:  # the team's writer runs ``set --inbound`` with the same rules
        argv = ["set", str(contact_id), "--channel", channel.value, "--inbound", "--on" if turn_on else "--off"]
        forwarded.run(ctx, needed, [*argv, *(["--note", note] if note else [])])
        return None


def history(ctx: AppContext, contact_id: int) -> list[HistoryEntry]:
    try:
        return [entry for found in reads.history(ctx, contact_id) for entry in found.entries]
    except NotFound:
        return []


# -- the location's integrations and possible opt-outs


def integrations(ctx: AppContext, location_id: int) -> locations.LocationView:
    return locations.get_location(ctx, location_id)


def set_connected(ctx: AppContext, location_id: int, channel: Channel, connected: bool) -> None:
    try:
        locations.set_connected(ctx, location_id, [channel], connected)
    except WriterNeeded as needed:
        forwarded.set_connected(ctx, needed, locations.get_location(ctx, location_id).name, channel, connected)


def list_possible_opt_outs(ctx: AppContext, location_id: int) -> list[PossibleOptOutView]:
    return opt_outs.list_opt_outs(ctx, location_id)


def possible_opt_out_queue(ctx: AppContext, location_id: int) -> list[opt_outs.OptOutItem]:
    return opt_outs.opt_out_queue(ctx, location_id)


def possible_opt_out_counts(ctx: AppContext, location_id: int) -> tuple[int, int]:
    """(pending, overdue) possible opt-outs of the location, for the window's status bar."""
    return opt_outs.opt_out_counts(ctx, location_id)


def decide_possible_opt_out(ctx: AppContext, opt_out_id: int, confirm: bool) -> None:
    try:
        (opt_outs.confirm_opt_out if confirm else opt_outs.dismiss_opt_out)(ctx, opt_out_id)
    except WriterNeeded as needed:
        forwarded.simple(ctx, needed, ["possible-opt-outs", "confirm" if confirm else "dismiss", str(opt_out_id)])


# -- opt-in reviews


def review_page(ctx: AppContext, state: ReviewState | None, location_id: int | None, offset: int,
                limit: int) -> ReviewPage:
    """A page of the queue (pending first) and, for the first page, the pending count of the tab's badge."""
    rows = reviews.list_reviews(ctx, state, location_id, pending_first=True, limit=limit + 1, offset=offset)
    pending = reviews.count_reviews(ctx, ReviewState.PENDING, location_id) if offset == 0 else None
    shown = tuple(rows[:limit])
    contacts = contact_rows(ctx, sorted({r.contact_id for r in shown}))
    return ReviewPage(shown, len(rows) > limit, pending, contacts)


def review_card(ctx: AppContext, review_id: int) -> ReviewCard:
    review = reviews.get_review(ctx, review_id)
    checkpoint()
    card = contact_card(ctx, review.contact_id)
    if card is None:
        raise NotFound(f"no contact with id {review.contact_id}")
    checkpoint()
    entries = tuple(e for e in history(ctx, review.contact_id) if e.event.channel == review.channel)
    actor, role = reviews.acting_role(ctx)
    return ReviewCard(review, card, card.channels[review.channel].state, entries, actor, role)


def submission_card(ctx: AppContext, contact_id: int) -> ContactCard:
    card = contact_card(ctx, contact_id)
    if card is None:
        raise NotFound(f"no contact with id {contact_id}")
    return card


def submit_review(ctx: AppContext, contact_id: int, channel: Channel, links: Sequence[EvidenceLink],
                  numbers: Sequence[str], notes: str) -> Review:
    try:
        return reviews.submit_review(ctx, contact_id, channel, links, numbers, notes).result
    except WriterNeeded as needed:
        return forwarded.review_action(ctx, needed, "submit", None, contact_id=contact_id, channel=channel,
                                       links=links, numbers=numbers, note=notes)


def approve_review(ctx: AppContext, review_id: int, links: Sequence[EvidenceLink], numbers: Sequence[str],
                   note: str, version: int) -> Review:
    """Approve; the reviewer's new relationship numbers are added first (then the approval expects that version)."""
    try:
        if numbers:
            version = reviews.update_review(ctx, review_id, relationship_numbers=numbers, expected_version=version)\
                .result.version
        return reviews.approve_review(ctx, review_id, links, note, version).result
    except WriterNeeded as needed:
        if numbers:
            forwarded.review_action(ctx, needed, "update", review_id, numbers=numbers)
        return forwarded.review_action(ctx, needed, "approve", review_id, links=links, note=note)


def reject_review(ctx: AppContext, review_id: int, reason: str, version: int) -> Review:
    return _decide(ctx, review_id, reason, version, "reject")


def needs_info_review(ctx: AppContext, review_id: int, reason: str, version: int) -> Review:
    return _decide(ctx, review_id, reason, version, "needs-info")


def _decide(ctx: AppContext, review_id: int, reason: str, version: int, action: str) -> Review:
    """A decision with a reason (``review reject|needs-info``), made here or, for a granted login, by the writer."""
    decide = reviews.reject_review if action == "reject" else reviews.needs_info_review
    try:
        return decide(ctx, review_id, reason, version).result
    except WriterNeeded as needed:
        return forwarded.review_action(ctx, needed, action, review_id, reason=reason)


def update_review(ctx: AppContext, review_id: int, links: Sequence[EvidenceLink], numbers: Sequence[str],
                  note: str, version: int) -> Review:
    try:
        return reviews.update_review(ctx, review_id, links, numbers, note, version).result
    except WriterNeeded as needed:
        return forwarded.review_action(ctx, needed, "update", review_id, links=links, numbers=numbers, note=note)
