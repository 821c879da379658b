"""The therapist file: validation errors, working ranges, days off and busy times."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from kapplan.model.hours import HourRange
from kapplan.model.therapist import MAX_DAYS_OFF_SPAN, MAX_DAYS_OFF_TOTAL, Therapist, TherapistFile


def therapist(body: str = "", timezone: str = "Europe/Berlin") -> Therapist:
    """Return the therapist of a ``[therapist]`` table body in TOML."""
    text = f'[therapist]\ntimezone = "{timezone}"\n{body}'
    return TherapistFile.model_validate(tomllib.loads(text)).therapist


def problem(body: str, timezone: str = "Europe/Berlin") -> tuple[tuple[Any, ...], str]:
    """Return where and why a ``[therapist]`` body is refused (pydantic's first error)."""
    with pytest.raises(ValidationError) as caught:
        therapist(body, timezone)
    first = caught.value.errors(include_url=False)[0]
    return tuple(first["loc"]), first["msg"].removeprefix("Value error, ")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class TestDefaults:
    """A therapist file with only a zone has the documented defaults."""

    def test_defaults(self) -> None:
        """Monday to Friday, 09:00-18:00, no breaks, 10 minutes buffer, at most 6 a day."""
        found = therapist()
        assert found.days == ("mon", "tue", "wed", "thu", "fri")
        assert found.weekdays == frozenset(range(5))
        assert found.working_ranges() == (HourRange(9 * 60, 18 * 60),)
        assert (found.buffer_minutes, found.max_sessions_per_day) == (10, 6)
        assert found.session_minutes is None
        assert found.busy_calendar is None
        assert found.busy_intervals() == []
        assert found.zone.key == "Europe/Berlin"

    def test_every_field_has_a_description(self) -> None:
        """Each field documents itself, so README tables can be generated."""
        for model in (Therapist, TherapistFile):
            for name, info in model.model_fields.items():
                assert info.description, f"{model.__name__}.{name} has no description"

    def test_models_are_frozen(self) -> None:
        """A validated therapist cannot be changed afterwards."""
        found = therapist()
        with pytest.raises(ValidationError):
            found.buffer_minutes = 5


class TestValidation:
    """Every mistake is refused with its place and a message saying what was expected."""

    def test_timezone_is_required(self) -> None:
        """Hours mean nothing without a clock: the zone must be named."""
        with pytest.raises(ValidationError) as caught:
            TherapistFile.model_validate({"therapist": {}})
        first = caught.value.errors(include_url=False)[0]
        assert (first["loc"], first["type"]) == (("therapist", "timezone"), "missing")

    def test_unknown_zone(self) -> None:
        """A zone that is not an IANA name is refused."""
        assert problem("", timezone="Mars/Olympus") == (
            ("therapist", "timezone"),
            "unknown time zone 'Mars/Olympus'; expected an IANA name such as Europe/Berlin",
        )

    def test_unknown_key(self) -> None:
        """A misspelt key is an error, not silently ignored."""
        with pytest.raises(ValidationError) as caught:
            therapist("buffer = 10")
        first = caught.value.errors(include_url=False)[0]
        assert (first["loc"], first["type"]) == (("therapist", "buffer"), "extra_forbidden")

    def test_unknown_top_level_table(self) -> None:
        """The file holds only the [therapist] table."""
        with pytest.raises(ValidationError) as caught:
            TherapistFile.model_validate({"therapist": {"timezone": "UTC"}, "plan": {}})
        assert caught.value.errors(include_url=False)[0]["loc"] == ("plan",)

    def test_unknown_day(self) -> None:
        """Days are mon … sun (longer names are cut to three letters)."""
        assert therapist('days = ["Monday", "THU"]').days == ("mon", "thu")
        assert problem('days = ["mon", "someday"]') == (
            ("therapist", "days"),
            "unknown day 'someday'; expected mon, tue, wed, thu, fri, sat or sun",
        )

    def test_no_days(self) -> None:
        """A therapist works on at least one day."""
        assert problem("days = []") == (
            ("therapist", "days"),
            "no days given; expected at least one of mon … sun",
        )

    def test_malformed_hours(self) -> None:
        """Hours use parse_hours' rules and messages."""
        assert problem('hours = "9-17"') == (
            ("therapist", "hours"),
            "cannot read '9-17'; expected HH:MM-HH:MM, e.g. 09:00-18:00",
        )

    def test_break_outside_hours(self) -> None:
        """A break must lie inside the working hours."""
        assert problem('breaks = ["17:30-18:30"]') == (
            ("therapist", "breaks"),
            "break 17:30-18:30 is not inside the working hours 09:00-18:00; "
            "expected each break within one range of hours",
        )

    def test_break_across_two_ranges_of_hours(self) -> None:
        """A break spanning the gap between two ranges of hours lies in neither."""
        loc, message = problem('hours = "09:00-12:00, 13:00-18:00"\nbreaks = ["11:30-13:30"]')
        assert loc == ("therapist", "breaks")
        assert message.startswith("break 11:30-13:30 is not inside the working hours")

    def test_overlapping_breaks(self) -> None:
        """Two breaks may not overlap."""
        assert problem('breaks = ["12:00-13:00", "12:30-13:30"]') == (
            ("therapist", "breaks"),
            "breaks 12:00-13:00 and 12:30-13:30 overlap; expected separate breaks",
        )

    def test_breaks_filling_all_hours(self) -> None:
        """Breaks that leave no working time are refused."""
        assert problem('hours = "09:00-10:00"\nbreaks = ["09:00-10:00"]') == (
            ("therapist", "breaks"),
            "the breaks fill all working hours; expected some time to work",
        )

    def test_malformed_break(self) -> None:
        """A break is HH:MM-HH:MM."""
        assert problem('breaks = ["lunch"]') == (
            ("therapist", "breaks"),
            "cannot read 'lunch'; expected HH:MM-HH:MM, e.g. 09:00-18:00",
        )

    def test_range_end_before_start(self) -> None:
        """A range of days off ends on or after its first day, in either spelling."""
        expected = (
            ("therapist", "days_off", 0),
            "ends on 2026-12-20, before it starts on 2026-12-24; expected 'to' on or after 'from'",
        )
        assert problem("days_off = [{from = 2026-12-24, to = 2026-12-20}]") == expected
        assert problem('days_off = ["2026-12-24..2026-12-20"]') == expected

    def test_range_too_long(self) -> None:
        """A range longer than about three years is refused (every date is kept)."""
        assert problem('days_off = ["2026-01-01..2030-01-01"]') == (
            ("therapist", "days_off", 0),
            f"spans 1462 days; expected at most {MAX_DAYS_OFF_SPAN} (about three years)",
        )

    def test_days_off_in_all_are_limited(self) -> None:
        """Many long ranges together are refused too (each date is kept in memory)."""
        ranges = ", ".join(f'"{y}-01-01..{y + 2}-12-31"' for y in range(2026, 2041, 3))
        assert problem(f"days_off = [{ranges}]") == (
            ("therapist", "days_off"),
            f"the days off add up to 5479 days; expected at most {MAX_DAYS_OFF_TOTAL}",
        )

    def test_day_off_with_a_time(self) -> None:
        """A day off is a date; a date and time would hide a mistake."""
        assert problem("days_off = [2026-12-24T10:00:00]") == (
            ("therapist", "days_off", 0),
            "2026-12-24T10:00:00 is a date and time; expected a date",
        )

    def test_unreadable_day_off(self) -> None:
        """A string day off is an ISO date."""
        assert problem('days_off = ["24.12.2026"]') == (
            ("therapist", "days_off", 0),
            "cannot read '24.12.2026' as a date; expected e.g. 2026-12-24",
        )

    def test_unknown_key_in_a_range(self) -> None:
        """A range has only from and to, named as in the file."""
        assert problem("days_off = [{from = 2026-12-24, till = 2026-12-26}]") == (
            ("therapist", "days_off", 0),
            "unknown key 'till'; expected from, to",
        )

    def test_busy_needs_exactly_one_end(self) -> None:
        """A busy time gives end or minutes, not both and not neither."""
        assert problem("busy = [{start = 2026-03-02T10:00:00}]") == (
            ("therapist", "busy", 0),
            "gives neither end nor minutes; expected exactly one of them",
        )
        assert problem(
            "busy = [{start = 2026-03-02T10:00:00, end = 2026-03-02T11:00:00, minutes = 60}]"
        ) == (
            ("therapist", "busy", 0),
            "gives both end and minutes; expected exactly one of them",
        )

    def test_busy_end_before_start(self) -> None:
        """A busy time ends after it starts (local times compared as written)."""
        assert problem("busy = [{start = 2026-03-02T10:00:00, end = 2026-03-02T09:00:00}]") == (
            ("therapist", "busy", 0),
            "ends at 2026-03-02T09:00:00, not after its start 2026-03-02T10:00:00; "
            "expected end after start",
        )

    def test_busy_end_before_start_across_offsets(self) -> None:
        """A local start and an offset end are compared in the therapist's zone."""
        assert problem(
            "busy = [{start = 2026-03-02T10:30:00, end = 2026-03-02T10:00:00+01:00}]"
        ) == (
            ("therapist", "busy"),
            "entry 1 ends at 2026-03-02T09:00:00+00:00, not after its start "
            "2026-03-02T09:30:00+00:00 (in UTC); expected end after start",
        )

    def test_busy_start_is_a_date_and_time(self) -> None:
        """A busy time starts at a date and time; a bare date is refused."""
        loc, message = problem("busy = [{start = 2026-03-02, minutes = 60}]")
        assert loc == ("therapist", "busy", 0, "start")
        assert message == "2026-03-02 is a date without a time; expected a date and time"

    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            (
                "session_minutes = 45",
                "session_minutes",
                "Input should be greater than or equal to 50",
            ),
            ("session_minutes = 91", "session_minutes", "Input should be less than or equal to 90"),
            ("buffer_minutes = -1", "buffer_minutes", "Input should be greater than or equal to 0"),
            ("buffer_minutes = 121", "buffer_minutes", "Input should be less than or equal to 120"),
            (
                "max_sessions_per_day = 0",
                "max_sessions_per_day",
                "Input should be greater than or equal to 1",
            ),
            (
                "max_sessions_per_day = 17",
                "max_sessions_per_day",
                "Input should be less than or equal to 16",
            ),
        ],
    )
    def test_minutes_and_counts_out_of_range(self, body: str, field: str, message: str) -> None:
        """Lengths and counts outside their documented ranges are refused."""
        assert problem(body) == (("therapist", field), message)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ("session_minutes = 50", "session_minutes"),
            ("session_minutes = 90", "session_minutes"),
            ("buffer_minutes = 0", "buffer_minutes"),
            ("buffer_minutes = 120", "buffer_minutes"),
            ("max_sessions_per_day = 1", "max_sessions_per_day"),
            ("max_sessions_per_day = 16", "max_sessions_per_day"),
        ],
    )
    def test_range_edges_are_allowed(self, body: str, field: str) -> None:
        """Both edges of every range are allowed."""
        value = int(body.rsplit("=", 1)[1])
        assert getattr(therapist(body), field) == value


