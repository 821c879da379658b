"""Courses, anchors and occurrences: what every rule asks for, before any time is chosen. Pure.

Doses are grouped into courses: a dose whose start falls more than
``course_gap_days`` calendar days after the previous dose's start (both dates
on the schedule's clock) starts a new course, so two-weekly doses at the same
clock time stay one course across a DST change. Every enabled rule then
yields *occurrences* per anchor (a dose, a course, the gap between courses,
the time after the last course; see `kapplan.model.rulebook`), each with a
window measured from its anchor in real time (minutes, hours, days) or on
the wall clock (calendar months, ``day`` offsets). All instants are UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo

from msgspec import Struct

from kapplan.engine.calendar import Clock, monday, plus_months
from kapplan.model.doses import Dose
from kapplan.model.plan import Course, Infusion, PlanWarning, WarningCode, WarningParam
from kapplan.model.rulebook import (
    SETTINGS,
    Anchor,
    Offset,
    Placement,
    Rule,
    Rulebook,
    parse_offset,
)
from kapplan.model.schedule import Cadence, PlanSettings
from kapplan.model.zones import localize

#: A repeat that yields more occurrences than this is cut off with a warning.
MAX_OCCURRENCES = 500


def _dose_minutes(inf: Infusion) -> int:
    """Return a dose's length in whole minutes (``{dose_minutes}`` in a rule's texts)."""
    return int((inf.end - inf.start) / timedelta(minutes=1))


class AnchorSpan(Struct, frozen=True):
    """One thing a rule counts from: a dose, a course, a gap, or the end of the last course."""

    start: datetime
    end: datetime
    infusion: Infusion | None = None
    course: Course | None = None
    covers: tuple[int, ...] = ()
    """Dose indices an infusion-anchored session covers (cadence), when more than one."""
    weeks_after: int = 0
    """Weekly cadence: whole weeks this anchor lies after its dose (a week with no dose)."""


class Occurrence(Struct):
    """One occurrence of a rule waiting for its time."""

    rule: Rule
    order: int
    """The rule's position among the active rules (ties are placed in this order)."""
    anchor: AnchorSpan
    ordinal: int
    """1-based among the occurrences of its rule on its anchor."""
    count: int
    """How many occurrences its rule has on its anchor."""
    opens: datetime
    closes: datetime | None
    minutes: int
    months: int = 0
    """Calendar months from the anchor (``{month}`` in texts)."""
    weeks: int = 0
    """Whole weeks from the anchor's day (``{week}`` in texts)."""
    target: datetime | None = None
    """A spread rule's aim inside its window (see `Rule.spread`), else None."""
    shown: int = 0
    """The number its texts show, when sessions sharing a window are numbered in time
    order apart from their uids (see `ClientPlanner._write_sessions`); 0: its ordinal."""


def group_courses(
    doses: Sequence[Dose], gap_days: int, zone: ZoneInfo
) -> tuple[tuple[Infusion, ...], tuple[Course, ...]]:
    """Group doses into courses, numbering both (times in UTC).

    Parameters:
        doses: The doses in time order.
        gap_days: A dose whose start is more than this many calendar days after the
            previous dose's start starts a new course.
        zone: The schedule's zone, whose calendar dates are counted.

    Returns:
        The doses as infusions and the courses, in time order.
    """
    members: list[list[int]] = []
    previous: date | None = None
    for i, dose in enumerate(doses):
        day = dose.start.astimezone(zone).date()
        if previous is None or (day - previous).days > gap_days:
            members.append([])
        members[-1].append(i)
        previous = day
    infusions: list[Infusion] = []
    courses: list[Course] = []
    for c, indices in enumerate(members, start=1):
        for i in indices:
            dose = doses[i]
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


#: A course split by a gap at most this many days over ``course_gap_days`` is warned
#: about: a slip of a few days more likely means one course than two.
NEAR_SPLIT_DAYS = 7


