"""The FCC deadline for honouring an opt-out: 10 business days (Monday to Friday, no holidays) since received."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from console.domain.events import from_us, to_us

DEADLINE_BUSINESS_DAYS = 10
DAY_US = 86_400_000_000


def business_days_between(start: date, end: date) -> int:
    """Weekdays after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def business_days_since(received_us: int, now_us: int) -> int:
    """Business days a message received at ``received_us`` has waited by ``now_us`` (UTC dates)."""
    return business_days_between(from_us(received_us).date(), from_us(now_us).date())


def is_overdue(received_us: int, now_us: int) -> bool:
    """Pending for more than 10 business days since the message was received."""
    return business_days_since(received_us, now_us) > DEADLINE_BUSINESS_DAYS


def overdue_before_us(now_us: int) -> int:
    """The moment before which a pending message is overdue at ``now_us``: overdue iff received before it.

    Walking back from today over 11 weekdays, the day before the 11th is the latest received date that has
    waited more than 10 business days; everything received before the following midnight (UTC) is overdue.
    """
    day = from_us(now_us).date()
    counted = 0
    while counted <= DEADLINE_BUSINESS_DAYS:
        if day.weekday() < 5:
            counted += 1
        day -= timedelta(days=1)
    # ``day`` is now the day before the 11th weekday back: received on it or earlier is overdue.
    return to_us(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_index(at_us: int) -> int:
    """The ISO week of a moment as a whole number (weeks since the Monday before the epoch), as SQL computes it:
    ``(at_us / DAY_US + 3) / 7`` in integer division (1970-01-01 was a Thursday)."""
    return (at_us // DAY_US + 3) // 7


def week_monday(index: int) -> date:
    return date(1970, 1, 1) + timedelta(days=index * 7 - 3)
