"""Placement: one client's occurrences become events at free times, or warnings. Pure.

Occurrences are placed in this order: fixed events (doses, then rest),
advisories, therapy sessions (all clients' together, see
`kapplan.engine.caseload`), then practices. A practice takes the earliest
(or, for ``prefer = "latest"``, the latest) start on a five-minute grid that
lies in its window, inside its hours, on an allowed day, and overlaps
nothing already placed; on a dose day, an integration practice comes after
that dose's intention where the day has room for it after the intention.

A therapy session (`SessionRequest`) has hard bounds besides its window: it
ends at least the rulebook's ``dose_buffer_minutes`` before any dose and
never on a dose day before the dose; a session that follows a dose comes
before the next dose (`SessionRequest.ceiling`), and one that prepares a
course after the previous course's last dose (`SessionRequest.floor`). Soft
limits (``sessions_per_day``, a rule's ``apart_days``) hold unless nothing
else fits, and are then warned. When a window cannot be met, the session
takes the nearest time outside it within its bounds (within four weeks, in
the rule's `overflow` direction) and the plan warns by how much; a
cadence session with no time before the next dose is covered by a session
after that dose; otherwise a warning and no event. No rule is ever dropped
silently.

Warnings are data (`kapplan.model.plan.WarningCode` and its params), with the
title of the event they are about; event titles and descriptions are written
by `kapplan.i18n` from `EventFacts`.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from msgspec import Struct, field
from msgspec.structs import replace

from kapplan.engine.calendar import (
    ALL_DAYS,
    GRID,
    WHOLE_DAY,
    Allowed,
    Clock,
    Hours,
    Search,
    TherapistCalendar,
    Timeline,
    ceil_to_grid,
    floor_to_grid,
    local_days,
)
from kapplan.engine.occurrences import (
    AnchorSpan,
    Occurrence,
    Occurrences,
    group_courses,
    near_splits,
    occurrence_params,
)
from kapplan.model.doses import DoseExpansion
from kapplan.model.hours import HourRange, parse_hours
from kapplan.model.plan import (
    AGENDA_KINDS,
    Booking,
    Course,
    EventFacts,
    EventKind,
    Infusion,
    Outside,
    Plan,
    PlanEvent,
    PlanWarning,
    WarningCode,
    WarningParam,
)
from kapplan.model.rulebook import Anchor, Offset, Placement, Rule, Rulebook
from kapplan.model.schedule import Schedule
from kapplan.model.zones import localize

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kapplan.i18n import Catalogue

#: How far outside a missed window the engine looks for the nearest slot.
OVERFLOW_HORIZON = timedelta(days=28)

#: The placements `ClientPlanner.finish` places last, and only when asked to.
_PRACTICES = frozenset({Placement.PRACTICE})
#: The placement a calendar-only planner counts and does not make, besides practices
#: (see `ClientPlanner.calendar_only`).
_ADVISORIES = frozenset({Placement.ADVISORY})

#: An event's title, description and journaling prompts.
Wording = tuple[str, str, tuple[str, ...]]


class Shared:
    """What every client's planner of one planning call shares; nothing outlives the call."""

    __slots__ = ("calendar", "clock", "hours", "offsets", "subjects", "wording")

    def __init__(self, calendar: TherapistCalendar, clock: Clock) -> None:
        self.calendar = calendar
        """The therapist's calendar: every client's sessions."""
        self.clock = clock
        """Local clock times, resolved once each."""
        self.offsets: dict[str, Offset] = {}
        """Rule offsets, parsed once each."""
        self.hours: dict[str, tuple[HourRange, ...]] = {}
        """A practice rule's hours, parsed once each."""
        self.wording: dict[tuple[object, ...], Wording] = {}
        """Titles and descriptions already written, by what they are made of (most events
        of a rule read alike across a caseload: time and memory)."""
        self.subjects: dict[tuple[object, ...], str] = {}
        """What warnings call their events, by the same key as `wording` (a caseload's
        warnings are mostly about occurrences that read alike)."""


class SessionRequest(Struct, eq=False):
    """A therapy session waiting for its time, and where it may go."""

    planner: ClientPlanner
    occurrence: Occurrence
    length: timedelta
    lo: datetime
    """The earliest start inside its window (and its bounds)."""
    hi: datetime
    """The latest start inside its window (and its bounds); before `lo` when none is."""
    latest: datetime
    """The latest start its window alone allows (for measuring lateness)."""
    floor: datetime | None
    """No start before this: the end of the previous course's last dose (preparation)."""
    ceiling: datetime | None
    """No start after this: the next dose's start less the session (it comes first)."""
    nearest: int | None
    """The dose that sets `ceiling`, if one does."""
    key: tuple[object, ...]
    """Its place in the booking order: deadline first, then what it is (not file order)."""
    start: datetime | None = None
    """Its start, once booked."""
    outside: Outside | None = None
    """How it misses its window, when it does."""
    fixed: bool = False
    """Kept where an earlier export booked it: no repair moves it."""
    placed: tuple[datetime, datetime] | None = None
    """For a session a person moved by hand and kept there: where kapplan had placed it."""
    unplanned: PlanWarning | None = None
    """The warning that it could not be planned, while it stands (see
    `kapplan.engine.caseload.book_requests`, which may settle it again)."""
    notes: list[tuple[WarningCode, dict[str, WarningParam], tuple[datetime, ...]]] = field(
        default_factory=list
    )
    """Warnings about its placement, written out (with its final ordinal) by `finish`."""

    @property
    def end(self) -> datetime:
        """Return its end, once booked."""
        assert self.start is not None
        return self.start + self.length