def near_splits(
    infusions: Sequence[Infusion], gap_days: int, zone: ZoneInfo
) -> Iterator[tuple[Infusion, int]]:
    """Yield each course's first dose whose gap from the dose before is only a few days
    over the setting (`NEAR_SPLIT_DAYS`), with that gap in calendar days.

    Parameters:
        infusions: The doses, numbered into courses (`group_courses`).
        gap_days: The schedule's ``course_gap_days``.
        zone: The schedule's zone.
    """
    for before, after in pairwise(infusions):
        if after.course != before.course:
            days = (after.start.astimezone(zone).date() - before.start.astimezone(zone).date()).days
            if days <= gap_days + NEAR_SPLIT_DAYS:
                yield after, days


def occurrence_params(
    rule: Rule, anchor: AnchorSpan, ordinal: int = 1, count: int = 1
) -> dict[str, WarningParam]:
    """Return the warning params that name an occurrence (see `WarningCode`).

    Parameters:
        rule: Its rule.
        anchor: What it counts from.
        ordinal: Which occurrence of the rule on the anchor.
        count: How many the rule has there (1: no ordinal is said).

    Returns:
        ``k`` and ``count`` (when several), ``anchor``, and ``dose`` with
        ``before``, or ``course``.
    """
    params: dict[str, WarningParam] = {"k": ordinal, "count": count} if count > 1 else {}
    if anchor.infusion is not None:
        params.update(anchor="dose", dose=anchor.infusion.index, before=rule.opens.startswith("-"))
    elif anchor.course is not None:
        params.update(anchor="course", course=anchor.course.index)
    else:
        params["anchor"] = "long-arc"
    return params


#: Days kept clear of the ends of the calendar before counting skips resolving windows:
#: a local date is within a day of its UTC date, and a day more for good measure.
_EDGE_DAYS = 2


