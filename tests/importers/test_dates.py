"""Dates of exports: ISO 8601, RFC 2822 and epoch seconds, to the microsecond; anything else is refused."""

from __future__ import annotations

import pytest

from console.importers.dates import in_range, parse_date, parse_epoch, parse_iso, parse_rfc2822

T = 1_709_287_200_000_000  # 2024-03-01T10:00:00Z


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T10:00:00Z", T),
        ("2024-03-01T10:00:00z", T),
        ("2024-03-01 10:00:00", T),
        ("2024-03-01T10:00:00", T),
        ("2024-03-01T12:00:00+02:00", T),
        ("2024-03-01T05:00:00-0500", T),
        ("2024-03-01T10:00:00.375624Z", T + 375_624),
        ("2024-03-01T10:00:00.5+00:00", T + 500_000),
        (" 2024-03-01T10:00:00Z ", T),
        ("2024-03-01 10:00:00 UTC", T),
        ("2024-03-01 12:00:00.000+02:00", T),
    ],
)
def test_iso_8601(text: str, expected: int) -> None:
    assert parse_iso(text) == expected
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri, 01 Mar 2024 10:00:00 GMT", T),
        ("Fri, 01 Mar 2024 10:00:00 UTC", T),
        ("Fri, 01 Mar 2024 10:00:00 UT", T),
        ("Fri, 01 Mar 2024 10:00:00 Z", T),
        ("Fri, 01 Mar 2024 10:00:00 +0000", T),
        ("Fri, 01 Mar 2024 11:00:00 +0100", T),
        ("Fri, 01 Mar 2024 05:00:00 -0500", T),
        ("1 Mar 2024 10:00:00 GMT", T),
        ("Fri, 01 Mar 2024 10:00 GMT", T),
    ],
)
def test_rfc_2822(text: str, expected: int) -> None:
    assert parse_rfc2822(text) == expected
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_709_287_200, T),
        (1_709_287_200.375624, T + 375_624),
        (1_709_287_200.107440, T + 107_440),
        ("1709287200", T),
        ("1709287200.375624", T + 375_624),
        ("1709287200.3756245", T + 375_625),
        (" 1709287200.5 ", T + 500_000),
    ],
)
def test_epoch_seconds_are_exact(value: object, expected: int) -> None:
    assert parse_epoch(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-13-01T10:00:00Z",
        "2024-02-30T10:00:00Z",
        "2024-03-01T25:00:00Z",
        "01/03/2024 10:00",
        "Fri, 01 Mar 2024 10:00:00 EST",
        "Fri, 01 Foo 2024 10:00:00 GMT",
        "Fri, 31 Feb 2024 10:00:00 GMT",
        "1709287200",
    ],
)
def test_unreadable_dates(text: str) -> None:
    with pytest.raises(ValueError, match=r"date|empty"):
        parse_date(text)


@pytest.mark.parametrize("value", [None, True, "", "abc", "1e9", "--5", float("nan"), float("inf"), [1]])
def test_unreadable_epochs(value: object) -> None:
    with pytest.raises(ValueError, match="epoch"):
        parse_epoch(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, -1_000_000),
        ("-5", -5_000_000),
        ("-0.5", -500_000),
        (1e20, round(1e20 * 1e6)),
        (-86_400.25, -86_400_250_000),
    ],
)
def test_far_epochs_are_read_and_left_to_the_range_check(value: object, expected: int) -> None:
    assert parse_epoch(value) == expected
    assert not in_range(parse_epoch(value), T)


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        ("1999-12-31T23:59:59.999999Z", False),
        ("2000-01-01T00:00:00Z", True),
        ("Sat, 01 Jan 2000 00:00:00 +0000", True),
        ("Fri, 31 Dec 1999 23:59:59 GMT", False),
        ("1969-12-31T23:59:59Z", False),
        ("0001-01-01T00:00:00Z", False),
        ("9999-12-31T23:59:59Z", False),
        ("2024-03-02T10:00:00Z", True),  # exactly 24 hours after the import started
        ("2024-03-02T10:00:00.000001Z", False),
    ],
)
def test_date_range_of_an_import(text: str, inside: bool) -> None:
    assert in_range(parse_date(text), T) is inside


def test_rfc_2822_minus_zero_is_utc() -> None:
    assert parse_rfc2822("Fri, 01 Mar 2024 10:00:00 -0000") == T
