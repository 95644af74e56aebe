"""Bulk changes and undo (RULES.md "Bulk changes and undo").

``bulk_set`` changes many contacts as one batch, in one transaction, by the rules of a single change (a locked
channel stays locked and is reported; refused and unknown entries do not stop the batch); ``dry_run`` computes
the same preview and writes nothing. ``undo_batch`` reverts what a bulk change or an import changed and is still
in effect, as a new batch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from console.domain.actions import ActionPlan, agent_event, plan_agent_change
from console.domain.addresses import AddressError, parse_contact_ref
from console.domain.bulk import Preview, Revert, left_dict, plan_undo
from console.domain.channels import CHANNEL_ORDER, PHONE_CHANNELS, Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, now_us
from console.domain.roles import admin_action_blockers
from console.domain.state import ChannelState, at_moment
from console.errors import InvalidInput, NotFound
from console.services.base import LocationRef, Outcome, actor_role, location, refuse_if
from console.services.context import AppContext
from console.services.dnd import end_moment
from console.store.bulk import (
    BULK,
    UNDO,
    EntryRow,
    batch_contacts,
    batch_entries,
    contacts_by_address,
    finish_batch,
    get_batch,
    match_refs,
    new_batch,
)
from console.store.changes import DND, Change
from console.store.contact_list import ContactFilter, contact_ids
from console.store.identity import admin_exists
from console.store.ledger import existing_keys, lock_chain, record_events
from console.store.locations import connected_channels
from console.store.projection import load_states
from console.store.tables import CHUNK, chunked, state_from_row

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BulkResult:
    """A bulk change's preview, and its batch once applied (None on a dry run)."""

    preview: Preview
    batch: int | None

    @property
    def refused(self) -> bool:
        return bool(self.preview.refused or self.preview.unknown)

    def as_dict(self) -> dict[str, object]:
        return self.preview.as_dict(self.batch)


@dataclass(slots=True)
class UndoResult:
    batch: int
    undid: int
    reverted: int = 0
    left: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"batch": self.batch, "undid": self.undid, "reverted": self.reverted, "left": self.left}


def _classify(
    refs: Sequence[str], region: str
) -> tuple[list[int], list[str], list[str], list[tuple[str, str, str | int]]]:
    ids: list[int] = []
    emails: list[str] = []
    phones: list[str] = []
    parsed: list[tuple[str, str, str | int]] = []
    for ref in refs:
        if not ref.strip():
            continue
        try:
            what, value = parse_contact_ref(ref, region)
        except AddressError:
            parsed.append(("bad", ref.strip(), ref.strip()))
            continue
        parsed.append((what, ref, value))
        if what == "id":
            ids.append(int(value))
        else:
            (emails if what == "email" else phones).append(str(value))
    return ids, emails, phones, parsed


def keep_ends(plan: ActionPlan, states: dict[Channel, ChannelState]) -> None:
    """A bulk change with an end leaves a manual DND already on as it is (with its end, or none)."""
    kept = [c for c in plan.changes if c.turn_on and states[c.channel].dnd]
    for change in kept:
        plan.changes.remove(change)
        plan.unchanged.append(
            (change.channel, f"{change.channel.label} is already DND (manual); a bulk change sets no end on it.")
        )


