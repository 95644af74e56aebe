"""Checks beyond the chain itself: a checkpoint kept elsewhere, and stored channel states against the ledger.

``audit checkpoint`` writes the head's position, hash and seal to a file; verifying against it fails when the
ledger no longer contains that entry (caught even when the key's holder rewrote everything). ``audit verify
--replay`` replays every (contact, channel) from the ledger and names the first stored state, in contact-id and
channel order, that differs from it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import iso_utc
from console.domain.state import ChannelState
from console.errors import UserError
from console.store.audit import GENESIS, HEX64, VerifyResult
from console.store.models import LedgerEntry
from console.store.projection import load_states, replay_pairs
from console.store.sealing import write_private
from console.store.tables import CONTACTS, state_from_row

CHECKPOINT_FORMAT = "dnd-console audit checkpoint"
REPLAY_CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class Checkpoint:
    entry: int
    hash: str
    seal: str | None


def checkpoint_data(result: VerifyResult, actor: str, at_us: int) -> dict[str, Any]:
    entry, last_hash, seal = result.last
    return {
        "format": CHECKPOINT_FORMAT,
        "entry": entry,
        "hash": last_hash,
        "seal": seal,
        "written_by": actor,
        "written_at": iso_utc(at_us),
    }


def write_checkpoint(path: Path, data: dict[str, Any]) -> None:
    try:
        write_private(path, orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as exc:
        raise UserError(f"cannot write the checkpoint {path}: {exc.strerror}") from None


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file; a missing, unreadable or malformed one is bad usage (exit 2)."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise UserError(f"no checkpoint file {path}") from None
    except OSError as exc:
        raise UserError(f"cannot read the checkpoint {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError:
        raise UserError(f"{path} is not a checkpoint (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise UserError(f"{path} is not a checkpoint written by audit checkpoint")
    entry, entry_hash, seal = data.get("entry"), data.get("hash"), data.get("seal")
    if isinstance(entry, bool) or not isinstance(entry, int) or entry < 0:
        raise UserError(f"the checkpoint {path} has no entry number")
    if not isinstance(entry_hash, str) or not HEX64.fullmatch(entry_hash):
        raise UserError(f"the checkpoint {path} has no entry hash")
    if seal is not None and not isinstance(seal, str):
        raise UserError(f"the checkpoint {path} has an unreadable seal")
    return Checkpoint(entry, entry_hash, seal)


def checkpoint_problem(session: Session, checkpoint: Checkpoint) -> str | None:
    """Why the ledger no longer contains the checkpoint's entry, or None when it does."""
    if checkpoint.entry == 0:
        return None if checkpoint.hash == GENESIS else "the checkpoint is damaged (entry 0 with a hash)"
    row = session.execute(select(LedgerEntry.hash, LedgerEntry.seal).where(LedgerEntry.id == checkpoint.entry)).first()
    if row is None:
        return f"the ledger no longer contains the checkpoint's entry {checkpoint.entry}"
    if row.hash != checkpoint.hash or row.seal != checkpoint.seal:
        return f"entry {checkpoint.entry} is not the one the checkpoint recorded (the ledger was rewritten)"
    return None


# -- stored states against the replayed ledger -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateDifference:
    contact_id: int
    contact_name: str
    channel: Channel
    stored: str
    ledger: str

    def describe(self) -> str:
        return (
            f"contact {self.contact_id} ({self.contact_name}) {self.channel.value}: stored {self.stored}, "
            f"ledger {self.ledger}"
        )


def _essential(state: ChannelState) -> tuple[Any, ...]:
    return (state.dnd, state.kind, state.reason, state.since_us, state.source, state.event_id, state.until_us)


def _words(state: ChannelState, other: ChannelState) -> str:
    if not state.dnd or state.kind is None:
        return "off"
    text = f"DND {state.kind.value}"
    if other.dnd and other.kind == state.kind:  # same kind: say what else differs
        end = f", until {iso_utc(state.until_us)}" if state.until_us is not None else ""
        text += f" ({state.reason}, since {iso_utc(state.since_us)}{end}, entry {state.event_id})"
    return text


def first_state_difference(session: Session) -> StateDifference | None:
    """Replay every contact's six channels; the first (contact id, channel) whose stored state differs."""
    last_id = 0
    while True:
        contacts = session.execute(
            select(CONTACTS.c.id, CONTACTS.c.location_id, CONTACTS.c.name, CONTACTS.c.dnd_mask)
            .where(CONTACTS.c.id > last_id)
            .order_by(CONTACTS.c.id)
            .limit(REPLAY_CHUNK)
        ).all()
        if not contacts:
            return None
        last_id = contacts[-1].id
        by_location: dict[int, list[int]] = defaultdict(list)
        for contact in contacts:
            by_location[contact.location_id].append(contact.id)
        replayed: dict[tuple[int, Channel], tuple[ChannelState, str]] = {}
        for location_id, ids in by_location.items():
            replayed.update(replay_pairs(session, location_id, [(cid, ch) for cid in ids for ch in CHANNEL_ORDER]))
        stored = load_states(session, [c.id for c in contacts])
        for contact in contacts:
            for channel in CHANNEL_ORDER:
                ledger = replayed[(contact.id, channel)][0]
                row_state = state_from_row(stored.get((contact.id, channel)))
                if _essential(row_state) != _essential(ledger):
                    return StateDifference(
                        contact.id, contact.name, channel, _words(row_state, ledger), _words(ledger, row_state)
                    )
                flagged = bool(contact.dnd_mask & channel.bit)
                if flagged != ledger.dnd:
                    return StateDifference(
                        contact.id,
                        contact.name,
                        channel,
                        f"list flag {'DND' if flagged else 'off'}",
                        _words(ledger, ledger),
                    )