class TestWorkingRanges:
    """`working_ranges` gives the hours with the breaks cut out."""

    def test_lunch_break_splits_the_day(self) -> None:
        """09:00-18:00 with a 12:30-13:30 lunch is two ranges."""
        found = therapist('breaks = ["12:30-13:30"]')
        assert [str(r) for r in found.working_ranges()] == ["09:00-12:30", "13:30-18:00"]

    def test_breaks_at_the_edges_shorten_a_range(self) -> None:
        """A break at the start or end of a range only shortens it."""
        found = therapist(
            'hours = "08:00-12:00, 14:00-20:00"\nbreaks = ["08:00-08:30", "19:00-20:00"]'
        )
        assert [str(r) for r in found.working_ranges()] == ["08:30-12:00", "14:00-19:00"]

    def test_several_breaks_and_ranges(self) -> None:
        """Breaks in several ranges each cut their own range; order of breaks does not matter."""
        found = therapist(
            'hours = "08:00-12:00, 13:00-24:00"\nbreaks = ["20:00-20:15", "10:00-10:30"]'
        )
        assert [str(r) for r in found.working_ranges()] == [
            "08:00-10:00",
            "10:30-12:00",
            "13:00-20:00",
            "20:15-24:00",
        ]

    def test_a_break_filling_one_range_removes_it(self) -> None:
        """A break as long as a whole range leaves only the other ranges."""
        found = therapist('hours = "08:00-09:00, 10:00-12:00"\nbreaks = ["08:00-09:00"]')
        assert [str(r) for r in found.working_ranges()] == ["10:00-12:00"]