def bulk_set(
    ctx: AppContext,
    refs: Sequence[str],
    channels: Sequence[Channel] | None,
    turn_on: bool,
    note: str | None,
    dry_run: bool = False,
    where: LocationRef = None,
    until: str | int | None = None,
) -> Outcome[BulkResult]:
    """Turn DND on or off for ``channels`` (None: all six, connected or not) of every contact ``refs`` name.

    ``until`` (with ``turn_on``): the manual DND set ends then (RULES.md "Manual DND with an end"). A bulk change
    sets ends only on channels that are off: a manual DND already on keeps its end (its undo lifts what the batch
    set, so it could not give an earlier end back); a DND of another kind refuses an end, as for one contact.
    """
    if not note or not note.strip():
        raise InvalidInput("a bulk change needs --note (why, kept in the history)")
    until_us = None if until is None else end_moment(until)
    if until_us is not None and not turn_on:
        raise InvalidInput("--until goes with --on (the end of a manual DND)")
    wanted = tuple(CHANNEL_ORDER if channels is None else channels)
    all_channels = channels is None
    preview = Preview(wanted)
    with ctx.store.write() as session:
        who, _role = actor_role(ctx, session)
        home = location(session, where).id
        ids, emails, phones, parsed = _classify(refs, ctx.region)
        found, got_ids, got_emails, got_phones = match_refs(session, home, ids, emails, phones)
        hit: dict[str, set[str] | set[int]] = {"id": got_ids, "email": got_emails, "phone": got_phones}
        preview.unknown = sorted(
            {str(value) for what, _ref, value in parsed if what == "bad" or value not in hit[what]}
        )
        batch = None
        if not dry_run:
            lock_chain(session)  # the states planned from are the states changed: no writer in between
            meta: dict[str, object] = {"note": note, "on": turn_on, "channels": [c.value for c in wanted]}
            if until_us is not None:
                meta["until"] = iso_utc(until_us)
            batch = new_batch(session, home, who, BULK, meta)
        connected: dict[int, frozenset[Channel]] = {}
        at = now_us()
        touched: set[int] = set()
        order = sorted(found)
        for chunk in chunked(order, CHUNK):
            stored = load_states(session, chunk)
            events: dict[int, list[Event]] = defaultdict(list)
            for cid in chunk:
                lid = found[cid]
                if lid not in connected:
                    connected[lid] = connected_channels(session, lid)
                states = {c: at_moment(state_from_row(stored.get((cid, c))), at) for c in wanted}
                plan = plan_agent_change(
                    states, connected[lid], wanted, turn_on, all_channels=all_channels, until_us=until_us
                )
                if until_us is not None:
                    keep_ends(plan, states)
                preview.add(cid, plan, states)
                if batch is None:
                    continue
                for change in plan.changes:
                    detail = {"note": note, "bulk": str(batch)}
                    if not change.turn_on:
                        before = states[change.channel]
                        detail["before_kind"] = before.kind.value if before.kind else DndKind.MANUAL.value
                        detail["before_reason"] = before.reason or "manual"
                    key = f"bulk:{batch}:{cid}:{CHANNEL_ORDER.index(change.channel)}"
                    events[lid].append(agent_event(change, key, at, cid, detail))
            for lid, chunk_events in events.items():
                recorded = record_events(session, lid, chunk_events, who, batch_id=batch)
                touched.update(cid for cid, _ in recorded.changed)
        if batch is not None:
            finish_batch(session, batch, preview.as_dict(batch))
            log.info(
                "bulk change %s by %s: %s contacts, %s changed",
                batch,
                who,
                preview.contacts,
                sum(preview.changed.values()),
            )
    return Outcome(BulkResult(preview, batch), Change(DND, home, frozenset(touched), who))


