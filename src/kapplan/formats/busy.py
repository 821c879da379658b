"""Read a therapist's calendar export (.ics) as busy time. Pure: text in, intervals out.

Any calendar app's export is accepted (Google, Outlook, Apple, Thunderbird):
events (VEVENT) block their time, recurring ones expanded inside the window
asked for, and free/busy periods (VFREEBUSY) block theirs. Every problem is
an `UnreadableBusyCalendar` naming the file and line, never a traceback.

Why libraries here
    These files come from other programs, each with its quirks: Google writes
    UTC times and puts the calendar's zone in the non-standard X-WR-TIMEZONE,
    Outlook names zones the Windows way ("W. Europe Standard Time"), Apple
    writes floating all-day holidays, and every app moves single instances
    of a series with RECURRENCE-ID (RANGE=THISANDFUTURE too) and removes them
    with EXDATE. So values are read with ``icalendar``, recurrences expanded
    with ``recurring-ical-events`` (see `kapplan.formats.recurrence`, which also
    bounds it), X-WR-TIMEZONE files repaired with ``x-wr-timezone``, and
    Windows zone names mapped with icalendar's own Windows→IANA table: the
    libraries the field keeps up with these apps. kapplan's own codec
    (`kapplan.formats.ical`) makes the structural pass first, so a syntax error or a
    bad value is still reported on its line, and the libraries only ever see
    components the codec has read. kapplan's own .ics writer
    (`kapplan.formats.ics`) stays hand-written: it writes one narrow, known
    form, and does so many times faster than icalendar's ``to_ical()``.

The libraries are imported only when a calendar is read, so the commands
that read none do not pay for them.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from msgspec import Struct

from kapplan.errors import UnreadableBusyCalendar
from kapplan.formats import ical
from kapplan.model.intervals import Interval, merge_intervals
from kapplan.model.zones import known_zone, resolve_wall

if TYPE_CHECKING:
    from icalendar import Calendar, Component

    from kapplan.formats.recurrence import RuleProblem, Time

#: Calendar files larger than this (UTF-8 bytes) are refused before parsing.
MAX_BUSY_CALENDAR_BYTES = 20 * 1024 * 1024

#: A recurring event may yield at most this many instances up to the window's
#: end (those before the window count too: they are computed all the same).
MAX_INSTANCES = 100_000

#: All recurring events of one file together may yield at most this many instances.
MAX_TOTAL_INSTANCES = 1_000_000

#: A recurring event may take at most this many steps of its FREQ (times INTERVAL)
#: from DTSTART to the window's end, matched or not: dateutil walks them all, so a
#: secondly rule that matches once a day costs every second (`recurrence_steps`).
#: All recurring events of one file together may take three times as many.
MAX_STEPS = 1_000_000


def read_busy_calendar(
    text: str, source: str, *, start: datetime, end: datetime, default_zone: ZoneInfo
) -> list[Interval]:
    """Read a calendar export into the busy time it holds within ``[start, end)``.

    Events block their time unless cancelled (STATUS:CANCELLED) or free
    (TRANSP:TRANSPARENT, or Outlook's X-MICROSOFT-CDO-BUSYSTATUS:FREE).
    Recurring events (RRULE, RDATE) are expanded within the window, without
    their EXDATE instances; an instance with its own VEVENT (same UID and a
    RECURRENCE-ID) is replaced by it. VFREEBUSY periods other than FREE block
    too. To-dos, journals and alarms are ignored. A calendar with Google's
    X-WR-TIMEZONE has its UTC and floating times read in that zone.

    Parameters:
        text: The .ics text (CRLF, LF or CR line ends; folded lines are unfolded).
        source: The file name, for messages.
        start: Start of the window (aware).
        end: End of the window (aware, exclusive).
        default_zone: Zone of floating times (no Z, no TZID) and of all-day
            events, which block the whole local day.

    Returns:
        Busy intervals in UTC, clipped to the window, sorted, and merged where
        they overlap or touch.

    Raises:
        UnreadableBusyCalendar: With the line, when the file is too large, not
            an iCalendar file, cut short, holds a value that cannot be read or a
            time zone that cannot be told, or expands to too many instances.
        ValueError: When `start` or `end` is naive.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end of the window must be aware datetimes")
    if len(text) > MAX_BUSY_CALENDAR_BYTES or (
        len(text) > MAX_BUSY_CALENDAR_BYTES // 4
        and len(text.encode("utf-8", "surrogatepass")) > MAX_BUSY_CALENDAR_BYTES
    ):
        raise UnreadableBusyCalendar(
            f"larger than {MAX_BUSY_CALENDAR_BYTES // (1024 * 1024)} MiB; "
            "expected a calendar export of a smaller size (export a shorter period)",
            source=source,
        )
    try:
        calendars = ical.parse_calendars(text.removeprefix("\ufeff"))
    except ical.ContentLineError as problem:
        raise UnreadableBusyCalendar(problem.message, source=source, line=problem.line) from None
    reader = _Reader(source, default_zone, start.astimezone(UTC), end.astimezone(UTC))
    busy: list[Interval] = []
    for calendar in calendars:
        busy.extend(reader.calendar(calendar))
    return merge_intervals(
        (max(s, reader.start), min(e, reader.end))
        for s, e in busy
        if e > reader.start and s < reader.end
    )


class _Length(Struct, frozen=True):
    """How long each instance lasts: nominal days (wall clock), then exact time."""

    days: int
    exact: timedelta


class _Event(Struct, frozen=True):
    """What kapplan needs of one VEVENT beyond what recurring-ical-events computes."""

    block: ical.Component
    blocks: bool
    """Whether it takes up time (not cancelled, not free)."""
    length: _Length
    periods: dict[datetime, Interval]
    """Instances an RDATE;VALUE=PERIOD adds, by their start (UTC), with their own end."""


#: The properties a VEVENT's busy time depends on: the only ones icalendar reads.
_EVENT_PROPERTIES = frozenset(
    (
        "UID",
        "SEQUENCE",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
    )
)
#: Properties a VEVENT has at most once (RFC 5545 §3.6.1).
_SINGLE = frozenset(("UID", "SEQUENCE", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"))
#: The value types (VALUE=) each property read may have (RFC 5545 §3.8).
_VALUE_TYPES = {
    "DTSTART": ("DATE-TIME", "DATE"),
    "DTEND": ("DATE-TIME", "DATE"),
    "RECURRENCE-ID": ("DATE-TIME", "DATE"),
    "EXDATE": ("DATE-TIME", "DATE"),
    "RDATE": ("DATE-TIME", "DATE", "PERIOD"),
    "DURATION": ("DURATION",),
    "RRULE": ("RECUR",),
    "FREEBUSY": ("PERIOD",),
    "UID": ("TEXT",),
    "SEQUENCE": ("INTEGER",),
}
#: Properties whose values may carry a TZID (RFC 5545 §3.2.19).
_ZONED = frozenset(("DTSTART", "DTEND", "RDATE", "EXDATE", "RECURRENCE-ID"))
_FREE = (("STATUS", "CANCELLED"), ("TRANSP", "TRANSPARENT"), ("X-MICROSOFT-CDO-BUSYSTATUS", "FREE"))
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
# icalendar reads "P" and "PT" as no time at all; RFC 5545 §3.3.6 wants a number.
_DURATION = re.compile(
    r"^([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
_UNTIL_VALUE = re.compile(r"^\d{8}(T\d{6}Z?)?$", re.IGNORECASE)
_CENTURY = timedelta(days=36_600)
_DAY = timedelta(days=1)
_EDGE_OF_TIME = "holds a date too close to year 1 or 9999 to compute with; expected real dates"


class _Reader:
    """Reads the codec's components with the libraries, within the window."""

    def __init__(self, source: str, default_zone: ZoneInfo, start: datetime, end: datetime):
        from kapplan.formats.recurrence import Budget

        self.source = source
        self.default_zone = default_zone
        self.start = start
        self.end = end
        #: How far recurrences are expanded: a day past the window (see `events`).
        self.horizon = _moved(end, _DAY)
        self.budget = Budget(MAX_INSTANCES, MAX_TOTAL_INSTANCES, MAX_STEPS, 3 * MAX_STEPS)
        self.timezones: dict[str, ical.Component] = {}
        self.zones: dict[str, ZoneInfo] = {}

    def fail(
        self, message: str, line: int | None, field: str | None = None
    ) -> UnreadableBusyCalendar:
        """Return the error to raise, located in the file."""
        return UnreadableBusyCalendar(message, source=self.source, line=line, field=field)

    # -- one VCALENDAR ---------------------------------------------------------

    def calendar(self, calendar: ical.Component) -> list[Interval]:
        """Return the busy intervals of one VCALENDAR (unclipped, unmerged)."""
        self.timezones, self.zones = {}, {}
        for block in calendar.children:
            if block.name == "VTIMEZONE":
                tzid = block.first("TZID")
                if tzid is None:
                    raise self.fail("VTIMEZONE without TZID; expected a TZID", block.line)
                self.timezones.setdefault(tzid.value.strip(), block)
        # Events that take no time matter only when they override an instance
        # of a series (a cancelled RECURRENCE-ID removes it); others are not read.
        events = [
            block
            for block in calendar.children
            if block.name == "VEVENT"
            and (_blocks(block) or block.first("RECURRENCE-ID") is not None)
        ]
        periods = [block for block in calendar.children if block.name == "VFREEBUSY"]
        busy: list[Interval] = []
        for block in periods:
            busy.extend(self.free_busy(block, self.parse(block, frozenset(("FREEBUSY",)))))
        if events:
            busy.extend(self.events(calendar, events))
        return busy

    def events(self, calendar: ical.Component, blocks: list[ical.Component]) -> list[Interval]:
        """Return the busy intervals of a calendar's VEVENTs, expanded in the window."""
        import icalendar
        import x_wr_timezone

        from kapplan.formats.recurrence import RuleProblem, SeriesProblem, occurrences

        whole = icalendar.Calendar()
        for block in blocks:
            whole.add_component(self.parse(block, _EVENT_PROPERTIES))
        google = calendar.first("X-WR-TIMEZONE")
        if google is not None and google.value.strip():
            zone = self.zone(google.value, google.line, "X-WR-TIMEZONE", declared=False)
            # Google's X-WR-TIMEZONE: UTC and floating times are meant in the
            # calendar's zone, so a weekly event keeps its local time across DST.
            try:
                whole = x_wr_timezone.to_standard(whole, timezone=zone)
            except (OverflowError, ValueError):
                raise self.fail(_EDGE_OF_TIME, self.edge(blocks, whole, zone)) from None
        events: dict[int, _Event] = {}
        for block, component in zip(blocks, whole.subcomponents, strict=True):
            events[id(component)] = self.event(block, component)
        busy: list[Interval] = []
        # Floating and all-day times are compared as they are written: a day
        # more on each side covers every zone they may be in.
        span = (_moved(self.start, -_DAY), self.horizon)
        try:
            for found in occurrences(whole, *span, self.budget):
                event = events[id(found.source)]
                if event.blocks:
                    try:
                        busy.append(self.instance(event, found.start))
                    except (OverflowError, ValueError):
                        raise self.fail(_EDGE_OF_TIME, event.block.line) from None
        except RuleProblem as problem:
            raise self.rule_problem(problem, events) from None
        except SeriesProblem as problem:
            blocks = [events[id(c)].block for c in problem.components if id(c) in events]
            line = blocks[0].line if blocks else calendar.line
            if isinstance(problem.problem, OverflowError):
                raise self.fail(_EDGE_OF_TIME, line) from None
            raise self.fail(
                f"cannot expand this event: {problem.problem}; expected an RFC 5545 event", line
            ) from None
        return busy

    def edge(self, blocks: list[ical.Component], whole: Calendar, zone: ZoneInfo) -> int:
        """Return the line of the first VEVENT x-wr-timezone cannot move into `zone`."""
        import icalendar
        import x_wr_timezone

        for block, component in zip(blocks, whole.subcomponents, strict=True):
            alone = icalendar.Calendar()
            alone.add_component(component)
            try:
                x_wr_timezone.to_standard(alone, timezone=zone)
            except (OverflowError, ValueError):
                return block.line
        return blocks[0].line

    # -- reading values with icalendar -----------------------------------------

    def parse(self, block: ical.Component, names: frozenset[str]) -> Component:
        """Read a component's properties named in `names` with icalendar.

        TZIDs are replaced by the IANA zone kapplan resolved for them, so
        icalendar never needs the file's VTIMEZONEs (it would cache them for
        the whole process, by TZID).
        """
        import icalendar

        lines = [f"BEGIN:{block.name}"]
        seen: set[str] = set()
        for prop in block.properties:
            if prop.name not in names or prop.name in seen:
                continue
            if prop.name == "SEQUENCE" and not prop.value.strip().isdigit():
                continue  # a revision number kapplan cannot read decides nothing
            if prop.name in _SINGLE:
                # RFC 5545 §3.6.1: at most once; the first one is read, as before.
                seen.add(prop.name)
            value_type = ",".join(prop.params.get("VALUE", ())).upper()
            if value_type and value_type not in _VALUE_TYPES.get(prop.name, (value_type,)):
                # icalendar would read the value as whatever type VALUE names.
                raise self.fail(
                    f"VALUE={_shorten(value_type)} is not a type {prop.name} can have; expected "
                    + " or ".join(f"VALUE={t}" for t in _VALUE_TYPES[prop.name]),
                    prop.line,
                    prop.name,
                )
            tzid = prop.param("TZID") if prop.name in _ZONED else None
            if tzid is None:
                lines.append(prop.text)
                continue
            zone = self.zone(tzid, prop.line, "TZID")
            params = {**prop.params, "TZID": (zone.key,)}
            lines.append(_content_line(prop.name, params, prop.value))
        lines.append(f"END:{block.name}")
        kind = icalendar.Event if block.name == "VEVENT" else icalendar.FreeBusy
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                component = kind.from_ical("\r\n".join(lines) + "\r\n")
            except Exception as problem:
                # icalendar documents ValueError, but odd parameters reach its
                # internals (an AttributeError for VALUE=DATE,): locate them all.
                raise self.unreadable(block, names, str(problem)) from None
        if component.errors:
            raise self.unreadable(block, names, component.errors[0][1])
        return component

    def unreadable(
        self, block: ical.Component, names: frozenset[str], detail: str
    ) -> UnreadableBusyCalendar:
        """Return the error for the first property of a block icalendar cannot read."""
        import icalendar

        for prop in block.properties:
            if prop.name not in names:
                continue
            probe = f"BEGIN:VEVENT\r\n{prop.text}\r\nEND:VEVENT\r\n"
            if prop.name in _ZONED and prop.param("TZID") is not None:
                probe = probe.replace(
                    prop.text, _content_line(prop.name, _no_tzid(prop), prop.value)
                )
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    trouble = icalendar.Event.from_ical(probe).errors
            except Exception as problem:  # as in `parse`
                trouble = [(prop.name, str(problem))]
            if trouble:
                return self.fail(_value_message(prop, trouble[0][1]), prop.line, prop.name)
        return self.fail(f"cannot read this {block.name}: {detail}", block.line)

    def zone(self, name: str, line: int, field: str, *, declared: bool = True) -> ZoneInfo:
        """Return the zone a TZID names: IANA, Windows, a path ending in one, or X-LIC-LOCATION.

        Parameters:
            name: The TZID (or X-WR-TIMEZONE) as written.
            line: Its line, for the message.
            field: The field to name in the message.
            declared: Whether the calendar's VTIMEZONEs may tell the zone.

        Raises:
            UnreadableBusyCalendar: When no zone can be told.
        """
        name = name.strip()
        if declared and name in self.zones:
            return self.zones[name]
        found = _known_zone(name)
        block = self.timezones.get(name) if declared else None
        if found is None and block is not None:
            location = block.first("X-LIC-LOCATION")
            found = _known_zone(location.value) if location is not None else None
        if found is None:
            where = f" (VTIMEZONE of line {block.line})" if block is not None else ""
            raise self.fail(
                f"unknown time zone {name!r}{where}; expected an IANA name such as "
                "Europe/Berlin, a common Windows name, or a VTIMEZONE with X-LIC-LOCATION",
                line,
                field,
            )
        if declared:
            self.zones[name] = found
        return found

    # -- what recurring-ical-events does not check --------------------------------

    def event(self, block: ical.Component, component: Component) -> _Event:
        """Check one VEVENT as icalendar read it; return what its instances need."""
        from recurring_ical_events.constants import NEGATIVE_RRULE_COUNT_REGEX

        start = block.first("DTSTART")
        if start is None:
            raise self.fail("VEVENT without DTSTART; expected a DTSTART", block.line)
        first = self.moment(start, _single(component, "DTSTART"))
        all_day = not isinstance(first, datetime)
        try:
            length = self.event_length(block, component, first)
            for name in ("RECURRENCE-ID", "EXDATE"):
                for prop, value in zip(block.every(name), _values(component, name), strict=False):
                    for moment in getattr(value, "dts", [value]):
                        self.moment(prop, moment.dt)
            for prop in block.every("RRULE"):
                self.check_rule(prop, NEGATIVE_RRULE_COUNT_REGEX.sub("", prop.value))
            self.repair_until(component, first)
            periods: dict[datetime, Interval] = {}
            # icalendar skips an empty RDATE, as a line that adds nothing.
            rdates = [p for p in block.every("RDATE") if p.value.strip()]
            for prop, value in zip(rdates, _values(component, "RDATE"), strict=False):
                items = prop.value.split(",")
                if len(items) != len(value.dts):
                    raise self.fail(
                        f"cannot read {_shorten(prop.value)!r} as a list of dates, date-times "
                        "or periods; expected them separated by commas",
                        prop.line,
                        "RDATE",
                    )
                for text, moment in zip(items, value.dts, strict=True):
                    when = moment.dt
                    if isinstance(when, tuple):
                        begin, finish = self.period(prop, when, text)
                        periods[begin] = (begin, finish)
                    elif isinstance(self.moment(prop, when), datetime) == all_day:
                        raise self.fail(
                            "RDATE is not of DTSTART's kind (date or date-time); expected the same",
                            prop.line,
                            "RDATE",
                        )
            self.instant(first)
        except (OverflowError, ValueError):
            # Dates at the edges of years 1 and 9999 overflow in zone arithmetic.
            raise self.fail(_EDGE_OF_TIME, block.line) from None
        return _Event(block, _blocks(block), length, periods)

    def moment(self, prop: ical.Property, value: object) -> Time:
        """Return a DATE or DATE-TIME value; refuse the times and durations icalendar also reads."""
        if isinstance(value, date):
            return value
        expected = "20261201" if prop.param("VALUE") == "DATE" else "20261201T100000Z or 20261201"
        raise self.fail(
            f"cannot read {_shorten(prop.value.strip())!r} as a date or date-time; "
            f"expected e.g. {expected}",
            prop.line,
            prop.name,
        )

    def event_length(self, block: ical.Component, component: Component, first: Time) -> _Length:
        """Return how long each instance lasts, from DTEND or DURATION (RFC 5545 §3.6.1)."""
        dtend, duration = block.first("DTEND"), block.first("DURATION")
        all_day = not isinstance(first, datetime)
        if dtend is not None and duration is not None:
            raise self.fail(
                "VEVENT with both DTEND and DURATION; expected one of them", duration.line
            )
        if duration is not None:
            value = _single(component, "DURATION")
            if not isinstance(value, timedelta):
                raise self.fail(
                    f"cannot read {_shorten(duration.value)!r} as a duration; "
                    "expected e.g. PT1H30M or P1D",
                    duration.line,
                    "DURATION",
                )
            return self.length(duration, value)
        if dtend is None:
            # Without an end an all-day event takes its day and a timed one no time.
            return _Length(1 if all_day else 0, timedelta())
        last = self.moment(dtend, _single(component, "DTEND"))
        if isinstance(last, datetime) == all_day:
            raise self.fail(
                "DTEND is a date and DTSTART a date-time, or the other way round; "
                "expected both of one kind",
                dtend.line,
                "DTEND",
            )
        if all_day:
            days = (last - first).days
            if days < 0:
                raise self.fail(
                    f"ends on {last:%Y-%m-%d}, before it starts on {first:%Y-%m-%d}; "
                    "expected DTEND after DTSTART",
                    dtend.line,
                    "DTEND",
                )
            # An end equal to the start is a common slip for a one-day event.
            return _Length(max(days, 1), timedelta())
        exact = self.instant(last) - self.instant(first)
        if exact < timedelta():
            raise self.fail(
                f"ends at {self.instant(last):%Y-%m-%d %H:%M} UTC, before it starts at "
                f"{self.instant(first):%Y-%m-%d %H:%M} UTC; expected DTEND after DTSTART",
                dtend.line,
                "DTEND",
            )
        return _Length(0, exact)

    def length(self, prop: ical.Property, value: timedelta, text: str | None = None) -> _Length:
        """Check a DURATION (RFC 5545 §3.3.6) and split it: weeks and days are nominal,
        hours, minutes and seconds exact (icalendar's timedelta no longer tells them apart).
        """
        written = (prop.value if text is None else text).strip().upper()
        match = _DURATION.match(written)
        if not match or not any(match.groups()[1:]):
            raise self.fail(
                f"cannot read {_shorten(written)!r} as a duration; expected e.g. PT1H30M or P1D",
                prop.line,
                prop.name,
            )
        if value < timedelta():
            raise self.fail(
                f"{written!r} is a negative duration; expected a positive one",
                prop.line,
                prop.name,
            )
        if value > _CENTURY:
            raise self.fail(
                f"{_shorten(written)!r} is longer than a century; expected a shorter duration",
                prop.line,
                prop.name,
            )
        _, weeks, days, hours, minutes, seconds = match.groups()
        return _Length(
            int(weeks or 0) * 7 + int(days or 0),
            timedelta(hours=int(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0)),
        )

    def check_rule(self, prop: ical.Property, text: str) -> None:
        """Refuse an RRULE recurring-ical-events would fail on, naming its line (§3.3.10).

        The library reports a rule dateutil refuses as a missing UNTIL, on no
        line; so each rule is first built here, as dateutil will build it.
        """
        from dateutil import rrule as rrulemod

        parts = [p for p in text.strip().split(";") if p.strip()]
        keys = {p.partition("=")[0].strip().upper() for p in parts}
        detail = "FREQ is missing" if "FREQ" not in keys else ""
        if not detail:
            # UNTIL was read by icalendar already; its zone is repaired later.
            rule = ";".join(p for p in parts if p.partition("=")[0].strip().upper() != "UNTIL")
            try:
                rrulemod.rrulestr(rule, dtstart=datetime(2026, 1, 1), cache=False)
            except (ValueError, TypeError, KeyError, IndexError, OverflowError) as problem:
                detail = str(problem).strip(" .'\"") or "invalid"
        if detail:
            raise self.fail(
                f"cannot use {_shorten(prop.value)!r}: {detail}; expected an RFC 5545 RRULE "
                "such as FREQ=WEEKLY;BYDAY=MO",
                prop.line,
                "RRULE",
            )

    def repair_until(self, component: Component, first: Time) -> None:
        """Give each RRULE's UNTIL the kind of DTSTART, as RFC 5545 §3.3.10 asks.

        A date UNTIL with a date-time start includes all of that day; an UNTIL
        without a zone is in DTSTART's zone; a floating start compares it in
        the zone floating times are read in.
        """
        for rule in _values(component, "RRULE"):
            untils = rule.get("UNTIL")
            if not untils:
                continue
            until = untils[0]
            if not isinstance(first, datetime):
                fixed: Time = until.date() if isinstance(until, datetime) else until
            elif not isinstance(until, datetime):
                fixed = datetime(until.year, until.month, until.day, 23, 59, 59)
                if first.tzinfo is not None:
                    fixed = self.instant(fixed.replace(tzinfo=first.tzinfo))
            elif first.tzinfo is None and until.tzinfo is not None:
                fixed = until.astimezone(self.default_zone).replace(tzinfo=None)
            elif first.tzinfo is not None and until.tzinfo is None:
                fixed = self.instant(until.replace(tzinfo=first.tzinfo))
            else:
                continue
            rule["UNTIL"] = [fixed]

    def period(
        self, prop: ical.Property, value: tuple[Time, Time | timedelta], text: str
    ) -> Interval:
        """Return the interval of a PERIOD value: start/end or start/duration (§3.3.9).

        Parameters:
            prop: The RDATE or FREEBUSY property, for messages.
            value: The period as icalendar read it.
            text: The period as written (one item of the property's list).
        """
        opening, closing = value
        if not isinstance(opening, datetime):
            raise self.fail(
                f"{opening:%Y%m%d} is a date; expected a date-time in a period",
                prop.line,
                prop.name,
            )
        if isinstance(closing, timedelta):
            return self.span(opening, self.length(prop, closing, text.partition("/")[2]))
        begin = self.instant(opening)
        if not isinstance(closing, datetime) or self.instant(closing) < begin:
            raise self.fail(
                f"cannot read {_shorten(text)!r} as a period; expected an end after its start",
                prop.line,
                prop.name,
            )
        return begin, self.instant(closing)

    def free_busy(self, block: ical.Component, component: Component) -> list[Interval]:
        """Return the busy periods of a VFREEBUSY (FBTYPE other than FREE, §3.2.9)."""
        busy: list[Interval] = []
        # icalendar keeps one value per period, the periods of all lines in file order.
        values = iter(_values(component, "FREEBUSY"))
        for prop in block.every("FREEBUSY"):
            for text in prop.value.split(","):
                value = next(values)
                if (prop.param("FBTYPE") or "BUSY").upper() != "FREE":
                    busy.append(self.period(prop, value.dt, text))
        return busy

    def rule_problem(
        self, problem: RuleProblem, events: dict[int, _Event]
    ) -> UnreadableBusyCalendar:
        """Return the error for a rule recurring-ical-events was stopped on."""
        horizon = self.horizon
        blocks = [events[id(c)].block for c in problem.components if id(c) in events]
        rules = [p for b in blocks for p in b.every("RRULE")]
        prop = next((p for p in rules if _same_rule(p.value, problem.rule)), None) or (
            rules[0] if rules else None
        )
        line = prop.line if prop is not None else (blocks[0].line if blocks else None)
        shown = _shorten(prop.value if prop is not None else problem.rule)
        if problem.kind == "never":
            message = (
                f"{shown!r} never yields an instance; expected a rule that can match "
                "(not, say, BYMONTH=2;BYMONTHDAY=30)"
            )
        elif problem.kind == "rule":
            message = (
                f"the recurrence yields more than {self.budget.per_rule} instances before "
                f"{horizon:%Y-%m-%d}; expected a calendar export of a shorter period"
            )
        elif problem.kind == "steps":
            message = (
                f"{shown!r} steps through more than {self.budget.steps} periods (or all rules "
                f"more than {self.budget.total_steps}) before "
                f"{horizon:%Y-%m-%d}; expected a calendar export of a shorter period "
                "(or a rule that recurs less often)"
            )
        else:
            message = (
                f"the recurrences yield more than {self.budget.total} instances in all; "
                "expected a calendar export of a shorter period"
            )
        return self.fail(message, line, "RRULE")

    # -- instants ----------------------------------------------------------------

    def instant(self, moment: Time) -> datetime:
        """Return the UTC instant of a value; floating and all-day in the default zone.

        A wall-clock time in a DST gap moves forward by the gap (RFC 5545 §3.3.5).
        """
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day)
        zone = moment.tzinfo
        if zone is None or isinstance(zone, ZoneInfo):
            return resolve_wall(moment.replace(tzinfo=None), zone or self.default_zone)[
                0
            ].astimezone(UTC)
        return moment.astimezone(UTC)

    def span(self, start: Time, length: _Length) -> Interval:
        """Return one instance from its start (RFC 5545 §3.3.6 nominal days)."""
        begin = self.instant(start)
        finish = begin
        if length.days:
            finish = self.instant(start + timedelta(days=length.days))
        return begin, finish + length.exact

    def instance(self, event: _Event, start: Time) -> Interval:
        """Return the busy interval of one occurrence recurring-ical-events found."""
        begin = self.instant(start)
        return event.periods.get(begin) or self.span(start, event.length)


def _moved(moment: datetime, delta: timedelta) -> datetime:
    """Return `moment` moved by `delta`, stopping at the first or last representable time."""
    try:
        return moment + delta
    except OverflowError:
        return (datetime.min if delta < timedelta() else datetime.max).replace(tzinfo=UTC)


def _blocks(block: ical.Component) -> bool:
    """Tell whether an event takes up time (RFC 5545 §3.8.2.7, §3.8.1.11)."""
    for name, free in _FREE:
        prop = block.first(name)
        if prop is not None and prop.value.strip().upper() == free:
            return False
    return True


def _single(component: Component, name: str) -> object:
    """Return the value icalendar read for a property that occurs once (its first)."""
    values = _values(component, name)
    return getattr(values[0], "dt", None) if values else None


def _values(component: Component, name: str) -> list[Any]:
    """Return every value icalendar read for a property, in file order."""
    found = component.get(name)
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


def _known_zone(name: str) -> ZoneInfo | None:
    """Return the zone of an IANA or Windows name, or of a path ending in one."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    name = name.strip().strip('"')
    candidates = [name, WINDOWS_TO_OLSON.get(name, "")]
    if "/" in name:
        # Evolution and old Mozilla prefix the IANA name with a path, e.g.
        # /freeassociation.sourceforge.net/Tzfile/Europe/Berlin (RFC 5545 §3.2.19).
        parts = name.strip("/").split("/")
        candidates.extend("/".join(parts[i:]) for i in range(1, len(parts)))
    return next((z for c in candidates if c and (z := known_zone(c)) is not None), None)


def _content_line(name: str, params: dict[str, tuple[str, ...]], value: str) -> str:
    """Write a content line back, quoting parameter values that need it (§3.1)."""
    written = "".join(
        f";{key}=" + ",".join(f'"{v}"' if any(c in v for c in ";:,") else v for v in values)
        for key, values in params.items()
    )
    return f"{name}{written}:{value}"


def _no_tzid(prop: ical.Property) -> dict[str, tuple[str, ...]]:
    return {key: values for key, values in prop.params.items() if key != "TZID"}


def _value_message(prop: ical.Property, detail: str) -> str:
    """Say why icalendar could not read a property's value, in kapplan's words."""
    value = prop.value.strip()
    kind = (prop.param("VALUE") or "").upper()
    if prop.name == "DURATION":
        return f"cannot read {_shorten(value)!r} as a duration; expected e.g. PT1H30M or P1D"
    if prop.name == "RRULE":
        for part in value.split(";"):
            key, _, until = part.partition("=")
            # Named apart: a date-time that is not one is the commonest slip.
            if key.strip().upper() == "UNTIL" and not _UNTIL_VALUE.match(until.strip()):
                return (
                    f"cannot read UNTIL={_shorten(until)!r}; expected e.g. UNTIL=20261231T235959Z"
                )
        detail = detail.strip(" .'\"") or "invalid"
        return (
            f"cannot use {_shorten(value)!r}: {detail}; expected an RFC 5545 RRULE "
            "such as FREQ=WEEKLY;BYDAY=MO"
        )
    if prop.name == "FREEBUSY" or kind == "PERIOD":
        item = next((i for i in value.split(",") if "/" not in i), value)
        return f"cannot read {_shorten(item)!r} as a period; expected START/END or START/DURATION"
    for item in value.split(","):
        item = item.strip().upper()
        shaped = _DATETIME.match(item) or _DATE.match(item)
        if shaped is None:
            expected = "20261201" if kind == "DATE" else "20261201T100000Z or 20261201"
            return (
                f"cannot read {_shorten(item)!r} as a date or date-time; expected e.g. {expected}"
            )
        try:
            numbers = [int(g) for g in shaped.groups()[:6] if g]
            datetime(*numbers)  # type: ignore[arg-type]
        except ValueError:
            return f"{item!r} is not a real date or time; expected e.g. 20261201T100000Z"
    return f"cannot read {_shorten(value)!r}: {detail}"


def _same_rule(written: str, built: str) -> bool:
    """Tell whether an RRULE as written is the one recurring-ical-events built (same parts)."""

    def parts(text: str) -> set[str]:
        return {p.strip().upper() for p in text.split(";") if p.strip() and "UNTIL" not in p}

    return parts(written) == parts(built)


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


__all__ = [
    "MAX_BUSY_CALENDAR_BYTES",
    "MAX_INSTANCES",
    "MAX_TOTAL_INSTANCES",
    "Interval",
    "UnreadableBusyCalendar",
    "merge_intervals",
    "read_busy_calendar",
]
