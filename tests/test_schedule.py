"""The schedule model: local times, hours, methods, dose lengths, series, order."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kapplan.errors import ScheduleError
from kapplan.model.doses import DEFAULT_DOSE_MINUTES
from kapplan.model.fields import METHOD_ALIASES
from kapplan.model.hours import HourRange, parse_hours
from kapplan.model.plan import Method
from tests.plans import TEXTS, doses, local_time, message, plan, schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def _starts(text: str, timezone: str = "Europe/Berlin") -> list[str]:
    found, _ = schedule(text, timezone).doses()
    return [d.start.isoformat() for d in found]


class TestLocalize:
    """`localize` attaches the zone to a wall-clock time, resolving gaps and folds."""

    def test_ordinary_time_gets_its_offset_and_no_note(self) -> None:
        """A wall-clock time that exists once is kept as is, without a note."""
        moment, note = local_time(datetime(2026, 12, 1, 10, 0), BERLIN)
        assert moment.isoformat() == "2026-12-01T10:00:00+01:00"
        assert note is None

    def test_gap_moves_forward_by_the_gap_with_a_note(self) -> None:
        """02:30 on the spring-forward night does not exist: it becomes 03:30 CEST, noted."""
        moment, note = local_time(datetime(2026, 3, 29, 2, 30), BERLIN)
        assert moment.isoformat() == "2026-03-29T03:30:00+02:00"
        assert note == (
            "2026-03-29 02:30 does not exist in Europe/Berlin (clocks go forward); using 03:30"
        )

    def test_gap_of_half_an_hour_moves_forward_half_an_hour(self) -> None:
        """Lord Howe's clocks skip 02:00-02:30; 02:15 becomes 02:45 (+11:00)."""
        moment, note = local_time(datetime(2026, 10, 4, 2, 15), LORD_HOWE)
        assert moment.isoformat() == "2026-10-04T02:45:00+11:00"
        assert note is not None
        assert "using 02:45" in note

    def test_fold_takes_the_first_occurrence_with_a_note(self) -> None:
        """01:30 on New York's fall-back night happens twice: the first (EDT) is used, noted."""
        moment, note = local_time(datetime(2026, 11, 1, 1, 30), NEW_YORK)
        assert moment.isoformat() == "2026-11-01T01:30:00-04:00"
        assert moment.fold == 0
        assert note == (
            "2026-11-01 01:30 happens twice in America/New_York (clocks go back); "
            "using the first, UTC-04:00"
        )

    def test_edges_of_the_gap_are_ordinary(self) -> None:
        """01:59 before and 03:00 after the Berlin gap exist once and need no note."""
        before, note_before = local_time(datetime(2026, 3, 29, 1, 59), BERLIN)
        after, note_after = local_time(datetime(2026, 3, 29, 3, 0), BERLIN)
        assert (before.isoformat(), note_before) == ("2026-03-29T01:59:00+01:00", None)
        assert (after.isoformat(), note_after) == ("2026-03-29T03:00:00+02:00", None)

    def test_dose_in_a_gap_becomes_a_plan_warning_naming_the_field(self) -> None:
        """A dose at a nonexistent time is moved forward and the plan says so, with its field."""
        result = plan(doses("2026-03-29T02:30:00"))
        assert result.infusions[0].start.isoformat() == "2026-03-29T03:30:00+02:00"
        notes = [w for w in result.warnings if w.rule is None]
        assert [message(result, w) for w in notes] == [
            "infusion[1].at: 2026-03-29 02:30 does not exist in Europe/Berlin "
            "(clocks go forward); using 03:30"
        ]