def undo_batch(ctx: AppContext, batch_id: int) -> Outcome[UndoResult]:
    """Revert, contact by contact, what batch ``batch_id`` changed and is still in effect, as a new batch."""
    with ctx.store.write() as session:
        who, role = actor_role(ctx, session)
        original = get_batch(session, batch_id)
        if original is None:
            raise NotFound(f"no batch with id {batch_id}")
        if original.actor != who:
            refuse_if(admin_action_blockers(who, role, admin_exists(session), "undo another agent's batch"))
        lock_chain(session)
        rows = batch_entries(session, batch_id)
        # The contacts each entry applied to: named by id, or every contact of its location with its address.
        by_address: dict[tuple[int, str], list[int]] = {}
        wanted: dict[tuple[int, str], set[str]] = defaultdict(set)
        for row in rows:
            if row.contact_id is None and row.address:
                column = "email" if row.entry.channel is Channel.EMAIL else "phone"
                wanted[(row.location_id, column)].add(row.address)
        for (lid, column), addresses in wanted.items():
            for address, ids in contacts_by_address(session, lid, column, sorted(addresses)).items():
                by_address[(lid, address)] = ids
        # Per contact and channel only the batch's last entry counts: the batch's own earlier ones it replaced.
        last: dict[tuple[int, Channel], tuple[int, EntryRow]] = {}
        for row in rows:
            if row.contact_id is not None:
                ids = [int(row.contact_id)]
            elif row.address and (row.entry.channel is Channel.EMAIL or row.entry.channel in PHONE_CHANNELS):
                ids = by_address.get((row.location_id, row.address), [])
            else:
                ids = []
            for cid in ids:
                pair = (cid, row.entry.channel)
                if pair not in last or last[pair][1].entry.order < row.entry.order:
                    last[pair] = (row.location_id, row)
        targets = [(cid, lid, row) for (cid, _channel), (lid, row) in last.items()]
        undo_id = new_batch(session, original.location_id, who, UNDO, {"undoes": batch_id})
        result = UndoResult(undo_id, batch_id)
        at = now_us()
        touched: set[int] = set()
        for chunk in chunked(targets, CHUNK):
            stored = load_states(session, [cid for cid, _, _ in chunk])
            keyed = [(cid, lid, row, f"undo:{row.entry.id}:{cid}") for cid, lid, row in chunk]
            done: set[tuple[str, str]] = set()
            by_loc: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for _cid, lid, _row, key in keyed:
                by_loc[lid].append((Source.AGENT.value, key))
            for lid, idents in by_loc.items():
                done |= existing_keys(session, lid, idents)
            events: dict[int, list[Event]] = defaultdict(list)
            for cid, lid, row, key in keyed:
                entry = row.entry
                held = stored.get((cid, entry.channel))
                now_state = at_moment(state_from_row(held), at)
                step = plan_undo(
                    entry, now_state, held.last_order if held else None, (Source.AGENT.value, key) in done
                )
                if step is None:
                    continue
                if not isinstance(step, Revert):
                    result.left.append(left_dict(cid, entry.channel, step))
                    continue
                detail = {"undoes": str(batch_id), "bulk": str(undo_id)}
                if not step.turn_on:
                    detail["before_kind"] = step.kind.value
                    detail["before_reason"] = held.reason if held and held.reason else "manual"
                events[lid].append(
                    Event(
                        source=Source.AGENT,
                        key=key,
                        at_us=at,
                        channel=entry.channel,
                        effect=Effect.SET if step.turn_on else Effect.LIFT,
                        kind=step.kind,
                        reason=step.reason,
                        contact_id=cid,
                        detail=detail,
                    )
                )
            for lid, chunk_events in events.items():
                recorded = record_events(session, lid, chunk_events, who, batch_id=undo_id)
                result.reverted += len(recorded.changed)
                touched.update(cid for cid, _ in recorded.changed)
        finish_batch(session, undo_id, result.as_dict())
        log.info(
            "undo of batch %s by %s (batch %s): %s reverted, %s left",
            batch_id,
            who,
            undo_id,
            result.reverted,
            len(result.left),
        )
    return Outcome(result, Change(DND, original.location_id, frozenset(touched), who))


def listed_contacts(ctx: AppContext, flt: ContactFilter, rows: Sequence[tuple[int, int]] | None = None) -> list[int]:
    """The contacts of the window's list a bulk change names: every contact matching ``flt`` (``rows`` None), or
    those of the rows the agent selected, as (first, last) row ranges of the filtered, sorted list."""
    with ctx.store.read() as session:
        if rows is None:
            return contact_ids(session, flt)
        found: dict[int, None] = {}
        for first, last in rows:
            found.update(dict.fromkeys(contact_ids(session, flt, first, last - first + 1)))
        return list(found)



def bulk_contacts(ctx: AppContext, batch_id: int) -> frozenset[int]:
    """The contacts a batch changed (what a window refreshes after a batch another process wrote)."""
    with ctx.store.read() as session:
        return batch_contacts(session, batch_id)
