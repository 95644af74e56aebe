"""The window's bulk change names contacts by the filtered list: all matches, or ranges of its selected rows."""

from __future__ import annotations

from console.domain.channels import Channel
from console.services.bulk import bulk_set, listed_contacts
from console.store.contact_list import ContactFilter
from tests.helpers import sms_stop
from tests.services.conftest import Desk


def test_all_matching_the_filter_and_selected_row_ranges_name_the_list_s_contacts(desk: Desk) -> None:
    names = ["Cy", "Ann", "Eve", "Bo", "Dan"]
    ids = {n: desk.world.contact(n, f"{n.lower()}@example.com", f"+1415555010{i}").id for i, n in enumerate(names)}
    desk.world.record(sms_stop("+14155550101", "2024-03-01 10:00"), sms_stop("+14155550103", "2024-03-01 10:00"))
    everyone = ContactFilter(desk.world.location_id)
    assert listed_contacts(desk.ctx, everyone) == [ids[n] for n in sorted(names)]  # in the list's order
    assert listed_contacts(desk.ctx, everyone, [(0, 1), (3, 3)]) == [ids["Ann"], ids["Bo"], ids["Dan"]]
    assert listed_contacts(desk.ctx, everyone, [(0, 1), (1, 2)]) == [ids["Ann"], ids["Bo"], ids["Cy"]]  # once each
    stopped = ContactFilter(desk.world.location_id, channel=Channel.SMS)
    assert listed_contacts(desk.ctx, stopped) == [ids["Ann"], ids["Bo"]]


def test_the_preview_counts_contacts_that_change_not_channels(desk: Desk) -> None:
    ann = desk.world.contact()
    bo = desk.world.contact("Bo", "bo@example.com", "+14155550101")
    desk.world.record(sms_stop("+14155550101", "2024-03-01 10:00"))
    preview = bulk_set(desk.ctx, [str(ann.id), str(bo.id)], [Channel.SMS, Channel.EMAIL], True, "x",
                       dry_run=True).result.preview
    assert preview.contacts == 2 and preview.changed_contacts == 2 and sum(preview.changed.values()) == 3
