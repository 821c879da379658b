"""Reading a therapist's calendar export (.ics) as busy time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil import rrule as rrulemod
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON as WINDOWS_ZONES

from kapplan.errors import KapplanError, UnreadableBusyCalendar
from kapplan.formats import busy as busymod
from kapplan.formats.busy import MAX_BUSY_CALENDAR_BYTES, read_busy_calendar
from kapplan.model.intervals import merge_intervals
from tests.conftest import SCALE, examples

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)

BERLIN_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def crlf(text: str) -> str:
    """Return the text with CRLF line ends, as most apps export."""
    return text.replace("\n", "\r\n")


def read(
    text: str,
    *,
    start: datetime = START,
    end: datetime = END,
    zone: ZoneInfo = BERLIN,
) -> list[tuple[datetime, datetime]]:
    """Read a calendar text in the default window of 2026, floating times in Berlin."""
    return read_busy_calendar(text, "cal.ics", start=start, end=end, default_zone=zone)


def calendar(*events: str, timezones: str = "") -> str:
    """Wrap VEVENT bodies (without BEGIN/END) in a minimal calendar."""
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{timezones}{body}END:VCALENDAR\n"


def refused(text: str, *, end: datetime = END) -> str:
    """Return the one-line message a calendar text is refused with."""
    with pytest.raises(UnreadableBusyCalendar) as caught:
        read(text, end=end)
    message = str(caught.value)
    assert "\n" not in message
    return message


GOOGLE = crlf(
    """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Praxis
X-WR-TIMEZONE:Europe/Berlin
"""
    + BERLIN_VTIMEZONE
    + """BEGIN:VEVENT
DTSTART:20260105T090000Z
DTEND:20260105T100000Z
RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20260202T085959Z;BYDAY=MO
EXDATE:20260119T090000Z
DTSTAMP:20251220T120000Z
UID:4g1s8n7q2v@google.com
CREATED:20251201T100000Z
DESCRIPTION:Weekly supervision with the team\\, then notes. This line is lo
 ng enough that Google folds it across two lines.
LAST-MODIFIED:20251201T100000Z
LOCATION:
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Supervision
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H10M0S
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260214
DTEND;VALUE=DATE:20260215
DTSTAMP:20251220T120000Z
UID:birthday@google.com
SUMMARY:Birthday
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20260303T140000
DTEND;TZID=Europe/Berlin:20260303T150000
DTSTAMP:20251220T120000Z
UID:cancelled@google.com
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT
END:VCALENDAR
"""
)

OUTLOOK = crlf(
    """BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
X-MS-OLK-FORCEINSPECTOROPEN:TRUE
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CLASS:PUBLIC
CREATED:20251210T090000Z
DTEND;TZID="W. Europe Standard Time":20260323T110000
DTSTAMP:20251210T090000Z
DTSTART;TZID="W. Europe Standard Time":20260323T100000
LAST-MODIFIED:20251210T090000Z
PRIORITY:5
RRULE:FREQ=WEEKLY;COUNT=2;BYDAY=MO
SEQUENCE:0
SUMMARY;LANGUAGE=de-de:Teambesprechung
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000A0D1B6E4C7
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-IMPORTANCE:1
END:VEVENT
BEGIN:VEVENT
DTEND;TZID=Eastern Standard Time:20260410T100000
DTSTART;TZID=Eastern Standard Time:20260410T090000
SUMMARY:Call with New York
UID:040000008200E00074C5B7101A82E00800000000B0D1B6E4C7
X-MICROSOFT-CDO-BUSYSTATUS:OOF
END:VEVENT
BEGIN:VEVENT
DTEND;TZID=W. Europe Standard Time:20260411T100000
DTSTART;TZID=W. Europe Standard Time:20260411T090000
SUMMARY:Maybe
UID:040000008200E00074C5B7101A82E00800000000C0D1B6E4C7
X-MICROSOFT-CDO-BUSYSTATUS:FREE
END:VEVENT
END:VCALENDAR
"""
)

APPLE = crlf(
    """BEGIN:VCALENDAR
METHOD:PUBLISH
VERSION:2.0
X-WR-CALNAME:Home
PRODID:-//Apple Inc.//macOS 14.4//EN
X-APPLE-CALENDAR-COLOR:#1BADF8
X-WR-TIMEZONE:Europe/Berlin
CALSCALE:GREGORIAN
"""
    + BERLIN_VTIMEZONE
    + """BEGIN:VEVENT
TRANSP:OPAQUE
DTEND;TZID=Europe/Berlin:20260601T120000
UID:8D4C3B2A-1F0E-4D5C-9B8A-7E6F5D4C3B2A
DTSTAMP:20260501T080000Z
SEQUENCE:1
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
SUMMARY:Dentist
LAST-MODIFIED:20260501T080000Z
DTSTART;TZID=Europe/Berlin:20260601T110000
CREATED:20260501T080000Z
END:VEVENT
BEGIN:VEVENT
TRANSP:OPAQUE
DTEND;VALUE=DATE:20260607
UID:1A2B3C4D-5E6F-4071-8293-A4B5C6D7E8F9
DTSTAMP:20260501T080000Z
SUMMARY:Conference
DTSTART;VALUE=DATE:20260605
END:VEVENT
END:VCALENDAR
"""
)

THUNDERBIRD = crlf(
    """BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:Mitteleuropäische Zeit
