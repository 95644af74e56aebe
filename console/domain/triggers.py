"""The automatic trigger table of RULES.md, read from ``resources/rules/triggers.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from console.domain.channels import DndKind
from console.resources import resource


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: DndKind
    reason: str


@dataclass(frozen=True, slots=True)
class TriggerTable:
    mailgun: dict[tuple[str, str | None, str | None], DndKind]
    suppression_lists: dict[str, tuple[str, str | None, str | None]]
    twilio_errors: dict[int, DndKind]


@cache
def trigger_table() -> TriggerTable:
    data: dict[str, Any] = tomllib.loads(resource("rules", "triggers.toml").read_text("utf-8"))
    mailgun = {(row["event"], row.get("severity"), row.get("reason")): DndKind(row["kind"]) for row in data["mailgun"]}
    lists = {
        name: (row["event"], row.get("severity"), row.get("reason")) for name, row in data["suppression_lists"].items()
    }
    errors = {int(code): DndKind(kind) for code, kind in data["twilio_errors"].items()}
    return TriggerTable(mailgun, lists, errors)


def mailgun_trigger(event: str, severity: str | None = None, reason: str | None = None) -> Trigger | None:
    """The DND a Mailgun event sets on email, or None when it sets none."""
    table = trigger_table().mailgun
    if reason is not None:
        kind = table.get((event, severity, reason))
        if kind is not None:
            return Trigger(kind, f"email.{reason}")
    kind = table.get((event, None, None))
    return Trigger(kind, f"email.{event}") if kind is not None else None


def mailgun_no_effect_label(event: str, severity: str | None, reason: str | None) -> str:
    """How a record that triggers nothing is counted in the import summary, e.g. ``failed/temporary/generic``."""
    return "/".join(part for part in (event or "unknown", severity, reason) if part)


def suppression_list_trigger(list_name: str) -> Trigger:
    event, severity, reason = trigger_table().suppression_lists[list_name]
    trigger = mailgun_trigger(event, severity, reason)
    if trigger is None:  # pragma: no cover - guarded by the resource file's own test
        raise LookupError(f"suppression list {list_name!r} maps to no trigger")
    return trigger


def twilio_error_trigger(code: int | None) -> Trigger | None:
    if code is None:
        return None
    kind = trigger_table().twilio_errors.get(code)
    return Trigger(kind, f"sms.error_{code}") if kind is not None else None