class ClientPlanner(Struct, dict=True):
    """Places one client's occurrences and collects their events and warnings."""

    schedule: Schedule
    rulebook: Rulebook
    book: int
    """The position of `rulebook` among the call's distinct rulebooks (wording key)."""
    expansion: DoseExpansion
    shared: Shared
    texts: Catalogue
    position: int = 0
    """The client's place among the call's schedules (the last tie-break only)."""
    warnings: list[PlanWarning] = field(default_factory=list)
    busy: Timeline = field(default_factory=Timeline)
    guard: Timeline = field(default_factory=Timeline)
    """Where no session may be: on a dose day before the dose, and the buffer before it."""
    events: list[tuple[tuple[object, ...], PlanEvent]] = field(default_factory=list)
    per_day: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    sessions_on: dict[date, int] = field(default_factory=dict)
    """Sessions booked on each client-local date."""
    requests: list[SessionRequest] = field(default_factory=list)
    """Every session request of the client, booked or not."""
    practices: list[Occurrence] = field(default_factory=list)
    """Practice occurrences, placed last (`finish`), around every session."""
    kept_free: dict[date, int] = field(default_factory=dict)
    """Client-local days that booked sessions of ``apart_days`` rules keep free (a count)."""
    session_hours: dict[tuple[object, ...], Hours] = field(default_factory=dict)
    """The client's allowed time for sessions, by what it is made of (searched often)."""
    searched: dict[tuple[object, ...], Hours] = field(default_factory=dict)
    """The client's allowed time for sessions by what in a rule and a search decides it,
    while the client's sessions stay as they are (emptied when one is booked or moved)."""
    session_base: (
        tuple[frozenset[int], tuple[HourRange, ...], frozenset[date], frozenset[date]] | None
    ) = None
    """What the client's allowed time for sessions is made of (see `_session_base`)."""
    after_dose: dict[tuple[int, int], SessionRequest] | None = None
    """The session requests that follow a dose, once a cadence session gives up (see
    `_sessions_after`)."""
    held: dict[tuple[int, int], tuple[SessionRequest, Booking]] = field(default_factory=dict)
    """Times an earlier export gave sessions that a cadence session giving up makes (see
    `hold_follows`): the stand-in booked there and the booking, by the rule's and the
    dose's identity, until such a session is made or the booking ends."""
    calendar_only: bool = False
    """Make only the events a therapist's calendar shows (`kapplan.engine.book_sessions`):
    sessions, and fixed events and advisories of a kind in `AGENDA_KINDS` (doses).

    Most events of a caseload are a client's own (rest after a dose, advisories), and
    the therapist's calendar drops them: a fixed event it does not show still takes its
    time (sessions keep clear of it) but is not written, and advisories, which nothing
    is placed around, are counted against the limit without being made, unless one of
    the client's advisory rules makes events of a shown kind. Every warning is the one
    the whole plan has: none of these events has a warning of its own but for a rest
    that overlaps, which is still met."""

    def __post_init__(self) -> None:
        self.zone = self.schedule.zone
        self.client = self.schedule.client
        self.settings = self.rulebook.placement
        self.buffer = timedelta(minutes=self.settings.dose_buffer_minutes)
        self.rulebook_apart = max((r.apart_days or 0 for r in self.rulebook.active), default=0)
        self.warnings.extend(note.warning(self.client) for note in self.expansion.notes)
        gap_days = self.schedule.plan.course_gap_days
        self.infusions, self.courses = group_courses(self.expansion.doses, gap_days, self.zone)
        self.starts = [inf.start for inf in self.infusions]
        self.ends = sorted(inf.end for inf in self.infusions)
        self.dose_days = frozenset(
            day for inf in self.infusions for day in local_days(inf.start, inf.end, self.zone)
        )
        for inf in self.infusions:
            midnight = self.shared.clock.at(inf.start.astimezone(self.zone).date(), 0, self.zone)
            self.guard.add(min(midnight, inf.start - self.buffer), inf.start)
        for inf, days in near_splits(self.infusions, gap_days, self.zone):
            self.warnings.append(
                PlanWarning(
                    code=WarningCode.COURSE_SPLIT,
                    params=MappingProxyType(
                        {"course": inf.course, "dose": inf.index, "days": days, "setting": gap_days}
                    ),
                    client=self.client,
                    infusion=inf.index,
                )
            )

    def occurrences(
        self, budget: int, *, practices: bool = True
    ) -> dict[Placement, list[Occurrence]] | None:
        """Return every occurrence of the client's rules by placement; None beyond `budget`.

        Without `practices`, the practices' occurrences are counted against `budget`
        but not made (`finish` would not place them); for a planner that makes only
        the therapist's calendar (`calendar_only`), the advisories' are too.
        """
        met = len(self.warnings)
        counted = frozenset() if practices else _PRACTICES
        if self.calendar_only and not any(
            rule.placement is Placement.ADVISORY and rule.kind in AGENDA_KINDS
            for rule in self.rulebook.active
        ):
            counted |= _ADVISORIES
        groups = Occurrences(
            self.schedule.plan,
            self.zone,
            self.infusions,
            self.courses,
            self.shared.clock,
            self.shared.offsets,
            self.warnings,
            self.client,
        ).of(self.rulebook, budget, counted=counted)
        self.warnings[met:] = [self._titled(w) for w in self.warnings[met:]]
        return groups

    def stage(self, groups: dict[Placement, list[Occurrence]]) -> list[SessionRequest]:
        """Place fixed events and advisories; return the sessions to book.

        Practices wait for `finish`, so they fit around every session.
        """
        for occurrence in groups[Placement.FIXED]:
            self._place_fixed(occurrence)
        self._place_advisories(groups[Placement.ADVISORY])
        self.practices = groups[Placement.PRACTICE]
        self.requests = [self.request(o) for o in groups[Placement.SESSION]]
        return self.requests

    def finish(self, *, practices: bool) -> Plan:
        """Write out the sessions, place the practices (when asked to), return the plan."""
        self._write_sessions()
        waiting, self.practices = self.practices, []
        if practices:
            waiting.sort(key=by_window)
            intentions = [o for o in waiting if _prepares_dose(o)]
            for occurrence in intentions:
                self.place_timed(occurrence)
            after = self._after_intentions()
            for occurrence in waiting:
                if not _prepares_dose(occurrence):
                    self.place_timed(occurrence, after)
        del waiting
        self.events.sort(key=lambda pair: pair[0])
        zone = self.zone
        return Plan(
            timezone=self.schedule.timezone,
            infusions=tuple(
                Infusion(
                    i.index, i.start.astimezone(zone), i.end.astimezone(zone), i.method, i.course
                )
                for i in self.infusions
            ),
            courses=tuple(
                Course(c.index, c.start.astimezone(zone), c.end.astimezone(zone), c.infusions)
                for c in self.courses
            ),
            events=tuple(event for _, event in self.events),
            warnings=tuple(self.warnings),
            client=self.client,
            language=self.texts.language,
        )

    # -- placement -------------------------------------------------------------

    def _place_fixed(self, occurrence: Occurrence) -> None:
        start = occurrence.opens
        end = start + timedelta(minutes=occurrence.minutes)
        if occurrence.rule.clip:
            blocker = self.busy.next_busy(start)
            if blocker is not None and blocker < end:
                if blocker - start < GRID:
                    self._warn(WarningCode.REST_OVERLAPS, occurrence)
                    return
                end = blocker
        self.busy.add(start, end)
        if not self.calendar_only or occurrence.rule.kind in AGENDA_KINDS:
            self._emit(occurrence, start, end)

    def _place_advisories(self, occurrences: list[Occurrence]) -> None:
        """Place all-day notes; a merging rule joins notes whose days overlap."""
        held: dict[tuple[str, int | None], _Advisory] = {}
        for occurrence in occurrences:
            assert occurrence.closes is not None
            days = local_days(occurrence.opens, occurrence.closes, self.zone)
            anchor = occurrence.anchor
            key = (occurrence.rule.id, anchor.course.index if anchor.course else None)
            span = held.get(key)
            if occurrence.rule.merge and span and days[0] <= span.last:
                span.last = max(span.last, days[-1])
                if anchor.infusion:
                    span.doses.append(anchor.infusion.index)
                continue
            if span:
                self._emit_advisory(span)
            doses = [anchor.infusion.index] if anchor.infusion else []
            held[key] = _Advisory(occurrence, days[0], days[-1], doses)
        for span in held.values():
            self._emit_advisory(span)

    def _emit_advisory(self, span: _Advisory) -> None:
        start = localize(datetime.combine(span.first, time()), self.zone)
        end = localize(datetime.combine(span.last + timedelta(days=1), time()), self.zone)
        occurrence = span.occurrence
        if len(span.doses) > 1:
            occurrence.anchor = replace(occurrence.anchor, covers=tuple(span.doses))
        self._emit(occurrence, start, end, all_day=True)

    def _after_intentions(self) -> Timeline:
        """Return where an integration practice may not go: on a dose day, before that
        dose's intention (placed already) ends."""
        blocked = Timeline()
        for _, event in self.events:
            if event.infusion is None or event.all_day or event.phase != "preparation":
                continue
            if event.is_session:
                continue
            inf = self.infusions[event.infusion - 1]
            day = inf.start.astimezone(self.zone).date()
            if event.start.astimezone(self.zone).date() == day:
                blocked.add(self.shared.clock.at(day, 0, self.zone), event.end)
        return blocked

    def place_timed(self, occurrence: Occurrence, blocked: Timeline | None = None) -> None:
        """Place a practice at its best free time, or warn."""
        rule = occurrence.rule
        assert occurrence.closes is not None
        length = timedelta(minutes=occurrence.minutes)
        taken = self.per_day[rule.id]
        window_days = local_days(occurrence.opens, occurrence.closes, self.zone)
        if rule.per_day and all(taken.get(d, 0) >= rule.per_day for d in window_days):
            return  # Already done that day for an earlier dose: at most per_day a day.
        # Every search below looks inside the window or the overflow horizon either side.
        own = self._practice_hours(rule, taken, occurrence.opens, occurrence.closes, length)
        search = self._search(own, length, blocked)
        latest_start = occurrence.closes - length if rule.fit == "whole" else occurrence.closes
        start = search.find(occurrence.opens, latest_start, latest=rule.prefer == "latest")
        if start is None and blocked is not None:
            # No room after the intention that day (an evening dose): before it, then.
            search = self._search(own, length, None)
            start = search.find(occurrence.opens, latest_start, latest=rule.prefer == "latest")
        miss: timedelta | None = None
        # The nearest grid times strictly outside the window: an edge off the grid
        # (a dose at 10:03) must not skip the grid time next to it.
        if start is None and rule.overflow == "later":
            start = search.find(
                floor_to_grid(latest_start) + GRID, latest_start + OVERFLOW_HORIZON, latest=False
            )
            miss = start - latest_start if start else None
        elif start is None:
            start = search.find(
                occurrence.opens - OVERFLOW_HORIZON,
                ceil_to_grid(occurrence.opens) - GRID,
                latest=True,
            )
            miss = occurrence.opens - start if start else None
        if start is None:
            self._warn(
                WarningCode.NOT_PLANNED,
                occurrence,
                opens=occurrence.opens,
                closes=occurrence.closes,
                direction=rule.overflow,
                days=OVERFLOW_HORIZON.days,
            )
            return
        outside: Outside | None = None
        if miss is not None:
            late = rule.overflow == "later"
            minutes = int(miss.total_seconds() // 60)
            self._warn(
                WarningCode.LATE if late else WarningCode.EARLY,
                occurrence,
                event=self.uid(occurrence),
                opens=occurrence.opens,
                closes=occurrence.closes,
                at=start,
                miss=minutes,
            )
            outside = self._outside(occurrence, late, minutes)
        self.busy.add(start, start + length)
        day = start.astimezone(self.zone).date()
        taken[day] = taken.get(day, 0) + 1
        self.searched.clear()
        self._emit(occurrence, start, start + length, outside=outside)

    def _outside(self, occurrence: Occurrence, late: bool, minutes: int) -> Outside:
        assert occurrence.closes is not None
        return Outside(
            late,
            occurrence.opens.astimezone(self.zone),
            occurrence.closes.astimezone(self.zone),
            minutes,
        )

    def _search(self, own: Hours, length: timedelta, blocked: Timeline | None) -> Search:
        """Return where a practice may go: its allowed time, clear of what is busy."""
        busy: tuple[tuple[Timeline, timedelta], ...] = ((self.busy, timedelta()),)
        if blocked is not None:
            busy += ((blocked, timedelta()),)
        return Search((own,), busy, length)

    def _practice_hours(
        self,
        rule: Rule,
        taken: dict[date, int],
        opens: datetime,
        closes: datetime,
        length: timedelta,
    ) -> Hours:
        """Return a practice rule's allowed time: its hours, less its full days (`taken`
        holds ``per_day`` or more) and, when it avoids them, the dose days.

        Only the days from `opens` to `closes`, the overflow horizon and a day either
        side and the practice's `length` after, are left out (a search there looks at no
        other day): a long course's practices do not each gather every full day and dose
        day of the plan.
        """
        if rule.hours == "availability":
            available = self.schedule.availability
            weekdays, ranges = available.weekdays, available.ranges
        else:
            ranges = self.shared.hours.get(rule.hours) or self.shared.hours.setdefault(
                rule.hours, parse_hours(rule.hours)
            )
            weekdays = ALL_DAYS
        excluded: frozenset[date] = frozenset()
        if rule.per_day or rule.avoid_dose_days:
            excluded = self._left_out(rule, taken, opens, closes, length)
        return Hours(self.zone, weekdays, ranges, excluded, self.shared.clock)

    def _left_out(
        self,
        rule: Rule,
        taken: dict[date, int],
        opens: datetime,
        closes: datetime,
        length: timedelta,
    ) -> frozenset[date]:
        """Return the full days and dose days a practice may not take near its window
        (every one of them at the ends of the calendar)."""
        doses = self.dose_days if rule.avoid_dose_days else frozenset()
        limit = rule.per_day
        try:
            margin = OVERFLOW_HORIZON + timedelta(days=1)
            first = (opens - margin).astimezone(self.zone).date()
            last = (closes + length + margin).astimezone(self.zone).date()
        except OverflowError:
            full = {d for d, n in taken.items() if limit and n >= limit}
            return frozenset(full | doses)
        near = map(date.fromordinal, range(first.toordinal(), last.toordinal() + 1))
        return frozenset(d for d in near if (limit and taken.get(d, 0) >= limit) or d in doses)

    # -- sessions ----------------------------------------------------------------

    def request(self, occurrence: Occurrence) -> SessionRequest:
        """Return a session occurrence as a request: its window, bounds and booking order."""
        rule, anchor = occurrence.rule, occurrence.anchor
        assert occurrence.closes is not None
        length = timedelta(minutes=occurrence.minutes)
        latest = occurrence.closes - length if rule.fit == "whole" else occurrence.closes
        floor = ceiling = None
        nearest = None
        if occurrence.opens < anchor.start:
            # It prepares its anchor: after whatever dose came before, never before it.
            before = bisect_left(self.ends, anchor.start)
            floor = self.ends[before - 1] if before else None
        else:
            after = bisect_right(self.starts, anchor.start)
            if after < len(self.starts):
                ceiling = self.starts[after] - length
                nearest = self.infusions[after].index
        lo = max(occurrence.opens, floor) if floor else occurrence.opens
        hi = min(latest, ceiling) if ceiling else latest
        key = (
            hi,
            lo,
            -occurrence.minutes,
            occurrence.order,
            occurrence.ordinal,
            self.uid(occurrence),
            self.schedule.timezone,
            self.position,
        )
        return SessionRequest(
            self, occurrence, length, lo, hi, latest, floor, ceiling, nearest, key
        )

    def session_search(
        self, request: SessionRequest, *, strict: bool, apart: bool | None = None
    ) -> Search:
        """Return where a session may go: the client's hours (and the therapist's, sharing
        their calendar), clear of doses, their guard and other sessions; `strict` keeps the
        soft limit of sessions a day, and `apart` (by default as `strict`) a rule's
        ``apart_days``."""
        rule = request.occurrence.rule
        calendar = self.shared.calendar
        therapist = calendar.hours()
        apart_days = (
            rule.apart_days if rule.apart_days and (strict if apart is None else apart) else 0
        )
        asked = (
            rule.id if rule.per_day else None,
            rule.per_day,
            rule.avoid_dose_days,
            strict,
            apart_days,
        )
        own = self.searched.get(asked)
        if own is None:
            own = self.searched[asked] = self._session_hours(rule, strict, apart_days)
        hours: tuple[Allowed, ...] = (own,) if therapist is None else (therapist, own)
        busy = (
            (self.busy, timedelta()),
            (self.guard, timedelta()),
            (calendar.busy, calendar.buffer),
        )
        return Search(hours, busy, request.length)

    def _session_hours(self, rule: Rule, strict: bool, apart_days: int) -> Hours:
        """Return the client's allowed time for a session of `rule` (see `session_search`)."""
        weekdays, ranges, days_off, dose_days = self._session_base()
        # The client's days off and holidays; practices are personal and still happen.
        excluded = dose_days if rule.avoid_dose_days else days_off
        more: set[date] = set()
        if rule.per_day:
            taken = self.per_day[rule.id]
            more.update(d for d, n in taken.items() if n >= rule.per_day)
        if strict:
            limit = self.settings.sessions_per_day
            more.update(d for d, n in self.sessions_on.items() if n >= limit)
            # Days kept free around a session whose rule keeps others apart.
            more.update(d for d, n in self.kept_free.items() if n)
        if apart_days:
            more |= self._near_sessions(apart_days)
        if not more <= excluded:
            excluded = excluded | more
        key = (weekdays, ranges, excluded)
        return self.session_hours.get(key) or self.session_hours.setdefault(
            key, Hours(self.zone, weekdays, ranges, key[2], self.shared.clock)
        )

    def _session_base(
        self,
    ) -> tuple[frozenset[int], tuple[HourRange, ...], frozenset[date], frozenset[date]]:
        """Return what a client's allowed time for sessions is made of before any session
        is booked: weekdays, clock ranges, days off, and days off with the dose days."""
        if self.session_base is None:
            therapist = self.shared.calendar.therapist
            available = self.schedule.availability
            if therapist is None or available.model_fields_set & {"days", "hours"}:
                weekdays, ranges = available.weekdays, available.ranges
            else:
                # The therapist's hours rule, and the client's waking hours still hold.
                weekdays, ranges = ALL_DAYS, self.settings.client_ranges
            days_off = frozenset(self.expansion.days_off)
            self.session_base = (weekdays, ranges, days_off, days_off | self.dose_days)
        return self.session_base

    def _near_sessions(self, days: int) -> set[date]:
        """Return the dates within `days` of a booked session's date (either side)."""
        near: set[date] = set()
        for day, count in self.sessions_on.items():
            if count:
                near.update(day + timedelta(days=n) for n in range(-days, days + 1))
        return near

    def find_in_window(
        self, request: SessionRequest, *, strict: bool = True, apart: bool | None = None
    ) -> datetime | None:
        """Return the best free start inside the request's window and bounds, or None."""
        if request.hi < request.lo:
            return None
        if self.shared.calendar.closed(request.lo, request.hi + request.length):
            return None  # the therapist's days there are off or full
        search = self.session_search(request, strict=strict, apart=apart)
        target = request.occurrence.target
        if target is not None and request.lo <= target <= request.hi:
            # A spread occurrence: the first free time from its aim, else the nearest before.
            found = search.find(target, request.hi, latest=False)
            return found or search.find(request.lo, target, latest=True)
        latest = request.occurrence.rule.prefer == "latest"
        return search.find(request.lo, request.hi, latest=latest)

    def find_outside(self, request: SessionRequest, *, strict: bool) -> datetime | None:
        """Return the nearest free start outside the window, inside the bounds, or None."""
        search = self.session_search(request, strict=strict)
        occurrence = request.occurrence
        if occurrence.rule.overflow == "later":
            lo = floor_to_grid(request.latest) + GRID
            hi = request.latest + OVERFLOW_HORIZON
            if request.ceiling is not None:
                hi = min(hi, request.ceiling)
            return search.find(lo, hi, latest=False)
        lo = occurrence.opens - OVERFLOW_HORIZON
        if request.floor is not None:
            lo = max(lo, request.floor)
        return search.find(lo, ceil_to_grid(occurrence.opens) - GRID, latest=True)

    def reserve(self, request: SessionRequest, start: datetime) -> None:
        """Book a session: on the client's and the therapist's calendars."""
        request.start = start
        end = start + request.length
        self.searched.clear()
        self.busy.add(start, end)
        self.shared.calendar.book(start, end)
        day = start.astimezone(self.zone).date()
        self.sessions_on[day] = self.sessions_on.get(day, 0) + 1
        self._keep_free(request, day, 1)
        taken = self.per_day[request.occurrence.rule.id]
        taken[day] = taken.get(day, 0) + 1

    def _keep_free(self, request: SessionRequest, day: date, step: int) -> None:
        """Count the days a session of an ``apart_days`` rule keeps free of other sessions."""
        apart = request.occurrence.rule.apart_days
        for n in range(-(apart or 0), (apart or 0) + 1):
            if n:
                near = day + timedelta(days=n)
                self.kept_free[near] = self.kept_free.get(near, 0) + step

    def keep(self, request: SessionRequest, booking: Booking, *, warn: bool = True) -> None:
        """Book a session where an earlier export had it, when that is still valid.

        A session a person moved by hand (`Booking.pinned`) stays wherever it does not
        overlap a dose, its rest or another booking; if it
        does, it is placed again and a warning says so. Any other booking stays while it
        is inside its hours, clear of everything, and inside its (perhaps moved) window
        and bounds, or outside its window where it had been accepted as late (or
        early: `Booking.outside`), inside its bounds and the overflow horizon. Without
        `warn`, a pinned session that cannot stay is left unbooked without a warning.
        """
        start = booking.start.astimezone(UTC)
        if booking.pinned:
            anywhere = Hours(self.zone, ALL_DAYS, (WHOLE_DAY,), frozenset(), self.shared.clock)
            calendar = self.shared.calendar
            # A person's choice: only a dose, its rest or another booking can undo it.
            busy = ((self.busy, timedelta()), (calendar.busy, timedelta()))
            if Search((anywhere,), busy, request.length).find(start, start, latest=False):
                self.reserve(request, start)
                request.fixed = True
                request.placed = booking.placed
            elif warn:
                self._warn(WarningCode.PINNED_MOVED, request.occurrence, at=start)
            return
        # The soft limits were met, or given way and warned, when it was booked: only
        # what cannot give way is checked again (and warned again where it gives way).
        search = self.session_search(request, strict=False)
        if search.find(start, start, latest=False) != start:
            return
        occurrence = request.occurrence
        outside = not request.lo <= start <= request.hi
        if outside and not booking.outside:
            return  # it was inside its window, and the window has moved away from it
        if outside:
            if occurrence.rule.overflow == "later":
                bound = request.latest + OVERFLOW_HORIZON
                if request.ceiling is not None:
                    bound = min(bound, request.ceiling)
                accepted = request.latest < start <= bound
            else:
                bound = occurrence.opens - OVERFLOW_HORIZON
                if request.floor is not None:
                    bound = max(bound, request.floor)
                accepted = bound <= start < occurrence.opens
            if not accepted:
                return
        self._book_noted(request, start, self._miss(request, start) if outside else None)
        request.fixed = True

    def within_limits(self, request: SessionRequest) -> bool:
        """Tell whether a booked session keeps the soft limits: sessions a day, and its
        rule's ``apart_days`` from every other session of the client."""
        assert request.start is not None
        day = request.start.astimezone(self.zone).date()
        if self.sessions_on.get(day, 0) > self.settings.sessions_per_day:
            return False
        if self.kept_free.get(day, 0) > 0:
            return False
        apart = request.occurrence.rule.apart_days
        if apart:
            near = sum(
                self.sessions_on.get(day + timedelta(days=n), 0) for n in range(-apart, apart + 1)
            )
            return near <= 1
        return True

    def release(self, request: SessionRequest) -> None:
        """Take a booked session off both calendars (it is being moved)."""
        start, end = request.start, request.end
        assert start is not None
        self.searched.clear()
        self.busy.remove(start, end)
        self.shared.calendar.unbook(start, end)
        day = start.astimezone(self.zone).date()
        self.sessions_on[day] -= 1
        self._keep_free(request, day, -1)
        self.per_day[request.occurrence.rule.id][day] -= 1
        request.start = None

    def settle(self, request: SessionRequest) -> SessionRequest | None:
        """Book a session whose window could not be met, as near it as the rules allow.

        In order: inside the window but near another session (a rule's
        ``apart_days``), outside the window, inside it on a day that has a session
        already, outside it on such a day; else, for a session that follows a
        dose's cadence, a session after the next dose of the course covers both;
        else nothing. Each is warned.

        Returns:
            A new request when the session moved on to the next dose (to book
            next), else None.
        """
        occurrence = request.occurrence
        rule = occurrence.rule
        if rule.apart_days:
            start = self.find_in_window(request, strict=True, apart=False)
            if start is not None:
                self._book_noted(request, start, None)
                return None
        for strict in (True, False):
            start = self.find_outside(request, strict=strict)
            if start is not None:
                self._book_noted(request, start, self._miss(request, start))
                return None
            if strict:
                start = self.find_in_window(request, strict=False)
                if start is not None:
                    self._book_noted(request, start, None)
                    return None
        return self.give_up(request)

    def beyond_reach(self, request: SessionRequest) -> bool:
        """Tell whether every search `settle` (and `_pull_in` before it) would make for a
        request must fail, from one search that reaches further than all of them.

        Most sessions of an overbooked caseload end in `give_up` after four to six
        searches that each find nothing (the therapist's days are full for weeks). Every
        one of those searches looks inside the request's window or the overflow horizon
        beyond it, in the client's hours less some days, clear of what is busy; the
        search without the soft limits (``sessions_per_day``, ``apart_days``: it leaves
        out the fewest days) over the whole span from the earliest of those starts to
        the latest allows every start any of them allows. When it finds none, none of
        them can, and the request goes straight to `give_up`: the same warning, the
        same result, one search instead of several.

        Parameters:
            request: A session whose window could not be met.

        Returns:
            True when no time can be found for it (so `settle` would give up).
        """
        occurrence = request.occurrence
        try:
            # The span past the window that settling searches, in its rule's direction.
            if occurrence.rule.overflow == "later":
                hi = request.latest + OVERFLOW_HORIZON
                if request.ceiling is not None:
                    hi = min(hi, request.ceiling)
                lo = floor_to_grid(request.latest) + GRID
            else:
                lo = occurrence.opens - OVERFLOW_HORIZON
                if request.floor is not None:
                    lo = max(lo, request.floor)
                hi = ceil_to_grid(occurrence.opens) - GRID
            # With the window (when it has a start), from the earliest start to the latest.
            if request.lo <= request.hi:
                if lo > hi:
                    lo, hi = request.lo, request.hi
                else:
                    lo, hi = min(request.lo, lo), max(request.hi, hi)
            elif lo > hi:
                return True
            if self.shared.calendar.closed(lo, hi + request.length):
                return True
            return self.session_search(request, strict=False).find(lo, hi, latest=False) is None
        except OverflowError:
            return False  # at the ends of the calendar: the searches themselves decide

    def _miss(self, request: SessionRequest, start: datetime) -> int:
        occurrence = request.occurrence
        miss = (
            start - request.latest
            if occurrence.rule.overflow == "later"
            else occurrence.opens - start
        )
        return int(miss.total_seconds() // 60)

    def _book_noted(self, request: SessionRequest, start: datetime, miss: int | None) -> None:
        """Book a session outside what was asked, noting each way it differs."""
        occurrence = request.occurrence
        rule = occurrence.rule
        day = start.astimezone(self.zone).date()
        crowded = self.sessions_on.get(day, 0) >= self.settings.sessions_per_day
        near = (rule.apart_days and day in self._near_sessions(rule.apart_days)) or (
            self.kept_free.get(day, 0) > 0
        )
        self.reserve(request, start)
        if miss is not None:
            late = rule.overflow == "later"
            others = self._alternatives(self.session_search(request, strict=True), start, late)
            request.notes.append(
                (
                    WarningCode.LATE if late else WarningCode.EARLY,
                    {
                        "opens": occurrence.opens,
                        "closes": occurrence.closes or request.latest,
                        "at": start,
                        "miss": miss,
                    },
                    tuple(o.astimezone(self.zone) for o in others),
                )
            )
            request.outside = self._outside(occurrence, late, miss)
        if crowded:
            limit = self.settings.sessions_per_day
            request.notes.append((WarningCode.SAME_DAY, {"at": start, "limit": limit}, ()))
        elif near:
            days = rule.apart_days or self.rulebook_apart
            request.notes.append((WarningCode.CLOSE_SESSIONS, {"at": start, "days": days}, ()))

    def give_up(self, request: SessionRequest) -> SessionRequest | None:
        """Cover a cadence session by the next dose's, or warn that nothing fits.

        Parameters:
            request: A session no time was found for (`settle`, `beyond_reach`).

        Returns:
            A new request when the session moved on to the next dose (to book next),
            else None.
        """
        occurrence = request.occurrence
        rule, anchor = occurrence.rule, occurrence.anchor
        nxt = self._next_in_course(request)
        if nxt is not None and anchor.infusion is not None:
            covers = anchor.covers or (anchor.infusion.index,)
            self._warn(WarningCode.MERGED, occurrence, next=nxt.index)
            key = (id(rule), id(nxt))
            other = self._sessions_after().get(key)
            if other is not None:
                o = other.occurrence
                mine = o.anchor.covers or (nxt.index,)
                o.anchor = replace(o.anchor, covers=tuple(sorted({*covers, *mine})))
                return None
            # The next dose has no session of its own (weekly cadence): one follows it.
            follow = self._follow(request, nxt)
            self.requests.append(follow)
            self._sessions_after().setdefault(key, follow)
            held = self.held.pop(key, None)
            if held is not None:
                # An earlier export had it booked: it takes the time its stand-in kept.
                stand_in, booking = held
                self.release(stand_in)
                self.keep(follow, booking)
                if follow.start is not None:
                    return None
            return follow
        facts: dict[str, WarningParam] = {
            "opens": occurrence.opens,
            "closes": occurrence.closes or request.latest,
            "direction": rule.overflow,
            "days": OVERFLOW_HORIZON.days,
        }
        if request.nearest is not None:
            facts["next"] = request.nearest
        self._warn(WarningCode.NOT_PLANNED, occurrence, facts=facts)
        request.unplanned = self.warnings[-1]
        return None

    def _next_in_course(self, request: SessionRequest) -> Infusion | None:
        """Return the next dose of the same course, after which a cadence session given up
        is covered (`give_up`); None for another rule, or at a course's last dose."""
        anchor = request.occurrence.anchor
        if not (request.occurrence.rule.follows_cadence and request.nearest):
            return None
        nxt = self.infusions[request.nearest - 1]
        if anchor.infusion is None or nxt.course != anchor.infusion.course:
            return None
        return nxt

    def _follow(self, request: SessionRequest, nxt: Infusion) -> SessionRequest:
        """Return the request of the session that follows the next dose `nxt` for a
        cadence session given up (`give_up`), covering its doses and the next one's."""
        occurrence = request.occurrence
        anchor = occurrence.anchor
        assert anchor.infusion is not None
        covers = anchor.covers or (anchor.infusion.index,)
        shift = nxt.start - anchor.start
        assert occurrence.closes is not None
        moved = replace(
            occurrence,
            anchor=AnchorSpan(nxt.start, nxt.end, nxt, anchor.course, (*covers, nxt.index)),
            opens=occurrence.opens + shift,
            closes=occurrence.closes + shift,
            target=None,
        )
        return self.request(moved)

    def hold_follows(self, request: SessionRequest, bookings: Mapping[str, Booking]) -> None:
        """Keep the time an earlier export gave the session that would follow the next dose
        if this cadence session (not booked yet) gave up, and the one after that if that
        one gave up too (`give_up`): such a session is made only while sessions are
        booked, when others may have taken its time, so a stand-in is booked there first
        (`keep`). The session takes the time when it is made; `end_holds` gives back
        what none took."""
        while (nxt := self._next_in_course(request)) is not None:
            key = (id(request.occurrence.rule), id(nxt))
            if key in self.held or self._sessions_after().get(key) is not None:
                return
            follow = self._follow(request, nxt)
            booking = bookings.get(self.uid(follow.occurrence))
            if booking is not None:
                # Quietly: a stand-in that does not fit is no session of the plan's.
                self.keep(follow, booking, warn=False)
                if follow.start is not None:
                    self.held[key] = (follow, booking)
                return
            request = follow  # given up as well, it would make the next one

    def end_holds(self) -> None:
        """Give back the times kept for sessions that were never made (`hold_follows`)."""
        for stand_in, _ in self.held.values():
            self.release(stand_in)
        self.held.clear()

    def _sessions_after(self) -> dict[tuple[int, int], SessionRequest]:
        """Return the first session request of each rule that follows a dose itself (not a
        week without a dose), by the rule's and the dose's identity, in request order."""
        if self.after_dose is None:
            self.after_dose = {}
            for request in self.requests:
                anchor = request.occurrence.anchor
                if anchor.infusion is not None and not anchor.weeks_after:
                    key = (id(request.occurrence.rule), id(anchor.infusion))
                    self.after_dose.setdefault(key, request)
        return self.after_dose

    def _write_sessions(self) -> None:
        """Emit the booked sessions and their warnings.

        Occurrences of one rule that share a window (preparation sessions, spread
        week-2 sessions) are numbered in time order, whichever was booked first. A
        session kept where an earlier export booked it keeps its uid (so it does not
        count as moved), and only its number follows the order; the others take the
        remaining uids in time order.
        """
        booked = [r for r in self.requests if r.start is not None]
        groups: dict[tuple[object, ...], list[SessionRequest]] = defaultdict(list)
        for r in booked:
            o = r.occurrence
            anchor = o.anchor
            where = (
                anchor.course.index if anchor.course else None,
                anchor.infusion.index if anchor.infusion else None,
                anchor.weeks_after,
            )
            groups[(o.rule.id, where, o.opens, o.closes)].append(r)
        for group in groups.values():
            if len(group) > 1:
                ordinals = sorted(r.occurrence.ordinal for r in group)
                group.sort(key=lambda r: (r.start, r.key))
                for r, ordinal in zip(group, ordinals, strict=True):
                    r.occurrence.shown = ordinal
                kept = {r.occurrence.ordinal for r in group if r.fixed}
                free = iter(o for o in ordinals if o not in kept)
                for r in group:
                    if not r.fixed:
                        r.occurrence.ordinal = next(free)
        for r in sorted(booked, key=lambda r: (r.start, r.key)):
            assert r.start is not None
            uid = self.uid(r.occurrence)
            for code, facts, alternatives in r.notes:
                self._warn(code, r.occurrence, event=uid, alternatives=alternatives, facts=facts)
            self._emit(r.occurrence, r.start, r.end, outside=r.outside, placed=r.placed)
        self.requests = []
        self.after_dose = None

    def _alternatives(self, search: Search, chosen: datetime, later: bool) -> tuple[datetime, ...]:
        """Return up to two more free starts beyond `chosen`, on other days, for a warning."""
        found: list[datetime] = []
        moment = chosen
        for _ in range(2):
            day = moment.astimezone(self.zone).date() + timedelta(days=1 if later else -1)
            edge = self.shared.clock.at(day, 0 if later else 24 * 60, self.zone)
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

    # -- events and warnings -------------------------------------------------------

    def uid(self, occurrence: Occurrence) -> str:
        """Return the uid of an occurrence's event: made of what it is, never a counter."""
        anchor = occurrence.anchor
        course, inf, weeks = anchor.course, anchor.infusion, anchor.weeks_after
        key = (
            f"{self.client}|{occurrence.rule.id}|{course.index if course else '-'}"
            f"|{inf.index if inf else '-'}|{occurrence.ordinal}{f'|+{weeks}w' if weeks else ''}"
        )
        return hashlib.sha256(key.encode()).hexdigest()[:24] + "@kapplan"

    def _emit(
        self,
        occurrence: Occurrence,
        start: datetime,
        end: datetime,
        *,
        all_day: bool = False,
        outside: Outside | None = None,
        placed: tuple[datetime, datetime] | None = None,
    ) -> None:
        rule, anchor = occurrence.rule, occurrence.anchor
        inf = anchor.infusion
        course = anchor.course.index if anchor.course else None
        title, description, prompts = self._wording(occurrence, outside)
        event = PlanEvent(
            uid=self.uid(occurrence),
            kind=EventKind(rule.kind),
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
            placed=placed,
            outside=outside is not None,
        )
        order = (start.astimezone(UTC), not all_day, occurrence.order, event.uid)
        self.events.append((order, event))

    def _warn(
        self,
        code: WarningCode,
        occurrence: Occurrence,
        *,
        event: str | None = None,
        alternatives: tuple[datetime, ...] = (),
        facts: dict[str, WarningParam] | None = None,
        **more: WarningParam,
    ) -> None:
        """Record a warning about an occurrence."""
        anchor = occurrence.anchor
        params = occurrence_params(
            occurrence.rule, anchor, occurrence.shown or occurrence.ordinal, occurrence.count
        )
        params.update(facts or {}, **more)
        self.warnings.append(
            PlanWarning(
                code=code,
                params=MappingProxyType(params),
                rule=occurrence.rule.id,
                client=self.client,
                infusion=anchor.infusion.index if anchor.infusion else None,
                event=event,
                alternatives=alternatives,
                title=self._subject(occurrence.rule, self._facts(occurrence)),
            )
        )

    # -- wording -----------------------------------------------------------------

    def _facts(self, occurrence: Occurrence, outside: Outside | None = None) -> EventFacts:
        """Return what an occurrence's texts are made of."""
        anchor = occurrence.anchor
        inf = anchor.infusion
        return EventFacts(
            inf.index if inf else None,
            inf.method if inf else None,
            anchor.covers,
            anchor.weeks_after,
            anchor.course.index if anchor.course else None,
            occurrence.shown or occurrence.ordinal,
            occurrence.count,
            occurrence.minutes,
            occurrence.weeks,
            occurrence.months,
            outside,
        )

    def _wording(self, occurrence: Occurrence, outside: Outside | None) -> Wording:
        """Write an occurrence's title, description and prompts (once per distinct facts)."""
        rule, facts = occurrence.rule, self._facts(occurrence, outside)
        # The rule and method texts are the client's own rulebook's (each client of a
        # caseload may have one): `book` tells the call's rulebooks apart.
        key = (self.texts.language, self.book, rule.id, facts)
        wording = self.shared.wording.get(key)
        if wording is None:
            method = self.rulebook.methods[facts.method] if facts.method else None
            wording = self.shared.wording[key] = self.texts.event_text(rule, method, facts)
        return wording

    def _subject(self, rule: Rule, facts: EventFacts) -> str:
        """Name what a warning is about as the plan titles its event (`Catalogue.subject`),
        once per distinct facts."""
        key = (self.texts.language, self.book, rule.id, facts)
        subject = self.shared.subjects.get(key)
        if subject is None:
            method = self.rulebook.methods[facts.method] if facts.method else None
            subject = self.shared.subjects[key] = self.texts.subject(rule, method, facts)
        return subject

    def _titled(self, warning: PlanWarning) -> PlanWarning:
        """Give a warning met while counting occurrences (a covered dose, a repeat cut
        off) the title its event would have had, from the facts its params name."""
        rule = next((r for r in self.rulebook.rule if r.id == warning.rule), None)
        if rule is None or warning.title:
            return warning
        params = warning.params
        dose, course = params.get("dose"), params.get("course")
        k, count = params.get("k", 1), params.get("count", 1)
        inf = self.infusions[dose - 1] if isinstance(dose, int) else None
        facts = EventFacts(
            infusion=inf.index if inf else None,
            method=inf.method if inf else None,
            course=course if isinstance(course, int) else (inf.course if inf else None),
            k=k if isinstance(k, int) else 1,
            count=count if isinstance(count, int) else 1,
        )
        return replace(warning, title=self._subject(rule, facts))


class _Advisory:
    """An advisory being built: a merging rule stretches it over overlapping days."""

    __slots__ = ("doses", "first", "last", "occurrence")

    def __init__(self, occurrence: Occurrence, first: date, last: date, doses: list[int]) -> None:
        self.occurrence, self.first, self.last, self.doses = occurrence, first, last, doses


def _prepares_dose(occurrence: Occurrence) -> bool:
    """Tell whether a practice prepares its dose (intention setting)."""
    rule = occurrence.rule
    return rule.phase == "preparation" and rule.anchor is Anchor.INFUSION


def by_window(occurrence: Occurrence) -> tuple[object, ...]:
    """Order occurrences by window opening (practices, and sessions within a client)."""
    return (occurrence.opens, occurrence.closes, occurrence.order, occurrence.ordinal)


__all__ = ["OVERFLOW_HORIZON", "ClientPlanner", "SessionRequest", "Shared", "by_window"]
