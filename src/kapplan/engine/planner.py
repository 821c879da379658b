"""The rules engine: (schedule, rulebook) -> Plan. Pure: no I/O, no clock.

How events find their time:

1. Doses are grouped into courses: a dose more than ``course_gap_days`` after
   the end of the previous one starts a new course.
2. Every enabled rule yields *occurrences* per anchor (see `kapplan.model.rulebook`),
   each with a window measured from the anchor.
3. Occurrences are placed in this order: fixed events (doses, then rest),
   advisories, therapy sessions (by window opening), then practices. Within
   each group, earlier windows choose first.
4. A session or practice takes the earliest (or, for ``prefer = "latest"``,
   the latest) start on a five-minute grid that lies in its window, inside
   its hours, on an allowed day, and overlaps no dose, rest, session or
   practice already placed. When the window cannot be met, it takes the
   nearest such time outside it (within four weeks, in the rule's `overflow`
   direction) and the plan warns by how much; when nothing fits, it warns and
   places nothing. No rule is ever dropped silently.

All arithmetic is in UTC; local time is used only to find local days and
clock hours, so windows stay right to the hour across DST changes.
"""

from __future__ import annotations

import calendar
import hashlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from kapplan.errors import ScheduleError
from kapplan.i18n import Catalogue
from kapplan.model.limits import DEFAULT_LIMITS, Limits
from kapplan.model.plan import Course, Infusion, Kind, Plan, PlanEvent, PlanWarning
from kapplan.model.rulebook import Anchor, Offset, Placement, Rule, Rulebook, parse_offset
from kapplan.model.schedule import (
    Cadence,
    Dose,
    HourRange,
    LocalTimeNote,
    Schedule,
    localize,
    parse_hours,
)

#: Sessions and practices start on this grid (minutes since the epoch, UTC).
GRID_MINUTES = 5
#: How far outside a missed window the engine looks for the nearest slot.
OVERFLOW_HORIZON = timedelta(days=28)
#: A repeat that yields more occurrences than this is cut off with a warning.
MAX_OCCURRENCES = 500

_ALL_DAYS = frozenset(range(7))
_WHOLE_DAY = HourRange(0, 24 * 60)
_GRID = timedelta(minutes=GRID_MINUTES)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_D = TypeVar("_D", date, datetime)

# Rules, settings and clocks repeat across doses and clients: parse and resolve
# each distinct one once. All three are pure, and their values are frozen.
_offset = lru_cache(maxsize=1024)(parse_offset)
_hours = lru_cache(maxsize=256)(parse_hours)


def build_plan(
    schedule: Schedule,
    rulebook: Rulebook,
    *,
    texts: Mapping[str, Catalogue],
    limits: Limits = DEFAULT_LIMITS,
) -> Plan:
    """Plan the integration calendar for one schedule.

    Parameters:
        schedule: The validated schedule (its zone and availability included).
        rulebook: The rules to apply.
        texts: Message catalogues by language; the plan is written in the
            schedule's `language` (see `kapplan.edge.load.catalogues`).
        limits: How large the schedule and the plan may be (see `kapplan.model.limits`).

    Returns:
        The plan: doses, courses, events in time order, and warnings.

    Raises:
        ScheduleError: When the schedule's doses cannot be expanded (see
            `Schedule.doses`), or the plan would exceed `limits` or the years
            a date can have.
    """
    return build_caseload((schedule,), rulebook, texts=texts, limits=limits)[0]


@dataclass(frozen=True, slots=True)
class TherapistHours:
    """What the engine needs to know of a therapist: when they work and what is booked."""

    zone: ZoneInfo
    """The therapist's zone: working days, hours and days off are on this clock."""
    weekdays: frozenset[int]
    """Working days as `date.weekday()` numbers."""
    ranges: tuple[HourRange, ...]
    """Working hours of each working day, breaks already cut out."""
    days_off: frozenset[date] = frozenset()
    """Holidays and other dates with no sessions (therapist's local dates)."""
    busy: tuple[tuple[datetime, datetime], ...] = ()
    """Times already booked (aware), e.g. read from the therapist's calendar."""
    buffer: timedelta = timedelta()
    """Free time kept between a session and anything else on the therapist's calendar."""
    max_per_day: int | None = None
    """At most this many sessions on one of the therapist's local days."""
    session_minutes: int | None = None
    """Length of every session, overriding each client's `[plan] session_minutes`."""