X-LIC-LOCATION:Europe/Berlin
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20260101T100000Z
LAST-MODIFIED:20260101T100000Z
DTSTAMP:20260101T100000Z
UID:5f0c3a9e-2d1b-4c8a-9e7f-6b5a4c3d2e1f
SUMMARY:Intervision
RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=2TH
DTSTART;TZID=Mitteleuropäische Zeit:20260108T180000
DTEND;TZID=Mitteleuropäische Zeit:20260108T200000
X-MOZ-GENERATION:1
END:VEVENT
BEGIN:VEVENT
UID:evolution-1
DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/America/New_York:20260701T090000
DURATION:PT1H
END:VEVENT
BEGIN:VTODO
UID:todo-1
DTSTART;TZID=Europe/Berlin:20260110T090000
DUE;TZID=Europe/Berlin:20260110T170000
SUMMARY:Write reports
END:VTODO
BEGIN:VJOURNAL
UID:journal-1
DTSTART;VALUE=DATE:20260111
SUMMARY:Notes
END:VJOURNAL
END:VCALENDAR
"""
)


class TestCalendarApps:
    """Exports in the style of the common calendar apps."""

    def test_google(self) -> None:
        """UTC times, a weekly RRULE with UTC UNTIL and an EXDATE; free and cancelled skipped."""
        assert read(GOOGLE) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
            (utc(2026, 1, 12, 9), utc(2026, 1, 12, 10)),
            (utc(2026, 1, 26, 9), utc(2026, 1, 26, 10)),
        ]

    def test_outlook(self) -> None:
        """Windows zone names become IANA zones: 10:00 Berlin is 09:00 UTC, then 08:00 in summer."""
        assert read(OUTLOOK) == [
            (utc(2026, 3, 23, 9), utc(2026, 3, 23, 10)),
            (utc(2026, 3, 30, 8), utc(2026, 3, 30, 9)),
            (utc(2026, 4, 10, 13), utc(2026, 4, 10, 14)),
        ]

    def test_apple(self) -> None:
        """TZID=Europe/Berlin, and an all-day event busy for its local days (end exclusive)."""
        assert read(APPLE) == [
            (utc(2026, 6, 1, 9), utc(2026, 6, 1, 10)),
            (utc(2026, 6, 4, 22), utc(2026, 6, 6, 22)),
        ]

    def test_thunderbird(self) -> None:
        """A custom TZID with X-LIC-LOCATION, an Evolution path TZID; to-dos, journals skipped."""
        assert read(THUNDERBIRD) == [
            (utc(2026, 1, 8, 17), utc(2026, 1, 8, 19)),
            (utc(2026, 2, 12, 17), utc(2026, 2, 12, 19)),
            (utc(2026, 3, 12, 17), utc(2026, 3, 12, 19)),
            (utc(2026, 7, 1, 13), utc(2026, 7, 1, 14)),
        ]

    def test_lf_line_ends_read_the_same(self) -> None:
        """LF-only files (hand-made or converted) read like CRLF ones."""
        for text in (GOOGLE, OUTLOOK, APPLE, THUNDERBIRD):
            assert read(text.replace("\r\n", "\n")) == read(text)

    def test_byte_order_mark(self) -> None:
        """A leading BOM (Windows editors) is ignored."""
        assert read("\ufeff" + APPLE) == read(APPLE)

    def test_windows_names_map_to_real_zones(self) -> None:
        """Every Windows name in the table maps to a zone this machine knows."""
        for name, iana in WINDOWS_ZONES.items():
            assert ZoneInfo(iana).key == iana, name


class TestEvents:
    """Which events block time, and for how long."""

    def test_transparent_and_cancelled_are_skipped(self) -> None:
        """TRANSP:TRANSPARENT and STATUS:CANCELLED events take no time (any case)."""
        text = calendar(
            "DTSTART:20260301T100000Z\nDTEND:20260301T110000Z\nTRANSP:transparent",
            "DTSTART:20260302T100000Z\nDTEND:20260302T110000Z\nSTATUS:CANCELLED",
            "DTSTART:20260303T100000Z\nDTEND:20260303T110000Z\nSTATUS:TENTATIVE",
        )
        assert read(text) == [(utc(2026, 3, 3, 10), utc(2026, 3, 3, 11))]

    def test_floating_times_are_in_the_default_zone(self) -> None:
        """A time without Z or TZID is read in the zone given for floating times."""
        text = calendar("DTSTART:20260301T100000\nDTEND:20260301T110000")
        assert read(text) == [(utc(2026, 3, 1, 9), utc(2026, 3, 1, 10))]
        assert read(text, zone=NEW_YORK) == [(utc(2026, 3, 1, 15), utc(2026, 3, 1, 16))]

    def test_all_day_without_end_is_one_day(self) -> None:
        """An all-day event without DTEND takes its one day."""
        text = calendar("DTSTART;VALUE=DATE:20260301")
        assert read(text) == [(utc(2026, 2, 28, 23), utc(2026, 3, 1, 23))]

    def test_all_day_with_end_equal_to_start_is_one_day(self) -> None:
        """An all-day DTEND equal to DTSTART (a common slip) still blocks the day."""
        text = calendar("DTSTART;VALUE=DATE:20260301\nDTEND;VALUE=DATE:20260301")
        assert read(text) == [(utc(2026, 2, 28, 23), utc(2026, 3, 1, 23))]

    def test_all_day_on_the_spring_change_is_23_hours(self) -> None:
        """The local day of the spring-forward change is 23 hours long."""
        text = calendar("DTSTART;VALUE=DATE:20260329\nDTEND;VALUE=DATE:20260330")
        assert read(text) == [(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))]

    def test_timed_without_end_takes_no_time(self) -> None:
        """A timed event without DTEND or DURATION ends where it starts (RFC 5545 §3.6.1)."""
        assert read(calendar("DTSTART:20260301T100000Z")) == []

    def test_duration(self) -> None:
        """DURATION gives the end; weeks and days count too."""
        text = calendar(
            "DTSTART:20260301T100000Z\nDURATION:PT1H30M",
            "DTSTART:20260310T100000Z\nDURATION:P1W",
        )
        assert read(text) == [
            (utc(2026, 3, 1, 10), utc(2026, 3, 1, 11, 30)),
            (utc(2026, 3, 10, 10), utc(2026, 3, 17, 10)),
        ]

    def test_duration_in_days_is_wall_clock(self) -> None:
        """P1D across the spring change ends at the same local time: 23 real hours."""
        text = calendar("DTSTART;TZID=Europe/Berlin:20260328T120000\nDURATION:P1D")
        assert read(text) == [(utc(2026, 3, 28, 11), utc(2026, 3, 29, 10))]

    def test_local_time_in_the_gap_moves_forward(self) -> None:
        """02:30 Berlin on the spring-forward night is read as 03:30 CEST (RFC 5545 §3.3.5)."""
        text = calendar("DTSTART;TZID=Europe/Berlin:20260329T023000\nDURATION:PT30M")
        assert read(text) == [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2))]

    def test_window_clips_and_filters(self) -> None:
        """Only time inside [start, end) is returned, clipped at both edges."""
        text = calendar(
            "DTSTART:20251231T230000Z\nDTEND:20260101T010000Z",
            "DTSTART:20261231T230000Z\nDTEND:20270101T010000Z",
            "DTSTART:20270101T000000Z\nDTEND:20270101T010000Z",
            "DTSTART:20251231T220000Z\nDTEND:20260101T000000Z",
        )
        assert read(text) == [
            (utc(2026, 1, 1), utc(2026, 1, 1, 1)),
            (utc(2026, 12, 31, 23), utc(2027, 1, 1)),
        ]

    def test_overlapping_events_are_merged(self) -> None:
        """Overlapping and touching events come back as one interval."""
        text = calendar(
            "DTSTART:20260301T100000Z\nDTEND:20260301T110000Z",
            "DTSTART:20260301T103000Z\nDTEND:20260301T113000Z",
            "DTSTART:20260301T113000Z\nDTEND:20260301T120000Z",
        )
        assert read(text) == [(utc(2026, 3, 1, 10), utc(2026, 3, 1, 12))]

    def test_several_calendars_in_one_file(self) -> None:
        """A file may hold several VCALENDAR objects one after the other."""
        one = calendar("DTSTART:20260301T100000Z\nDTEND:20260301T110000Z")
        two = calendar("DTSTART:20260302T100000Z\nDTEND:20260302T110000Z")
        assert len(read(one + two)) == 2

    def test_free_busy_periods(self) -> None:
        """VFREEBUSY periods block time unless FBTYPE=FREE."""
        text = (
            "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VFREEBUSY\n"
            "FREEBUSY:20260301T100000Z/20260301T110000Z,20260302T100000Z/PT30M\n"
            "FREEBUSY;FBTYPE=FREE:20260303T100000Z/20260303T110000Z\n"
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260304T100000Z/20260304T110000Z\n"
            "END:VFREEBUSY\nEND:VCALENDAR\n"
        )
        assert read(text) == [
            (utc(2026, 3, 1, 10), utc(2026, 3, 1, 11)),
            (utc(2026, 3, 2, 10), utc(2026, 3, 2, 10, 30)),
            (utc(2026, 3, 4, 10), utc(2026, 3, 4, 11)),
        ]


class TestRecurrence:
    """RRULE, RDATE, EXDATE and RECURRENCE-ID."""

    def test_weekly_keeps_local_time_across_dst(self) -> None:
        """A weekly 10:00 Berlin meeting stays at 10:00 local: 09:00 UTC, then 08:00 UTC."""
        text = calendar(
            "DTSTART;TZID=Europe/Berlin:20260323T100000\nDTEND;TZID=Europe/Berlin:20260323T110000\n"
            "RRULE:FREQ=WEEKLY;COUNT=2"
        )
        assert read(text) == [
            (utc(2026, 3, 23, 9), utc(2026, 3, 23, 10)),
            (utc(2026, 3, 30, 8), utc(2026, 3, 30, 9)),
        ]

    def test_recurrence_id_override_replaces_the_instance(self) -> None:
        """An overridden instance is moved, not duplicated; others stay."""
        text = calendar(
            "UID:series\nDTSTART;TZID=Europe/Berlin:20260105T100000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;COUNT=3",
            "UID:series\nRECURRENCE-ID;TZID=Europe/Berlin:20260106T100000\n"
            "DTSTART;TZID=Europe/Berlin:20260106T150000\nDURATION:PT30M",
        )
        assert read(text) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
            (utc(2026, 1, 6, 14), utc(2026, 1, 6, 14, 30)),
            (utc(2026, 1, 7, 9), utc(2026, 1, 7, 10)),
        ]

    def test_recurrence_id_in_utc_matches_a_zoned_instance(self) -> None:
        """The override's RECURRENCE-ID may name the instant in another zone."""
        text = calendar(
            "UID:series\nDTSTART;TZID=Europe/Berlin:20260105T100000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;COUNT=2",
            "UID:series\nRECURRENCE-ID:20260106T090000Z\nSTATUS:CANCELLED\n"
            "DTSTART:20260106T090000Z\nDURATION:PT1H",
        )
        assert read(text) == [(utc(2026, 1, 5, 9), utc(2026, 1, 5, 10))]

    def test_override_of_another_series_changes_nothing(self) -> None:
        """A RECURRENCE-ID only replaces instances of the series with its UID."""
        text = calendar(
            "UID:a\nDTSTART:20260105T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=2",
            "UID:b\nRECURRENCE-ID:20260106T090000Z\nSTATUS:CANCELLED\n"
            "DTSTART:20260106T090000Z\nDURATION:PT1H",
        )
        assert len(read(text)) == 2

    def test_exdate_lists_and_all_day_exdates(self) -> None:
        """EXDATE may list several instants; an EXDATE date removes that day's instances."""
        text = calendar(
            "DTSTART;TZID=Europe/Berlin:20260105T100000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;COUNT=5\n"
            "EXDATE;TZID=Europe/Berlin:20260106T100000,20260107T100000\n"
            "EXDATE;VALUE=DATE:20260108"
        )
        assert read(text) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
            (utc(2026, 1, 9, 9), utc(2026, 1, 9, 10)),
        ]

    def test_dtstart_off_the_rule_counts_as_the_first(self) -> None:
        """A DTSTART the rule would not yield is an instance and counts in COUNT (§3.8.5.3)."""
        # 2026-01-01 is a Thursday; the rule asks for Mondays.
        text = calendar(
            "DTSTART:20260101T090000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"
        )
        assert [s.date() for s, _ in read(text)] == [
            date(2026, 1, 1),
            date(2026, 1, 5),
            date(2026, 1, 12),
        ]

    def test_all_day_recurrence(self) -> None:
        """A yearly all-day event recurs on its date, busy the whole local day."""
        text = calendar("DTSTART;VALUE=DATE:20200301\nDTEND;VALUE=DATE:20200302\nRRULE:FREQ=YEARLY")
        assert read(text) == [(utc(2026, 2, 28, 23), utc(2026, 3, 1, 23))]

    def test_unbounded_rule_stops_at_the_window(self) -> None:
        """A rule without COUNT or UNTIL is expanded only up to the window's end."""
        text = calendar("DTSTART:20260105T090000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY")
        assert len(read(text)) == 52

    def test_rdate_adds_instances(self) -> None:
        """RDATE adds dates and periods to the recurrence set."""
        text = calendar(
            "DTSTART:20260105T090000Z\nDURATION:PT1H\n"
            "RDATE:20260110T090000Z,20260111T090000Z\n"
            "RDATE;VALUE=PERIOD:20260120T090000Z/20260120T120000Z"
        )
        assert read(text) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
            (utc(2026, 1, 10, 9), utc(2026, 1, 10, 10)),
            (utc(2026, 1, 11, 9), utc(2026, 1, 11, 10)),
            (utc(2026, 1, 20, 9), utc(2026, 1, 20, 12)),
        ]

    def test_until_as_a_date_includes_that_day(self) -> None:
        """A date UNTIL with a date-time start includes the instance on that day."""
        text = calendar(
            "DTSTART;TZID=Europe/Berlin:20260105T100000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;UNTIL=20260107"
        )
        assert len(read(text)) == 3

    @pytest.mark.parametrize(
        "rule", ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;BYMONTH=4;BYMONTHDAY=31"]
    )
    def test_rule_that_never_matches(self, rule: str) -> None:
        """A rule that can never match is refused at once, not searched until year 9999."""
        text = calendar(f"DTSTART:20260101T000000Z\nDURATION:PT1M\nRRULE:{rule}")
        assert refused(text) == (
            f"cal.ics:7: RRULE: '{rule}' never yields an instance; expected a rule that can "
            "match (not, say, BYMONTH=2;BYMONTHDAY=30)"
        )

    def test_rare_rule_is_not_mistaken_for_impossible(self) -> None:
        """February 29th recurs every four years and is found."""
        text = calendar("DTSTART;VALUE=DATE:20240229\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29")
        assert read(text, end=datetime(2029, 1, 1, tzinfo=UTC)) == [
            (utc(2028, 2, 28, 23), utc(2028, 2, 29, 23))
        ]

    def test_too_many_instances(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A rule yielding more instances than the limit is refused, naming its line."""
        monkeypatch.setattr(busymod, "MAX_INSTANCES", 1000)
        text = calendar("DTSTART:20260101T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY")
        assert refused(text) == (
            "cal.ics:7: RRULE: the recurrence yields more than 1000 instances before "
            "2027-01-02; expected a calendar export of a shorter period"
        )

    def test_too_many_instances_in_all(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Many rules together are limited too."""
        monkeypatch.setattr(busymod, "MAX_TOTAL_INSTANCES", 100)
        rule = "DTSTART:20260105T090000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY"
        assert "yield more than 100 instances in all" in refused(calendar(rule, rule, rule))

    def test_the_real_limit(self) -> None:
        """The shipped limit refuses a minutely rule over a year (over 100,000 instances)."""
        text = calendar("DTSTART:20260101T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY")
        assert "more than 100000 instances" in refused(text)


class TestUnreadable:
    """Garbage, cut-short files and bad values give one located line, never a traceback."""

    def test_empty(self) -> None:
        """An empty file holds no calendar."""
        assert refused("") == (
            "cal.ics: holds no calendar; expected an iCalendar (.ics) file with BEGIN:VCALENDAR"
        )

    def test_garbage(self) -> None:
        """Text that is not iCalendar names its first line."""
        assert (
            refused("hello world\n") == "cal.ics:1: cannot read 'hello world'; expected NAME:VALUE"
        )

    def test_binary_garbage(self) -> None:
        """Binary noise is refused with a line."""
        assert refused("\x00\x01\x02PNG\n").startswith("cal.ics:1: cannot read")

    def test_property_outside_a_calendar(self) -> None:
        """A property before BEGIN:VCALENDAR is refused."""
        assert refused("SUMMARY:x\n") == (
            "cal.ics:1: SUMMARY outside a calendar; expected BEGIN:VCALENDAR first"
        )

    def test_component_outside_a_calendar(self) -> None:
        """A VEVENT without its calendar is refused."""
        assert refused("BEGIN:VEVENT\nEND:VEVENT\n") == (
            "cal.ics:1: BEGIN:VEVENT outside a calendar; expected BEGIN:VCALENDAR first"
        )

    def test_truncated(self) -> None:
        """A file cut short inside an event names where the open event began."""
        text = calendar("DTSTART:20260301T100000Z\nDTEND:20260301T110000Z")
        cut = text[: text.index("END:VEVENT")]
        assert refused(cut) == (
            "cal.ics:6: the file ends inside BEGIN:VEVENT of line 4; expected END:VEVENT "
            "(is the file cut short?)"
        )

    def test_missing_end_of_calendar(self) -> None:
        """A file without END:VCALENDAR is cut short too."""
        text = calendar("DTSTART:20260301T100000Z").removesuffix("END:VCALENDAR\n")
        assert "ends inside BEGIN:VCALENDAR of line 1" in refused(text)

    def test_mismatched_end(self) -> None:
        """An END that closes the wrong block is refused."""
        text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n"
        assert refused(text) == (
            "cal.ics:3: END:VCALENDAR closes BEGIN:VEVENT of line 2; expected END:VEVENT"
        )

    def test_end_without_begin(self) -> None:
        """A stray END is refused."""
        assert refused("END:VCALENDAR\n").startswith("cal.ics:1: END:VCALENDAR without its BEGIN")

    def test_folded_line_continuing_nothing(self) -> None:
        """A continuation line at the start is refused."""
        assert refused(" BEGIN:VCALENDAR\n") == (
            "cal.ics:1: a folded line continues nothing; expected a property before it"
        )

    def test_bad_parameters(self) -> None:
        """A parameter without a value is refused."""
        text = calendar("DTSTART;TZID:20260301T100000Z")
        assert refused(text) == (
            "cal.ics:5: cannot read the parameters of DTSTART; expected NAME;PARAM=VALUE:value"
        )

    def test_unreal_date(self) -> None:
        """A 13th month is not a date."""
        text = calendar("DTSTART:20261301T100000Z")
        assert refused(text) == (
            "cal.ics:5: DTSTART: '20261301T100000Z' is not a real date or time; "
            "expected e.g. 20261201T100000Z"
        )

    def test_unreadable_date(self) -> None:
        """A date in another notation is refused."""
        text = calendar("DTSTART:2026-03-01 10:00")
        assert refused(text) == (
            "cal.ics:5: DTSTART: cannot read '2026-03-01 10:00' as a date or date-time; "
            "expected e.g. 20261201T100000Z or 20261201"
        )

    def test_line_numbers_count_folded_lines(self) -> None:
        """The line of an error is the physical line its property begins on."""
        text = calendar("SUMMARY:a long\n  title\nDTSTART:2026")
        assert refused(text).startswith("cal.ics:7: DTSTART:")

    def test_missing_dtstart(self) -> None:
        """An event needs a start."""
        assert refused(calendar("SUMMARY:x")) == (
            "cal.ics:4: VEVENT without DTSTART; expected a DTSTART"
        )

    def test_end_before_start(self) -> None:
        """An event ending before it starts is refused."""
        text = calendar("DTSTART:20260301T100000Z\nDTEND:20260301T090000Z")
        assert refused(text) == (
            "cal.ics:6: DTEND: ends at 2026-03-01 09:00 UTC, before it starts at "
            "2026-03-01 10:00 UTC; expected DTEND after DTSTART"
        )

    def test_all_day_end_before_start(self) -> None:
        """An all-day event ending before it starts is refused."""
        text = calendar("DTSTART;VALUE=DATE:20260301\nDTEND;VALUE=DATE:20260228")
        assert "ends on 2026-02-28, before it starts on 2026-03-01" in refused(text)

    def test_mixed_date_and_date_time(self) -> None:
        """DTSTART and DTEND must be of one kind."""
        text = calendar("DTSTART;VALUE=DATE:20260301\nDTEND:20260302T100000Z")
        assert "expected both of one kind" in refused(text)

    def test_both_end_and_duration(self) -> None:
        """DTEND and DURATION together are ambiguous (RFC 5545 §3.6.1)."""
        text = calendar("DTSTART:20260301T100000Z\nDTEND:20260301T110000Z\nDURATION:PT1H")
        assert refused(text) == (
            "cal.ics:7: VEVENT with both DTEND and DURATION; expected one of them"
        )

    @pytest.mark.parametrize("value", ["1H", "PT", "P", "PTXH", "-PT1H"])
    def test_bad_duration(self, value: str) -> None:
        """Malformed and negative durations are refused with their line."""
        text = calendar(f"DTSTART:20260301T100000Z\nDURATION:{value}")
        assert refused(text).startswith("cal.ics:6: DURATION: ")

    def test_unknown_windows_zone(self) -> None:
        """A VTIMEZONE whose name kapplan cannot tell names the line using it."""
        zone = "BEGIN:VTIMEZONE\nTZID:Customized Time Zone\nEND:VTIMEZONE\n"
        text = calendar(
            "DTSTART;TZID=Customized Time Zone:20260301T100000\nDURATION:PT1H", timezones=zone
        )
        assert refused(text) == (
            "cal.ics:8: TZID: unknown time zone 'Customized Time Zone' (VTIMEZONE of line 4); "
            "expected an IANA name such as Europe/Berlin, a common Windows name, "
            "or a VTIMEZONE with X-LIC-LOCATION"
        )

    def test_undeclared_unknown_zone(self) -> None:
        """A TZID with neither a known name nor a VTIMEZONE is refused."""
        text = calendar("DTSTART;TZID=Nowhere:20260301T100000\nDURATION:PT1H")
        assert refused(text).startswith("cal.ics:5: TZID: unknown time zone 'Nowhere';")

    def test_unknown_zone_unused_is_harmless(self) -> None:
        """A VTIMEZONE nobody uses is not read at all."""
        zone = "BEGIN:VTIMEZONE\nTZID:Customized Time Zone\nEND:VTIMEZONE\n"
        text = calendar("DTSTART:20260301T100000Z\nDURATION:PT1H", timezones=zone)
        assert len(read(text)) == 1

    @pytest.mark.parametrize(
        "rule", ["FREQ=SOMETIMES", "FREQ=WEEKLY;BYDAY=XX", "COUNT=3", "FREQ=DAILY;COUNT=x"]
    )
    def test_bad_rrule(self, rule: str) -> None:
        """An unusable RRULE is refused with its line."""
        text = calendar(f"DTSTART:20260301T100000Z\nDURATION:PT1H\nRRULE:{rule}")
        assert refused(text).startswith("cal.ics:7: RRULE: cannot use")

    def test_bad_until(self) -> None:
        """A malformed UNTIL is refused, not guessed at."""
        text = calendar("DTSTART:20260301T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;UNTIL=2026XZ")
        assert refused(text) == (
            "cal.ics:7: RRULE: cannot read UNTIL='2026XZ'; expected e.g. UNTIL=20261231T235959Z"
        )

    def test_bad_period(self) -> None:
        """A free/busy period without a slash is refused."""
        text = (
            "BEGIN:VCALENDAR\nBEGIN:VFREEBUSY\nFREEBUSY:20260301T100000Z\n"
            "END:VFREEBUSY\nEND:VCALENDAR\n"
        )
        assert refused(text).startswith("cal.ics:3: FREEBUSY: cannot read '20260301T100000Z'")

    def test_dates_at_the_end_of_time(self) -> None:
        """Dates that overflow in arithmetic are refused, not a traceback."""
        text = calendar("DTSTART;VALUE=DATE:99991231\nDURATION:P2D")
        assert refused(text, end=datetime(9999, 12, 31, tzinfo=UTC)).startswith("cal.ics:4: ")

    def test_too_large(self) -> None:
        """Files over the size limit are refused before parsing."""
        text = "X" * (MAX_BUSY_CALENDAR_BYTES + 1)
        assert refused(text) == (
            "cal.ics: larger than 20 MiB; expected a calendar export of a smaller size "
            "(export a shorter period)"
        )

    def test_too_large_in_utf8_bytes(self) -> None:
        """The limit counts UTF-8 bytes, not characters."""
        text = "ä" * (MAX_BUSY_CALENDAR_BYTES // 2 + 1)
        assert "larger than 20 MiB" in refused(text)

    def test_error_is_a_kapplan_error(self) -> None:
        """The shell catches it with every other user error and exits 2."""
        assert issubclass(UnreadableBusyCalendar, KapplanError)
        assert UnreadableBusyCalendar.exit_code == 2

    def test_naive_window_is_a_programming_error(self) -> None:
        """The window must be aware."""
        with pytest.raises(ValueError, match="aware"):
            read(calendar("DTSTART:20260301T100000Z"), start=datetime(2026, 1, 1))


SAMPLES = Path(__file__).resolve().parent / "data" / "busy"


def sample(name: str, *, zone: ZoneInfo = BERLIN) -> list[tuple[datetime, datetime]]:
    """Read a real-world export from tests/data/busy/ (CRLF kept, as the apps write it)."""
    text = (SAMPLES / name).read_bytes().decode("utf-8")
    return read_busy_calendar(text, name, start=START, end=END, default_zone=zone)


class TestRealWorldSamples:
    """Exports as Google, Outlook and Apple write them, read to the exact busy time."""

    def test_google_with_x_wr_timezone(self) -> None:
        """UTC times meant in X-WR-TIMEZONE: the weekly 10:00 stays 10:00 Berlin across DST.

        The series is written in UTC (09:00Z, 10:00 CET) with COUNT=6 on Mondays
        from 9 March; 23 March is an EXDATE; the 6 April instance (10:00 CEST,
        08:00Z, as its RECURRENCE-ID says) moved to Tuesday 7 April 14:00 CEST.
        The birthday is TRANSPARENT and the intervision CANCELLED. Without
        x-wr-timezone the instances after 29 March would stay at 09:00Z and the
        moved one would not match its RECURRENCE-ID (so 6 April would stay busy).
        """
        expected = [
            (utc(2026, 3, 9, 9), utc(2026, 3, 9, 10)),
            (utc(2026, 3, 16, 9), utc(2026, 3, 16, 10)),
            (utc(2026, 3, 30, 8), utc(2026, 3, 30, 9)),
            (utc(2026, 4, 7, 12), utc(2026, 4, 7, 13)),
            (utc(2026, 4, 13, 8), utc(2026, 4, 13, 9)),
        ]
        assert sample("google.ics") == expected
        assert sample("google.ics", zone=NEW_YORK) == expected  # every time is zoned

    def test_outlook_windows_zone(self) -> None:
        """TZID="W. Europe Standard Time" is Europe/Berlin, by icalendar's Windows table.

        Every other Thursday 10:00-11:00 from 5 March until 30 April (UNTIL in
        UTC, inclusive), 2 April excluded by a zoned EXDATE; the all-day OOF
        training blocks its local day; the lunch break is FREE.
        """
        assert sample("outlook.ics") == [
            (utc(2026, 3, 5, 9), utc(2026, 3, 5, 10)),
            (utc(2026, 3, 19, 9), utc(2026, 3, 19, 10)),
            (utc(2026, 4, 9, 22), utc(2026, 4, 10, 22)),
            (utc(2026, 4, 16, 8), utc(2026, 4, 16, 9)),
            (utc(2026, 4, 30, 8), utc(2026, 4, 30, 9)),
        ]

    def test_apple_floating_all_day_holiday(self) -> None:
        """The all-day Good Friday (VALUE=DATE) is the local day of the default zone.

        Apple's X-APPLE-STRUCTURED-LOCATION, with quoted, folded parameters
        holding commas and colons, is read past; the timed event has its TZID.
        """
        assert sample("apple.ics") == [
            (utc(2026, 4, 2, 22), utc(2026, 4, 3, 22)),
            (utc(2026, 4, 15, 12), utc(2026, 4, 15, 13, 30)),
        ]
        assert sample("apple.ics", zone=NEW_YORK) == [
            (utc(2026, 4, 3, 4), utc(2026, 4, 4, 4)),
            (utc(2026, 4, 15, 12), utc(2026, 4, 15, 13, 30)),
        ]

    def test_samples_with_lf_line_ends(self) -> None:
        """The samples read the same once converted to LF."""
        for name in ("google.ics", "outlook.ics", "apple.ics"):
            text = (SAMPLES / name).read_bytes().decode("utf-8")
            assert read(text.replace("\r\n", "\n")) == sample(name)


class TestLibraries:
    """What icalendar and recurring-ical-events bring, and where kapplan holds them."""

    def test_this_and_future_moves_the_rest_of_the_series(self) -> None:
        """RECURRENCE-ID;RANGE=THISANDFUTURE moves that instance and all after it."""
        text = calendar(
            "UID:s\nDTSTART;TZID=Europe/Berlin:20260105T100000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;COUNT=4",
            "UID:s\nRECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20260107T100000\n"
            "DTSTART;TZID=Europe/Berlin:20260107T140000\nDURATION:PT2H",
        )
        assert read(text) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
            (utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)),
            (utc(2026, 1, 7, 13), utc(2026, 1, 7, 15)),
            (utc(2026, 1, 8, 13), utc(2026, 1, 8, 15)),
        ]

    def test_rdate_period_and_exdate_date(self) -> None:
        """RDATE;VALUE=PERIOD adds an instance with its own end; an EXDATE date removes a day."""
        text = calendar(
            "DTSTART;TZID=Europe/Berlin:20260105T100000\nDURATION:PT1H\n"
            "RRULE:FREQ=DAILY;COUNT=3\nEXDATE;VALUE=DATE:20260106\n"
            "RDATE;VALUE=PERIOD:20260110T090000Z/PT3H"
        )
        assert read(text) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10)),
            (utc(2026, 1, 7, 9), utc(2026, 1, 7, 10)),
            (utc(2026, 1, 10, 9), utc(2026, 1, 10, 12)),
        ]

    def test_floating_times_with_x_wr_timezone(self) -> None:
        """With X-WR-TIMEZONE, floating times are in that zone, not the default one."""
        text = calendar("DTSTART:20260301T100000\nDURATION:PT1H").replace(
            "VERSION:2.0\n", "VERSION:2.0\nX-WR-TIMEZONE:America/New_York\n"
        )
        assert read(text) == [(utc(2026, 3, 1, 15), utc(2026, 3, 1, 16))]

    def test_unknown_x_wr_timezone(self) -> None:
        """An X-WR-TIMEZONE that names no zone is refused on its line."""
        text = calendar("DTSTART:20260301T100000\nDURATION:PT1H").replace(
            "VERSION:2.0\n", "VERSION:2.0\nX-WR-TIMEZONE:Nowhere\n"
        )
        assert refused(text).startswith(
            "cal.ics:3: X-WR-TIMEZONE: unknown time zone 'Nowhere'; expected an IANA name"
        )

    def test_one_uid_is_one_event_the_latest_sequence_wins(self) -> None:
        """Two VEVENTs with one UID and no RECURRENCE-ID are revisions: the latest counts.

        recurring-ical-events keeps the higher SEQUENCE (the first, when equal),
        as RFC 5545 §3.8.7.4 and RFC 5546 order revisions. kapplan's own reader
        blocked both.
        """
        older = "UID:same\nSEQUENCE:0\nDTSTART:20260301T100000Z\nDURATION:PT1H"
        newer = "UID:same\nSEQUENCE:1\nDTSTART:20260302T100000Z\nDURATION:PT1H"
        assert read(calendar(older, newer)) == [(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11))]

    def test_dtend_across_dst_is_an_exact_length(self) -> None:
        """Each instance lasts DTEND - DTSTART in real time (RFC 5545 §3.8.5.3).

        recurring-ical-events adds that length on the wall clock (12:00 to 12:00);
        kapplan keeps the RFC's exact length, as before: 23 hours each time.
        """
        text = calendar(
            "DTSTART;TZID=Europe/Berlin:20260328T120000\n"
            "DTEND;TZID=Europe/Berlin:20260329T120000\nRRULE:FREQ=WEEKLY;COUNT=2"
        )
        assert read(text) == [
            (utc(2026, 3, 28, 11), utc(2026, 3, 29, 10)),
            (utc(2026, 4, 4, 10), utc(2026, 4, 5, 9)),
        ]

    def test_hours_over_a_day_are_exact(self) -> None:
        """PT25H is 25 real hours, not a day and an hour (RFC 5545 §3.3.6)."""
        text = calendar("DTSTART;TZID=Europe/Berlin:20260328T120000\nDURATION:PT25H")
        assert read(text) == [(utc(2026, 3, 28, 11), utc(2026, 3, 29, 12))]

    def test_leap_second_is_refused(self) -> None:
        """icalendar reads no second 60; kapplan's own reader took it for 59."""
        text = calendar("DTSTART:20261231T235960Z\nDURATION:PT1H")
        assert refused(text) == (
            "cal.ics:5: DTSTART: '20261231T235960Z' is not a real date or time; "
            "expected e.g. 20261201T100000Z"
        )

    @pytest.mark.parametrize("value", ["PT1H", "103000"])
    def test_times_and_durations_are_not_dates(self, value: str) -> None:
        """icalendar reads these as a duration or a time of day; DTSTART needs a date."""
        text = calendar(f"DTSTART:{value}\nDURATION:PT1H")
        assert refused(text) == (
            f"cal.ics:5: DTSTART: cannot read '{value}' as a date or date-time; "
            "expected e.g. 20261201T100000Z or 20261201"
        )

    @pytest.mark.parametrize("value_type", ["UID", "DATE,", "PERIOD"])
    def test_value_types_icalendar_would_follow(self, value_type: str) -> None:
        """VALUE= chooses icalendar's reader: a type DTSTART cannot have is refused first."""
        text = calendar(f"DTSTART;VALUE={value_type}:20260410\nDURATION:PT1H")
        assert refused(text) == (
            f"cal.ics:5: DTSTART: VALUE={value_type} is not a type DTSTART can have; "
            "expected VALUE=DATE-TIME or VALUE=DATE"
        )

    def test_x_wr_timezone_at_the_end_of_time(self) -> None:
        """x-wr-timezone moving a UTC time past year 9999 is refused on the event's line."""
        text = calendar(
            "DTSTART:20260301T100000Z\nDURATION:PT1H", "DTSTART:99991231T235959Z"
        ).replace("VERSION:2.0\n", "VERSION:2.0\nX-WR-TIMEZONE:Europe/Berlin\n")
        assert refused(text) == (
            "cal.ics:9: holds a date too close to year 1 or 9999 to compute with; "
            "expected real dates"
        )

    def test_rule_dateutil_refuses_names_its_line(self) -> None:
        """A rule the library would fail on without a line is refused on its own."""
        text = calendar("DTSTART:20260301T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;BYSETPOS=400")
        assert refused(text).startswith(
            "cal.ics:7: RRULE: cannot use 'FREQ=DAILY;BYSETPOS=400': bysetpos must be"
        )

    def test_repeated_dtstart_reads_the_first(self) -> None:
        """A second DTSTART (RFC 5545 allows one) is ignored, as before."""
        text = calendar("DTSTART:20260301T100000Z\nDTSTART:20260302T100000Z\nDURATION:PT1H")
        assert read(text) == [(utc(2026, 3, 1, 10), utc(2026, 3, 1, 11))]

    def test_no_vtimezone_reaches_icalendar(self) -> None:
        """A custom VTIMEZONE is not cached by icalendar for later files: it stays unknown."""
        zone = (
            "BEGIN:VTIMEZONE\nTZID:Praxiszeit\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
            "TZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE\n"
        )
        event = "DTSTART;TZID=Praxiszeit:20260301T100000\nDURATION:PT1H"
        for _ in range(2):
            assert "unknown time zone 'Praxiszeit' (VTIMEZONE of line 4)" in refused(
                calendar(event, timezones=zone)
            )
        assert "unknown time zone 'Praxiszeit';" in refused(calendar(event))


