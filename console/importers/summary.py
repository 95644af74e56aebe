"""What an import did, and how far it has got."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from console.importers import registry
from console.importers.base import Reject
from console.importers.contact_sync import ContactsSummary
from console.store.ledger import (
    APPLIED,
    DUPLICATE,
    NO_EFFECT,
    UNMATCHED,
)

MAX_LISTED_REJECTS = 1_000


@dataclass(frozen=True, slots=True)
class ImportProgress:
    file: str
    bytes_done: int
    bytes_total: int
    records: int
    elapsed_s: float

    @property
    def records_per_s(self) -> float:
        return self.records / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass(slots=True)
class ImportSummary:
    files: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    possible_opt_outs: int = 0
    #: Opt-ins held for a reviewer: pending opt-in reviews opened by this import (RULES.md).
    held_opt_ins: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejected_total: int = 0
    no_effect_by_label: Counter[str] = field(default_factory=Counter)
    affected_contact_ids: set[int] = field(default_factory=set)
    contacts: ContactsSummary | None = None
    cancelled: bool = False
    batch_id: int | None = None
    #: Each file's first and last ledger entry id (path -> [first, last]): History names the file a record came
    #: from (the files of one batch are imported one after another, so their ranges never overlap).
    event_ranges: dict[str, list[int]] = field(default_factory=dict)

    def note_events(self, ids: list[int]) -> None:
        """The ledger entries just recorded, from the file being imported (the last one listed)."""
        if not ids or not self.files:
            return
        span = self.event_ranges.setdefault(str(self.files[-1]["path"]), [min(ids), max(ids)])
        span[0], span[1] = min(span[0], *ids), max(span[1], *ids)

    def absorb(self, part: ImportSummary) -> None:
        """Add the counts of one committed chunk (``part``, whose ``files`` are this summary's)."""
        self.counts.update(part.counts)
        self.possible_opt_outs += part.possible_opt_outs
        self.held_opt_ins += part.held_opt_ins
        self.rejected_total += part.rejected_total
        self.rejects.extend(part.rejects[: max(0, MAX_LISTED_REJECTS - len(self.rejects))])
        self.no_effect_by_label.update(part.no_effect_by_label)
        self.affected_contact_ids |= part.affected_contact_ids
        for path, (first, last) in part.event_ranges.items():
            span = self.event_ranges.setdefault(path, [first, last])
            span[0], span[1] = min(span[0], first), max(span[1], last)
        if part.contacts is not None:
            if self.contacts is None:
                self.contacts = ContactsSummary()
            self.contacts.absorb(part.contacts)

    @property
    def event_records(self) -> int:
        return sum(self.counts[k] for k in (APPLIED, NO_EFFECT, DUPLICATE, UNMATCHED)) + self.rejected_total

    def as_dict(self, contact_ids: bool = False) -> dict[str, Any]:
        """The summary's JSON shape (CLI.md, ``import --json``). ``contact_ids``: with the contacts part's
        ``contact_ids`` (the command's output; the batch's stored counts leave them out)."""
        data: dict[str, Any] = {
            "files": self.files,
            "records": self.event_records,
            "applied": self.counts[APPLIED],
            "no_effect": self.counts[NO_EFFECT],
            "duplicates": self.counts[DUPLICATE],
            "unmatched": self.counts[UNMATCHED],
            "rejected": self.rejected_total,
            "possible_opt_outs": self.possible_opt_outs,
            "held_opt_ins": self.held_opt_ins,
            "no_effect_by_label": dict(self.no_effect_by_label.most_common()),
            "rejects": [{"file": r.file, "line": r.line, "error": r.error} for r in self.rejects],
            "batch": self.batch_id,
            "cancelled": self.cancelled,
        }
        if self.contacts is not None:
            if all(registry.is_contacts(f["format"]) for f in self.files):
                return {
                    **self.contacts.as_dict(contact_ids),
                    "files": self.files,
                    "batch": self.batch_id,
                    "cancelled": self.cancelled,
                }
            data["contacts"] = self.contacts.as_dict(contact_ids)
        return data

    @property
    def any_rejected(self) -> bool:
        return self.rejected_total > 0 or (self.contacts is not None and self.contacts.rejected > 0)