def build_caseload(
    schedules: Sequence[Schedule],
    rulebook: Rulebook | Sequence[Rulebook],
    therapist: TherapistHours | None = None,
    *,
    texts: Mapping[str, Catalogue],
    limits: Limits = DEFAULT_LIMITS,
    practices: bool = True,
) -> tuple[Plan, ...]:
    """Plan several clients of one therapist together.

    Each client's windows are measured from their own doses; therapy sessions
    of all clients share one calendar, so no two of them overlap. Sessions are
    placed earliest deadline first: where two clients compete for the same
    time, the one whose window closes sooner gets it.

    Parameters:
        schedules: One schedule per client, in a fixed order (ties go to the earlier).
        rulebook: The rules to apply to every client, or one rulebook per
            schedule (each client's own protocol), in the same order.
        therapist: The therapist's working time; without it, sessions follow each
            client's `[availability]` and only avoid each other.
        texts: Message catalogues by language; each client's plan is written in
            its schedule's `language`.
        limits: How large each schedule and the plans together may be: the
            events are counted before any is placed (see `kapplan.model.limits`).
        practices: False leaves the clients' practices out (their events and their
            warnings), for an output that shows none, like the therapist's calendar.
            Practices are placed after every session and only around them, so every
            other event and warning is the same either way; they still count
            towards `limits`.

    Returns:
        One plan per schedule, in the same order.

    Raises:
        ScheduleError: When a schedule's doses cannot be expanded, the plans
            would have more than `Limits.events` events, or they would reach
            outside the years 1-9999.
        ValueError: When the rulebooks are not one per schedule.
    """
    books = [rulebook] * len(schedules) if isinstance(rulebook, Rulebook) else list(rulebook)
    if len(books) != len(schedules):
        raise ValueError(
            f"{len(books)} rulebooks for {len(schedules)} schedules; expected one each"
        )
    try:
        return _build_caseload(schedules, books, therapist, texts, limits, practices)
    except OverflowError:
        raise ScheduleError(
            "the plan reaches outside the years 1 to 9999 that a date can have; expected "
            "doses further inside them"
        ) from None


def _build_caseload(
    schedules: Sequence[Schedule],
    books: Sequence[Rulebook],
    therapist: TherapistHours | None,
    texts: Mapping[str, Catalogue],
    limits: Limits,
    practices: bool,
) -> tuple[Plan, ...]:
    practice = _Practice(therapist)
    if therapist is not None:
        for start, end in therapist.busy:
            practice.busy.add(start.astimezone(UTC), end.astimezone(UTC))
        if therapist.session_minutes is not None:
            update = {"session_minutes": therapist.session_minutes}
            schedules = [
                s.model_copy(update={"plan": s.plan.model_copy(update=update)}) for s in schedules
            ]
    planners = []
    wording: dict[tuple[object, ...], tuple[str, str, tuple[str, ...]]] = {}
    for schedule, book in zip(schedules, books, strict=True):
        doses, notes = schedule.doses(limits)
        planner = _Planner(
            schedule, book, doses, practice, texts[schedule.language], wording=wording
        )
        planner.warnings.extend(
            PlanWarning(rule=None, message=planner.local_time_note(note)) for note in notes
        )
        planners.append(planner)
    # Every event comes from one request (advisories of close doses merge), so
    # counting requests bounds the plan before any search for a free time.
    # The limit is per client: a clinic's caseload of a thousand sound plans is
    # not absurd, one schedule asking for hundreds of thousands of events is.
    groups = []
    for planner in planners:
        group = planner.requests(limits.events)
        if group is None:
            whose = f"{planner.schedule.client}'s plan" if len(planners) > 1 else "the plan"
            raise ScheduleError(
                f"{whose} would have more than {limits.events} events, the limit; "
                "expected a smaller schedule, or a higher --max-events"
            )
        groups.append(group)
    sessions: list[tuple[tuple[object, ...], _Planner, _Request]] = []
    for client, (planner, group) in enumerate(zip(planners, groups, strict=True)):
        for request in planner.stage(group):
            sessions.append(((*_by_deadline(request), client), planner, request))
    sessions.sort(key=lambda item: item[0])
    if sessions:
        practice.shortest = timedelta(minutes=min(item[2].minutes for item in sessions))
    for _, planner, request in sessions:
        planner.place_timed(request)
    sessions.clear()  # placed: a big caseload's requests need not outlive this
    return tuple(planner.finish(practices=practices) for planner in planners)


@dataclass(frozen=True, slots=True)
class _Anchor:
    """One thing a rule counts from."""

    start: datetime
    end: datetime
    infusion: Infusion | None = None
    course: Course | None = None
    covers: tuple[int, ...] = ()
    """Dose indices an infusion-anchored session covers (cadence), when more than one."""
    weeks_after: int = 0
    """Weekly cadence: whole weeks this anchor lies after its dose (a week with no dose)."""


@dataclass(slots=True)
class _Request:
    """One occurrence of a rule waiting for its time."""

    rule: Rule
    order: int
    anchor: _Anchor
    ordinal: int
    count: int
    opens: datetime
    closes: datetime | None
    minutes: int
    months: int = 0
    weeks: int = 0


class Timeline:
    """Busy time as sorted, merged, half-open UTC intervals, searched with bisect."""

    def __init__(self) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []

    def add(self, start: datetime, end: datetime) -> None:
        """Mark [start, end) busy, merging with any interval it touches."""
        lo = bisect_left(self.ends, start)
        hi = bisect_right(self.starts, end)
        if lo < hi:
            start = min(start, self.starts[lo])
            end = max(end, self.ends[hi - 1])
        self.starts[lo:hi] = [start]
        self.ends[lo:hi] = [end]

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