class TestBounded:
    """No file makes kapplan search for long or expand without end."""

    @pytest.mark.parametrize(
        "rule",
        [
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=DAILY;BYMONTH=6;BYMONTHDAY=31",
            "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=31",
        ],
    )
    def test_never_matching_rule_is_refused_fast(self, rule: str) -> None:
        """recurring-ical-events would look until year 9999; kapplan refuses at once."""
        text = calendar(f"DTSTART:20260101T090000Z\nDURATION:PT1H\nRRULE:{rule}")
        assert refused(text) == (
            f"cal.ics:7: RRULE: '{rule}' never yields an instance; expected a rule that can "
            "match (not, say, BYMONTH=2;BYMONTHDAY=30)"
        )

    def test_instances_before_the_window_count(self) -> None:
        """A minutely rule from October 2025 is refused after 100,000 instances, not walked
        to 2026 (from 1970 it is refused before a step: `test_sparse_secondly_rule_...`)."""
        text = calendar("DTSTART:20251001T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY")
        assert refused(text) == (
            "cal.ics:7: RRULE: the recurrence yields more than 100000 instances before "
            "2027-01-02; expected a calendar export of a shorter period"
        )

    def test_sparse_secondly_rule_is_refused_before_a_step(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A secondly rule matching once a day from 2000 is refused by its span, unwalked.

        dateutil steps through every second of every day (minutes: 288 s); the refusal
        comes from the number of periods, before the walk: the only instances computed are
        the few of the check for a rule that never matches, in year 9600.
        """
        walked = []
        original = rrulemod.rrule._iter

        def counted(rule: rrulemod.rrule) -> object:
            for moment in original(rule):
                walked.append(moment)
                yield moment

        monkeypatch.setattr(rrulemod.rrule, "_iter", counted)
        rule = "FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
        text = calendar(f"DTSTART:20000101T090000Z\nDURATION:PT1H\nRRULE:{rule}")
        message = refused(text)
        assert message.startswith("cal.ics:7: RRULE: 'FREQ=SECONDLY;BYHOUR=9")
        assert message.endswith(
            "' steps through more than 1000000 periods (or all rules more than 3000000) "
            "before 2027-01-02; expected a calendar export of a shorter period (or a rule "
            "that recurs less often)"
        )
        assert walked
        assert all(moment.year >= 9600 for moment in walked)

    def test_steps_of_all_rules_are_limited(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Many rules, each under the limit of steps, are refused together."""
        monkeypatch.setattr(busymod, "MAX_STEPS", 10_000)
        rule = "DTSTART:20260101T090000Z\nDURATION:PT1M\nRRULE:FREQ=HOURLY;BYHOUR=9"
        assert "steps through more than 10000 periods (or all rules more than 30000)" in (
            refused(calendar(rule, rule, rule, rule))
        )
        assert len(read(calendar(rule, rule, rule))) == 365

    @pytest.mark.parametrize(
        "rule", ["FREQ=SECONDLY;BYSETPOS=2", "FREQ=HOURLY;BYMINUTE=0,30;BYSETPOS=3,-3"]
    )
    def test_sub_daily_setpos_that_picks_nothing(self, rule: str) -> None:
        """A sub-daily BYSETPOS beyond its period's instances never matches: refused at once
        (dateutil would step through every second to year 9999)."""
        text = calendar(f"DTSTART:20260101T090000Z\nDURATION:PT1M\nRRULE:{rule}")
        assert refused(text) == (
            f"cal.ics:7: RRULE: '{rule}' never yields an instance; expected a rule that can "
            "match (not, say, BYMONTH=2;BYMONTHDAY=30)"
        )

    def test_sub_daily_setpos_that_picks_one(self) -> None:
        """A sub-daily BYSETPOS within its period's instances is expanded (DTSTART counts)."""
        text = calendar(
            "DTSTART:20261230T090000Z\nDURATION:PT1M\n"
            "RRULE:FREQ=HOURLY;BYHOUR=9;BYMINUTE=0,30;BYSETPOS=-1"
        )
        assert read(text) == [
            (utc(2026, 12, 30, 9), utc(2026, 12, 30, 9, 1)),
            (utc(2026, 12, 30, 9, 30), utc(2026, 12, 30, 9, 31)),
            (utc(2026, 12, 31, 9, 30), utc(2026, 12, 31, 9, 31)),
        ]

    def test_total_limit_across_calendars(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The limit on all instances counts every VCALENDAR of the file."""
        monkeypatch.setattr(busymod, "MAX_TOTAL_INSTANCES", 60)
        rule = "DTSTART:20260105T090000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY"
        message = refused(calendar(rule) + calendar(rule))
        assert message.startswith("cal.ics:16: RRULE: the recurrences yield more than 60")

    def test_limits_of_the_library_query(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Limits hold for daily rules as for weekly ones, in every zone kind."""
        monkeypatch.setattr(busymod, "MAX_INSTANCES", 300)
        for start in (
            "DTSTART:20260101T090000Z",
            "DTSTART:20260101T090000",
            "DTSTART;TZID=Europe/Berlin:20260101T090000",
            "DTSTART;VALUE=DATE:20260101",
        ):
            text = calendar(f"{start}\nRRULE:FREQ=DAILY")
            assert "yields more than 300 instances before 2027-01-02" in refused(text)
        allowed = calendar("DTSTART:20260101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=300")
        assert len(read(allowed)) == 300


class TestMerge:
    """`merge_intervals` sorts and merges."""

    def test_merge(self) -> None:
        """Overlapping and touching intervals merge; empty ones vanish; all in UTC."""
        berlin = datetime(2026, 3, 1, 11, tzinfo=BERLIN)
        found = merge_intervals(
            [
                (utc(2026, 3, 1, 12), utc(2026, 3, 1, 13)),
                (berlin, berlin + timedelta(hours=2)),
                (utc(2026, 3, 2), utc(2026, 3, 2)),
                (utc(2026, 3, 1, 13), utc(2026, 3, 1, 14)),
            ]
        )
        assert found == [(utc(2026, 3, 1, 10), utc(2026, 3, 1, 14))]
        assert all(s.tzinfo is UTC for s, _ in found)


# ---------------------------------------------------------------------------
# Property: what the icalendar library reads, kapplan reads too.

ZONES = {"utc": ZoneInfo("UTC"), "berlin": BERLIN, "new_york": NEW_YORK}


@dataclass(frozen=True)
class Drawn:
    """A random event to write with icalendar."""

    kind: str
    """utc, berlin, new_york (zoned), floating, or date (all-day)."""
    day: date
    hour: int
    minute: int
    minutes: int
    """Length of a timed event."""
    days: int
    """Length of an all-day event."""
    use_duration: bool
    rule: tuple[str, int, int] | None
    """FREQ, INTERVAL and COUNT."""
    exclude: list[int]
    """Indices of instances to write as EXDATE."""
    free: str | None
    """transparent, cancelled or None (busy)."""


@st.composite
def events(draw: st.DrawFn) -> Drawn:
    """Draw an event: zone kind, start, length, DTEND or DURATION, recurrence, exclusions."""
    # Whole quarter hours between 06:00 and 20:45, up to three hours long: no
    # event spans a DST change, so wall-clock and exact lengths agree.
    return Drawn(
        kind=draw(st.sampled_from(["utc", "berlin", "new_york", "floating", "date"])),
        day=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 364))),
        hour=draw(st.integers(6, 20)),
        minute=draw(st.sampled_from([0, 15, 30, 45])),
        minutes=draw(st.integers(15, 180)),
        days=draw(st.integers(1, 3)),
        use_duration=draw(st.booleans()),
        rule=draw(
            st.none()
            | st.tuples(
                st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]),
                st.integers(1, 3),
                st.integers(1, 8),
            )
        ),
        exclude=draw(st.lists(st.integers(0, 7), max_size=2)),
        free=draw(st.sampled_from([None, "transparent", "cancelled"])),
    )


