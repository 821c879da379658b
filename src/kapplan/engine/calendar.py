"""Calendars: busy timelines, allowed hours, and the search for a free start. Pure.

All instants are UTC; local time is used only to find local days and clock
hours. Busy time is kept as sorted, merged intervals searched with `bisect`,
and allowed time is generated day by day, so a search costs what it looks
at, not the size of the calendar.

Nothing here is kept between planning calls: a `Clock` (local times resolved
once each) and a `TherapistCalendar` belong to one call and are passed in.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from msgspec import Struct, field
from msgspec.structs import force_setattr

from kapplan.model.hours import HourRange, TherapistHours
from kapplan.model.zones import localize

#: Sessions and practices start on this grid (minutes since the epoch, UTC).
GRID_MINUTES = 5
GRID = timedelta(minutes=GRID_MINUTES)
#: Every day of the week, as `date.weekday()` numbers.
ALL_DAYS = frozenset(range(7))
#: The whole of a day.
WHOLE_DAY = HourRange(0, 24 * 60)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_D = TypeVar("_D", date, datetime)


def ceil_to_grid(moment: datetime) -> datetime:
    """Return the first grid time at or after `moment`."""
    if _on_grid(moment):
        return moment
    steps = -((_EPOCH - moment) // GRID)
    return _EPOCH + steps * GRID


def floor_to_grid(moment: datetime) -> datetime:
    """Return the last grid time at or before `moment`."""
    if _on_grid(moment):
        return moment
    return _EPOCH + ((moment - _EPOCH) // GRID) * GRID


def _on_grid(moment: datetime) -> bool:
    """Tell whether a UTC instant is a grid time already (most are: working hours,
    session ends, buffers), without reckoning from the epoch."""
    return (
        moment.tzinfo is UTC
        and not moment.microsecond
        and not moment.second
        and not moment.minute % GRID_MINUTES
    )


class Clock:
    """Local clock times as UTC instants, each resolved once per planning call.

    A caseload asks for the same local midnights and working hours thousands
    of times; a `Clock` belongs to one call of the engine, so nothing outlives it.
    """

    __slots__ = ("at", "days")

    def __init__(self) -> None:
        # A cache of this call's own, in C: most of the calls are hits.
        self.at: Callable[[date, int, ZoneInfo], datetime] = cache(local_instant)
        """Return the instant `minutes` after local midnight of a `date` in a zone
        (see `local_instant`)."""
        self.days: dict[tuple[ZoneInfo, tuple[HourRange, ...]], dict[int, _Spans]] = {}
        """Clock ranges resolved on days, by zone and ranges, then by day ordinal
        (see `spans`)."""

    def spans(self, zone: ZoneInfo, ranges: tuple[HourRange, ...]) -> dict[int, _Spans]:
        """Return the resolved days of some clock ranges in a zone, filled as days are
        asked for (`Hours.intervals`): each day ordinal's ranges as UTC (start, end)."""
        key = (zone, ranges)
        found = self.days.get(key)
        if found is None:
            found = self.days[key] = {}
        return found


#: One day's clock ranges as UTC instants: (start, end) pairs, in clock order.
_Spans = tuple[tuple[datetime, datetime], ...]
#: Spans with the date (in the zone of the hours they come from) each falls on.
_Pieces = tuple[tuple[datetime, datetime, date], ...]


def local_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """Return the instant `minutes` after local midnight of `day` in `zone`.

    Parameters:
        day: The local date.
        minutes: Minutes after its midnight (1440 is the next midnight).
        zone: The zone.

    Returns:
        The UTC instant; a time in a DST gap moves forward, one in a fold
        takes its first occurrence (`kapplan.model.zones.resolve_wall`).
    """
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return localize(wall, zone).astimezone(UTC)