@dataclass(slots=True)
class _Practice:
    """The therapist's side of a caseload: one calendar of sessions for all clients."""

    therapist: TherapistHours | None = None
    busy: Timeline = field(default_factory=Timeline)
    sessions_on: dict[date, int] = field(default_factory=dict)
    """Sessions per therapist-local date, for `max_per_day`."""
    working: _Hours | None = None
    """The therapist's working time as of the last session booked (see `hours`)."""
    shortest: timedelta | None = None
    """The shortest session any client still asks for, once known (see `book`)."""
    no_room: set[date] = field(default_factory=set)
    """Therapist-local dates where not even the shortest session fits any more."""

    def hours(self) -> _Hours | None:
        """Return the therapist's working time, full days and days off cut out."""
        t = self.therapist
        if t is None:
            return None
        if self.working is None:
            # Built again only when a day fills up, not for every session placed.
            full = {d for d, n in self.sessions_on.items() if t.max_per_day and n >= t.max_per_day}
            self.working = _Hours(t.zone, t.weekdays, t.ranges, t.days_off | full | self.no_room)
        return self.working

    def book(self, start: datetime, end: datetime) -> None:
        """Put a session on the therapist's calendar."""
        self.busy.add(start, end)
        t = self.therapist
        if t is not None:
            day = start.astimezone(t.zone).date()
            count = self.sessions_on[day] = self.sessions_on.get(day, 0) + 1
            if t.max_per_day and count >= t.max_per_day:
                self.working = None
            elif self.shortest is not None and not self._has_room(t, day, self.shortest):
                # The calendar only fills up: a day with no room now never has any,
                # so searches (which may cross weeks of such days) skip it.
                self.no_room.add(day)
                self.working = None

    def _has_room(self, t: TherapistHours, day: date, length: timedelta) -> bool:
        """Tell whether a session of `length` still fits on a day of the therapist's."""
        hours = _Hours(t.zone, _ALL_DAYS, t.ranges, frozenset())
        first = _local(day, 0, t.zone)
        last = _local(day + timedelta(days=1), 0, t.zone) - timedelta(microseconds=1)
        search = _Search((hours,), ((self.busy, t.buffer),), length)
        return search.find(first, last, latest=False) is not None