def _reach_days(offset: Offset) -> int:
    """Return at most how many days an offset reaches from its anchor (a month is at most
    31 days, minutes are rounded up to whole days)."""
    return 31 * abs(offset.months) + abs(offset.days) + -(-abs(offset.minutes) // 1440) + 1


class Occurrences:
    """Every occurrence of a client's rules, from their doses and courses.

    Warnings met on the way (a dose covered by the next one's session, a
    repeat cut off) go to `warnings`, in the order met.
    """

    def __init__(
        self,
        settings: PlanSettings,
        zone: ZoneInfo,
        infusions: tuple[Infusion, ...],
        courses: tuple[Course, ...],
        clock: Clock,
        offsets: dict[str, Offset],
        warnings: list[PlanWarning],
        client: str = "",
    ) -> None:
        self.settings = settings
        # The settings a rule's texts may name (`kapplan.model.rulebook.SETTINGS`, all
        # whole numbers), read as they are rather than dumped whole for every client.
        self.setting_values: dict[str, object] = {
            name: getattr(settings, name) for name in SETTINGS if name != "dose_minutes"
        }
        self.zone = zone
        self.infusions = infusions
        self.courses = courses
        self.clock = clock
        self.offsets = offsets
        self.warnings = warnings
        self.client = client
        self.buffer = timedelta()
        """The free time a session keeps before a dose (the rulebook's; set by `of`)."""
        self.filled: dict[tuple[str, int], str] = {}
        """Texts with their ``{settings}`` filled in, by text and dose length."""
        self.dose_anchors: tuple[AnchorSpan, ...] | None = None
        """Every dose as an anchor, once a rule counts from each (see `_anchors`)."""
        self.deltas: dict[Offset, timedelta] = {}
        """Real-time offsets as time spans, by offset (see `at`)."""
        self.shapes: dict[tuple[int, int], tuple[Offset, Offset | None, int]] = {}
        """A rule's offsets and minutes, by the rule's identity and dose length (`_shape`)."""
        self.mentions: dict[int, bool] = {}
        """Whether a rule's offsets or minutes name ``{dose_minutes}``, by its identity."""

    def of(
        self, rulebook: Rulebook, budget: int, *, counted: frozenset[Placement] = frozenset()
    ) -> dict[Placement, list[Occurrence]] | None:
        """Return every occurrence of every active rule, by placement.

        Parameters:
            rulebook: The client's rules.
            budget: The most occurrences (and doses) there may be.
            counted: Placements whose occurrences are only counted against `budget`
                (their windows resolved, their warnings met), not returned: their
                groups are empty.

        Returns:
            The occurrences by placement, each group in rule order; None as soon
            as there are more than `budget`.
        """
        if len(self.infusions) > budget:
            return None  # Each dose is an event of its own.
        self.buffer = timedelta(minutes=rulebook.placement.dose_buffer_minutes)
        groups: dict[Placement, list[Occurrence]] = defaultdict(list)
        total = 0
        for order, rule in enumerate(rulebook.active):
            if rule.placement in counted:
                counted_total = self._count(rule, total, budget)
                if counted_total is None:
                    return None
                total = counted_total
                continue
            for occurrence in self._of_rule(order, rule):
                groups[rule.placement].append(occurrence)
                total += 1
                if total > budget:
                    return None
        return groups

    # -- anchors -----------------------------------------------------------------

    def _anchors(self, rule: Rule) -> Iterator[AnchorSpan]:
        courses = self.courses
        if rule.anchor is Anchor.INFUSION:
            if rule.follows_cadence:
                yield from self._cadence_anchors(rule)
            else:
                if self.dose_anchors is None:
                    # The same for every rule that counts from each dose: made once.
                    self.dose_anchors = tuple(
                        AnchorSpan(inf.start, inf.end, inf, courses[inf.course - 1])
                        for inf in self.infusions
                    )
                yield from self.dose_anchors
        elif rule.anchor is Anchor.COURSE_START:
            for course in courses:
                first = self.infusions[course.infusions[0] - 1]
                yield AnchorSpan(first.start, first.end, None, course)
        elif rule.anchor is Anchor.COURSE_END:
            for course in courses:
                last = self.infusions[course.infusions[-1] - 1]
                yield AnchorSpan(last.start, last.end, None, course)
        elif rule.anchor is Anchor.COURSE:
            for course in courses:
                yield AnchorSpan(course.start, course.end, None, course)
        elif rule.anchor is Anchor.BETWEEN_COURSES:
            for before, after in pairwise(courses):
                yield AnchorSpan(before.end, after.start, None, before)
        else:
            final = courses[-1]
            yield AnchorSpan(final.end, final.end, None, None)

    def _cadence_anchors(self, rule: Rule) -> Iterator[AnchorSpan]:
        """Yield the doses a cadence rule follows, thinned as [plan] cadence asks."""
        for course in self.courses:
            members = [self.infusions[i - 1] for i in course.infusions]
            if self.settings.cadence is Cadence.WEEKLY:
                yield from self._weekly_anchors(course, members)
                continue
            pending: list[int] = []
            for inf, following in zip(members, [*members[1:], None], strict=True):
                opens = self.at(self.offset(rule.opens, inf), inf.start, inf.end)
                length = timedelta(minutes=self._amount(rule.minutes, inf))
                if following is not None and following.start - self.buffer < opens + length:
                    # DOMAIN.md: doses too close for a session between them share one.
                    pending.append(inf.index)
                    anchor = AnchorSpan(inf.start, inf.end, inf, course)
                    params = occurrence_params(rule, anchor)
                    params.update(
                        before=False,
                        next=following.index,
                        gap=int((following.start - inf.start).total_seconds() // 60),
                    )
                    self._warn(WarningCode.COVERED, rule, params, inf.index)
                    continue
                covers = (*pending, inf.index) if pending else ()
                pending = []
                yield AnchorSpan(inf.start, inf.end, inf, course, covers)

    def _weekly_anchors(self, course: Course, members: list[Infusion]) -> Iterator[AnchorSpan]:
        """Yield one anchor per calendar week of a course: its first dose (the last week:
        the course's last dose, so the two weeks after it hold its session and the week-2
        ones), or for a week without a dose, the latest earlier dose moved on by whole
        weeks (DOMAIN.md: at least one session a week during the active phase)."""
        week = timedelta(days=7)
        first_monday = monday(members[0].start.astimezone(self.zone).date())

        def number(inf: Infusion) -> int:
            return (monday(inf.start.astimezone(self.zone).date()) - first_monday).days // 7

        by_week: dict[int, list[Infusion]] = defaultdict(list)
        for inf in members:
            by_week[number(inf)].append(inf)
        last_week = max(by_week)
        latest = members[0]
        for n in range(last_week + 1):
            if n in by_week:
                doses = by_week[n]
                anchor = doses[-1] if n == last_week else doses[0]
                latest = doses[-1]
                yield AnchorSpan(anchor.start, anchor.end, anchor, course)
                continue
            lag = n - number(latest)
            yield AnchorSpan(
                latest.start + lag * week, latest.end + lag * week, latest, course, weeks_after=lag
            )

    # -- occurrences and their windows -------------------------------------------

    def _of_rule(self, order: int, rule: Rule) -> Iterator[Occurrence]:
        if rule.every:
            yield from self._repeated(order, rule)
            return
        # Without a step, a rule's occurrences on an anchor share one window: it is
        # resolved once, as `_windows` would resolve it for each (most rules are so).
        for anchor in self._anchors(rule):
            inf = anchor.infusion
            o, c, minutes = self._shape(rule, inf)
            windows = self._amount(rule.count, inf)
            if windows <= 0:
                continue
            start = self.at(o, anchor.start, anchor.end)
            end = self.at(c, anchor.start, anchor.end) if c else None
            window = (o, start, end, minutes)
            yield from self._made(order, rule, anchor, range(1, windows + 1), windows, window)

    def _made(
        self,
        order: int,
        rule: Rule,
        anchor: AnchorSpan,
        ordinals: Iterable[int],
        windows: int,
        window: tuple[Offset, datetime, datetime | None, int],
    ) -> Iterator[Occurrence]:
        """Yield a rule's occurrences in one window of an anchor: the window's opening
        offset, its opening and closing instants and the occurrences' minutes."""
        o, start, end, minutes = window
        zone = self.zone
        base = (anchor.end if o.ref == "end" else anchor.start).astimezone(zone)
        weeks = (start.astimezone(zone).date() - base.date()).days // 7
        for k in ordinals:
            yield Occurrence(
                rule=rule,
                order=order,
                anchor=anchor,
                ordinal=k,
                count=windows,
                opens=start,
                closes=end,
                minutes=minutes,
                months=o.months,
                weeks=weeks,
                target=self._target(rule, o, k, windows, start, end),
            )

    def _target(
        self, rule: Rule, o: Offset, k: int, windows: int, start: datetime, end: datetime | None
    ) -> datetime | None:
        """Return a spread occurrence's aim inside its window (see `Rule.spread`)."""
        if not (rule.spread and end is not None and windows > 1):
            return None
        target = start + (end - start) * (k - 1) / windows
        if o.day:  # a day window aims at the nearest local midnight
            near = (target + timedelta(hours=12)).astimezone(self.zone).date()
            target = self.clock.at(near, 0, self.zone)
        return target

    def _repeated(self, order: int, rule: Rule) -> Iterator[Occurrence]:
        """Yield the occurrences of a rule that repeats (``every``), window by window."""
        for anchor, k, windows, o, start, end, minutes in self._windows(rule):
            yield from self._made(order, rule, anchor, (k,), windows, (o, start, end, minutes))

    def _count(self, rule: Rule, total: int, budget: int) -> int | None:
        """Count a rule's occurrences onto `total` as making them would (`_windows`):
        None past `budget`, OverflowError where a window leaves the years 1 to 9999.

        A rule that neither follows the cadence nor repeats until an offset has the same
        windows on every anchor, and an offset moves a later anchor no earlier (a
        window's instant only grows with its anchor's): when every anchor has as many
        windows and all of them fit the budget, the anchors that start and end first
        and last are the only ones a window can leave the years from. Any other rule
        (or a budget it would pass) has its windows walked one by one.
        """
        walk = bool(rule.until) or (rule.anchor is Anchor.INFUSION and rule.follows_cadence)
        anchors = [] if walk else list(self._anchors(rule))
        shapes: set[tuple[Offset, Offset | None, int]] = set()
        # Only a ``{setting}`` in a rule's texts (``{dose_minutes}``) tells its anchors'
        # windows apart: without one, the first anchor's shape (or error) is every one's.
        texts = (rule.opens, rule.closes, rule.minutes, rule.count)
        plain = not any(isinstance(text, str) and "{" in text for text in texts)
        try:
            for anchor in anchors[:1] if plain else anchors:
                opens, closes, _ = self._shape(rule, anchor.infusion)
                shapes.add((opens, closes, self._amount(rule.count, anchor.infusion)))
        except (ValueError, KeyError, IndexError):
            walk = True  # the windows one by one meet it where making them would
        if not walk and not anchors:
            return total
        if not walk and len(shapes) == 1:
            ((opens, closes, count),) = shapes
            walk = count > MAX_OCCURRENCES or total + count * len(anchors) > budget
        if walk or len(shapes) > 1:
            for _ in self._windows(rule):
                total += 1
                if total > budget:
                    return None
            return total
        step = self.offset(rule.every) if rule.every else None
        reach = max(_reach_days(o) for o in (opens, closes) if o is not None)
        if step is not None:
            reach += (count - 1) * _reach_days(step)
        first = min(a.start for a in anchors).toordinal() - reach
        last = max(a.end for a in anchors).toordinal() + reach
        if first > _EDGE_DAYS and last < date.max.toordinal() - _EDGE_DAYS:
            return total + count * len(anchors)  # no window can leave the years
        extremes = {
            id(a): a
            for a in (
                min(anchors, key=lambda a: a.start),
                max(anchors, key=lambda a: a.start),
                min(anchors, key=lambda a: a.end),
                max(anchors, key=lambda a: a.end),
            )
        }
        for anchor in extremes.values():
            for k in range(count):
                o = opens.shifted(step, k) if step else opens
                self.at(o, anchor.start, anchor.end)
                if closes is not None:
                    self.at(closes.shifted(step, k) if step else closes, anchor.start, anchor.end)
        return total + count * len(anchors)

    def _windows(
        self, rule: Rule
    ) -> Iterator[tuple[AnchorSpan, int, int, Offset, datetime, datetime | None, int]]:
        """Yield each occurrence's window of a rule: its anchor, its ordinal and how many
        the anchor has, its opening offset, its opening and closing instants, its minutes."""
        step = self.offset(rule.every) if rule.every else None
        for anchor in self._anchors(rule):
            inf = anchor.infusion
            opens, closes, minutes = self._shape(rule, inf)
            # Each window: its opening offset, and its opening and closing instants.
            windows: list[tuple[Offset, datetime, datetime | None]] = []
            if step is None:
                count = self._amount(rule.count, inf)
                if count > 0:
                    start = self.at(opens, anchor.start, anchor.end)
                    end = self.at(closes, anchor.start, anchor.end) if closes else None
                    windows = [(opens, start, end)] * count
            else:
                limit = (
                    self.at(self.offset(rule.until), anchor.start, anchor.end)
                    if rule.until
                    else None
                )
                total = None if limit else self._amount(rule.count, inf)
                k = 0
                while total is None or k < total:
                    o, c = opens.shifted(step, k), closes.shifted(step, k) if closes else None
                    # The window's last instant: its closing, or its opening without one.
                    edge = self.at(c or o, anchor.start, anchor.end)
                    if limit is not None and edge > limit:
                        break
                    if k >= MAX_OCCURRENCES:
                        self._warn(WarningCode.REPEAT_CUT, rule, {"limit": MAX_OCCURRENCES})
                        break
                    start = self.at(o, anchor.start, anchor.end) if c else edge
                    windows.append((o, start, edge if c else None))
                    k += 1
            for k, (o, start, end) in enumerate(windows, start=1):
                yield anchor, k, len(windows), o, start, end, minutes

    def _shape(self, rule: Rule, inf: Infusion | None) -> tuple[Offset, Offset | None, int]:
        """Return a rule's opening and closing offsets and its minutes on an anchor's dose
        (or none), filled in and parsed once per rule and dose length: only
        ``{dose_minutes}`` tells one dose's from another's."""
        mentions = self.mentions.get(id(rule))
        if mentions is None:
            texts = (rule.opens, rule.closes, rule.minutes)
            mentions = self.mentions[id(rule)] = any(
                isinstance(text, str) and "dose_minutes" in text for text in texts
            )
        dose = _dose_minutes(inf) if mentions and inf is not None else 0
        key = (id(rule), dose)
        shape = self.shapes.get(key)
        if shape is None:
            opens = self.offset(rule.opens, inf)
            closes = self.offset(rule.closes, inf) if rule.closes else None
            shape = self.shapes[key] = (opens, closes, self._amount(rule.minutes, inf))
        return shape

    def offset(self, text: str | None, inf: Infusion | None = None) -> Offset:
        """Return a rule's offset, its ``{settings}`` filled in, parsed once per call."""
        filled = self._fill(text, inf)
        found = self.offsets.get(filled)
        if found is None:
            found = self.offsets[filled] = parse_offset(filled)
        return found

    def _fill(self, text: str | None, inf: Infusion | None = None) -> str:
        assert text is not None
        if "{" not in text:
            return text
        # A caseload fills the same few texts for every dose: only ``{dose_minutes}``
        # differs from one dose to the next, so each text is formatted once per length.
        dose = _dose_minutes(inf) if inf is not None and "dose_minutes" in text else 0
        key = (text, dose)
        filled = self.filled.get(key)
        if filled is None:
            values = dict(self.setting_values)
            values["dose_minutes"] = dose
            filled = self.filled[key] = text.format(**values)
        return filled

    def _amount(self, value: int | str, inf: Infusion | None) -> int:
        return value if isinstance(value, int) else int(self._fill(value, inf))

    def at(self, offset: Offset, start: datetime, end: datetime) -> datetime:
        """Resolve an offset against an anchor's span; return a UTC instant."""
        base = end if offset.ref == "end" else start
        if not (offset.day or offset.months):
            # Most offsets are real time (minutes, hours, days) from a UTC anchor.
            delta = self.deltas.get(offset)
            if delta is None:
                delta = self.deltas[offset] = timedelta(days=offset.days, minutes=offset.minutes)
            return base.astimezone(UTC) + delta
        try:
            if offset.day:
                day = base.astimezone(self.zone).date()
                if offset.months:
                    day = plus_months(day, offset.months)
                return self.clock.at(day + timedelta(days=offset.days), 0, self.zone)
            wall = base.astimezone(self.zone).replace(tzinfo=None)
            base = localize(plus_months(wall, offset.months), self.zone)
        except ValueError as error:
            # Dates say "year 10000 is out of range" as a ValueError.
            raise OverflowError(str(error)) from None
        return base.astimezone(UTC) + timedelta(days=offset.days, minutes=offset.minutes)

    def _warn(
        self,
        code: WarningCode,
        rule: Rule,
        params: dict[str, WarningParam],
        infusion: int | None = None,
    ) -> None:
        self.warnings.append(
            PlanWarning(
                code=code,
                params=MappingProxyType(params),
                rule=rule.id,
                client=self.client,
                infusion=infusion,
            )
        )


__all__ = [
    "MAX_OCCURRENCES",
    "NEAR_SPLIT_DAYS",
    "AnchorSpan",
    "Occurrence",
    "Occurrences",
    "group_courses",
    "near_splits",
    "occurrence_params",
]