class Timeline:
    """Busy time as sorted, merged, half-open UTC intervals, searched with bisect."""

    def __init__(self) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []

    def add(self, start: datetime, end: datetime) -> None:
        """Mark [start, end) busy, merging with any interval it touches."""
        # Kept in UTC: a bisect compares datetimes of one tzinfo as plain values, but
        # those of two zones through each one's offset (forty times the cost).
        if start.tzinfo is not UTC:
            start = start.astimezone(UTC)
        if end.tzinfo is not UTC:
            end = end.astimezone(UTC)
        lo = bisect_left(self.ends, start)
        hi = bisect_right(self.starts, end)
        if lo < hi:
            start = min(start, self.starts[lo])
            end = max(end, self.ends[hi - 1])
        self.starts[lo:hi] = [start]
        self.ends[lo:hi] = [end]

    def remove(self, start: datetime, end: datetime) -> None:
        """Mark [start, end) free again (a session moved); what else is busy stays busy.

        Only an interval that was added on its own (a session, which overlaps
        nothing) can be taken back exactly; the rest of a merged run is kept.
        """
        lo = bisect_right(self.ends, start)
        hi = lo
        starts: list[datetime] = []
        ends: list[datetime] = []
        while hi < len(self.starts) and self.starts[hi] < end:
            if self.starts[hi] < start:
                starts.append(self.starts[hi])
                ends.append(start)
            if self.ends[hi] > end:
                starts.append(end)
                ends.append(self.ends[hi])
            hi += 1
        self.starts[lo:hi] = starts
        self.ends[lo:hi] = ends

    def next_busy(self, moment: datetime) -> datetime | None:
        """Return the start of the first busy interval that ends after `moment`."""
        i = bisect_right(self.ends, moment)
        return self.starts[i] if i < len(self.starts) else None

    def first_overlap(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """Return the earliest busy interval overlapping [start, end), if any."""
        i = bisect_right(self.ends, start)
        if i < len(self.starts) and self.starts[i] < end:
            return self.starts[i], self.ends[i]
        return None

    def last_overlap(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """Return the latest busy interval overlapping [start, end), if any."""
        i = bisect_left(self.starts, end) - 1
        if i >= 0 and self.ends[i] > start:
            return self.starts[i], self.ends[i]
        return None


class Hours(Struct, frozen=True):
    """Allowed time: some weekdays and clock ranges in one zone, minus excluded dates."""

    zone: ZoneInfo
    weekdays: frozenset[int]
    ranges: tuple[HourRange, ...]
    excluded: frozenset[date]
    clock: Clock
    runs: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
    """The excluded dates as runs of consecutive day ordinals (first days, last days),
    each run taking in the days off the weekdays next to it (see `_runs`); made from
    `excluded` and `weekdays` whatever is given, so equal hours are equal and hash alike."""

    def __post_init__(self) -> None:
        firsts, lasts = _runs(self.excluded, self.weekdays)
        force_setattr(self, "runs", (tuple(firsts), tuple(lasts)))

    def intervals(
        self, lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the allowed UTC intervals that overlap [lo, hi], clipped, in time order
        (reversed when `latest`)."""
        firsts, lasts = self.runs
        return _intervals(
            self.zone, self.weekdays, self.ranges, self.clock, firsts, lasts, lo, hi, latest
        )


#: Other hours, what they allow of each working day, and what their clock allows of it
#: (see `WorkingTime.shared`).
_Shared = tuple[Hours, dict[int, _Spans], dict[int, _Pieces]]


def _intervals(
    zone: ZoneInfo,
    weekdays: frozenset[int],
    ranges: tuple[HourRange, ...],
    clock: Clock,
    firsts: Sequence[int],
    lasts: Sequence[int],
    lo: datetime,
    hi: datetime,
    latest: bool,
    shared: _Shared | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """Yield the allowed UTC intervals of some hours that overlap [lo, hi] (see
    `Hours.intervals`): `firsts` and `lasts` are runs of day ordinals with no allowed
    time, every excluded day in one of them. With `shared` (other hours, and what they
    allow of each day already worked out), only what both allow (see
    `WorkingTime.shared`)."""
    first = lo.astimezone(zone).date().toordinal()
    last = hi.astimezone(zone).date().toordinal()
    resolved = clock.spans(zone, ranges)
    day = last if latest else first
    while first <= day <= last:
        # A run of excluded days (a therapist's full weeks) is passed in one step.
        run = bisect_right(firsts, day) - 1
        if run >= 0 and day <= lasts[run]:
            day = firsts[run] - 1 if latest else lasts[run] + 1
            continue
        ordinal = day
        day += -1 if latest else 1
        # Ordinal 1 (1 January of year 1) is a Monday.
        if (ordinal + 6) % 7 not in weekdays:
            continue
        spans = resolved.get(ordinal)
        if spans is None:
            spans = resolved[ordinal] = _resolve(clock, zone, ranges, ordinal)
        if shared is not None:
            other, kept, pieces = shared
            both = kept.get(ordinal)
            if both is None:
                both = kept[ordinal] = _overlaps(spans, other, pieces, ordinal)
            spans = both
        for a, b in reversed(spans) if latest else spans:
            # As max(lo, a) and min(hi, b): on a tie, the bound itself.
            if a <= lo:
                a = lo
            if b >= hi:
                b = hi
            if a < b:
                yield a, b


def _overlaps(spans: _Spans, other: Hours, pieces: dict[int, _Pieces], ordinal: int) -> _Spans:
    """Return what `other` allows of a day's spans (the day `ordinal`), in time order:
    the pieces its clock allows (`_pieces`, kept by day for every hours of its zone,
    weekdays and ranges), less those on its excluded dates."""
    both = pieces.get(ordinal)
    if both is None:
        both = pieces[ordinal] = _pieces(spans, other)
    excluded = other.excluded
    return tuple((a, b) for a, b, day in both if day not in excluded)


def _pieces(spans: _Spans, other: Hours) -> _Pieces:
    """Return what the clock of `other` allows of a day's spans, as `other.intervals` would
    with no date excluded: (start, end, the date of `other` it falls on), in time order."""
    if not spans:
        return ()
    # One look at the other clock over the whole day, then each span's share of it.
    lo, hi = spans[0][0], spans[-1][1]
    zone, weekdays, ranges, clock = other.zone, other.weekdays, other.ranges, other.clock
    resolved = clock.spans(zone, ranges)
    allowed: list[tuple[datetime, datetime, date]] = []
    first, last = lo.astimezone(zone).date().toordinal(), hi.astimezone(zone).date().toordinal()
    for ordinal in range(first, last + 1):
        if (ordinal + 6) % 7 not in weekdays:
            continue
        day = resolved.get(ordinal)
        if day is None:
            day = resolved[ordinal] = _resolve(clock, zone, ranges, ordinal)
        local = date.fromordinal(ordinal)
        for c, d in day:
            # Clipped as `_intervals` clips: on a tie, the bound itself.
            c, d = max(lo, c), min(hi, d)
            if c < d:
                allowed.append((c, d, local))
    both = []
    for a, b in spans:
        for c, d, local in allowed:
            start = c if c > a else a
            end = d if d < b else b
            if start < end:
                both.append((start, end, local))
    return tuple(both)


def _resolve(clock: Clock, zone: ZoneInfo, ranges: tuple[HourRange, ...], ordinal: int) -> _Spans:
    """Return a day's clock ranges as UTC instants."""
    local = date.fromordinal(ordinal)
    at = clock.at
    return tuple((at(local, r.start, zone), at(local, r.end, zone)) for r in ranges)


class WorkingTime:
    """A therapist's working time as their calendar fills: `Hours` whose closed days
    change one at a time (`close_day`, `open_day`) instead of being built anew for each change.

    Its runs of days without allowed time are kept as `Hours` makes them (`_runs`) when a
    day closes; a day that opens splits its run, whose two parts still hold only days
    without allowed time. Its intervals are those of `Hours` with the same days closed.
    """

    __slots__ = (
        "clock",
        "closed",
        "firsts",
        "lasts",
        "off",
        "overlaps",
        "pieces",
        "ranges",
        "weekdays",
        "zone",
    )

    def __init__(
        self,
        zone: ZoneInfo,
        weekdays: frozenset[int],
        ranges: tuple[HourRange, ...],
        closed: frozenset[date],
        clock: Clock,
    ) -> None:
        self.zone, self.weekdays, self.ranges, self.clock = zone, weekdays, ranges, clock
        self.closed = set(map(date.toordinal, closed))
        """The closed days' ordinals."""
        self.firsts, self.lasts = _runs(closed, weekdays)
        # Whether a day ordinal's weekday is not worked, by ordinal % 7 (as in `_runs`).
        self.off = [(day + 6) % 7 not in weekdays for day in range(7)]
        self.overlaps: dict[int, _Shared] = {}
        """What of each working day other hours allow (see `shared`), by the hours'
        identity (they are kept with it, so an identity is never another's)."""
        self.pieces: dict[
            tuple[ZoneInfo, frozenset[int], tuple[HourRange, ...]], dict[int, _Pieces]
        ] = {}
        """What of each working day the clock of other hours allows, whatever dates they
        exclude, by their zone, weekdays and ranges (see `_overlaps`)."""

    @property
    def runs(self) -> tuple[list[int], list[int]]:
        """The runs of days without allowed time: (first days, last days), sorted."""
        return self.firsts, self.lasts

    def intervals(
        self, lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the allowed UTC intervals that overlap [lo, hi], clipped (see `Hours`)."""
        return self._walk(lo, hi, latest, None)

    def shared(
        self, other: Hours, lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the UTC intervals that both this working time and `other` allow over
        [lo, hi], clipped, in time order (reversed when `latest`).

        What `other` allows of each working day is worked out once (`Hours` never
        change, and neither do a day's working hours) and kept: a client's searches
        pass the same days again and again, and each closed day is passed as
        `intervals` passes it.
        """
        kept = self.overlaps.get(id(other))
        if kept is None:
            shape = (other.zone, other.weekdays, other.ranges)
            pieces = self.pieces.get(shape)
            if pieces is None:
                pieces = self.pieces[shape] = {}
            kept = self.overlaps[id(other)] = (other, {}, pieces)
        return self._walk(lo, hi, latest, kept)

    def _walk(
        self,
        lo: datetime,
        hi: datetime,
        latest: bool,
        shared: _Shared | None,
    ) -> Iterator[tuple[datetime, datetime]]:
        zone, weekdays, ranges, clock = self.zone, self.weekdays, self.ranges, self.clock
        return _intervals(
            zone, weekdays, ranges, clock, self.firsts, self.lasts, lo, hi, latest, shared
        )

    def close_day(self, day: date) -> None:
        """Close a day: it joins the runs, with the days off the weekdays next to it."""
        ordinal = day.toordinal()
        if ordinal in self.closed:
            return
        self.closed.add(ordinal)
        firsts, lasts, off = self.firsts, self.lasts, self.off
        run = bisect_right(firsts, ordinal) - 1
        if run >= 0 and ordinal <= lasts[run]:
            return  # a day off the weekdays, inside a run already
        first, last = _widened(ordinal, ordinal, off)
        # Runs that overlap it or touch it merge with it, as in `_runs`.
        lo = bisect_left(lasts, first - 1)
        hi = bisect_right(firsts, last + 1)
        if lo < hi:
            first = min(first, firsts[lo])
            last = max(last, lasts[hi - 1])
        firsts[lo:hi] = [first]
        lasts[lo:hi] = [last]

    def open_day(self, day: date) -> None:
        """Open a closed day again: its run is split around it."""
        ordinal = day.toordinal()
        if ordinal not in self.closed:
            return
        self.closed.discard(ordinal)
        if self.off[ordinal % 7]:
            return  # still without allowed time
        firsts, lasts = self.firsts, self.lasts
        run = bisect_right(firsts, ordinal) - 1
        parts = [(firsts[run], ordinal - 1), (ordinal + 1, lasts[run])]
        parts = [(first, last) for first, last in parts if first <= last]
        firsts[run : run + 1] = [first for first, _ in parts]
        lasts[run : run + 1] = [last for _, last in parts]


def _widened(first: int, last: int, off: list[bool]) -> tuple[int, int]:
    """Return a run of day ordinals with the days off the weekdays next to it (`off`, by
    ordinal % 7), a week at most either side (also when no weekday is allowed)."""
    for _ in ALL_DAYS:
        if not off[(first - 1) % 7]:
            break
        first -= 1
    for _ in ALL_DAYS:
        if not off[(last + 1) % 7]:
            break
        last += 1
    return first, last


def _runs(
    days: frozenset[date], weekdays: frozenset[int] = ALL_DAYS
) -> tuple[list[int], list[int]]:
    """Return dates as runs of consecutive day ordinals: (first days, last days), sorted.

    A day whose weekday is not in `weekdays` and that touches an excluded day (through
    other such days) joins its run: it has no allowed time either, so a therapist's
    full weeks and the weekends between them are passed in one step.
    """
    ordinals = set(map(date.toordinal, days))
    # A run starts where the day before is not excluded and ends where the day after is not.
    firsts = sorted([day for day in ordinals if day - 1 not in ordinals])
    lasts = sorted([day for day in ordinals if day + 1 not in ordinals])
    if len(weekdays) == len(ALL_DAYS) or not firsts:
        return firsts, lasts
    # Ordinal 1 (1 January of year 1) is a Monday: (ordinal + 6) % 7 is its weekday.
    # A week at most either side, also when no weekday is allowed.
    off = [(day + 6) % 7 not in weekdays for day in range(7)]
    merged_firsts: list[int] = []
    merged_lasts: list[int] = []
    for run in zip(firsts, lasts, strict=True):
        first, last = _widened(*run, off)
        if merged_lasts and first <= merged_lasts[-1] + 1:
            merged_lasts[-1] = max(merged_lasts[-1], last)
        else:
            merged_firsts.append(first)
            merged_lasts.append(last)
    return merged_firsts, merged_lasts


class Allowed(Protocol):
    """Allowed time that a `Search` looks inside: `Hours`, or a `WorkingTime`."""

    def intervals(
        self, lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the allowed UTC intervals that overlap [lo, hi], clipped, in time order
        (reversed when `latest`)."""
        ...


class Search(Struct, frozen=True):
    """Find a free start: inside every `hours` (their intersection) and clear of every
    busy timeline, each with its padding (a therapist's buffer between sessions)."""

    hours: tuple[Allowed, ...]
    busy: tuple[tuple[Timeline, timedelta], ...]
    length: timedelta

    def find(self, lo: datetime, hi: datetime, *, latest: bool) -> datetime | None:
        """Return the earliest (or latest) free start in [lo, hi], or None."""
        if hi < lo:
            return None
        for a, b in self._allowed(self.hours, lo, hi + self.length, latest=latest):
            found = self._free(max(lo, a), min(hi, b - self.length), latest=latest)
            if found is not None:
                return found
        return None

    def _allowed(
        self, hours: tuple[Allowed, ...], lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        if len(hours) == 2 and isinstance(hours[0], WorkingTime) and isinstance(hours[1], Hours):
            return hours[0].shared(hours[1], lo, hi, latest=latest)
        return self._nested(hours, lo, hi, latest=latest)

    def _nested(
        self, hours: tuple[Allowed, ...], lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        first, rest = hours[0], hours[1:]
        for a, b in first.intervals(lo, hi, latest=latest):
            if rest:
                yield from self._nested(rest, a, b, latest=latest)
            else:
                yield a, b

    def _free(self, a: datetime, b: datetime, *, latest: bool) -> datetime | None:
        start = floor_to_grid(b) if latest else ceil_to_grid(a)
        while a <= start <= b:
            for timeline, pad in self.busy:
                if latest:
                    hit = timeline.last_overlap(start - pad, start + self.length + pad)
                    if hit is not None:
                        start = floor_to_grid(hit[0] - pad - self.length)
                        break
                else:
                    hit = timeline.first_overlap(start - pad, start + self.length + pad)
                    if hit is not None:
                        start = ceil_to_grid(hit[1] + pad)
                        break
            else:
                return start
        return None


class TherapistCalendar(Struct):
    """The therapist's side of a planning call: one calendar of sessions for every client.

    Without a therapist (a single schedule, or a caseload without a therapist
    file) it only keeps the clients' sessions apart.
    """

    clock: Clock
    therapist: TherapistHours | None = None
    busy: Timeline = field(default_factory=Timeline)
    sessions_on: dict[date, int] = field(default_factory=dict)
    """Sessions per therapist-local date, for `max_per_day`."""
    working: WorkingTime | None = None
    """The therapist's working time, once asked for: its days close and open as
    sessions are booked and moved (see `hours`)."""
    shortest: timedelta | None = None
    """The shortest session any client still asks for, once known (see `book`)."""
    no_room: set[date] = field(default_factory=set)
    """Therapist-local dates where not even the shortest session fits any more."""
    full: set[date] = field(default_factory=set)
    """Therapist-local dates with `TherapistHours.max_per_day` sessions (kept as they fill
    and empty, not gathered from `sessions_on` for every search)."""
    day_hours: Hours | None = None
    """The therapist's hours on any day, nothing closed (see `_has_room`)."""

    def __post_init__(self) -> None:
        if self.therapist is not None:
            for start, end in self.therapist.busy:
                self.busy.add(start.astimezone(UTC), end.astimezone(UTC))

    @property
    def buffer(self) -> timedelta:
        """Return the free time kept around each session (none without a therapist)."""
        return self.therapist.buffer if self.therapist is not None else timedelta()

    def hours(self) -> WorkingTime | None:
        """Return the therapist's working time, full days and days off cut out."""
        t = self.therapist
        if t is None:
            return None
        if self.working is None:
            closed = t.days_off | self.full | self.no_room
            self.working = WorkingTime(t.zone, t.weekdays, t.ranges, closed, self.clock)
        return self.working

    def _update(self, t: TherapistHours, day: date) -> None:
        """Close or open a day of the working time, as its sessions now have it."""
        if self.working is not None:
            if day in t.days_off or day in self.full or day in self.no_room:
                self.working.close_day(day)
            else:
                self.working.open_day(day)

    def closed(self, lo: datetime, hi: datetime) -> bool:
        """Tell whether the therapist has no working time left anywhere in [lo, hi].

        Every search for a session's time looks inside the therapist's working time
        first (see `hours`: days off, full days and days without room are closed), so
        when this holds, none can find anything there. An overbooked caseload asks this
        of most of its windows; the answer costs a step per run of closed days (a
        full month is one run), not a search built for the client and walked.

        Parameters:
            lo: The first instant.
            hi: The last instant (a search up to a latest start asks up to that start
                plus the session's length).

        Returns:
            True when there is a therapist and no allowed time of theirs overlaps
            [lo, hi]; False without a therapist (the clients' own hours decide).
        """
        hours = self.hours()
        if hours is None:
            return False
        # Any instant's local date is within a day of its date in its own zone (no
        # offset reaches a day), so the therapist's dates from `lo` to `hi` lie within
        # two days of theirs: when one run of closed days holds all of those, no time
        # is left there, and nothing is converted to the therapist's zone.
        firsts, lasts = hours.runs
        run = bisect_right(firsts, lo.toordinal() - 2) - 1
        if run >= 0 and hi.toordinal() + 2 <= lasts[run]:
            return True
        return next(hours.intervals(lo, hi, latest=False), None) is None

    def book(self, start: datetime, end: datetime) -> None:
        """Put a session on the therapist's calendar."""
        self.busy.add(start, end)
        t = self.therapist
        if t is not None:
            day = start.astimezone(t.zone).date()
            count = self.sessions_on[day] = self.sessions_on.get(day, 0) + 1
            if t.max_per_day and count >= t.max_per_day:
                self.full.add(day)
            elif self.shortest is not None and not self._has_room(t, day, self.shortest):
                # The calendar only fills up: a day with no room now never has any,
                # so searches (which may cross weeks of such days) skip it.
                self.no_room.add(day)
            self._update(t, day)

    def unbook(self, start: datetime, end: datetime) -> None:
        """Take a session off the therapist's calendar (it is being moved)."""
        self.busy.remove(start, end)
        t = self.therapist
        if t is not None:
            day = start.astimezone(t.zone).date()
            count = self.sessions_on[day]
            self.sessions_on[day] = count - 1
            if t.max_per_day and count - 1 < t.max_per_day:
                self.full.discard(day)
            self.no_room.discard(day)  # it has room again
            self._update(t, day)

    def _has_room(self, t: TherapistHours, day: date, length: timedelta) -> bool:
        """Tell whether a session of `length` still fits on a day of the therapist's."""
        hours = self.day_hours
        if hours is None:
            hours = self.day_hours = Hours(t.zone, ALL_DAYS, t.ranges, frozenset(), self.clock)
        first = self.clock.at(day, 0, t.zone)
        last = self.clock.at(day + timedelta(days=1), 0, t.zone) - timedelta(microseconds=1)
        search = Search((hours,), ((self.busy, t.buffer),), length)
        return search.find(first, last, latest=False) is not None


def plus_months(day: _D, months: int) -> _D:
    """Move a date (or wall-clock time) by calendar months, keeping the day of the month
    where the month has it and taking the month's last day where it has not, as
    `dateutil.relativedelta` does (31 January + 1 month is 28 or 29 February)."""
    if not months:
        return day
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def monday(day: date) -> date:
    """Return the Monday that starts the week of a day."""
    return day - timedelta(days=day.weekday())


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """Return the local dates that [start, end) touches (at least the first)."""
    first = start.astimezone(zone).date()
    last = max(first, (end - timedelta(microseconds=1)).astimezone(zone).date())
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


__all__ = [
    "ALL_DAYS",
    "GRID",
    "GRID_MINUTES",
    "WHOLE_DAY",
    "Allowed",
    "Clock",
    "Hours",
    "Search",
    "TherapistCalendar",
    "Timeline",
    "WorkingTime",
    "ceil_to_grid",
    "floor_to_grid",
    "local_days",
    "local_instant",
    "monday",
    "plus_months",
]
