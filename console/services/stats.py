"""The overview's figures (``stats``; the window's overview tab plots the same ``Overview``).

Computed from indexed queries only, so a worker thread of the window can call :func:`overview` on
1,000,000 contacts and hand the frozen result to the GUI thread in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.deadlines import DAY_US, business_days_since, monday_of, overdue_before_us, week_monday
from console.domain.events import from_us, now_us, to_us
from console.services.context import AppContext
from console.store.locations import get_location
from console.store.stats_queries import (
    count_contacts,
    dnd_by_channel_and_kind,
    possible_opt_outs_by_day,
    possible_opt_outs_pending,
    reviews_pending,
    sets_by_week,
)

KIND_ORDER: tuple[DndKind, ...] = (DndKind.MANUAL, DndKind.TEMPORARY, DndKind.PERMANENT, DndKind.SPAM)


@dataclass(frozen=True, slots=True)
class WeekCount:
    """New DND set in one ISO week (named by its Monday) for one reason."""

    monday: str
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class Overview:
    location: str
    computed_at_us: int
    contacts: int
    #: (channel, kind, contacts with that DND now), every channel and kind, zeros included.
    dnd: tuple[tuple[Channel, DndKind, int], ...]
    #: Weeks of the last 12 months, oldest first (weeks and reasons with no new DND are left out).
    new_dnd_by_week: tuple[WeekCount, ...]
    reviews_pending: int
    opt_outs_pending: int
    #: Pending for more than 10 business days since received: past the FCC deadline.
    opt_outs_overdue: int
    #: Possible opt-outs received before this moment are overdue (the overview's "one click away" filter).
    overdue_before_us: int
    #: (business days waited since received, pending possible opt-outs), fewest days first; over 10: overdue.
    opt_outs_by_age: tuple[tuple[int, int], ...] = ()

    def count(self, channel: Channel, kind: DndKind) -> int:
        return next(n for c, k, n in self.dnd if c == channel and k == kind)

    def as_dict(self) -> dict[str, object]:
        """The ``stats --json`` shape of CLI.md."""
        return {
            "contacts": self.contacts,
            "dnd": {c.value: {k.value: self.count(c, k) for k in KIND_ORDER} for c in CHANNEL_ORDER},
            "new_dnd_by_week": [{"week": w.monday, "reason": w.reason, "count": w.count} for w in self.new_dnd_by_week],
            "reviews_pending": self.reviews_pending,
            "possible_opt_outs": {
                "pending": self.opt_outs_pending,
                "overdue": self.opt_outs_overdue,
                "by_age": [{"business_days": d, "count": n} for d, n in self.opt_outs_by_age],
            },
        }


def twelve_months_before(moment_us: int) -> int:
    """Midnight (UTC) of the Monday of the week one year (365 days) before ``moment_us``."""
    start = monday_of(from_us(moment_us).date() - timedelta(days=365))
    return to_us(datetime.combine(start, datetime.min.time(), tzinfo=UTC))


def overview(ctx: AppContext, location: str | None = None, at_us: int | None = None) -> Overview:
    """Every figure for one location, read in one transaction (``at_us``: the moment that counts as now)."""
    now = now_us() if at_us is None else at_us
    since, cutoff = twelve_months_before(now), overdue_before_us(now)
    with ctx.store.read() as session:
        loc = get_location(session, location)
        contacts = count_contacts(session, loc.id)
        kinds = dnd_by_channel_and_kind(session, loc.id)
        weeks = sets_by_week(session, loc.id, since, now + 1)
        reviews = reviews_pending(session, loc.id)
        pending, overdue = possible_opt_outs_pending(session, loc.id, cutoff)
        by_day = possible_opt_outs_by_day(session, loc.id)
    ages: dict[int, int] = {}
    for day, n in by_day:
        waited = business_days_since(day * DAY_US, now)
        ages[waited] = ages.get(waited, 0) + n
    return Overview(
        location=loc.name,
        computed_at_us=now,
        contacts=contacts,
        dnd=tuple((c, k, kinds.get((c, k), 0)) for c in CHANNEL_ORDER for k in KIND_ORDER),
        new_dnd_by_week=tuple(WeekCount(week_monday(w).isoformat(), r, n) for w, r, n in weeks),
        reviews_pending=reviews,
        opt_outs_pending=pending,
        opt_outs_overdue=overdue,
        overdue_before_us=cutoff,
        opt_outs_by_age=tuple(sorted(ages.items())),
    )
