"""The window's changes for a login set up with ``db grant`` (PostgreSQL team mode): each goes to the team's writer
as the command line that does the same (``dnd-console serve`` runs it with the same rules, as that login), and the
answer comes back as the same read models the window gets on a desk that writes itself.

Reading stays direct: a granted login may read the console's tables. Only the write is handed over, so what the
window shows after it is read back from the database the writer changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from console.domain.actions import Refusal
from console.domain.bulk import BulkRefusal, Preview
from console.domain.channels import Channel
from console.domain.events import iso_utc
from console.domain.evidence import EvidenceLink
from console.domain.reviews import Review
from console.errors import Conflict, ConsoleError, InvalidInput, Refused, StoreUnavailable, WriterNeeded
from console.services import imports, locations, reviews, team
from console.services.base import Outcome, actor
from console.services.bulk import BulkResult, UndoResult, bulk_contacts
from console.services.context import AppContext
from console.services.dnd import ChannelChange, ContactDnd, DndResult
from console.services.imports import ImportSummary
from console.services.reads import status
from console.store.changes import DND, Change

__all__ = ["bulk_set", "import_files", "review_action", "run", "save_contact", "set_connected", "set_dnd", "simple",
           "undo_batch"]


def _who(ctx: AppContext) -> str:
    with ctx.store.read() as session:
        return actor(ctx, session)


def _error(code: int, stderr: str) -> ConsoleError:
    """The writer's one-line refusal as the error the window shows (exit 1: refused, else bad input)."""
    lines = [line.removeprefix("dnd-console: ").strip() for line in stderr.splitlines() if line.strip()]
    text = lines[-1] if lines else f"the team's writer refused the change (exit {code})"
    return Refused(text) if code == 1 else InvalidInput(text)


def run(ctx: AppContext, needed: WriterNeeded, argv: Sequence[str], *, ok_codes: tuple[int, ...] = (0,),
        as_json: bool = True, files: Sequence[tuple[str, bytes]] = (),
        should_stop: Callable[[], bool] | None = None) -> Any:
    """Hand one command (with ``--json`` unless told, and the bytes of the ``files`` it names) to the writer; its
    parsed JSON answer (``{}`` for a command that prints text), or the refusal raised (an exit code other than 0
    with no JSON is one too). ``should_stop``: cancel the request in the writer and wait for its answer
    (``requests.forward``)."""
    answer = team.forward(needed.store, [*argv, "--json"] if as_json else list(argv), ctx.settings.region, files,
                          should_stop)
    return _parsed(answer, ok_codes, as_json)


def _parsed(answer: team.Answer, ok_codes: tuple[int, ...], as_json: bool) -> Any:
    if answer.exit_code not in ok_codes or (as_json and answer.exit_code and not answer.stdout.strip()):
        raise _error(answer.exit_code, answer.stderr)
    if not as_json:
        return {}
    try:
        return orjson.loads(answer.stdout) if answer.stdout.strip() else {}
    except orjson.JSONDecodeError:
        raise StoreUnavailable("the team's writer gave an answer this console cannot read") from None


def import_files(ctx: AppContext, needed: WriterNeeded, paths: Sequence[Path], location: str | None,
                 should_stop: Callable[[], bool] | None = None) -> ImportSummary:
    """``import FILE... [--location L] --json``, the files sent with the request (the writer reads no other), as
    the summary of an import run here. Exit 1 with a summary is "some records rejected"; without one, a refusal.
    ``should_stop`` (the window's Cancel): the import is cancelled in the writer, which stops it at once; its
    summary (``cancelled``, what it committed kept) is returned as a Cancel here returns it."""
    files: list[tuple[str, bytes]] = []
    for path in paths:
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as exc:
            raise InvalidInput(f"cannot read {path.name}: {exc.strerror or exc}") from None
    argv = ["import", *(name for name, _ in files), *(["--location", location] if location else []), "--json"]
    sent = team.forward(needed.store, argv, ctx.settings.region, files, should_stop)
    if sent.cancelled and not sent.stdout.strip():
        return ImportSummary(cancelled=True)  # cancelled before the writer began it: nothing was imported
    answer = _parsed(sent, (0, 1), True)
    if not answer:
        raise Refused("the team's writer did not run the import")
    return imports.summary_from_json(ctx, answer)


def bulk_set(ctx: AppContext, needed: WriterNeeded, ids: Sequence[int], channels: Sequence[Channel] | None,
             turn_on: bool, note: str, dry_run: bool, location_id: int | None) -> Outcome[BulkResult]:
    """A bulk change (or its preview, ``dry_run``) of contacts ``ids``, one batch: ``set --from-file`` (the ids, one
    a line, sent with the request) ``--channel C[,C...]|all --on|--off --note N [--dry-run] --json``, as the
    service's result."""
    name = "bulk-contacts.txt"
    listing = [(name, "".join(f"{i}\n" for i in ids).encode())]
    argv = ["set", "--from-file", name, "--channel", "all" if channels is None else ",".join(c.value for c in channels),
            "--on" if turn_on else "--off", "--note", note, *(["--dry-run"] if dry_run else [])]
    if location_id is not None:
        argv += ["--location", locations.get_location(ctx, location_id).name]
    data = run(ctx, needed, argv, ok_codes=(0, 1), files=listing)
    if "contacts" not in data:
        raise Refused("the team's writer did not run the bulk change")
    batch = data.get("batch")
    touched = bulk_contacts(ctx, int(batch)) if batch is not None else frozenset()
    return Outcome(BulkResult(preview_from_json(data), int(batch) if batch is not None else None),
                   Change(DND, location_id, touched, _who(ctx)))


