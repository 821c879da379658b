"""Placement: one client's occurrences become events at free times, or warnings. Pure.

Occurrences are placed in this order: fixed events (doses, then rest),
advisories, therapy sessions (by window opening; in a caseload, all clients'
sessions earliest deadline first, see `kapplan.engine.caseload`), then
practices. A session or practice takes the earliest (or, for ``prefer =
"latest"``, the latest) start on a five-minute grid that lies in its window,
inside its hours, on an allowed day, and overlaps no dose, rest, session or
practice already placed. When the window cannot be met, it takes the
nearest such time outside it (within four weeks, in the rule's `overflow`
direction) and the plan warns by how much; when nothing fits, it warns and
places nothing. No rule is ever dropped silently.

Warnings are data (`kapplan.model.plan.WarningCode` and its params), with the
title of the event they are about; event titles and descriptions are written
by `kapplan.i18n` from `EventFacts`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from kapplan.engine.calendar import (
    ALL_DAYS,
    GRID,
    WHOLE_DAY,
    Clock,
    Hours,
    Search,
    TherapistCalendar,
    Timeline,
    ceil_to_grid,
    floor_to_grid,
    local_days,
)
from kapplan.engine.occurrences import Occurrence, Occurrences, group_courses, occurrence_params
from kapplan.model.doses import DoseExpansion
from kapplan.model.hours import HourRange, parse_hours
from kapplan.model.plan import (
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
    from kapplan.i18n import Catalogue

#: How far outside a missed window the engine looks for the nearest slot.
OVERFLOW_HORIZON = timedelta(days=28)

#: An event's title, description and journaling prompts.
Wording = tuple[str, str, tuple[str, ...]]


class Shared:
    """What every client's planner of one planning call shares; nothing outlives the call."""

    __slots__ = ("calendar", "clock", "hours", "offsets", "wording")

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