class TestParseHours:
    """`parse_hours` reads HH:MM-HH:MM ranges."""

    def test_several_ranges_are_sorted(self) -> None:
        """Ranges separated by commas come back in clock order, in minutes after midnight."""
        assert parse_hours("13:00-18:00, 08:30-12:00") == (
            HourRange(8 * 60 + 30, 12 * 60),
            HourRange(13 * 60, 18 * 60),
        )

    def test_24_00_ends_the_day(self) -> None:
        """24:00 is accepted as the end of a range: the whole day is 00:00-24:00."""
        assert parse_hours("00:00-24:00") == (HourRange(0, 24 * 60),)
        assert str(parse_hours("18:00-24:00")[0]) == "18:00-24:00"

    def test_touching_ranges_are_allowed(self) -> None:
        """A range may start where another ends (ends are exclusive)."""
        assert parse_hours("09:00-12:00,12:00-13:00") == (
            HourRange(540, 720),
            HourRange(720, 780),
        )

    def test_overlapping_ranges_are_refused(self) -> None:
        """Ranges that share a minute are an error naming both."""
        with pytest.raises(ValueError, match=r"^09:00-12:00 and 11:59-13:00 overlap$"):
            parse_hours("11:59-13:00, 09:00-12:00")

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("9-12", r"cannot read '9-12'; expected HH:MM-HH:MM"),
            ("09:00", r"cannot read '09:00'; expected HH:MM-HH:MM"),
            ("09:00-12:00,", r"cannot read ''; expected HH:MM-HH:MM"),
            ("9:00 to 12:00", r"cannot read '9:00 to 12:00'"),
            ("24:00-24:00", r"'24:00-24:00' is not a time of day"),
            ("09:00-24:30", r"'09:00-24:30' is not a time of day"),
            ("09:60-10:00", r"'09:60-10:00' is not a time of day"),
            ("25:00-26:00", r"'25:00-26:00' is not a time of day"),
            ("12:00-09:00", r"'12:00-09:00' ends before it starts"),
            ("09:00-09:00", r"'09:00-09:00' ends before it starts"),
        ],
    )
    def test_malformed_ranges_are_refused(self, text: str, message: str) -> None:
        """Malformed, impossible or empty ranges raise ValueError saying which."""
        with pytest.raises(ValueError, match=message):
            parse_hours(text)

    def test_bad_hours_in_a_schedule_name_the_field(self) -> None:
        """The loader reports bad availability hours at `availability.hours`."""
        with pytest.raises(ScheduleError) as caught:
            schedule(doses("2026-12-01T10:00:00") + '[availability]\nhours = "18:00-09:00"\n')
        assert "availability.hours: '18:00-09:00' ends before it starts" in str(caught.value)


class TestMethods:
    """Methods, their aliases and their default dose lengths."""

    @pytest.mark.parametrize(
        ("spelling", "method"),
        [
            ("iv", Method.IV),
            ("IM", Method.IM),
            ("esketamine", Method.ESKETAMINE),
            ("spravato", Method.ESKETAMINE),
            (" Spravato ", Method.ESKETAMINE),
            ("oral", Method.ORAL),
            ("sublingual", Method.ORAL),
            ("troche", Method.ORAL),
            ("lozenge", Method.ORAL),
        ],
    )
    def test_aliases_name_their_method(self, spelling: str, method: Method) -> None:
        """Brand and form names (any case, padded) resolve to the canonical method."""
        found, _ = schedule(doses("2026-12-01T10:00:00", method=spelling)).doses()
        assert found[0].method is method

    def test_every_alias_is_lower_case_and_known(self) -> None:
        """The alias table holds exactly the documented spellings."""
        assert set(METHOD_ALIASES) == {
            "iv",
            "im",
            "esketamine",
            "spravato",
            "oral",
            "sublingual",
            "troche",
            "lozenge",
        }

    def test_unknown_method_is_an_error_naming_the_field(self) -> None:
        """An unknown method is refused with its field, line and the accepted names."""
        with pytest.raises(ScheduleError) as caught:
            schedule(doses("2026-12-01T10:00:00", method="nasal"))
        assert str(caught.value) == (
            "test.toml:4: infusion[1].method: unknown method 'nasal'; expected one of iv, im, "
            "esketamine, oral (or spravato, sublingual, troche, lozenge)"
        )

    @pytest.mark.parametrize(
        ("method", "minutes"),
        [("iv", 60), ("im", 60), ("esketamine", 120), ("spravato", 120), ("oral", 120)],
    )
    def test_default_dose_minutes_by_method(self, method: str, minutes: int) -> None:
        """Without `minutes`, a dose lasts as DOMAIN.md says for its method."""
        found, _ = schedule(doses("2026-12-01T10:00:00", method=method)).doses()
        assert found[0].end - found[0].start == timedelta(minutes=minutes)

    def test_default_minutes_table(self) -> None:
        """IV and IM ~60 min; esketamine (2 h observation) and oral ~120 min."""
        assert DEFAULT_DOSE_MINUTES == {
            Method.IV: 60,
            Method.IM: 60,
            Method.ESKETAMINE: 120,
            Method.ORAL: 120,
        }

    def test_explicit_minutes_win(self) -> None:
        """`minutes` overrides the method's default length."""
        found, _ = schedule(doses("2026-12-01T10:00:00", method="iv", minutes=45)).doses()
        assert found[0].end.isoformat() == "2026-12-01T10:45:00+01:00"

    def test_dose_end_is_elapsed_time_across_dst(self) -> None:
        """A 120-minute dose starting 01:30 CEST on the fall-back night ends 02:30 CET."""
        found, _ = schedule(doses("2026-10-25T01:30:00", method="oral")).doses()
        assert found[0].end.isoformat() == "2026-10-25T02:30:00+01:00"
        utc = [found[0].start.utctimetuple()[:5], found[0].end.utctimetuple()[:5]]
        assert utc == [(2026, 10, 24, 23, 30), (2026, 10, 25, 1, 30)]