class TestDaysOff:
    """Days off as dates, strings and ranges, both ends included."""

    def test_dates_strings_and_ranges(self) -> None:
        """Every spelling gives the same kind of day off."""
        found = therapist(
            'days_off = [2026-05-01, "2026-06-04", "2026-12-24..2027-01-02", '
            "{from = 2026-08-03, to = 2026-08-05}]"
        )
        assert found.is_day_off(date(2026, 5, 1))
        assert found.is_day_off(date(2026, 6, 4))
        assert found.is_day_off(date(2026, 12, 24))
        assert found.is_day_off(date(2026, 12, 31))
        assert found.is_day_off(date(2027, 1, 2))
        assert found.is_day_off(date(2026, 8, 4))
        assert len(found.days_off_dates) == 1 + 1 + 10 + 3

    def test_edges_of_a_range(self) -> None:
        """The day before a range and the day after it are not days off."""
        found = therapist('days_off = ["2026-12-24..2027-01-02"]')
        assert not found.is_day_off(date(2026, 12, 23))
        assert not found.is_day_off(date(2027, 1, 3))

    def test_one_day_range_and_overlaps(self) -> None:
        """A range may be one day long, and ranges may overlap."""
        found = therapist('days_off = ["2026-12-24..2026-12-24", "2026-12-20..2026-12-26"]')
        assert found.days_off_dates == frozenset(date(2026, 12, d) for d in range(20, 27))

    def test_longest_range_is_allowed(self) -> None:
        """A range of exactly the longest span is accepted."""
        last = date.fromordinal(date(2026, 1, 1).toordinal() + MAX_DAYS_OFF_SPAN - 1)
        found = therapist(f'days_off = ["2026-01-01..{last.isoformat()}"]')
        assert len(found.days_off_dates) == MAX_DAYS_OFF_SPAN

    def test_weekends_are_not_days_off(self) -> None:
        """Days off are the listed dates only; non-working weekdays are a separate matter."""
        assert not therapist().is_day_off(date(2026, 12, 26))