FREQUENCIES: dict[str, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    "DAILY": rrulemod.DAILY,
    "WEEKLY": rrulemod.WEEKLY,
    "MONTHLY": rrulemod.MONTHLY,
}


def write_with_icalendar(drawn: list[Drawn]) -> bytes:
    """Write the drawn events with the icalendar library (VTIMEZONEs added)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//kapplan tests//EN")
    cal.add("version", "2.0")
    for number, spec in enumerate(drawn):
        event = icalendar.Event()
        event.add("uid", f"event-{number}")
        start: date | datetime
        if spec.kind == "date":
            start, length = spec.day, timedelta(days=spec.days)
        else:
            start = datetime.combine(spec.day, time(spec.hour, spec.minute))
            if spec.kind != "floating":
                start = start.replace(tzinfo=ZONES[spec.kind])
            length = timedelta(minutes=spec.minutes)
        event.add("dtstart", start)
        if spec.use_duration:
            event.add("duration", length)
        else:
            event.add("dtend", start + length)
        if spec.rule is not None:
            freq, interval, count = spec.rule
            event.add("rrule", {"freq": freq, "interval": interval, "count": count})
            walls = list(
                rrulemod.rrule(
                    FREQUENCIES[freq], dtstart=_naive(start), interval=interval, count=count
                )
            )
            for index in spec.exclude:
                if index >= len(walls):
                    continue
                wall = walls[index]
                if isinstance(start, datetime):
                    event.add("exdate", wall.replace(tzinfo=start.tzinfo))
                else:
                    event.add("exdate", wall.date())
        if spec.free == "transparent":
            event.add("transp", "TRANSPARENT")
        elif spec.free == "cancelled":
            event.add("status", "CANCELLED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _naive(start: date | datetime) -> datetime:
    if isinstance(start, datetime):
        return start.replace(tzinfo=None)
    return datetime(start.year, start.month, start.day)


def read_with_icalendar(data: bytes, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Read busy time with the icalendar library, expanding rules with dateutil."""
    found: list[tuple[datetime, datetime]] = []

    def instant(moment: date | datetime) -> datetime:
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)

    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start, end = event.start, event.end
        length = end - start
        starts = [start]
        if "RRULE" in event:
            rule = event["RRULE"].to_ical().decode()
            walls = rrulemod.rrulestr(rule, dtstart=_naive(start))
            starts = [
                w.date() if not isinstance(start, datetime) else w.replace(tzinfo=start.tzinfo)
                for w in walls
            ]
        excluded = {instant(d) for d in event.exdates}
        for begin in starts:
            if instant(begin) in excluded:
                continue
            found.append((instant(begin), instant(begin + length)))
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in sorted(found):
        begin, finish = max(begin, START), min(finish, END)
        if finish <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(finish, merged[-1][1]))
        else:
            merged.append((begin, finish))
    return merged


