"""Words for reasons and locks, for the window and the command line."""

from __future__ import annotations

from console.domain.channels import Channel, DndKind
from console.domain.events import from_us
from console.domain.state import UNTIL, ChannelState, moment_of

REASON_TEXT: dict[str, str] = {
    "manual": "Set by an agent",
    "manual.lift": "Lifted by an agent",
    "email.bounce": "Email bounced",
    "email.generic": "Permanent email failure",
    "email.suppress-bounce": "Mailgun suppressed a previously bounced address",
    "email.suppress-unsubscribe": "Mailgun suppressed an unsubscribed address",
    "email.suppress-complaint": "Mailgun suppressed an address that reported spam",
    "email.unsubscribed": "Unsubscribed from email",
    "email.complained": "Marked an email as spam",
    "sms.opt_out_keyword": "Replied {keyword}",
    "sms.opt_out_confirmed": "Opt-out message confirmed by an agent",
    "sms.opt_in_keyword": "Replied {keyword}",
    "sms.error_30003": "Twilio error 30003 (unreachable handset)",
    "sms.error_30004": "Twilio error 30004 (message blocked)",
    "sms.error_30005": "Twilio error 30005 (unknown handset)",
    "sms.error_30006": "Twilio error 30006 (landline or unreachable carrier)",
    "sms.error_21610": "Twilio error 21610 (recipient had replied STOP)",
    "review.approved": "Lifted by an approved opt-in review",
}

HOW_TO_LIFT: dict[DndKind, str] = {
    DndKind.MANUAL: "Any agent can turn it off.",
    DndKind.TEMPORARY: "Any agent can turn it off.",
    DndKind.PERMANENT: "It lifts when the contact texts START, or through an approved opt-in review.",
    DndKind.SPAM: "Only an approved opt-in review can lift it.",
}
EMAIL_CLEARANCE = (
    "First remove the address from the provider's suppression list and re-validate it, then confirm that here."
)


def reason_text(reason: str | None, detail: dict[str, str] | None = None) -> str:
    if not reason:
        return ""
    text = REASON_TEXT.get(reason, reason)
    end = moment_of((detail or {}).get(UNTIL)) if reason == "manual" else None
    if end is not None:
        return f"Manual DND until {end_words(end)}"
    if reason == "review.approved" and detail and detail.get("review"):
        who = f", approved by {detail['approved_by']}" if detail.get("approved_by") else ""
        return f"Lifted by opt-in review #{detail['review']}{who}"
    keyword = (detail or {}).get("keyword") or ("STOP" if "opt_out" in reason else "START")
    return text.replace("{keyword}", keyword)


def end_words(us: int) -> str:
    """The end of a manual DND, e.g. "8 Dec 2026 09:00" (UTC)."""
    moment = from_us(us)
    return f"{moment.day} {moment:%b} {moment.year} {moment:%H:%M}"


def short_date(us: int | None) -> str:
    if us is None:
        return ""
    moment = from_us(us)
    return f"{moment.day} {moment:%b %Y}"


def describe_state(channel: Channel, state: ChannelState) -> str:
    """E.g. "Replied STOP on 1 Mar 2024"."""
    if not state.dnd:
        return f"{channel.label}: not DND"
    if state.until_us is not None:  # "Set by an agent on 1 Dec 2026, until 8 Dec 2026 09:00 UTC"
        return f"{REASON_TEXT['manual']} on {short_date(state.since_us)}, until {end_words(state.until_us)} UTC"
    text = reason_text(state.reason, dict(state.detail or {}))
    return f"{text} on {short_date(state.since_us)}" if state.since_us is not None else text


def explain_lock(channel: Channel, state: ChannelState) -> str:
    """Why a channel is DND and how it can be lifted, as one or two sentences."""
    if not state.dnd or state.kind is None:
        return f"{channel.label} is not DND."
    how = HOW_TO_LIFT[state.kind]
    if channel == Channel.EMAIL and state.kind == DndKind.TEMPORARY:
        how = f"{how} {EMAIL_CLEARANCE}"
    return f"{describe_state(channel, state)} ({state.kind.value} DND). {how}"