class TestHolidays:
    """`holidays`: a country's public holidays join the therapist's days off."""

    def test_holidays_join_the_days_off(self) -> None:
        """Portugal's 1 and 8 December join the listed days off; other days stay working."""
        found = therapist('holidays = "pt"\ndays_off = ["2026-12-24..2026-12-26"]', "Europe/Lisbon")
        assert found.holidays == "PT"
        off = found.dates_off(range(2026, 2027))
        assert {date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 24), date(2026, 12, 26)} <= off
        assert date(2026, 12, 2) not in off
        assert found.days_off_dates == {date(2026, 12, d) for d in (24, 25, 26)}

    def test_the_engine_gets_the_holidays_of_the_years_asked(self) -> None:
        """`working_time` resolves the holidays for the plan's years only."""
        found = therapist('holidays = "PT"', "Europe/Lisbon")
        hours = found.working_time(range(2026, 2027))
        assert date(2026, 12, 8) in hours.days_off
        assert {day.year for day in hours.days_off} == {2026}

    def test_an_unknown_country_is_refused_at_the_field(self) -> None:
        """An unknown code is a problem at `therapist.holidays`, saying what to write."""
        assert problem('holidays = "UK"') == (
            ("therapist", "holidays"),
            "unknown country 'UK'; expected its ISO 3166-1 alpha-2 code: 'GB'",
        )


