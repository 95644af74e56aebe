"""The window's changes for a login set up with ``db grant``: the database refuses the login's own writes, so each
change goes to the team's writer as the command that does the same, and comes back as the window's read models."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.domain.channels import Channel
from console.domain.evidence import EvidenceKind, EvidenceLink
from console.domain.reviews import ReviewState
from console.errors import Refused, StoreUnavailable
from console.services import reads
from console.services.context import AppContext, Settings
from console.ui import ops

from .conftest import needs_pg
from .test_enforced_roles import Team, team  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.postgres, needs_pg]


def window_of(desk: Team, who: str) -> AppContext:
    return AppContext(Settings(db_url=desk.url(who)))


def test_a_granted_logins_window_changes_go_through_the_writer(team: Team, tmp_path: Path) -> None:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    assert team.as_("boss", "db", "grant", team.logins["rita"], "--role", "reviewer").code == 0
    amy, rita = window_of(team, "amy"), window_of(team, "rita")
    try:
        location = ops.window_start(amy).locations[0][0]
        contact = ops.save_contact(amy, location, None, "Ann Lee", "", "+14155550100")
        assert ops.contact_view(amy, contact).phone == "+14155550100"
        ops.save_contact(amy, location, ops.contact_view(amy, contact), "Ann Lee-Park", "ann@example.com",
                         "+14155550100")
        seen = ops.contact_view(amy, contact)
        assert (seen.name, seen.email) == ("Ann Lee-Park", "ann@example.com")

        result = ops.set_dnd(amy, contact, [Channel.CALL], True, False, None, note="asked on the phone")
        assert result.changed and [c.channel for c in result.contacts[0].changed] == [Channel.CALL]
        (status,) = reads.status(amy, contact)
        call = next(v for v in status.channels if v.channel == Channel.CALL)
        assert call.state.dnd and call.changed_by == team.logins["amy"]
        again = ops.set_dnd(amy, contact, [Channel.CALL], True, False, None)
        assert not again.changed and again.contacts[0].unchanged

        with pytest.raises(Refused, match="admin"):
            ops.set_connected(amy, location, Channel.GMB, False)

        stop = tmp_path / "stop.jsonl"
        stop.write_text('{"MessageSid": "SMw1", "From": "+14155550100", "To": "+14155559000", "Body": "STOP"}\n')
        assert team.as_("amy", "import", stop, "--format", "twilio-json").code == 0
        link = EvidenceLink("https://example.com/optin.mp4", EvidenceKind.VIDEO)
        review = ops.submit_review(amy, contact, Channel.SMS, [link], ["+14155559000"], "she texted START")
        assert review.state == ReviewState.PENDING and review.submitted_by == team.logins["amy"]
        with pytest.raises(Refused):
            ops.approve_review(amy, review.id, [], [], "", review.version)  # not a reviewer, and her own
        approved = ops.approve_review(rita, review.id, [], [], "checked the video", review.version)
        assert approved.state == ReviewState.APPROVED and approved.decided_by == team.logins["rita"]
        (status,) = reads.status(amy, contact)
        assert not next(v for v in status.channels if v.channel == Channel.SMS).state.dnd
    finally:
        amy.close()
        rita.close()


def test_without_a_writer_the_window_says_how_to_start_one(team: Team) -> None:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    team.stop.set()
    assert team.writer is not None
    team.writer.join(10)
    amy = window_of(team, "amy")
    try:
        location = ops.window_start(amy).locations[0][0]
        with pytest.raises(StoreUnavailable, match="dnd-console serve"):
            ops.save_contact(amy, location, None, "Bo", "", "")
    finally:
        amy.close()


def test_a_granted_logins_snooze_and_inbound_block_go_through_the_writer(team: Team) -> None:  # noqa: F811
    from console.domain.events import now_us
    from console.services.inbound import inbound_now

    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    amy = window_of(team, "amy")
    try:
        location = ops.window_start(amy).locations[0][0]
        contact = ops.save_contact(amy, location, None, "Ann Lee", "", "+14155550100")
        end = now_us() + 7 * 86_400_000_000
        end -= end % 1_000_000
        result = ops.set_dnd(amy, contact, [Channel.SMS], True, False, None, until_us=end)
        assert result.changed and result.contacts[0].changed[0].after.until_us == end
        ops.set_inbound(amy, contact, Channel.CALL, True, "abusive caller")
        assert inbound_now(amy, [contact])[(contact, Channel.CALL)].dnd
        card = ops.contact_card(amy, contact)
        assert card is not None and card.inbound[Channel.CALL].dnd
        assert card.channels[Channel.SMS].state.until_us == end
    finally:
        amy.close()


def test_a_forwarded_toggle_on_a_stale_version_is_the_conflict_of_a_desk_that_writes_itself(
        team: Team) -> None:  # noqa: F811
    from console.errors import Conflict

    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    assert team.as_("boss", "db", "grant", team.logins["rita"], "--role", "agent").code == 0
    amy, rita = window_of(team, "amy"), window_of(team, "rita")
    try:
        location = ops.window_start(amy).locations[0][0]
        contact = ops.save_contact(amy, location, None, "Ann Lee", "", "+14155550100")
        card = ops.contact_card(amy, contact)  # what amy's window shows
        assert card is not None
        seen = {Channel.CALL: card.channels[Channel.CALL].version}
        ops.set_dnd(rita, contact, [Channel.CALL], True, False, None)  # rita, a moment before amy
        with pytest.raises(Conflict, match=f"changed by {team.logins['rita']} a moment ago"):
            ops.set_dnd(amy, contact, [Channel.CALL], False, False, seen)
        (status,) = reads.status(amy, contact)
        call = next(v for v in status.channels if v.channel == Channel.CALL)
        assert call.state.dnd and call.changed_by == team.logins["rita"]  # nothing was overwritten
        fresh = {Channel.CALL: call.version}
        result = ops.set_dnd(amy, contact, [Channel.CALL], False, False, fresh)  # on the fresh state: applied
        assert [c.channel for c in result.contacts[0].changed] == [Channel.CALL]
        every = {view.channel: view.version for view in reads.status(amy, contact)[0].channels}
        ops.set_dnd(rita, contact, [Channel.SMS], True, False, None)
        with pytest.raises(Conflict, match="SMS"):  # DND-all checks every channel it saw
            ops.set_dnd(amy, contact, None, True, False, every)
    finally:
        amy.close()
        rita.close()