def _ceil(moment: datetime) -> datetime:
    steps = -((_EPOCH - moment) // _GRID)
    return _EPOCH + steps * _GRID


def _floor(moment: datetime) -> datetime:
    return _EPOCH + ((moment - _EPOCH) // _GRID) * _GRID


@dataclass
class _Planner:
    schedule: Schedule
    rulebook: Rulebook
    doses: list[Dose]
    practice: _Practice
    texts: Catalogue
    warnings: list[PlanWarning] = field(default_factory=list)
    busy: Timeline = field(default_factory=Timeline)
    events: list[tuple[tuple[object, ...], PlanEvent]] = field(default_factory=list)
    per_day: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    wording: dict[tuple[object, ...], tuple[str, str, tuple[str, ...]]] = field(
        default_factory=dict
    )
    """Titles and descriptions already written, by what they are made of: shared by a
    caseload's planners, as most events of a rule read alike (time and memory)."""

    def __post_init__(self) -> None:
        self.zone: ZoneInfo = self.schedule.zone
        self.settings = self.schedule.plan
        self.setting_values = self.settings.model_dump(mode="json")
        self.infusions, self.courses = self._group()
        self.dose_days = frozenset(
            day for inf in self.infusions for day in _local_days(inf.start, inf.end, self.zone)
        )

    # -- courses -------------------------------------------------------------

    def _group(self) -> tuple[tuple[Infusion, ...], tuple[Course, ...]]:
        gap = timedelta(days=self.settings.course_gap_days)
        members: list[list[int]] = []
        previous_end: datetime | None = None
        for i, dose in enumerate(self.doses):
            # In UTC: datetimes sharing a tzinfo subtract by wall clock, which
            # would measure the gap an hour short or long across a DST change.
            start, end = dose.start.astimezone(UTC), dose.end.astimezone(UTC)
            if previous_end is None or start - previous_end > gap:
                members.append([])
            members[-1].append(i)
            previous_end = max(previous_end or end, end)
        infusions: list[Infusion] = []
        courses: list[Course] = []
        for c, indices in enumerate(members, start=1):
            for i in indices:
                dose = self.doses[i]
                infusions.append(
                    Infusion(
                        index=i + 1,
                        start=dose.start.astimezone(UTC),
                        end=dose.end.astimezone(UTC),
                        method=dose.method,
                        course=c,
                    )
                )
            courses.append(
                Course(
                    index=c,
                    start=infusions[indices[0]].start,
                    end=max(infusions[i].end for i in indices),
                    infusions=tuple(i + 1 for i in indices),
                )
            )
        return tuple(infusions), tuple(courses)

    # -- anchors and occurrences ---------------------------------------------

    def _anchors(self, rule: Rule) -> Iterator[_Anchor]:
        courses = self.courses
        if rule.anchor is Anchor.INFUSION:
            if rule.follows_cadence:
                yield from self._cadence_anchors(rule)
            else:
                for inf in self.infusions:
                    yield _Anchor(inf.start, inf.end, inf, courses[inf.course - 1])
        elif rule.anchor is Anchor.COURSE_START:
            for course in courses:
                first = self.infusions[course.infusions[0] - 1]
                yield _Anchor(first.start, first.end, None, course)
        elif rule.anchor is Anchor.COURSE_END:
            for course in courses:
                last = self.infusions[course.infusions[-1] - 1]
                yield _Anchor(last.start, last.end, None, course)
        elif rule.anchor is Anchor.COURSE:
            for course in courses:
                yield _Anchor(course.start, course.end, None, course)
        elif rule.anchor is Anchor.BETWEEN_COURSES:
            for before, after in pairwise(courses):
                yield _Anchor(before.end, after.start, None, before)
        else:
            final = courses[-1]
            yield _Anchor(final.end, final.end, None, None)

    def _cadence_anchors(self, rule: Rule) -> Iterator[_Anchor]:
        """Yield the doses a cadence rule follows, thinned as [plan] cadence asks."""
        for course in self.courses:
            members = [self.infusions[i - 1] for i in course.infusions]
            if self.settings.cadence is Cadence.WEEKLY:
                yield from self._weekly_anchors(course, members)
                continue
            pending: list[int] = []
            for inf, following in zip(members, [*members[1:], None], strict=True):
                opens = self._at(_offset(self._fill(rule.opens, inf)), inf.start, inf.end)
                length = timedelta(minutes=self._amount(rule.minutes, inf))
                if following is not None and following.start < opens + length:
                    pending.append(inf.index)
                    gap = following.start - inf.start
                    what = self.texts.text(
                        "what.after_dose",
                        name=self._name(rule),
                        ordinal="",
                        dose=self.texts.doses((inf.index,)),
                    )
                    self.warn(
                        rule,
                        self.texts.text(
                            "warning.covered",
                            what=what,
                            next=following.index,
                            gap=self._duration(gap),
                        ),
                        inf.index,
                    )
                    continue
                covers = (*pending, inf.index) if pending else ()
                pending = []
                yield _Anchor(inf.start, inf.end, inf, course, covers)

    def _weekly_anchors(self, course: Course, members: list[Infusion]) -> Iterator[_Anchor]:
        """Yield one anchor per calendar week of a course: its first dose, or for a week
        without one, the latest earlier dose moved on by whole weeks (DOMAIN.md: at least
        one session a week during the active phase)."""
        week = timedelta(days=7)
        first_monday = _monday(members[0].start.astimezone(self.zone).date())
        by_week: dict[int, Infusion] = {}
        for inf in members:
            number = (_monday(inf.start.astimezone(self.zone).date()) - first_monday).days // 7
            by_week.setdefault(number, inf)
        latest = members[0]
        for number in range(max(by_week) + 1):
            if number in by_week:
                latest = by_week[number]
                yield _Anchor(latest.start, latest.end, latest, course)
                continue
            lag = (
                number
                - (_monday(latest.start.astimezone(self.zone).date()) - first_monday).days // 7
            )
            yield _Anchor(
                latest.start + lag * week, latest.end + lag * week, latest, course, weeks_after=lag
            )

    def _requests(self, order: int, rule: Rule) -> Iterator[_Request]:
        step = _offset(self._fill(rule.every)) if rule.every else None
        for anchor in self._anchors(rule):
            inf = anchor.infusion
            opens = _offset(self._fill(rule.opens, inf))
            closes = _offset(self._fill(rule.closes, inf)) if rule.closes else None
            minutes = self._amount(rule.minutes, inf)
            windows: list[tuple[Offset, Offset | None]] = []
            if step is None:
                windows = [(opens, closes)] * self._amount(rule.count, inf)
            else:
                limit = (
                    self._at(_offset(self._fill(rule.until)), anchor.start, anchor.end)
                    if rule.until
                    else None
                )
                total = None if limit else self._amount(rule.count, inf)
                k = 0
                while total is None or k < total:
                    o, c = opens.shifted(step, k), closes.shifted(step, k) if closes else None
                    edge = self._at(c or o, anchor.start, anchor.end)
                    if limit is not None and edge > limit:
                        break
                    if k >= MAX_OCCURRENCES:
                        self.warn(
                            rule,
                            self.texts.text(
                                "warning.repeat_cut", name=self._name(rule), limit=MAX_OCCURRENCES
                            ),
                        )
                        break
                    windows.append((o, c))
                    k += 1
            for k, (o, c) in enumerate(windows, start=1):
                start = self._at(o, anchor.start, anchor.end)
                base = (anchor.end if o.ref == "end" else anchor.start).astimezone(self.zone)
                yield _Request(
                    rule=rule,
                    order=order,
                    anchor=anchor,
                    ordinal=k,
                    count=len(windows),
                    opens=start,
                    closes=self._at(c, anchor.start, anchor.end) if c else None,
                    minutes=minutes,
                    months=o.months,
                    weeks=(start.astimezone(self.zone).date() - base.date()).days // 7,
                )

    def _fill(self, text: str | None, inf: Infusion | None = None) -> str:
        assert text is not None
        if "{" not in text:
            return text
        values = dict(self.setting_values)
        values["dose_minutes"] = (
            int((inf.end - inf.start) / timedelta(minutes=1)) if inf is not None else 0
        )
        return text.format(**values)

    def _amount(self, value: int | str, inf: Infusion | None) -> int:
        return value if isinstance(value, int) else int(self._fill(value, inf))

    def _at(self, offset: Offset, start: datetime, end: datetime) -> datetime:
        """Resolve an offset against an anchor's span; return a UTC instant."""
        base = end if offset.ref == "end" else start
        try:
            if offset.day:
                day = base.astimezone(self.zone).date()
                day = _plus_months(day, offset.months) + timedelta(days=offset.days)
                return _local(day, 0, self.zone)
            if offset.months:
                wall = base.astimezone(self.zone).replace(tzinfo=None)
                base = localize(_plus_months(wall, offset.months), self.zone)[0]
        except ValueError as error:
            # Dates say "year 10000 is out of range" as a ValueError.
            raise OverflowError(str(error)) from None
        return base.astimezone(UTC) + timedelta(days=offset.days, minutes=offset.minutes)

    # -- placement -------------------------------------------------------------

    def requests(self, budget: int) -> dict[Placement, list[_Request]] | None:
        """Return every occurrence of every active rule, by placement; None as soon as
        there are more than `budget` of them."""
        if len(self.infusions) > budget:
            return None  # Each dose is an event of its own.
        groups: dict[Placement, list[_Request]] = defaultdict(list)
        total = 0
        for order, rule in enumerate(self.rulebook.active):
            for request in self._requests(order, rule):
                groups[rule.placement].append(request)
                total += 1
                if total > budget:
                    return None
        return groups

    def stage(self, groups: dict[Placement, list[_Request]]) -> list[_Request]:
        """Place fixed events and advisories; return the session requests to place.

        Practices wait for `finish`, so they fit around every session.
        """
        for request in groups[Placement.FIXED]:
            self._place_fixed(request)
        self._place_advisories(groups[Placement.ADVISORY])
        self.practices = groups[Placement.PRACTICE]
        return groups[Placement.SESSION]

    def finish(self, *, practices: bool = True) -> Plan:
        """Place the practices (unless told not to) and return the plan."""
        waiting, self.practices = self.practices, []
        if practices:
            for request in sorted(waiting, key=_by_window):
                self.place_timed(request)
        del waiting
        self.events.sort(key=lambda pair: pair[0])
        return Plan(
            timezone=self.schedule.timezone,
            infusions=tuple(self._local_infusion(i) for i in self.infusions),
            courses=tuple(
                Course(
                    c.index, c.start.astimezone(self.zone), c.end.astimezone(self.zone), c.infusions
                )
                for c in self.courses
            ),
            events=tuple(event for _, event in self.events),
            warnings=tuple(self.warnings),
            client=self.schedule.client,
            language=self.texts.language,
        )

    def _local_infusion(self, inf: Infusion) -> Infusion:
        return Infusion(
            inf.index,
            inf.start.astimezone(self.zone),
            inf.end.astimezone(self.zone),
            inf.method,
            inf.course,
        )

    def _place_fixed(self, request: _Request) -> None:
        start = request.opens
        end = start + timedelta(minutes=request.minutes)
        if request.rule.clip:
            blocker = self.busy.next_busy(start)
            if blocker is not None and blocker < end:
                if blocker - start < _GRID:
                    self.warn(
                        request.rule,
                        self.texts.text("warning.rest_overlaps", what=self._what(request)),
                        _index(request),
                    )
                    return
                end = blocker
        self.busy.add(start, end)
        self._emit(request, start, end)

    def _place_advisories(self, requests: list[_Request]) -> None:
        """Place all-day notes; a merging rule joins notes whose days overlap."""
        held: dict[tuple[str, int | None], list[Any]] = {}
        for request in requests:
            assert request.closes is not None
            days = _local_days(request.opens, request.closes, self.zone)
            key = (request.rule.id, request.anchor.course.index if request.anchor.course else None)
            span = held.get(key)
            if request.rule.merge and span and days[0] <= span[2]:
                span[2] = max(span[2], days[-1])
                if request.anchor.infusion:
                    span[3].append(request.anchor.infusion.index)
                continue
            if span:
                self._emit_advisory(*span)
            doses = [request.anchor.infusion.index] if request.anchor.infusion else []
            held[key] = [request, days[0], days[-1], doses]
        for span in held.values():
            self._emit_advisory(*span)

    def _emit_advisory(self, request: _Request, first: date, last: date, doses: list[int]) -> None:
        start = localize(datetime.combine(first, time()), self.zone)[0]
        end = localize(datetime.combine(last + timedelta(days=1), time()), self.zone)[0]
        if len(doses) > 1:
            request.anchor = replace(request.anchor, covers=tuple(doses))
        self._emit(request, start, end, all_day=True)

    def place_timed(self, request: _Request) -> None:
        """Place a session or practice at its best free time, or warn."""
        rule = request.rule
        assert request.closes is not None
        length = timedelta(minutes=request.minutes)
        if rule.hours == "availability":
            weekdays, ranges = (
                self.schedule.availability.weekdays,
                self.schedule.availability.ranges,
            )
        else:
            weekdays, ranges = _ALL_DAYS, _hours(rule.hours)
        taken = self.per_day[rule.id]
        window_days = _local_days(request.opens, request.closes, self.zone)
        if rule.per_day and all(taken.get(d, 0) >= rule.per_day for d in window_days):
            return  # Already done that day for an earlier dose: at most per_day a day.
        excluded = {d for d, n in taken.items() if rule.per_day and n >= rule.per_day}
        if rule.avoid_dose_days:
            excluded |= self.dose_days
        own = _Hours(self.zone, weekdays, ranges, frozenset(excluded))
        hours: tuple[_Hours, ...] = (own,)
        busy: tuple[tuple[Timeline, timedelta], ...] = ((self.busy, timedelta()),)
        if rule.placement is Placement.SESSION:
            therapist = self.practice.hours()
            if therapist is not None:
                # The therapist's hours rule; the client's own [availability] narrows
                # them only when the schedule sets it.
                if "availability" not in self.schedule.model_fields_set:
                    own = _Hours(self.zone, _ALL_DAYS, (_WHOLE_DAY,), frozenset(excluded))
                hours = (therapist, own)
            buffer = self.practice.therapist.buffer if self.practice.therapist else timedelta()
            busy += ((self.practice.busy, buffer),)
        search = _Search(hours, busy, length)
        latest_start = request.closes - length if rule.fit == "whole" else request.closes
        late = rule.prefer == "latest"
        start = search.find(request.opens, latest_start, latest=late)
        miss: timedelta | None = None
        # The nearest grid times strictly outside the window: an edge off the grid
        # (a dose at 10:03) must not skip the grid time next to it.
        if start is None and rule.overflow == "later":
            start = search.find(
                _floor(latest_start) + _GRID, latest_start + OVERFLOW_HORIZON, latest=False
            )
            miss = start - latest_start if start else None
        elif start is None:
            start = search.find(
                request.opens - OVERFLOW_HORIZON, _ceil(request.opens) - _GRID, latest=True
            )
            miss = request.opens - start if start else None
        if start is None:
            window = self._window(request)
            self.warn(
                rule,
                self.texts.text(
                    f"warning.not_planned_{rule.overflow}",
                    what=self._what(request),
                    window=window,
                    days=OVERFLOW_HORIZON.days,
                ),
                _index(request),
            )
            return
        note = ""
        if miss is not None:
            window = self._window(request)
            side = "late" if rule.overflow == "later" else "early"
            miss_text = self._duration(miss)
            others: tuple[datetime, ...] = ()
            if rule.placement is Placement.SESSION:
                others = self._alternatives(search, start, rule.overflow == "later")
            self.warn(
                rule,
                self.texts.text(
                    f"warning.{side}",
                    what=self._what(request),
                    window=window,
                    miss=miss_text,
                    when=self._when(start),
                ),
                _index(request),
                alternatives=tuple(o.astimezone(self.zone) for o in others),
            )
            note = self.texts.text(f"note.outside_{side}", window=window, miss=miss_text)
        self.busy.add(start, start + length)
        if rule.placement is Placement.SESSION:
            self.practice.book(start, start + length)
        day = start.astimezone(self.zone).date()
        taken[day] = taken.get(day, 0) + 1
        self._emit(request, start, start + length, note=note)

    def _window(self, request: _Request) -> str:
        """Say a request's window for a warning (only a warning needs it: dates cost)."""
        assert request.closes is not None
        return self.texts.text(
            "text.span", first=self._when(request.opens), last=self._when(request.closes)
        )

    def _alternatives(self, search: _Search, chosen: datetime, later: bool) -> tuple[datetime, ...]:
        """Return up to two more free starts beyond `chosen`, on other days, for a warning."""
        found: list[datetime] = []
        moment = chosen
        for _ in range(2):
            day = moment.astimezone(self.zone).date() + timedelta(days=1 if later else -1)
            edge = _local(day, 0 if later else 24 * 60, self.zone)
            moment_next = (
                search.find(edge, edge + OVERFLOW_HORIZON, latest=False)
                if later
                else search.find(edge - OVERFLOW_HORIZON, edge, latest=True)
            )
            if moment_next is None:
                break
            found.append(moment_next)
            moment = moment_next
        return tuple(found)

    # -- output ----------------------------------------------------------------

    def _what(self, request: _Request) -> str:
        """Name an occurrence for a warning: the rule's name and its anchor."""
        anchor = request.anchor
        values: dict[str, object] = {
            "name": self._name(request.rule),
            "ordinal": (
                self.texts.text("what.ordinal", k=request.ordinal, count=request.count)
                if request.count > 1
                else ""
            ),
        }
        if anchor.infusion is not None:
            before = request.rule.opens.startswith("-")
            key = "what.before_dose" if before else "what.after_dose"
            values["dose"] = self.texts.doses((anchor.infusion.index,))
        elif anchor.course is not None:
            key, values["course"] = "what.course", anchor.course.index
        else:
            key = "what.long_arc"
        return self.texts.text(key, **values)

    def local_time_note(self, note: str) -> str:
        """Say a schedule note (a DST gap or fold) in the plan's language."""
        if not isinstance(note, LocalTimeNote):
            return note
        texts = self.texts
        where = (
            note.field
            if note.dose is None
            else texts.text("note.series_dose", field=note.field, n=note.dose)
        )
        if note.kind == "gap":
            body = texts.text("note.dst_gap", wall=note.wall, zone=note.zone, moved=note.resolved)
        else:
            body = texts.text("note.dst_fold", wall=note.wall, zone=note.zone, offset=note.offset)
        return f"{where}: {body}"

    def _name(self, rule: Rule) -> str:
        return self.texts.rule_text(rule.id, "name", rule.id)

    def _when(self, moment: datetime) -> str:
        return self.texts.format_datetime(moment.astimezone(self.zone))

    def _duration(self, span: timedelta) -> str:
        return self.texts.format_duration(int(span.total_seconds() // 60))

    def _uid(self, request: _Request) -> str:
        anchor = request.anchor
        key = "|".join(
            (
                self.schedule.client,
                request.rule.id,
                str(anchor.course.index) if anchor.course else "-",
                str(anchor.infusion.index) if anchor.infusion else "-",
                str(request.ordinal),
                *((f"+{anchor.weeks_after}w",) if anchor.weeks_after else ()),
            )
        )
        return hashlib.sha256(key.encode()).hexdigest()[:24] + "@kapplan"

    def _emit(
        self,
        request: _Request,
        start: datetime,
        end: datetime,
        *,
        all_day: bool = False,
        note: str = "",
    ) -> None:
        rule, anchor = request.rule, request.anchor
        inf = anchor.infusion
        course = anchor.course.index if anchor.course else None
        # Everything the texts below are made of: the rule and method texts are
        # the client's own rulebook's (each client of a caseload may have one).
        key = (
            self.texts,
            id(self.rulebook),
            id(rule),
            anchor.covers,
            anchor.weeks_after,
            inf.index if inf else None,
            inf.method if inf else None,
            course,
            request.ordinal,
            request.count,
            request.minutes,
            request.weeks,
            request.months,
            note,
        )
        wording = self.wording.get(key)
        if wording is None:
            wording = self.wording[key] = self._wording(request, note)
        title, description, prompts = wording
        event = PlanEvent(
            uid=self._uid(request),
            kind=Kind(rule.kind),
            phase=rule.phase,
            start=start.astimezone(self.zone),
            end=end.astimezone(self.zone),
            all_day=all_day,
            title=title,
            description=description,
            infusion=inf.index if inf else None,
            course=course if rule.anchor is not Anchor.AFTER_LAST_COURSE else None,
            rule=rule.id,
            is_session=rule.placement is Placement.SESSION,
            prompts=prompts,
        )
        order = (start.astimezone(UTC), not all_day, request.order, event.uid)
        self.events.append((order, event))

    def _wording(self, request: _Request, note: str) -> tuple[str, str, tuple[str, ...]]:
        """Write an event's title, description and journaling prompts."""
        rule, anchor = request.rule, request.anchor
        inf = anchor.infusion
        method = self.rulebook.methods[inf.method] if inf else None
        texts = self.texts
        values = {
            "n": texts.join(anchor.covers) if anchor.covers else (inf.index if inf else ""),
            "dose": texts.doses(anchor.covers or (inf.index,)) if inf else "",
            "k": request.ordinal,
            "count": request.count,
            "course": anchor.course.index if anchor.course else "",
            "method": texts.method_label(inf.method, method.label) if inf and method else "",
            "method_note": texts.method_note(inf.method, method.note) if inf and method else "",
            "minutes": request.minutes,
            "week": request.weeks,
            "month": request.months,
        }

        def text(field: Literal["title", "description", "why"]) -> str:
            return texts.format(texts.rule_text(rule.id, field, getattr(rule, field)), **values)

        parts = [text("description")]
        prompts = texts.rule_prompts(rule.id, rule.prompts)
        if prompts:
            parts.append("\n".join(f"- {p}" for p in prompts))
        if anchor.covers:
            parts.append(texts.text("text.covers", doses=texts.join(anchor.covers)))
        if anchor.weeks_after:
            parts.append(texts.text("text.weekly_gap"))
        if rule.why:
            parts.append(texts.text("text.why", why=text("why")))
        if note:
            parts.append(note)
        return text("title"), "\n\n".join(p for p in parts if p), prompts

    def warn(
        self,
        rule: Rule,
        message: str,
        infusion: int | None = None,
        alternatives: tuple[datetime, ...] = (),
    ) -> None:
        """Record a warning about a rule."""
        self.warnings.append(
            PlanWarning(rule=rule.id, message=message, infusion=infusion, alternatives=alternatives)
        )


def _by_window(request: _Request) -> tuple[object, ...]:
    return (request.opens, request.closes, request.order, request.ordinal)


def _by_deadline(request: _Request) -> tuple[object, ...]:
    return (request.closes, request.opens, request.order, request.ordinal)


def _index(request: _Request) -> int | None:
    return request.anchor.infusion.index if request.anchor.infusion else None


@dataclass(frozen=True, slots=True)
class _Hours:
    """Allowed time: some weekdays and clock ranges in one zone, minus excluded dates."""

    zone: ZoneInfo
    weekdays: frozenset[int]
    ranges: tuple[HourRange, ...]
    excluded: frozenset[date]
    runs: tuple[list[int], list[int]] = field(init=False, repr=False, compare=False)
    """The excluded dates as runs of consecutive day ordinals (first days, last days)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", _runs(self.excluded))

    def intervals(
        self, lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield the allowed UTC intervals that overlap [lo, hi], clipped, in time order
        (reversed when `latest`)."""
        zone = self.zone
        first = lo.astimezone(zone).date().toordinal()
        last = hi.astimezone(zone).date().toordinal()
        firsts, lasts = self.runs
        ranges = self.ranges[::-1] if latest else self.ranges
        day = last if latest else first
        while first <= day <= last:
            # A run of excluded days (a therapist's full weeks) is passed in one step.
            run = bisect_right(firsts, day) - 1
            if run >= 0 and day <= lasts[run]:
                day = firsts[run] - 1 if latest else lasts[run] + 1
                continue
            local = date.fromordinal(day)
            day += -1 if latest else 1
            if local.weekday() not in self.weekdays:
                continue
            for hours in ranges:
                a = max(lo, _local(local, hours.start, zone))
                b = min(hi, _local(local, hours.end, zone))
                if a < b:
                    yield a, b


def _runs(days: frozenset[date]) -> tuple[list[int], list[int]]:
    """Return dates as runs of consecutive day ordinals: (first days, last days), sorted."""
    firsts: list[int] = []
    lasts: list[int] = []
    for day in sorted(d.toordinal() for d in days):
        if lasts and day == lasts[-1] + 1:
            lasts[-1] = day
        else:
            firsts.append(day)
            lasts.append(day)
    return firsts, lasts


@dataclass(frozen=True, slots=True)
class _Search:
    """Find a free start: inside every `hours` (their intersection) and clear of every
    busy timeline, each with its padding (a therapist's buffer between sessions)."""

    hours: tuple[_Hours, ...]
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
        self, hours: tuple[_Hours, ...], lo: datetime, hi: datetime, *, latest: bool
    ) -> Iterator[tuple[datetime, datetime]]:
        first, rest = hours[0], hours[1:]
        for a, b in first.intervals(lo, hi, latest=latest):
            if rest:
                yield from self._allowed(rest, a, b, latest=latest)
            else:
                yield a, b

    def _free(self, a: datetime, b: datetime, *, latest: bool) -> datetime | None:
        start = _floor(b) if latest else _ceil(a)
        while a <= start <= b:
            for timeline, pad in self.busy:
                if latest:
                    hit = timeline.last_overlap(start - pad, start + self.length + pad)
                    if hit is not None:
                        start = _floor(hit[0] - pad - self.length)
                        break
                else:
                    hit = timeline.first_overlap(start - pad, start + self.length + pad)
                    if hit is not None:
                        start = _ceil(hit[1] + pad)
                        break
            else:
                return start
        return None


def _plus_months(day: _D, months: int) -> _D:
    """Move a date (or wall-clock time) by calendar months, keeping the day of the month
    where the month has it and taking the month's last day where it has not, as
    `dateutil.relativedelta` does (31 January + 1 month is 28 or 29 February)."""
    if not months:
        return day
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=1 << 16)
def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return localize(wall, zone)[0].astimezone(UTC)


def _local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """Return the local dates that [start, end) touches (at least the first)."""
    first = start.astimezone(zone).date()
    last = max(first, (end - timedelta(microseconds=1)).astimezone(zone).date())
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