class TestSeries:
    """`[[series]]` expands an RRULE in wall-clock time."""

    def test_weekly_series_keeps_wall_clock_across_dst(self) -> None:
        """A weekly 10:00 dose stays at 10:00 local when Berlin leaves summer time."""
        body = (
            '[[series]]\nstart = 2026-10-20T10:00:00\nrrule = "FREQ=WEEKLY;COUNT=3"\n'
            'method = "iv"\n'
        )
        assert _starts(body) == [
            "2026-10-20T10:00:00+02:00",
            "2026-10-27T10:00:00+01:00",
            "2026-11-03T10:00:00+01:00",
        ]

    def test_series_with_an_offset_start_recurs_in_the_schedule_zone(self) -> None:
        """A start given with an offset is read in the zone, then recurs at that local time."""
        body = (
            '[[series]]\nstart = 2026-10-20T08:00:00Z\nrrule = "FREQ=WEEKLY;COUNT=2"\n'
            'method = "iv"\n'
        )
        assert _starts(body) == ["2026-10-20T10:00:00+02:00", "2026-10-27T10:00:00+01:00"]

    def test_series_across_spring_forward_in_new_york(self) -> None:
        """A Tuesday/Thursday 09:30 series keeps 09:30 local when New York springs forward."""
        body = (
            '[[series]]\nstart = 2026-03-03T09:30:00\nrrule = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"\n'
            'method = "spravato"\n'
        )
        assert _starts(body, "America/New_York") == [
            "2026-03-03T09:30:00-05:00",
            "2026-03-05T09:30:00-05:00",
            "2026-03-10T09:30:00-04:00",
            "2026-03-12T09:30:00-04:00",
        ]

    def test_series_dose_in_a_gap_is_moved_and_noted(self) -> None:
        """A daily 02:30 series: the dose on the spring-forward night moves to 03:30, noted."""
        body = (
            '[[series]]\nstart = 2026-03-28T02:30:00\nrrule = "FREQ=DAILY;COUNT=3"\n'
            'method = "oral"\n'
        )
        found, notes = schedule(body).doses()
        assert [d.start.isoformat() for d in found] == [
            "2026-03-28T02:30:00+01:00",
            "2026-03-29T03:30:00+02:00",
            "2026-03-30T02:30:00+02:00",
        ]
        assert [TEXTS["en"].warning_text(n.warning(), BERLIN) for n in notes] == [
            "series[1] dose 2: 2026-03-29 02:30 does not exist in Europe/Berlin "
            "(clocks go forward); using 03:30"
        ]

    def test_until_in_local_time_is_inclusive(self) -> None:
        """UNTIL in local time bounds the series; a dose exactly at UNTIL is kept."""
        body = (
            "[[series]]\nstart = 2026-10-20T10:00:00\n"
            'rrule = "FREQ=WEEKLY;UNTIL=20261103T100000"\nmethod = "iv"\n'
        )
        assert _starts(body) == [
            "2026-10-20T10:00:00+02:00",
            "2026-10-27T10:00:00+01:00",
            "2026-11-03T10:00:00+01:00",
        ]

    def test_until_in_utc_is_accepted(self) -> None:
        """UNTIL in UTC (RFC 5545's form for a zoned start) bounds the series at that instant.

        2026-11-03 09:00Z is 10:00 in Berlin, so the dose at 10:00 local is the last.
        """
        body = (
            "[[series]]\nstart = 2026-10-20T10:00:00\n"
            'rrule = "FREQ=WEEKLY;UNTIL=20261103T090000Z"\nmethod = "iv"\n'
        )
        assert _starts(body) == [
            "2026-10-20T10:00:00+02:00",
            "2026-10-27T10:00:00+01:00",
            "2026-11-03T10:00:00+01:00",
        ]
        body = body.replace("T090000Z", "T085959Z")
        assert _starts(body)[-1] == "2026-10-27T10:00:00+01:00"

    @pytest.mark.parametrize(
        ("rrule", "message"),
        [
            ("FREQ=WEEKLY", "is unbounded; expected a COUNT or UNTIL part"),
            ("BYDAY=TU;COUNT=3", "has no FREQ"),
        ],
    )
    def test_unbounded_or_frequency_less_rules_are_refused(self, rrule: str, message: str) -> None:
        """A series must say how often (FREQ) and for how long (COUNT or UNTIL)."""
        body = f'[[series]]\nstart = 2026-10-20T10:00:00\nrrule = "{rrule}"\nmethod = "iv"\n'
        with pytest.raises(ScheduleError, match=message) as caught:
            schedule(body)
        assert "series[1].rrule: " in str(caught.value)