def preview_from_json(data: dict[str, Any]) -> Preview:
    """A bulk change's preview from its ``set --json`` answer (CLI.md)."""
    per_channel: dict[str, Any] = data.get("per_channel") or {}
    channels = tuple(Channel(name) for name in per_channel)
    preview = Preview(channels, contacts=int(data.get("contacts", 0)))
    for channel in channels:
        counts = per_channel[channel.value]
        preview.changed[channel] = int(counts.get("changed", 0))
        preview.unchanged[channel] = int(counts.get("unchanged", 0))
    preview.refused = [BulkRefusal(int(r["contact"]), Channel(r["channel"]), str(r["reason"]))
                       for r in data.get("refused", [])]
    preview.unknown = [str(u) for u in data.get("unknown", [])]
    preview.changed_contacts = int(data.get("changed_contacts", 0))
    return preview


def undo_batch(ctx: AppContext, needed: WriterNeeded, batch_id: int) -> Outcome[UndoResult]:
    """``undo BATCH --json``, as the service's result."""
    data = run(ctx, needed, ["undo", str(batch_id)])
    result = UndoResult(int(data["batch"]), int(data["undid"]), int(data.get("reverted", 0)),
                        list(data.get("left", [])))
    return Outcome(result, Change(DND, None, bulk_contacts(ctx, result.batch), _who(ctx)))


def set_dnd(ctx: AppContext, needed: WriterNeeded, contact_id: int, channels: Sequence[Channel] | None,
            turn_on: bool, note: str | None, provider_cleared: bool, until_us: int | None = None,
            versions: Mapping[Channel, int] | None = None) -> DndResult:
    """``set CONTACT --channel C --on|--off [--until WHEN] [--expect-version C=N...]`` per channel (``all`` for
    every one), as the toggle's result. ``versions``: the versions the window saw; a channel changed since raises
    :class:`Conflict` ("changed by X a moment ago"), as on a desk that writes itself."""
    (before,) = status(ctx, contact_id)
    refused: list[Refusal] = []
    unchanged: list[tuple[Channel, str]] = []
    for name in ["all"] if channels is None else [c.value for c in channels]:
        argv = ["set", str(contact_id), "--channel", name, "--on" if turn_on else "--off"]
        if note:
            argv += ["--note", note]
        if provider_cleared:
            argv.append("--provider-cleared")
        if until_us is not None:
            argv += ["--until", iso_utc(until_us) or ""]
        for channel, version in (versions or {}).items():
            if name in ("all", channel.value):
                argv += ["--expect-version", f"{channel.value}={version}"]
        answer = run(ctx, needed, argv, ok_codes=(0, 1))
        if answer.get("conflict"):
            raise Conflict(str(answer["conflict"]))
        for row in answer.get("results", []):
            refused += [Refusal(Channel(r["channel"]), str(r["code"]), str(r["message"])) for r in row["refused"]]
            unchanged += [(Channel(u["channel"]), str(u["message"])) for u in row["unchanged"]]
        if not answer.get("results"):
            raise Refused("the team's writer did not apply the change")
    (after,) = status(ctx, contact_id)
    was = {view.channel: view.state for view in before.channels}
    changed = tuple(
        ChannelChange(view.channel, was[view.channel], view.state)
        for view in after.channels
        if view.state != was[view.channel]
    )
    return DndResult(turn_on, (ContactDnd(after.contact, changed, tuple(unchanged), tuple(refused)),))


def evidence_args(links: Sequence[EvidenceLink]) -> list[str]:
    return [arg for link in links for arg in ("--evidence", f"{link.kind.value}={link.url}")]


def number_args(numbers: Sequence[str]) -> list[str]:
    return [arg for number in numbers for arg in ("--relationship-number", number)]


def save_contact(ctx: AppContext, needed: WriterNeeded, location: str, contact_id: int | None,
                 changes: dict[str, str | None]) -> int:
    """``contacts add`` (``contact_id`` None) or ``contacts edit``: only the fields in ``changes`` (None: unchanged,
    '' removes an address on an edit); the contact's id."""
    argv = ["contacts", "add", "--location", location] if contact_id is None else ["contacts", "edit", str(contact_id)]
    for field in ("name", "email", "phone"):
        value = changes.get(field)
        if value is not None and (contact_id is not None or value != ""):
            argv += [f"--{field}", value]
    answer = run(ctx, needed, argv)
    return int(answer["id"] if contact_id is None else answer["contact"]["id"])


def set_connected(ctx: AppContext, needed: WriterNeeded, location: str, channel: Channel, connected: bool) -> None:
    run(ctx, needed, ["locations", "connect" if connected else "disconnect", location, channel.value], as_json=False)


def simple(ctx: AppContext, needed: WriterNeeded, argv: Sequence[str]) -> None:
    """A command that prints one line (``possible-opt-outs confirm ID``...): done, or its refusal raised."""
    run(ctx, needed, argv, as_json=False)


def review_action(ctx: AppContext, needed: WriterNeeded, action: str, review_id: int | None, *,
                  contact_id: int | None = None, channel: Channel | None = None,
                  links: Sequence[EvidenceLink] = (), numbers: Sequence[str] = (), note: str | None = None,
                  reason: str | None = None) -> Review:
    """``review submit|update|approve|reject|needs-info``; the review as the writer left it (read back)."""
    argv = ["review", action]
    if action == "submit":
        assert contact_id is not None and channel is not None
        argv += [str(contact_id), "--channel", channel.value]
    else:
        argv.append(str(review_id))
    argv += evidence_args(links) + number_args(numbers)
    if note:
        argv += ["--note", note]
    if reason is not None:
        argv += ["--reason", reason]
    return reviews.get_review(ctx, int(run(ctx, needed, argv)["id"]))