class TestBusy:
    """Busy times become sorted, merged UTC intervals."""

    def test_naive_times_are_in_the_therapist_zone(self) -> None:
        """A local 10:00 in Berlin winter is 09:00 UTC; minutes give the end."""
        found = therapist("busy = [{start = 2026-02-02T10:00:00, minutes = 90}]")
        assert found.busy_intervals() == [(utc(2026, 2, 2, 9), utc(2026, 2, 2, 10, 30))]

    def test_offset_times_keep_their_instant(self) -> None:
        """A time with an offset means that instant, whatever the therapist's zone."""
        found = therapist(
            "busy = [{start = 2026-02-02T10:00:00-05:00, end = 2026-02-02T11:00:00-05:00}]"
        )
        assert found.busy_intervals() == [(utc(2026, 2, 2, 15), utc(2026, 2, 2, 16))]

    def test_mixed_naive_and_offset(self) -> None:
        """A local start and an offset end are allowed together."""
        found = therapist("busy = [{start = 2026-02-02T10:00:00, end = 2026-02-02T10:00:00Z}]")
        assert found.busy_intervals() == [(utc(2026, 2, 2, 9), utc(2026, 2, 2, 10))]

    def test_summer_time(self) -> None:
        """A local 10:00 in Berlin summer is 08:00 UTC."""
        found = therapist("busy = [{start = 2026-07-01T10:00:00, end = 2026-07-01T12:00:00}]")
        assert found.busy_intervals() == [(utc(2026, 7, 1, 8), utc(2026, 7, 1, 10))]

    def test_across_the_spring_change_minutes_are_exact(self) -> None:
        """Two hours from 01:00 on the spring-forward night end at 04:00 local (exact time)."""
        found = therapist("busy = [{start = 2026-03-29T01:00:00, minutes = 120}]")
        ((start, end),) = found.busy_intervals()
        assert (start, end) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))
        assert end.astimezone(found.zone).hour == 4

    def test_across_the_spring_change_local_end_is_wall_clock(self) -> None:
        """01:00-04:00 local on the spring-forward night is two real hours."""
        found = therapist("busy = [{start = 2026-03-29T01:00:00, end = 2026-03-29T04:00:00}]")
        assert found.busy_intervals() == [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))]

    def test_time_in_the_gap_moves_forward(self) -> None:
        """02:30 does not exist on the spring-forward night: it is read as 03:30 CEST."""
        found = therapist("busy = [{start = 2026-03-29T02:30:00, minutes = 30}]")
        assert found.busy_intervals() == [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2))]

    def test_time_in_the_fold_takes_the_first(self) -> None:
        """02:30 happens twice on the fall-back night: the first (CEST, 00:30 UTC) is used."""
        found = therapist("busy = [{start = 2026-10-25T02:30:00, minutes = 30}]")
        assert found.busy_intervals() == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1))]

    def test_sorted_and_merged(self) -> None:
        """Entries come out in time order; overlapping and touching ones are merged."""
        found = therapist(
            "busy = [\n"
            "  {start = 2026-02-03T10:00:00, minutes = 60},\n"
            "  {start = 2026-02-02T10:00:00, minutes = 60},\n"
            "  {start = 2026-02-02T10:30:00, minutes = 60},\n"
            "  {start = 2026-02-02T11:30:00, minutes = 30},\n"
            "]"
        )
        assert found.busy_intervals() == [
            (utc(2026, 2, 2, 9), utc(2026, 2, 2, 11)),
            (utc(2026, 2, 3, 9), utc(2026, 2, 3, 10)),
        ]

    def test_array_of_tables(self) -> None:
        """Busy times may be written as [[therapist.busy]] tables."""
        text = (
            '[therapist]\ntimezone = "Europe/Berlin"\n'
            "[[therapist.busy]]\nstart = 2026-02-02T10:00:00\nminutes = 60\n"
        )
        found = TherapistFile.model_validate(tomllib.loads(text)).therapist
        assert found.busy_intervals() == [(utc(2026, 2, 2, 9), utc(2026, 2, 2, 10))]


class TestExample:
    """The README's example file is valid."""

    def test_readme_example(self) -> None:
        """Every key of the documented example reads as described."""
        text = """
[therapist]
name = "Dr. A. Example"
timezone = "Europe/Berlin"
days = ["mon", "tue", "wed", "thu"]
hours = "09:00-13:00, 14:00-19:00"
breaks = ["11:00-11:15"]
days_off = [
  2026-12-24,
  "2026-12-31",
  "2027-07-19..2027-08-06",
  {from = 2027-04-02, to = 2027-04-05},
]
busy = [
  {start = 2026-12-01T15:00:00, end = 2026-12-01T16:30:00},
  {start = 2026-12-03T09:00:00, minutes = 120},
]
busy_calendar = "my-calendar.ics"
session_minutes = 60
buffer_minutes = 15
max_sessions_per_day = 5
"""
        found = TherapistFile.model_validate(tomllib.loads(text)).therapist
        assert [str(r) for r in found.working_ranges()] == [
            "09:00-11:00",
            "11:15-13:00",
            "14:00-19:00",
        ]
        assert found.is_day_off(date(2027, 4, 4))
        assert found.busy_calendar == "my-calendar.ics"
        assert len(found.busy_intervals()) == 2