class TestDoseOrder:
    """Doses are sorted in time and must be distinct instants."""

    def test_unordered_infusions_are_sorted_and_numbered_in_time_order(self) -> None:
        """Tables in any order become doses in time order; indices follow time, origins remain."""
        body = doses("2026-12-08T10:00:00", "2026-12-01T10:00:00", "2026-12-04T10:00:00")
        found, _ = schedule(body).doses()
        assert [(d.start.isoformat(), d.origin) for d in found] == [
            ("2026-12-01T10:00:00+01:00", "infusion[2].at"),
            ("2026-12-04T10:00:00+01:00", "infusion[3].at"),
            ("2026-12-08T10:00:00+01:00", "infusion[1].at"),
        ]
        assert [i.index for i in plan(body).infusions] == [1, 2, 3]

    def test_infusions_and_series_interleave(self) -> None:
        """Single doses and series doses are merged into one time order."""
        body = doses("2026-12-02T10:00:00") + (
            '[[series]]\nstart = 2026-12-01T10:00:00\nrrule = "FREQ=DAILY;INTERVAL=2;COUNT=2"\n'
            'method = "oral"\n'
        )
        found, _ = schedule(body).doses()
        assert [d.origin for d in found] == [
            "series[1] dose 1",
            "infusion[1].at",
            "series[1] dose 2",
        ]

    def test_offset_and_naive_times_mix(self) -> None:
        """A time with an offset is converted to the zone; a naive one is read in the zone."""
        body = doses("2026-12-01T10:00:00", "2026-12-02T09:00:00Z", "2026-12-03T04:00:00-05:00")
        assert _starts(body) == [
            "2026-12-01T10:00:00+01:00",
            "2026-12-02T10:00:00+01:00",
            "2026-12-03T10:00:00+01:00",
        ]

    def test_same_instant_written_two_ways_is_an_error(self) -> None:
        """A naive time and an offset time naming one instant are two doses at once: refused."""
        body = doses("2026-12-01T10:00:00", "2026-12-01T09:00:00Z")
        with pytest.raises(ScheduleError) as caught:
            schedule(body)
        assert str(caught.value) == (
            "test.toml:6: infusion[2].at: starts at the same instant as infusion[1].at "
            "(2026-12-01T10:00:00+01:00); expected every dose at a distinct time"
        )

    def test_two_instants_in_a_fold_are_distinct(self) -> None:
        """01:30 EDT and 01:30 EST are an hour apart, not one instant, though their clocks agree."""
        body = doses("2026-11-01T01:30:00-05:00", "2026-11-01T01:30:00-04:00")
        found, _ = schedule(body, "America/New_York").doses()
        assert [d.start.isoformat() for d in found] == [
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T01:30:00-05:00",
        ]

    def test_fold_instants_sort_by_time_not_by_wall_clock(self) -> None:
        """01:45 EDT comes before 01:15 EST (05:45Z < 06:15Z) though its wall clock is later."""
        body = doses("2026-11-01T01:15:00-05:00", "2026-11-01T01:45:00-04:00")
        result = plan(body, "America/New_York")
        assert [i.start.isoformat() for i in result.infusions] == [
            "2026-11-01T01:45:00-04:00",
            "2026-11-01T01:15:00-05:00",
        ]

    def test_string_times_are_read_and_bare_dates_refused(self) -> None:
        """A quoted date and time is parsed; a bare TOML date is an error naming the field."""
        assert _starts('[[infusion]]\nat = "2026-12-01 10:00"\nmethod = "iv"\n') == [
            "2026-12-01T10:00:00+01:00"
        ]
        with pytest.raises(ScheduleError) as caught:
            schedule('[[infusion]]\nat = 2026-12-01\nmethod = "iv"\n')
        assert "infusion[1].at: 2026-12-01 is a date without a time" in str(caught.value)

    def test_empty_schedule_is_refused(self) -> None:
        """A schedule without doses is an error."""
        with pytest.raises(ScheduleError, match="the schedule has no doses"):
            schedule("")
