"""Read a therapist's calendar export (.ics) as busy time. Pure: text in, intervals out.

Any calendar app's export is accepted (Google, Outlook, Apple, Thunderbird):
events (VEVENT) block their time, recurring ones expanded inside the window
asked for, and free/busy periods (VFREEBUSY) block theirs. Every problem is
an `UnreadableBusyCalendar` naming the file and line, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as rrulemod

from kapplan.errors import UnreadableBusyCalendar
from kapplan.model.limits import never_yields as _never_yields
from kapplan.model.zones import localize

#: Calendar files larger than this (UTF-8 bytes) are refused before parsing.
MAX_BUSY_CALENDAR_BYTES = 20 * 1024 * 1024

#: A recurring event may yield at most this many instances up to the window's
#: end (those before the window count too: they are computed all the same).
MAX_INSTANCES = 100_000

#: All recurring events of one file together may yield at most this many instances.
MAX_TOTAL_INSTANCES = 1_000_000

#: Windows zone names (as Outlook writes them in TZID) and their IANA zones,
#: after the "001" territory of CLDR's windowsZones.xml.
WINDOWS_ZONES: dict[str, str] = {
    "Dateline Standard Time": "Etc/GMT+12",
    "UTC-11": "Etc/GMT+11",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time (Mexico)": "America/Tijuana",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time (Mexico)": "America/Mazatlan",
    "Mountain Standard Time": "America/Denver",
    "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Eastern Standard Time": "America/New_York",
    "Eastern Standard Time (Mexico)": "America/Cancun",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Venezuela Standard Time": "America/Caracas",
    "Atlantic Standard Time": "America/Halifax",
    "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago",
    "Newfoundland Standard Time": "America/St_Johns",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "SA Eastern Standard Time": "America/Cayenne",
    "Montevideo Standard Time": "America/Montevideo",
    "UTC-02": "Etc/GMT+2",
    "Azores Standard Time": "Atlantic/Azores",
    "Cape Verde Standard Time": "Atlantic/Cape_Verde",
    "UTC": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "Morocco Standard Time": "Africa/Casablanca",
    "GTB Standard Time": "Europe/Bucharest",
    "Middle East Standard Time": "Asia/Beirut",
    "Egypt Standard Time": "Africa/Cairo",
    "E. Europe Standard Time": "Europe/Chisinau",
    "South Africa Standard Time": "Africa/Johannesburg",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "Kaliningrad Standard Time": "Europe/Kaliningrad",
    "Jordan Standard Time": "Asia/Amman",
    "Arabic Standard Time": "Asia/Baghdad",
    "Turkey Standard Time": "Europe/Istanbul",
    "Arab Standard Time": "Asia/Riyadh",
    "Belarus Standard Time": "Europe/Minsk",
    "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Azerbaijan Standard Time": "Asia/Baku",
    "Russia Time Zone 3": "Europe/Samara",
    "Georgian Standard Time": "Asia/Tbilisi",
    "Caucasus Standard Time": "Asia/Yerevan",
    "Afghanistan Standard Time": "Asia/Kabul",
    "Ekaterinburg Standard Time": "Asia/Yekaterinburg",
    "Pakistan Standard Time": "Asia/Karachi",
    "West Asia Standard Time": "Asia/Tashkent",
    "India Standard Time": "Asia/Kolkata",
    "Sri Lanka Standard Time": "Asia/Colombo",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "Myanmar Standard Time": "Asia/Yangon",
    "SE Asia Standard Time": "Asia/Bangkok",
    "N. Central Asia Standard Time": "Asia/Novosibirsk",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "W. Australia Standard Time": "Australia/Perth",
    "Taipei Standard Time": "Asia/Taipei",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "Tasmania Standard Time": "Australia/Hobart",
    "West Pacific Standard Time": "Pacific/Port_Moresby",
    "Vladivostok Standard Time": "Asia/Vladivostok",
    "New Zealand Standard Time": "Pacific/Auckland",
    "UTC+12": "Etc/GMT-12",
    "Fiji Standard Time": "Pacific/Fiji",
    "Tonga Standard Time": "Pacific/Tongatapu",
}

Interval = tuple[datetime, datetime]

_UTC_ZONE = ZoneInfo("UTC")


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort half-open intervals and merge those that overlap or touch.

    Parameters:
        intervals: ``(start, end)`` pairs of aware datetimes; empty ones are dropped.

    Returns:
        The merged intervals in UTC, in time order, none overlapping or touching.
    """
    merged: list[Interval] = []
    for start, end in sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def read_busy_calendar(
    text: str, source: str, *, start: datetime, end: datetime, default_zone: ZoneInfo
) -> list[Interval]:
    """Read a calendar export into the busy time it holds within ``[start, end)``.

    Events block their time unless cancelled (STATUS:CANCELLED) or free
    (TRANSP:TRANSPARENT, or Outlook's X-MICROSOFT-CDO-BUSYSTATUS:FREE).
    Recurring events (RRULE, RDATE) are expanded within the window, without
    their EXDATE instances; an instance with its own VEVENT (same UID and a
    RECURRENCE-ID) is replaced by it. VFREEBUSY periods other than FREE block
    too. To-dos, journals and alarms are ignored.

    Parameters:
        text: The .ics text (CRLF or LF line ends; folded lines are unfolded).
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
    reader = _Reader(source, default_zone, start.astimezone(UTC), end.astimezone(UTC))
    calendars = _components(_unfold(text.removeprefix("\ufeff"), source), source)
    return reader.read(calendars)


@dataclass(frozen=True, slots=True)
class _Property:
    """One content line: NAME;PARAM=VALUE:value (names upper-case)."""

    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass(slots=True)
class _Component:
    """A BEGIN … END block with its properties and nested blocks."""

    name: str
    line: int
    properties: list[_Property] = field(default_factory=list)
    children: list[_Component] = field(default_factory=list)

    def first(self, name: str) -> _Property | None:
        """Return the first property of this name, if any."""
        return next((p for p in self.properties if p.name == name), None)

    def every(self, name: str) -> list[_Property]:
        """Return every property of this name, in file order."""
        return [p for p in self.properties if p.name == name]


def _unfold(text: str, source: str) -> Iterator[tuple[int, str]]:
    """Yield logical lines with the physical line each begins on (RFC 5545 §3.1)."""
    current: list[str] = []
    begun = 0
    for number, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if line[:1] in (" ", "\t"):
            if not current:
                raise UnreadableBusyCalendar(
                    "a folded line continues nothing; expected a property before it",
                    source=source,
                    line=number,
                )
            current.append(line[1:])
            continue
        if current:
            yield begun, "".join(current)
        current, begun = ([line], number) if line.strip() else ([], 0)
    if current:
        yield begun, "".join(current)


_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE = re.compile(r'"[^"]*"|[^";:,]*')


def _parse_line(text: str, number: int, source: str) -> _Property:
    """Split a content line into name, parameters and value (RFC 5545 §3.1)."""
    match = _NAME.match(text)
    if not match:
        raise UnreadableBusyCalendar(
            f"cannot read {_shorten(text)!r}; expected NAME:VALUE", source=source, line=number
        )
    name, at = match.group().upper(), match.end()
    params: dict[str, str] = {}
    while at < len(text) and text[at] == ";":
        key = _NAME.match(text, at + 1)
        if not key or text[key.end() : key.end() + 1] != "=":
            raise UnreadableBusyCalendar(
                f"cannot read the parameters of {name}; expected NAME;PARAM=VALUE:value",
                source=source,
                line=number,
            )
        values: list[str] = []
        at = key.end()
        while True:
            value = _PARAM_VALUE.match(text, at + 1)
            values.append(value.group().strip('"') if value else "")
            at = value.end() if value else at + 1
            if text[at : at + 1] != ",":
                break
        params[key.group().upper()] = ",".join(values)
    if text[at : at + 1] != ":":
        raise UnreadableBusyCalendar(
            f"cannot read {_shorten(text)!r}; expected NAME:VALUE", source=source, line=number
        )
    return _Property(name, params, text[at + 1 :], number)


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _components(lines: Iterable[tuple[int, str]], source: str) -> list[_Component]:
    """Build the VCALENDAR blocks of the file from its logical lines."""
    calendars: list[_Component] = []
    stack: list[_Component] = []
    last = 0
    for number, text in lines:
        last = number
        prop = _parse_line(text, number, source)
        if prop.name == "BEGIN":
            block = _Component(prop.value.strip().upper(), number)
            if stack:
                stack[-1].children.append(block)
            elif block.name == "VCALENDAR":
                calendars.append(block)
            else:
                raise UnreadableBusyCalendar(
                    f"BEGIN:{block.name} outside a calendar; expected BEGIN:VCALENDAR first",
                    source=source,
                    line=number,
                )
            stack.append(block)
        elif prop.name == "END":
            name = prop.value.strip().upper()
            if not stack:
                raise UnreadableBusyCalendar(
                    f"END:{name} without its BEGIN; expected BEGIN:VCALENDAR first",
                    source=source,
                    line=number,
                )
            if stack[-1].name != name:
                raise UnreadableBusyCalendar(
                    f"END:{name} closes BEGIN:{stack[-1].name} of line {stack[-1].line}; "
                    f"expected END:{stack[-1].name}",
                    source=source,
                    line=number,
                )
            stack.pop()
        elif stack:
            stack[-1].properties.append(prop)
        else:
            raise UnreadableBusyCalendar(
                f"{prop.name} outside a calendar; expected BEGIN:VCALENDAR first",
                source=source,
                line=number,
            )
    if stack:
        raise UnreadableBusyCalendar(
            f"the file ends inside BEGIN:{stack[-1].name} of line {stack[-1].line}; "
            f"expected END:{stack[-1].name} (is the file cut short?)",
            source=source,
            line=last,
        )
    if not calendars:
        raise UnreadableBusyCalendar(
            "holds no calendar; expected an iCalendar (.ics) file with BEGIN:VCALENDAR",
            source=source,
        )
    return calendars


@dataclass(frozen=True, slots=True)
class _When:
    """A DATE or DATE-TIME value: its wall-clock time and zone (None when floating)."""

    wall: datetime
    zone: ZoneInfo | None
    all_day: bool


@dataclass(frozen=True, slots=True)
class _Length:
    """How long each instance lasts: nominal days (wall clock), then exact time."""

    days: int
    exact: timedelta


_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
_DURATION = re.compile(
    r"^([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
_COUNT = re.compile(r"COUNT=(\d+)", re.IGNORECASE)
_UNTIL_VALUE = re.compile(r"^\d{8}(T\d{6}Z?)?$", re.IGNORECASE)
_UNTIL = re.compile(r"(UNTIL=)(\d{8})(T\d{6})?(Z?)", re.IGNORECASE)


class _Reader:
    """Reads the parsed file: zones, events and free/busy periods, within the window."""

    def __init__(self, source: str, default_zone: ZoneInfo, start: datetime, end: datetime):
        self.source = source
        self.default_zone = default_zone
        self.start = start
        self.end = end
        self.timezones: dict[str, _Component] = {}
        self.zones: dict[str, ZoneInfo] = {}
        self.instances = 0

    def fail(
        self, message: str, line: int | None, field: str | None = None
    ) -> UnreadableBusyCalendar:
        """Return the error to raise, located in the file."""
        return UnreadableBusyCalendar(message, source=self.source, line=line, field=field)

    def read(self, calendars: list[_Component]) -> list[Interval]:
        """Return the merged busy intervals of every calendar in the file."""
        events: list[_Component] = []
        periods: list[_Component] = []
        for calendar in calendars:
            for block in calendar.children:
                if block.name == "VTIMEZONE":
                    tzid = block.first("TZID")
                    if tzid is None:
                        raise self.fail("VTIMEZONE without TZID; expected a TZID", block.line)
                    self.timezones.setdefault(tzid.value.strip(), block)
                elif block.name == "VEVENT":
                    events.append(block)
                elif block.name == "VFREEBUSY":
                    periods.append(block)
        # An instance with its own VEVENT (RECURRENCE-ID) replaces the generated one.
        replaced: dict[str, set[datetime]] = {}
        busy: list[Interval] = []
        line = 0
        try:
            for block in periods:
                line = block.line
                busy.extend(self.free_busy(block))
            for event in events:
                line = event.line
                recurrence, uid = event.first("RECURRENCE-ID"), event.first("UID")
                if recurrence is not None and uid is not None:
                    key = self.instant(self.when(recurrence))
                    replaced.setdefault(uid.value, set()).add(key)
            for event in events:
                line = event.line
                if not self.blocks(event):
                    continue
                uid = event.first("UID")
                own = event.first("RECURRENCE-ID") is not None
                skip = replaced.get(uid.value, set()) if uid is not None and not own else set()
                busy.extend(self.event(event, skip, recurring=not own))
        except (OverflowError, ValueError):
            # Dates at the edges of years 1 and 9999 overflow in zone arithmetic.
            raise self.fail(
                "holds a date too close to year 1 or 9999 to compute with; expected real dates",
                line,
            ) from None
        return merge_intervals(
            (max(s, self.start), min(e, self.end))
            for s, e in busy
            if e > self.start and s < self.end
        )

    def blocks(self, event: _Component) -> bool:
        """Tell whether an event takes up time (RFC 5545 §3.8.2.7, §3.8.1.11)."""
        for name, free in (
            ("STATUS", "CANCELLED"),
            ("TRANSP", "TRANSPARENT"),
            ("X-MICROSOFT-CDO-BUSYSTATUS", "FREE"),
        ):
            prop = event.first(name)
            if prop is not None and prop.value.strip().upper() == free:
                return False
        return True

    def zone(self, name: str, line: int) -> ZoneInfo:
        """Return the zone a TZID names: IANA, a Windows name, or its VTIMEZONE's location."""
        name = name.strip()
        if name in self.zones:
            return self.zones[name]
        found = _known_zone(name)
        block = self.timezones.get(name)
        if found is None and block is not None:
            location = block.first("X-LIC-LOCATION")
            found = _known_zone(location.value) if location is not None else None
        if found is None:
            where = f" (VTIMEZONE of line {block.line})" if block is not None else ""
            raise self.fail(
                f"unknown time zone {name!r}{where}; expected an IANA name such as "
                "Europe/Berlin, a common Windows name, or a VTIMEZONE with X-LIC-LOCATION",
                line,
                "TZID",
            )
        self.zones[name] = found
        return found

    def when(self, prop: _Property, text: str | None = None) -> _When:
        """Read a DATE or DATE-TIME value of a property (RFC 5545 §3.3.4, §3.3.5)."""
        value = (prop.value if text is None else text).strip().upper()
        kind = prop.params.get("VALUE", "").upper()
        try:
            day = _DATE.match(value)
            if day and kind in ("", "DATE"):
                y, m, d = (int(g) for g in day.groups())
                return _When(datetime(y, m, d), None, True)
            moment = _DATETIME.match(value)
            if moment and kind in ("", "DATE-TIME", "PERIOD"):
                y, m, d, hh, mm, ss = (int(g) for g in moment.groups()[:6])
                # A leap second (60) is read as the second before it (RFC 5545 §3.3.5).
                wall = datetime(y, m, d, hh, mm, min(ss, 59))
                if moment.group(7):
                    return _When(wall, _UTC_ZONE, False)
                tzid = prop.params.get("TZID")
                zone = self.zone(tzid, prop.line) if tzid else None
                return _When(wall, zone, False)
        except ValueError:
            raise self.fail(
                f"{value!r} is not a real date or time; expected e.g. 20261201T100000Z",
                prop.line,
                prop.name,
            ) from None
        expected = "20261201" if kind == "DATE" else "20261201T100000Z or 20261201"
        raise self.fail(
            f"cannot read {_shorten(value)!r} as a date or date-time; expected e.g. {expected}",
            prop.line,
            prop.name,
        )

    def length(self, prop: _Property, text: str | None = None) -> _Length:
        """Read a DURATION value (RFC 5545 §3.3.6): days are nominal, hours exact."""
        value = (prop.value if text is None else text).strip().upper()
        match = _DURATION.match(value)
        if not match or not any(match.groups()[1:]):
            raise self.fail(
                f"cannot read {_shorten(value)!r} as a duration; expected e.g. PT1H30M or P1D",
                prop.line,
                prop.name,
            )
        sign, weeks, days, hours, minutes, seconds = match.groups()
        if sign == "-":
            raise self.fail(
                f"{value!r} is a negative duration; expected a positive one", prop.line, prop.name
            )
        whole = int(weeks or 0) * 7 + int(days or 0)
        exact = timedelta(
            hours=int(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0)
        )
        if whole > 36_600 or exact > timedelta(days=36_600):
            raise self.fail(
                f"{_shorten(value)!r} is longer than a century; expected a shorter duration",
                prop.line,
                prop.name,
            )
        return _Length(whole, exact)

    def instant(self, when: _When) -> datetime:
        """Return the UTC instant of a value; floating and all-day in the default zone."""
        zone = when.zone or self.default_zone
        return localize(when.wall, zone).astimezone(UTC)

    def span(self, wall: datetime, zone: ZoneInfo, length: _Length) -> Interval:
        """Return one instance from its wall-clock start (RFC 5545 §3.3.6 nominal days)."""
        begin = localize(wall, zone).astimezone(UTC)
        finish = begin
        if length.days:
            finish = localize(wall + timedelta(days=length.days), zone).astimezone(UTC)
        return begin, finish + length.exact

    def event(self, event: _Component, skip: set[datetime], *, recurring: bool) -> list[Interval]:
        """Return the busy intervals of one VEVENT, its recurrence expanded in the window."""
        dtstart = event.first("DTSTART")
        if dtstart is None:
            raise self.fail("VEVENT without DTSTART; expected a DTSTART", event.line)
        first = self.when(dtstart)
        length = self.event_length(event, first)
        zone = first.zone or self.default_zone
        walls = [first.wall]
        if recurring:
            walls.extend(self.recurrences(event, first, zone, length))
        excluded, excluded_days = self.exdates(event) if recurring else (set(), set())
        busy: list[Interval] = []
        for wall in dict.fromkeys(walls):
            begin, finish = self.span(wall, zone, length)
            if begin in skip or begin in excluded or wall.date() in excluded_days:
                continue
            busy.append((begin, finish))
        if recurring:
            busy.extend(self.periods(event, first))
        return busy

    def event_length(self, event: _Component, first: _When) -> _Length:
        """Return how long each instance lasts, from DTEND or DURATION (RFC 5545 §3.6.1)."""
        dtend, duration = event.first("DTEND"), event.first("DURATION")
        if dtend is not None and duration is not None:
            raise self.fail(
                "VEVENT with both DTEND and DURATION; expected one of them", duration.line
            )
        if duration is not None:
            return self.length(duration)
        if dtend is None:
            # Without an end an all-day event takes its day and a timed one no time.
            return _Length(1 if first.all_day else 0, timedelta())
        last = self.when(dtend)
        if last.all_day != first.all_day:
            raise self.fail(
                "DTEND is a date and DTSTART a date-time, or the other way round; "
                "expected both of one kind",
                dtend.line,
                "DTEND",
            )
        if first.all_day:
            days = (last.wall - first.wall).days
            if days < 0:
                raise self.fail(
                    f"ends on {last.wall:%Y-%m-%d}, before it starts on {first.wall:%Y-%m-%d}; "
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

    def recurrences(
        self, event: _Component, first: _When, zone: ZoneInfo, length: _Length
    ) -> list[datetime]:
        """Return the wall-clock starts of RRULE and RDATE instances up to the window's end."""
        walls: list[datetime] = []
        horizon = self.end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        earliest = (
            self.start.astimezone(zone).replace(tzinfo=None)
            - timedelta(days=length.days + 2)
            - length.exact
        )
        for prop in event.every("RRULE"):
            walls.extend(self.expand(prop, first, zone, earliest, horizon))
        for prop in event.every("RDATE"):
            if prop.params.get("VALUE", "").upper() == "PERIOD":
                continue  # read by `periods`, as they carry their own end
            for text in prop.value.split(","):
                when = self.when(prop, text)
                if when.all_day != first.all_day:
                    raise self.fail(
                        "RDATE is not of DTSTART's kind (date or date-time); expected the same",
                        prop.line,
                        "RDATE",
                    )
                walls.append(
                    when.wall
                    if when.all_day
                    else self.instant(when).astimezone(zone).replace(tzinfo=None)
                )
        return walls

    def expand(
        self, prop: _Property, first: _When, zone: ZoneInfo, earliest: datetime, horizon: datetime
    ) -> list[datetime]:
        """Return the wall-clock starts one RRULE yields from `earliest` up to `horizon`."""
        rule = self.rule(prop, first, zone)
        walls: list[datetime] = []
        count, synced, ended, last = 0, True, True, first.wall
        try:
            if _never_yields(rule, first.wall):
                raise self.fail(
                    f"{_shorten(prop.value)!r} never yields an instance; expected a rule that "
                    "can match (not, say, BYMONTH=2;BYMONTHDAY=30)",
                    prop.line,
                    "RRULE",
                )
            for wall in rule:
                if wall > horizon:
                    ended = False
                    break
                synced = synced if count else wall == first.wall
                count, last = count + 1, wall
                self.instances += 1
                if count > MAX_INSTANCES:
                    raise self.fail(
                        f"the recurrence yields more than {MAX_INSTANCES} instances before "
                        f"{horizon:%Y-%m-%d}; expected a calendar export of a shorter period",
                        prop.line,
                        "RRULE",
                    )
                if self.instances > MAX_TOTAL_INSTANCES:
                    raise self.fail(
                        f"the recurrences yield more than {MAX_TOTAL_INSTANCES} instances in "
                        "all; expected a calendar export of a shorter period",
                        prop.line,
                        "RRULE",
                    )
                if wall >= earliest:
                    walls.append(wall)
        except (ValueError, KeyError, IndexError, TypeError, OverflowError) as problem:
            raise self.fail(
                f"cannot expand {_shorten(prop.value)!r}: {problem}; expected an RFC 5545 RRULE",
                prop.line,
                "RRULE",
            ) from None
        if ended and not synced and _COUNT.search(prop.value) and walls and walls[-1] == last:
            # RFC 5545 §3.8.5.3: DTSTART counts as the first instance even when the
            # rule would not yield it, so COUNT leaves one fewer to the rule.
            walls.pop()
        return walls

    def rule(self, prop: _Property, first: _When, zone: ZoneInfo) -> rrulemod.rrule:
        """Parse an RRULE that runs in DTSTART's wall-clock time."""

        def until(match: re.Match[str]) -> str:
            day, clock, utc = match.group(2), match.group(3), match.group(4)
            if first.all_day:
                return match.group(1) + day
            if not clock:
                # A date UNTIL with a date-time start includes all of that day.
                return match.group(1) + day + "T235959"
            if not utc:
                return match.group(0)
            # RFC 5545 §3.3.10: UNTIL is in UTC when DTSTART has a zone; the
            # recurrence runs in wall-clock time, so compare it there.
            moment = datetime.strptime(day + clock, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            return match.group(1) + moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")

        text = prop.value.strip()
        for part in text.split(";"):
            key, _, value = part.partition("=")
            # Checked here: dateutil would hand a malformed UNTIL to its free-form
            # date parser, which guesses and warns instead of refusing.
            if key.strip().upper() == "UNTIL" and not _UNTIL_VALUE.match(value.strip()):
                raise self.fail(
                    f"cannot read UNTIL={_shorten(value)!r}; expected e.g. UNTIL=20261231T235959Z",
                    prop.line,
                    "RRULE",
                )
        try:
            text = _UNTIL.sub(until, text)
            rule = rrulemod.rrulestr(text, dtstart=first.wall, cache=False)
        except (ValueError, KeyError, IndexError, TypeError, OverflowError) as problem:
            detail = str(problem).strip(" .'\"") or "invalid"
            raise self.fail(
                f"cannot use {_shorten(prop.value)!r}: {detail}; expected an RFC 5545 RRULE "
                "such as FREQ=WEEKLY;BYDAY=MO",
                prop.line,
                "RRULE",
            ) from None
        if not isinstance(rule, rrulemod.rrule):
            raise self.fail(
                f"cannot use {_shorten(prop.value)!r}; expected one RFC 5545 RRULE",
                prop.line,
                "RRULE",
            )
        return rule

    def exdates(self, event: _Component) -> tuple[set[datetime], set[date]]:
        """Return the excluded instants, and dates excluded as a whole (EXDATE;VALUE=DATE)."""
        instants: set[datetime] = set()
        days: set[date] = set()
        for prop in event.every("EXDATE"):
            for text in prop.value.split(","):
                when = self.when(prop, text)
                instants.add(self.instant(when))
                if when.all_day:
                    days.add(when.wall.date())
        return instants, days

    def periods(self, event: _Component, first: _When) -> list[Interval]:
        """Return the instances an RDATE;VALUE=PERIOD adds, each with its own end."""
        busy: list[Interval] = []
        for prop in event.every("RDATE"):
            if prop.params.get("VALUE", "").upper() == "PERIOD":
                busy.extend(self.period(prop, text) for text in prop.value.split(","))
        return busy

    def period(self, prop: _Property, text: str) -> Interval:
        """Read a PERIOD value: start/end or start/duration (RFC 5545 §3.3.9)."""
        begin, slash, finish = text.partition("/")
        if not slash:
            raise self.fail(
                f"cannot read {_shorten(text)!r} as a period; expected START/END or START/DURATION",
                prop.line,
                prop.name,
            )
        opening = self.when(prop, begin)
        if opening.all_day:
            raise self.fail(
                f"{begin!r} is a date; expected a date-time in a period", prop.line, prop.name
            )
        start = self.instant(opening)
        if finish.strip().upper().startswith(("P", "+P")):
            length = self.length(prop, finish)
            return self.span(opening.wall, opening.zone or self.default_zone, length)
        closing = self.when(prop, finish)
        if closing.all_day or self.instant(closing) < start:
            raise self.fail(
                f"cannot read {_shorten(text)!r} as a period; expected an end after its start",
                prop.line,
                prop.name,
            )
        return start, self.instant(closing)

    def free_busy(self, block: _Component) -> list[Interval]:
        """Return the busy periods of a VFREEBUSY (FBTYPE other than FREE, §3.2.9)."""
        busy: list[Interval] = []
        for prop in block.every("FREEBUSY"):
            if prop.params.get("FBTYPE", "BUSY").upper() == "FREE":
                continue
            busy.extend(self.period(prop, text) for text in prop.value.split(","))
        return busy


def _known_zone(name: str) -> ZoneInfo | None:
    """Return the zone of an IANA or common Windows name, or of a path ending in one."""
    name = name.strip().strip('"')
    candidates = [name, WINDOWS_ZONES.get(name, "")]
    if "/" in name:
        # Evolution and old Mozilla prefix the IANA name with a path, e.g.
        # /freeassociation.sourceforge.net/Tzfile/Europe/Berlin.
        parts = name.strip("/").split("/")
        candidates.extend("/".join(parts[i:]) for i in range(1, len(parts)))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


__all__ = [
    "MAX_BUSY_CALENDAR_BYTES",
    "MAX_INSTANCES",
    "MAX_TOTAL_INSTANCES",
    "WINDOWS_ZONES",
    "Interval",
    "UnreadableBusyCalendar",
    "merge_intervals",
    "read_busy_calendar",
]