@examples(quick=20, full=60)
def test_reads_what_icalendar_reads(runs: int) -> None:
    """For random events written by icalendar, the busy instants equal icalendar's reading."""

    @settings(max_examples=runs, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(events(), min_size=1, max_size=6))
    def check(drawn: list[Drawn]) -> None:
        data = write_with_icalendar(drawn)
        assert read(data.decode("utf-8")) == read_with_icalendar(data, BERLIN)

    check()


#: Fragments a mutation may insert into a sample: syntax noise and values at every edge.
FRAGMENTS = (
    ":",
    ";",
    ",",
    '"',
    "\\",
    " ",
    "Z",
    "T",
    "0",
    "9",
    "BEGIN:VEVENT",
    "END:VEVENT",
    "RRULE:FREQ=DAILY",
    "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
    ";BYSETPOS=-1",
    ";COUNT=0",
    ";INTERVAL=0",
    ";UNTIL=20261301",
    ";VALUE=DATE,",
    ";VALUE=PERIOD",
    ";VALUE=UID",
    ";TZID=Nowhere",
    ';TZID="W. Europe Standard Time"',
    ";RANGE=THISANDFUTURE",
    "RECURRENCE-ID:20260309T090000Z",
    "EXDATE:PT1H",
    "RDATE;VALUE=PERIOD:20260101/20260102",
    "DURATION:-P1D",
    "DURATION:P99999W",
    "DTSTART:99991231T235959Z",
    "DTSTART;VALUE=DATE:00010101",
    "X-WR-TIMEZONE:Europe/Berlin",
    "X-WR-TIMEZONE:/x/",
    "SEQUENCE:x",
    "FREEBUSY:20260101T000000Z",
)


@st.composite
def mutated_samples(draw: st.DrawFn) -> str:
    """Draw a sample export with a few lines inserted, deleted or cut into."""
    name = draw(st.sampled_from(["google.ics", "outlook.ics", "apple.ics"]))
    lines = (SAMPLES / name).read_bytes().decode("utf-8").split("\r\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["insert", "splice", "delete"]))
        if action == "insert":
            lines.insert(at, draw(st.sampled_from(FRAGMENTS)))
        elif action == "splice":
            cut = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:cut] + draw(st.sampled_from(FRAGMENTS)) + lines[at][cut:]
        else:
            del lines[at]
    return "\r\n".join(lines)


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_samples())
def test_mutated_exports_give_intervals_or_one_located_line(text: str) -> None:
    """Whatever the mutation, the reader returns intervals or refuses in one line."""
    found: list[tuple[datetime, datetime]] | None = None
    message = ""
    try:
        found = read(text)
    except UnreadableBusyCalendar as problem:
        message = str(problem)
    if found is None:
        assert message.startswith("cal.ics")
        assert "\n" not in message
    else:
        assert found == merge_intervals(found)
