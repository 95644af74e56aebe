"""Bulk changes and undo, the pure part (RULES.md "Bulk changes and undo").

Reading the references of a ``--from-file`` file, counting a bulk change's preview from the per-contact plans,
and deciding, channel by channel, what undoing a batch does.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from console.domain.actions import ActionPlan
from console.domain.channels import LOCKED_KINDS, Channel, DndKind
from console.domain.state import ChannelState, needs_provider_clearance

#: Columns a CSV of references may name, the first present wins for a row.
REF_COLUMNS = ("id", "email", "phone")

#: Why undo leaves a channel alone.
CHANGED_SINCE, LOCKED, UNDONE = "changed since", "locked", "already undone"
CLEARANCE, PRIOR_UNKNOWN = "provider_clearance_required", "state before unknown"


def refs_from_text(text: str) -> list[str]:
    """The references of a file: one address or id per line, or a CSV with an ``id``, ``email`` or ``phone``
    column (``id`` wins over ``email``, then ``phone``; a first line naming one of them is a header). Blank lines
    and rows with no reference are skipped."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [cell.strip().lower() for cell in next(csv.reader([lines[0]]))]
    if not any(name in header for name in REF_COLUMNS):
        return [line.strip() for line in lines]
    positions = [header.index(name) for name in REF_COLUMNS if name in header]
    refs: list[str] = []
    for row in csv.reader(io.StringIO("\n".join(lines[1:]))):
        for position in positions:
            value = row[position].strip() if position < len(row) else ""
            if value:
                refs.append(value)
                break
    return refs


@dataclass(frozen=True, slots=True)
class BulkRefusal:
    contact: int
    channel: Channel
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"contact": self.contact, "channel": self.channel.value, "reason": self.reason}


def refusal_reason(code: str, state: ChannelState) -> str:
    """The ``reason`` of a refused channel in a bulk change: ``locked: sms.opt_out_keyword``, or the rule's code."""
    return f"{code}: {state.reason}" if code in ("locked", "not_manual") and state.reason else code


@dataclass(slots=True)
class Preview:
    """How many contacts a bulk change matched and, per channel, how many change, stay and are refused."""

    channels: tuple[Channel, ...]
    contacts: int = 0
    #: Contacts with at least one channel that changes.
    changed_contacts: int = 0
    changed: Counter[Channel] = field(default_factory=Counter)
    unchanged: Counter[Channel] = field(default_factory=Counter)
    refused: list[BulkRefusal] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def add(self, contact: int, plan: ActionPlan, states: dict[Channel, ChannelState]) -> None:
        self.contacts += 1
        changed, unchanged = self.changed, self.unchanged
        if plan.changes:
            self.changed_contacts += 1
        for change in plan.changes:
            changed[change.channel] += 1
        for channel, _ in plan.unchanged:
            unchanged[channel] += 1
        for r in plan.refusals:
            reason = refusal_reason(r.code, states.get(r.channel, ChannelState()))
            self.refused.append(BulkRefusal(contact, r.channel, reason))

    def as_dict(self, batch: int | None) -> dict[str, object]:
        refused = Counter(r.channel for r in self.refused)
        return {
            "batch": batch,
            "contacts": self.contacts,
            "changed_contacts": self.changed_contacts,
            "changed": sum(self.changed.values()),
            "unchanged": sum(self.unchanged.values()),
            "refused": [r.as_dict() for r in self.refused],
            "unknown": list(self.unknown),
            "per_channel": {
                c.value: {"changed": self.changed[c], "unchanged": self.unchanged[c], "refused": refused[c]}
                for c in self.channels
            },
        }


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """A ledger entry of the batch being undone, as undo needs it."""

    id: int
    channel: Channel
    turn_on: bool
    kind: DndKind | None
    order: str
    #: For a lift: the DND it lifted (recorded by bulk changes), to set again.
    before_kind: DndKind | None = None
    before_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Revert:
    """Undo sets the channel (``turn_on``, with the kind and reason it had) or lifts it."""

    turn_on: bool
    kind: DndKind
    reason: str


def plan_undo(entry: BatchEntry, state: ChannelState, last_order: str | None, undone: bool) -> Revert | str | None:
    """What undoing ``entry`` does to a contact's channel now in ``state`` (last applied entry ``last_order``):
    a Revert, the reason it is left alone, or None when the entry never changed this channel."""
    if undone:
        return UNDONE
    if last_order != entry.order:
        return CHANGED_SINCE if last_order is not None and last_order > entry.order else None
    if entry.turn_on:
        if not state.dnd or state.kind is None or state.event_id != entry.id:
            return None  # the entry did not take effect here (the channel was DND already)
        if state.kind in LOCKED_KINDS:
            return LOCKED
        if needs_provider_clearance(entry.channel, state):
            return CLEARANCE
        return Revert(False, state.kind, "undo.lift")
    if state.dnd:
        return None
    if entry.before_kind is None:
        return PRIOR_UNKNOWN  # an import's lift (an opt-in keyword) does not say what it lifted
    return Revert(True, entry.before_kind, entry.before_reason or "undo")


def left_dict(contact: int, channel: Channel, reason: str) -> dict[str, object]:
    return {"contact": contact, "channel": channel.value, "reason": reason}
