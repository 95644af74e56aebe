"""The consent report as one HTML page that prints well (and that xhtml2pdf turns into the same PDF).

Every value that came from outside (names, addresses, bodies, notes, file names, links, actors) goes through
:func:`text` (``html.escape``); nothing from the database is ever written as markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from console.domain.channels import Channel
from console.domain.events import iso_utc
from console.domain.explain import reason_text
from console.domain.inbound import is_inbound
from console.domain.state import ChannelState
from console.services.report import ChannelNow, ConsentRecord, ConsentReport
from console.store.history import HistoryEntry

PROVIDER_SOURCES = ("mailgun", "twilio")
DETAIL_SHOWN = ("keyword", "body", "note", "error_code", "event", "review", "approved_by", "scope")

CSS = """
@page { size: A4 landscape; margin: 1.4cm 1.2cm; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 4pt 0; }
h2 { font-size: 12pt; margin: 14pt 0 4pt 0; border-bottom: 1px solid #999; }
h3 { font-size: 10pt; margin: 8pt 0 2pt 0; }
p.meta { color: #444; margin: 0 0 6pt 0; }
table { border-collapse: collapse; width: 100%; margin-bottom: 6pt; }
th, td { border: 1px solid #bbb; padding: 2pt 3pt; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.code { font-family: Courier, monospace; font-size: 8pt; }
.dnd { font-weight: bold; }
.audit { font-size: 11pt; font-weight: bold; padding: 4pt; border: 1px solid #555; }
.broken { color: #a00; }
table.entry { margin-bottom: 5pt; }
table.entry th.k { width: 11%; }
table.entry td.v { width: 39%; }
@media print { a { color: #111; text-decoration: none; } }
"""


def text(value: object) -> str:
    """An outside value as HTML text (never markup); None shows as a dash."""
    if value is None or value == "":
        return "&#8212;"
    return html.escape(str(value), quote=True)


def render_html(report: ConsentReport) -> str:
    title = "Consent record: " + ", ".join(f"{r.name} (#{r.contact_id})" for r in report.records)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{text(title)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    for n, record in enumerate(report.records):
        if n:
            parts.append('<div style="page-break-before: always"></div>')
        parts.append(_record(record, report))
    parts.append("</body></html>")
    return "\n".join(parts)


def _record(record: ConsentRecord, report: ConsentReport) -> str:
    rows = [
        f'<section class="contact" id="contact-{record.contact_id}">',
        f"<h1>Consent record: {text(record.name)} (contact #{record.contact_id})</h1>",
        f'<p class="meta">Generated {text(iso_utc(report.generated_at_us))} by {text(report.generated_by)}'
        f" from the {text(report.database)} database. Times are UTC.</p>",
        "<table><tbody>",
        f"<tr><th>Name</th><td>{text(record.name)}</td><th>Email</th><td>{text(record.email)}</td></tr>",
        f"<tr><th>Phone</th><td>{text(record.phone)}</td><th>Location</th><td>{text(record.location)}</td></tr>",
        "</tbody></table>",
        "<h2>Each channel now</h2>",
        _channels(record.channels),
        f"<h2>Ledger entries ({len(record.entries)})</h2>",
        _entries(record),
        f"<h2>Opt-in reviews ({len(record.reviews)})</h2>",
        _reviews(record),
        "<h2>Audit verification</h2>",
        _audit(record),
        "</section>",
    ]
    return "\n".join(rows)


def _state(state: ChannelState) -> str:
    if not state.dnd:
        return "off"
    lock = ", locked" if state.locked else ""
    return f'<span class="dnd">DND {text(state.kind.value if state.kind else "")}{lock}</span>'


def _channels(channels: Iterable[ChannelNow]) -> str:
    head = (
        "<table><thead><tr><th>Channel</th><th>Id</th><th>Connected</th><th>State</th><th>Reason code</th>"
        "<th>Reason</th><th>Since</th><th>Source</th><th>Set by entry</th><th>Inbound DND</th></tr></thead><tbody>"
    )
    rows = [head]
    for ch in channels:
        s = ch.state
        words = reason_text(s.reason, dict(s.detail or {})) if s.dnd else ""
        inbound = "&#8212;"
        if ch.inbound is not None:
            inbound = f"on since {text(iso_utc(ch.inbound.since_us))}" if ch.inbound.dnd else "off"
        rows.append(
            f'<tr data-channel="{text(ch.channel.value)}"><td>{text(ch.channel.label)}</td>'
            f'<td class="code">{text(ch.channel.value)}</td><td>{"yes" if ch.connected else "no"}</td>'
            f'<td>{_state(s)}</td><td class="code">{text(s.reason if s.dnd else None)}</td><td>{text(words)}</td>'
            f"<td>{text(iso_utc(s.since_us) if s.dnd else None)}</td><td>{text(s.source if s.dnd else None)}</td>"
            f"<td>{_entry_ref(s.event_id if s.dnd else None)}</td><td>{inbound}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _entry_ref(event_id: int | None) -> str:
    return "&#8212;" if event_id is None else f'<a href="#entry-{event_id}">#{event_id}</a>'


def _entries(record: ConsentRecord) -> str:
    if not record.entries:
        return "<p>No ledger entry concerns this contact.</p>"
    return "\n".join(_entry_block(entry, record) for entry in record.entries)


def _entry_block(entry: HistoryEntry, record: ConsentRecord) -> str:
    """One entry as a small two-pair table, so long ids and digests keep the page's full width."""
    ev = entry.event
    channel = Channel(ev.channel) if ev.channel else None
    direction = "inbound" if is_inbound(ev) else "outbound"
    provider = ev.key if ev.source in PROVIDER_SOURCES else None
    details = "<br>".join(f"{text(k)}: {text(v)}" for k, v in sorted(ev.detail.items()) if k in DETAIL_SHOWN)
    label = f"{text(channel.label)} <span class='code'>({text(channel.value)})</span>" if channel else "&#8212;"
    recorded = f"{text(iso_utc(entry.recorded_at_us))} by {text(entry.actor)}"
    rows = [
        f'<table class="entry" id="entry-{entry.event_id}" data-entry="{entry.event_id}"><tbody>',
        f'<tr><th class="k">Entry</th><td class="v"><b>#{entry.event_id}</b> ({direction})</td>'
        f'<th class="k">Channel</th><td class="v">{label}</td></tr>',
        f'<tr><th class="k">Occurred</th><td class="v">{text(iso_utc(ev.at_us))}</td>'
        f'<th class="k">Recorded</th><td class="v">{recorded}</td></tr>',
        f'<tr><th class="k">Reason code</th><td class="v code">{text(ev.reason)}</td>'
        f'<th class="k">Reason</th><td class="v">{text(reason_text(ev.reason, ev.detail))}</td></tr>',
        f'<tr><th class="k">Change</th><td class="v">{_state(entry.before)} -&gt; {_state(entry.after)}</td>'
        f'<th class="k">Source</th><td class="v">{text(ev.source)}</td></tr>',
        f'<tr><th class="k">Provider id (key)</th><td class="v code">{text(provider)}</td>'
        f'<th class="k">Details</th><td class="v">{details or "&#8212;"}</td></tr>',
    ]
    rows.extend(_batch_rows(entry.batch_id, record))
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _batch_rows(batch_id: int | None, record: ConsentRecord) -> list[str]:
    if batch_id is None:
        return ['<tr><th class="k">Import batch</th><td colspan="3">&#8212; (recorded by the console)</td></tr>']
    batch = record.batches.get(batch_id)
    if batch is None:
        return [f'<tr><th class="k">Import batch</th><td colspan="3">#{batch_id}</td></tr>']
    rows = [
        f'<tr><th class="k">Import batch</th><td colspan="3">#{batch.id}, run by {text(batch.actor)} on '
        f"{text(iso_utc(batch.started_at_us))} ({text(batch.state)})</td></tr>"
    ]
    for f in batch.files:
        rows.append(
            f'<tr><th class="k">File</th><td colspan="3">{text(f.name)} ({text(f.format)})<br>'
            f'<span class="code">sha256 {text(f.sha256 or "not recorded")}</span></td></tr>'
        )
    return rows


def _reviews(record: ConsentRecord) -> str:
    if not record.reviews:
        return "<p>No opt-in review for this contact.</p>"
    parts: list[str] = []
    for review in record.reviews:
        parts.append(
            f'<h3 id="review-{review.id}">Review #{review.id}: {text(review.channel.label)}, '
            f"{text(review.state.value)}</h3>"
        )
        parts.append("<table><tbody>")
        parts.append(
            f"<tr><th>Submitted</th><td>{text(iso_utc(review.submitted_at_us))} by {text(review.submitted_by)}</td>"
            f"<th>Relationship numbers</th><td>{text(', '.join(review.relationship_numbers))}</td></tr>"
        )
        links = "<br>".join(
            f'<a href="{text(e.url)}">{text(e.url)}</a> ({text(e.kind.value)}'
            f"{', ' + text(e.captured_on.isoformat()) if e.captured_on else ''})"
            f"{' ' + text(e.note) if e.note else ''}"
            for e in review.evidence
        )
        parts.append(f"<tr><th>Evidence</th><td colspan='3'>{links or '&#8212;'}</td></tr>")
        decided = f"{text(iso_utc(review.decided_at_us))} by {text(review.decided_by)}" if review.decided_by else None
        parts.append(
            f"<tr><th>Decision</th><td>{decided or 'not decided'}</td>"
            f"<th>Reason</th><td>{text(review.reason)}</td></tr>"
        )
        steps = "<br>".join(
            f"{text(iso_utc(c.at_us))}: {text(c.from_state.value if c.from_state else 'submitted')} -&gt; "
            f"{text(c.to_state.value)} by {text(c.by)}{': ' + text(c.reason) if c.reason else ''}"
            for c in review.changes
        )
        parts.append(f"<tr><th>Steps</th><td colspan='3'>{steps or '&#8212;'}</td></tr>")
        parts.append(f"<tr><th>Notes</th><td colspan='3'>{text(review.notes)}</td></tr>")
        parts.append("</tbody></table>")
    return "\n".join(parts)


def _audit(record: ConsentRecord) -> str:
    check = record.audit
    css = "audit" if check.intact else "audit broken"
    cited = ", ".join(f"#{i}" for i in record.cited) or "none"
    head = "its seal is valid" if check.head_sealed else "its seal could not be confirmed"
    return (
        f'<p class="{css}" id="audit">{text(check.line)}</p>'
        f"<p>Entries cited: {cited}. Each cited entry's hash was recomputed from its predecessor's and its seal "
        f"(HMAC-SHA256 with the sealing key) checked: {check.sealed} of {check.entries} seals valid. "
        f"Chain head: entry {text(check.head_id)}, hash <span class='code'>{text(check.head_hash)}</span>; "
        f"{head}.</p>"
    )