@dataclass
class ClientPlanner:
    """Places one client's occurrences and collects their events and warnings."""

    schedule: Schedule
    rulebook: Rulebook
    book: int
    """The position of `rulebook` among the call's distinct rulebooks (wording key)."""
    expansion: DoseExpansion
    shared: Shared
    texts: Catalogue
    warnings: list[PlanWarning] = field(default_factory=list)
    busy: Timeline = field(default_factory=Timeline)
    events: list[tuple[tuple[object, ...], PlanEvent]] = field(default_factory=list)
    per_day: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    practices: list[Occurrence] = field(default_factory=list)
    """Practice occurrences, placed last (`finish`), around every session."""

    def __post_init__(self) -> None:
        self.zone = self.schedule.zone
        self.client = self.schedule.client
        self.warnings.extend(note.warning(self.client) for note in self.expansion.notes)
        self.infusions, self.courses = group_courses(
            self.expansion.doses, self.schedule.plan.course_gap_days
        )
        self.dose_days = frozenset(
            day for inf in self.infusions for day in local_days(inf.start, inf.end, self.zone)
        )

    def occurrences(self, budget: int) -> dict[Placement, list[Occurrence]] | None:
        """Return every occurrence of the client's rules by placement; None beyond `budget`."""
        met = len(self.warnings)
        groups = Occurrences(
            self.schedule.plan,
            self.zone,
            self.infusions,
            self.courses,
            self.shared.clock,
            self.shared.offsets,
            self.warnings,
            self.client,
        ).of(self.rulebook, budget)
        self.warnings[met:] = [self._titled(w) for w in self.warnings[met:]]
        return groups

    def stage(self, groups: dict[Placement, list[Occurrence]]) -> list[Occurrence]:
        """Place fixed events and advisories; return the session occurrences to place.

        Practices wait for `finish`, so they fit around every session.
        """
        for occurrence in groups[Placement.FIXED]:
            self._place_fixed(occurrence)
        self._place_advisories(groups[Placement.ADVISORY])
        self.practices = groups[Placement.PRACTICE]
        return groups[Placement.SESSION]

    def finish(self, *, practices: bool) -> Plan:
        """Place the practices (when asked to) and return the plan."""
        waiting, self.practices = self.practices, []
        if practices:
            for occurrence in sorted(waiting, key=by_window):
                self.place_timed(occurrence)
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

    def place_timed(self, occurrence: Occurrence) -> None:
        """Place a session or practice at its best free time, or warn."""
        rule = occurrence.rule
        assert occurrence.closes is not None
        length = timedelta(minutes=occurrence.minutes)
        taken = self.per_day[rule.id]
        window_days = local_days(occurrence.opens, occurrence.closes, self.zone)
        if rule.per_day and all(taken.get(d, 0) >= rule.per_day for d in window_days):
            return  # Already done that day for an earlier dose: at most per_day a day.
        search = self._search(rule, taken, length)
        latest_start = occurrence.closes - length if rule.fit == "whole" else occurrence.closes
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
            others: tuple[datetime, ...] = ()
            if rule.placement is Placement.SESSION:
                others = self._alternatives(search, start, late)
            self._warn(
                WarningCode.LATE if late else WarningCode.EARLY,
                occurrence,
                event=self._uid(occurrence),
                alternatives=tuple(o.astimezone(self.zone) for o in others),
                opens=occurrence.opens,
                closes=occurrence.closes,
                at=start,
                miss=minutes,
            )
            outside = Outside(
                late,
                occurrence.opens.astimezone(self.zone),
                occurrence.closes.astimezone(self.zone),
                minutes,
            )
        self.busy.add(start, start + length)
        if rule.placement is Placement.SESSION:
            self.shared.calendar.book(start, start + length)
        day = start.astimezone(self.zone).date()
        taken[day] = taken.get(day, 0) + 1
        self._emit(occurrence, start, start + length, outside=outside)

    def _search(self, rule: Rule, taken: dict[date, int], length: timedelta) -> Search:
        """Return where an occurrence of `rule` may go: its hours, clear of what is busy."""
        clock = self.shared.clock
        if rule.hours == "availability":
            available = self.schedule.availability
            weekdays, ranges = available.weekdays, available.ranges
        else:
            ranges = self.shared.hours.get(rule.hours) or self.shared.hours.setdefault(
                rule.hours, parse_hours(rule.hours)
            )
            weekdays = ALL_DAYS
        excluded = {d for d, n in taken.items() if rule.per_day and n >= rule.per_day}
        if rule.avoid_dose_days:
            excluded |= self.dose_days
        own = Hours(self.zone, weekdays, ranges, frozenset(excluded), clock)
        hours: tuple[Hours, ...] = (own,)
        busy: tuple[tuple[Timeline, timedelta], ...] = ((self.busy, timedelta()),)
        if rule.placement is Placement.SESSION:
            calendar = self.shared.calendar
            therapist = calendar.hours()
            if therapist is not None:
                # The therapist's hours rule; the client's own [availability] narrows
                # them only when the schedule sets it.
                if "availability" not in self.schedule.model_fields_set:
                    own = Hours(self.zone, ALL_DAYS, (WHOLE_DAY,), frozenset(excluded), clock)
                hours = (therapist, own)
            busy += ((calendar.busy, calendar.buffer),)
        return Search(hours, busy, length)

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

    def _uid(self, occurrence: Occurrence) -> str:
        anchor = occurrence.anchor
        key = "|".join(
            (
                self.client,
                occurrence.rule.id,
                str(anchor.course.index) if anchor.course else "-",
                str(anchor.infusion.index) if anchor.infusion else "-",
                str(occurrence.ordinal),
                *((f"+{anchor.weeks_after}w",) if anchor.weeks_after else ()),
            )
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
    ) -> None:
        rule, anchor = occurrence.rule, occurrence.anchor
        inf = anchor.infusion
        course = anchor.course.index if anchor.course else None
        title, description, prompts = self._wording(occurrence, outside)
        event = PlanEvent(
            uid=self._uid(occurrence),
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
        **facts: WarningParam,
    ) -> None:
        """Record a warning about an occurrence."""
        anchor = occurrence.anchor
        params = occurrence_params(occurrence.rule, anchor, occurrence.ordinal, occurrence.count)
        params.update(facts)
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
            occurrence.ordinal,
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
        """Name what a warning is about as the plan titles its event (`Catalogue.subject`)."""
        method = self.rulebook.methods[facts.method] if facts.method else None
        return self.texts.subject(rule, method, facts)

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


def by_window(occurrence: Occurrence) -> tuple[object, ...]:
    """Order occurrences by window opening (practices, and sessions within a client)."""
    return (occurrence.opens, occurrence.closes, occurrence.order, occurrence.ordinal)


def by_deadline(occurrence: Occurrence) -> tuple[object, ...]:
    """Order occurrences by window closing: in a caseload, the sooner deadline books first."""
    return (occurrence.closes, occurrence.opens, occurrence.order, occurrence.ordinal)


__all__ = ["OVERFLOW_HORIZON", "ClientPlanner", "Shared", "by_deadline", "by_window"]
