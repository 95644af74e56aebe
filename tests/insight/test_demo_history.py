"""The demo's last 12 months: enough new DND and open work for the Overview's plots, dated from its creation."""

from __future__ import annotations

from sqlalchemy import func, select

from console.domain.deadlines import DEADLINE_BUSINESS_DAYS
from console.domain.events import now_us
from console.services.context import AppContext
from console.services.demo import build_demo
from console.services.demo_history import add_demo_history
from console.services.stats import overview
from console.store.audit import verify_chain
from console.store.db import Store
from console.store.models import LedgerEntry


def test_the_demo_has_a_year_of_new_dnd_up_to_its_creation(app: AppContext) -> None:
    build_demo(app.store, contacts=3000, seed=7)
    figures = overview(app)
    weeks = {w.monday for w in figures.new_dnd_by_week}
    reasons = {w.reason for w in figures.new_dnd_by_week}
    assert len(weeks) >= 48  # nearly every week of the last 12 months has some
    assert {"sms.opt_out_keyword", "email.bounce", "email.complained", "manual"} <= reasons
    busiest = max(sum(w.count for w in figures.new_dnd_by_week if w.monday == m) for m in weeks)
    typical = sorted(sum(w.count for w in figures.new_dnd_by_week if w.monday == m) for m in weeks)[len(weeks) // 2]
    assert busiest >= 3 * typical  # the campaign's week stands out
    waiting = dict(figures.opt_outs_by_age)
    assert any(d <= DEADLINE_BUSINESS_DAYS for d in waiting) and figures.opt_outs_overdue > 0
    assert figures.opt_outs_pending > figures.opt_outs_overdue
    with app.store.read() as session:
        assert verify_chain(session).ok


def test_the_history_is_dated_before_the_moment_it_is_made_for(store: Store) -> None:
    build_demo(store, contacts=300, seed=3)
    with store.read() as session:
        before = session.scalar(select(func.max(LedgerEntry.id)))
    moment = now_us() - 400 * 86_400_000_000  # as if the demo had been made more than a year ago
    added = add_demo_history(store, seed=4, now=moment)
    assert added["events"] > 0
    with store.read() as session:
        first, latest, n = session.execute(
            select(func.min(LedgerEntry.at_us), func.max(LedgerEntry.at_us), func.count()).where(
                LedgerEntry.id > before
            )
        ).one()
    assert n > 0 and latest <= moment and first >= moment - 366 * 86_400_000_000
