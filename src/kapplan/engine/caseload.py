"""Plans for one client or a whole caseload, and the therapist's merged calendar. Pure.

`build_plan` plans one schedule; `build_caseload` plans several clients of
one therapist together. Each client's windows are measured from their own
doses in their own zone, while every client's therapy sessions share one
calendar (`kapplan.engine.calendar.TherapistCalendar`), so no two overlap.
Sessions are booked by `book_requests`: earliest deadline first, then a
repair pass that exchanges sessions to meet windows left unmet, then what is
still unmet as near its window as the rules allow; the result does not depend
on the order of the files. Practices come
last, around every session, and nothing else depends on them, so
`book_sessions` (what a therapist's calendar is made of) leaves them out, and
makes no other event that calendar does not show.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from msgspec.structs import replace

from kapplan.engine.calendar import Clock, TherapistCalendar
from kapplan.engine.planner import ClientPlanner, SessionRequest, Shared
from kapplan.errors import ScheduleError
from kapplan.model.doses import DoseExpansion, expand_doses
from kapplan.model.hours import TherapistHours
from kapplan.model.limits import DEFAULT_LIMITS, Limits
from kapplan.model.plan import Booking, Plan
from kapplan.model.rulebook import Placement, Rulebook
from kapplan.model.schedule import Schedule

if TYPE_CHECKING:
    from kapplan.i18n import Catalogue


def build_plan(
    schedule: Schedule,
    rulebook: Rulebook,
    *,
    texts: Mapping[str, Catalogue],
    limits: Limits = DEFAULT_LIMITS,
    expansion: DoseExpansion | None = None,
    bookings: Mapping[str, Booking] | None = None,
) -> Plan:
    """Plan the integration calendar for one schedule.

    Parameters:
        schedule: The validated schedule (its zone and availability decided).
        rulebook: The rules to apply.
        texts: Message catalogues by language; the plan is written in the
            schedule's `language` (see `kapplan.i18n.catalogues`).
        limits: How large the schedule and the plan may be (see `kapplan.model.limits`).
        expansion: The schedule's doses, when the caller has them already
            (`kapplan.model.doses.expand_doses`); expanded here otherwise.
        bookings: Where an earlier export had the sessions, by uid: each stays there
            while it is valid (`book_requests`). None plans afresh.

    Returns:
        The plan: doses, courses, events in time order, and warnings.

    Raises:
        ScheduleError: When the schedule's doses cannot be expanded, or the plan
            would exceed `limits` or the years a date can have.
    """
    expansions = None if expansion is None else (expansion,)
    return build_caseload(
        (schedule,), rulebook, texts=texts, limits=limits, expansions=expansions, bookings=bookings
    )[0]


def build_caseload(
    schedules: Sequence[Schedule],
    rulebook: Rulebook | Sequence[Rulebook],
    therapist: TherapistHours | None = None,
    *,
    texts: Mapping[str, Catalogue],
    limits: Limits = DEFAULT_LIMITS,
    expansions: Sequence[DoseExpansion] | None = None,
    bookings: Mapping[str, Booking] | None = None,
) -> tuple[Plan, ...]:
    """Plan several clients of one therapist together (see the module docstring).

    Parameters:
        schedules: One schedule per client, in a fixed order (ties go to the earlier).
        rulebook: The rules to apply to every client, or one rulebook per
            schedule (each client's own protocol), in the same order.
        therapist: The therapist's working time; without it, sessions follow each
            client's `[availability]` and only avoid each other.
        texts: Message catalogues by language; each client's plan is written in
            its schedule's `language`.
        limits: How large each schedule and each client's plan may be: the
            events are counted before any is placed (see `kapplan.model.limits`).
        expansions: Each schedule's doses, when the caller has them already.
        bookings: Where an earlier export had the sessions, by uid (see `build_plan`).

    Returns:
        One plan per schedule, in the same order.

    Raises:
        ScheduleError: When a schedule's doses cannot be expanded, a plan would
            have more than `Limits.events` events, or the plans would reach
            outside the years 1-9999.
        ValueError: When the rulebooks (or expansions) are not one per schedule.
    """
    return _plan(
        schedules, rulebook, therapist, texts, limits, expansions, bookings, practices=True
    )


def book_sessions(
    schedules: Sequence[Schedule],
    rulebook: Rulebook | Sequence[Rulebook],
    therapist: TherapistHours | None = None,
    *,
    texts: Mapping[str, Catalogue],
    limits: Limits = DEFAULT_LIMITS,
    expansions: Sequence[DoseExpansion] | None = None,
    bookings: Mapping[str, Booking] | None = None,
) -> tuple[Plan, ...]:
    """Plan a caseload as `build_caseload` does, up to the sessions: no practices, and
    only the events a therapist's calendar shows.

    Practices are placed after every session and only around them, so every
    other warning is the one `build_caseload` gives; their occurrences still
    count towards `limits`. Of the other events, only sessions and those of a
    kind in `kapplan.model.plan.AGENDA_KINDS` (doses) are made: rest after
    a dose still keeps sessions clear of it, and advisories are counted (see
    `ClientPlanner.calendar_only`). This is what a therapist's calendar
    (`therapist_calendar`) is made of, at a fraction of the cost.

    Parameters:
        schedules: As for `build_caseload`.
        rulebook: As for `build_caseload`.
        therapist: As for `build_caseload`.
        texts: As for `build_caseload`.
        limits: As for `build_caseload`.
        expansions: As for `build_caseload`.
        bookings: As for `build_caseload`.

    Returns:
        One plan per schedule: its sessions and doses (events of other kinds only
        where a rulebook gives an advisory a kind the calendar shows), and every
        warning but the practices'.

    Raises:
        ScheduleError: As `build_caseload` does.
        ValueError: As `build_caseload` does.
    """
    return _plan(
        schedules, rulebook, therapist, texts, limits, expansions, bookings, practices=False
    )


def _plan(
    schedules: Sequence[Schedule],
    rulebook: Rulebook | Sequence[Rulebook],
    therapist: TherapistHours | None,
    texts: Mapping[str, Catalogue],
    limits: Limits,
    expansions: Sequence[DoseExpansion] | None,
    bookings: Mapping[str, Booking] | None,
    *,
    practices: bool,
) -> tuple[Plan, ...]:
    books = [rulebook] * len(schedules) if isinstance(rulebook, Rulebook) else list(rulebook)
    if len(books) != len(schedules):
        raise ValueError(
            f"{len(books)} rulebooks for {len(schedules)} schedules; expected one each"
        )
    if expansions is None:
        expansions = [expand_doses(s, limits).checked() for s in schedules]
    elif len(expansions) != len(schedules):
        raise ValueError(
            f"{len(expansions)} dose expansions for {len(schedules)} schedules; expected one each"
        )
    try:
        planners = _planners(
            schedules, books, expansions, therapist, texts, calendar_only=not practices
        )
        return _place(planners, limits, bookings, practices=practices)
    except OverflowError:
        raise ScheduleError(
            "the plan reaches outside the years 1 to 9999 that a date can have; expected "
            "doses further inside them"
        ) from None


def _planners(
    schedules: Sequence[Schedule],
    books: Sequence[Rulebook],
    expansions: Sequence[DoseExpansion],
    therapist: TherapistHours | None,
    texts: Mapping[str, Catalogue],
    *,
    calendar_only: bool = False,
) -> list[ClientPlanner]:
    """Return one planner per client, sharing this call's calendar and caches (making
    only what a therapist's calendar shows, with `calendar_only`)."""
    clock = Clock()
    shared = Shared(TherapistCalendar(clock, therapist), clock)
    if therapist is not None and therapist.session_minutes is not None:
        update = {"session_minutes": therapist.session_minutes}
        schedules = [
            s.model_copy(update={"plan": s.plan.model_copy(update=update)}) for s in schedules
        ]
    distinct: list[Rulebook] = []
    planners: list[ClientPlanner] = []
    for schedule, book, expansion in zip(schedules, books, expansions, strict=True):
        # Rulebooks are told apart by identity within this call (each client of a
        # caseload may have its own); the position keys their wording.
        index = next((n for n, known in enumerate(distinct) if known is book), len(distinct))
        if index == len(distinct):
            distinct.append(book)
        planner = ClientPlanner(
            schedule,
            book,
            index,
            expansion.checked(),
            shared,
            texts[schedule.language],
            position=len(planners),
            calendar_only=calendar_only,
        )
        planners.append(planner)
    return planners


def session_requests(
    schedules: Sequence[Schedule],
    rulebook: Rulebook | Sequence[Rulebook],
    therapist: TherapistHours | None = None,
    *,
    texts: Mapping[str, Catalogue],
) -> list[SessionRequest]:
    """Return every session a caseload asks for, with its window and bounds, unbooked.

    For measuring plans against what they ask (``benchmarks/quality.py``): the
    fixed events are placed, so each request knows its bounds, and nothing is
    booked.

    Parameters:
        schedules: As for `build_caseload`.
        rulebook: As for `build_caseload`.
        therapist: As for `build_caseload`.
        texts: As for `build_caseload`.

    Returns:
        The requests, in booking order.
    """
    books = [rulebook] * len(schedules) if isinstance(rulebook, Rulebook) else list(rulebook)
    expansions = [expand_doses(s, DEFAULT_LIMITS).checked() for s in schedules]
    planners = _planners(schedules, books, expansions, therapist, texts)
    return sorted(_staged(planners, DEFAULT_LIMITS), key=lambda r: r.key)


#: How many booked sessions a repair looks at for one unmet window, and how many
#: moves it tries over a whole call: enough for the few windows a sound caseload
#: misses, bounded for one that is overbooked.
REPAIR_CANDIDATES = 24
REPAIR_BUDGET = 4000


def book_requests(
    requests: list[SessionRequest], bookings: Mapping[str, Booking] | None = None
) -> None:
    """Book every session of a planning call, judged by the result, not the file order.

    0. Sessions an earlier export booked (`bookings`, by uid) stay there while they
       are valid (`ClientPlanner.keep`); nothing moves them.

    1. Earliest deadline first (ties broken by what a session is, never by
       which file it came from), each session takes its best free time inside
       its window, keeping every limit.
    2. Repair: for each window left unmet, a booked session that stands in it is
       moved to another free time inside its own window, when that frees a time
       for the unmet one (an exchange that meets both windows).
    3. What is still unmet is booked as near its window as the rules allow
       (`ClientPlanner.settle`), again earliest deadline first; a booked session
       standing at an earlier time outside that window moves within its own
       window where it can, so the late one is less late (`_pull_in`).
    4. When such a move was made, the sessions given up in step 3 are settled again
       (`_retry`): a move may free the time one of them lacked.

    A session outside its window therefore never takes the only free time of
    another's window.

    Parameters:
        requests: Every client's session requests (see `ClientPlanner.stage`).
        bookings: Where an earlier export had sessions, by uid (none: a fresh plan).
    """
    requests.sort(key=lambda r: r.key)
    for request in requests:
        booking = bookings.get(request.planner.uid(request.occurrence)) if bookings else None
        if booking is not None:
            request.planner.keep(request, booking)
    if bookings:
        for request in requests:
            if request.start is None:
                request.planner.hold_follows(request, bookings)
    unmet: list[SessionRequest] = []
    for request in requests:
        if request.start is not None:
            continue  # kept where an earlier export booked it
        start = request.planner.find_in_window(request)
        if start is None:
            unmet.append(request)
        else:
            request.planner.reserve(request, start)
    if unmet:
        unmet = _repair(unmet, [r for r in requests if r.start is not None])
    waiting = list(unmet)
    budget = [REPAIR_BUDGET]
    given_up: list[SessionRequest] = []
    pulled = False
    while waiting:
        follow = []
        for request in waiting:
            planner = request.planner
            if planner.beyond_reach(request):
                # Every search of pulling in and settling would find nothing.
                moved = planner.give_up(request)
            else:
                # Each pulls in and books at once: what it frees is its own.
                pulled |= _pull_in(request, requests, budget)
                moved = planner.settle(request)
            if moved:
                follow.append(moved)
            elif request.unplanned is not None:
                given_up.append(request)
        waiting = []
        for request in sorted(follow, key=lambda r: r.key):
            start = request.planner.find_in_window(request)
            if start is None:
                waiting.append(request)
            else:
                request.planner.reserve(request, start)
    if pulled:
        _retry(given_up, requests, budget)
    if bookings:
        for planner in {id(r.planner): r.planner for r in requests}.values():
            planner.end_holds()


def _retry(
    given_up: list[SessionRequest], requests: list[SessionRequest], budget: list[int]
) -> None:
    """Settle the sessions given up again, once sessions pulled in have moved.

    A session pulled in for a later one frees the time it stood at, after sessions
    earlier in the booking order may have been given up for the want of it. A plan
    re-made over its own bookings (`keep`) has every session where it ended from the
    start, and would book such a session there: each is settled again, in booking
    order, until no more moves, so the plan and its re-planning agree. One given up
    again keeps the warning it had, where it stood; one now booked loses it.
    """
    while given_up:
        pulled = False
        again: list[SessionRequest] = []
        for request in sorted(given_up, key=lambda r: r.key):
            planner = request.planner
            first = request.unplanned
            index = next(i for i, w in enumerate(planner.warnings) if w is first)
            del planner.warnings[index]
            request.unplanned = None
            if planner.beyond_reach(request):
                planner.give_up(request)
            else:
                pulled |= _pull_in(request, requests, budget)
                planner.settle(request)
            if request.unplanned is not None:
                # Still nothing: the warning it had stands, where it stood.
                planner.warnings.pop()
                planner.warnings.insert(index, first)
                request.unplanned = first
                again.append(request)
        given_up = again if pulled else []


def _pull_in(request: SessionRequest, requests: list[SessionRequest], budget: list[int]) -> bool:
    """Make a late session less late: move a booked session that stands at an earlier
    time to another time inside its own window, when one is free. The late session
    itself is then booked by `ClientPlanner.settle`. Tell whether a session moved."""
    planner = request.planner
    if request.occurrence.rule.overflow != "later" or budget[0] <= 0:
        return False
    first = planner.find_outside(request, strict=True)
    if first is None:
        return False
    lo, hi = request.latest - timedelta(days=1), first + timedelta(days=1)
    near = sorted(
        (
            r
            for r in requests
            if r.start is not None and r.outside is None and not r.fixed and lo <= r.start < hi
        ),
        key=lambda r: (r.start, r.key),
    )
    for other in near[:REPAIR_CANDIDATES]:
        budget[0] -= 1
        was = other.start
        assert was is not None
        other.planner.release(other)
        sooner = planner.find_outside(request, strict=True)
        if sooner is not None and sooner < first:
            planner.reserve(request, sooner)
            again = other.planner.find_in_window(other)
            planner.release(request)
            if again is not None:
                other.planner.reserve(other, again)
                return True
        other.planner.reserve(other, was)
    return False


def _repair(unmet: list[SessionRequest], booked: list[SessionRequest]) -> list[SessionRequest]:
    """Meet unmet windows by moving booked sessions within their own; return the rest."""
    booked.sort(key=lambda r: (r.start, r.key))
    starts = [r.end - r.length for r in booked]
    budget = REPAIR_BUDGET
    left = []
    for request in unmet:
        if budget <= 0 or request.hi < request.lo:
            left.append(request)
            continue
        # A session stands in the way when it overlaps the window or shares a day with it.
        lo = bisect_left(starts, request.lo - request.length - timedelta(days=1))
        hi = bisect_right(starts, request.hi + request.length + timedelta(days=1))
        movable = [other for other in booked[lo:hi] if not other.fixed][:REPAIR_CANDIDATES]
        if any(_exchange(request, other) for other in movable):
            booked.append(request)
            booked.sort(key=lambda r: (r.start, r.key))
            starts = [r.end - r.length for r in booked]
        else:
            left.append(request)
        budget -= min(hi - lo, REPAIR_CANDIDATES)
    return left


def _exchange(request: SessionRequest, other: SessionRequest) -> bool:
    """Move `other` within its window so that `request` meets its own; False, and nothing
    changed, when that cannot be done."""
    was = other.start
    assert was is not None
    other.planner.release(other)
    start = request.planner.find_in_window(request)
    if start is not None:
        request.planner.reserve(request, start)
        again = other.planner.find_in_window(other)
        if again is not None:
            other.planner.reserve(other, again)
            if request.planner.within_limits(request):
                return True
            other.planner.release(other)
        request.planner.release(request)
    other.planner.reserve(other, was)
    return False


def _place(
    planners: list[ClientPlanner],
    limits: Limits,
    bookings: Mapping[str, Booking] | None,
    *,
    practices: bool,
) -> tuple[Plan, ...]:
    requests = _staged(planners, limits, practices=practices)
    if requests:
        calendar = planners[0].shared.calendar
        calendar.shortest = min(r.length for r in requests)
    book_requests(requests, bookings)
    del requests  # booked: a big caseload's requests need not outlive this
    return tuple(planner.finish(practices=practices) for planner in planners)


def _staged(
    planners: list[ClientPlanner], limits: Limits, *, practices: bool = True
) -> list[SessionRequest]:
    """Count every client's occurrences against `limits`, place the fixed events and
    advisories, and return the sessions to book; without `practices`, the practices'
    occurrences are counted but not made."""
    # Every event comes from one occurrence (advisories of close doses merge), so
    # counting occurrences bounds the plan before any search for a free time.
    # The limit is per client: a clinic's caseload of a thousand sound plans is
    # not absurd, one schedule asking for hundreds of thousands of events is.
    groups = []
    for planner in planners:
        group = planner.occurrences(limits.events, practices=practices)
        if group is None:
            whose = f"{planner.client}'s plan" if len(planners) > 1 else "the plan"
            raise ScheduleError(
                f"{whose} would have more than {limits.events} events, the limit; "
                "expected a smaller schedule, or a higher --max-events"
            )
        groups.append(group)
    return [
        r for planner, group in zip(planners, groups, strict=True) for r in planner.stage(group)
    ]


# -- the therapist's view ---------------------------------------------------------


def calendar_shows_practices(books: Sequence[Rulebook]) -> bool:
    """Tell whether the therapist's calendar could show a practice of these rulebooks.

    It shows sessions and doses only, so `book_sessions` is enough for it,
    unless a rulebook gives a practice one of the kinds it shows.

    Parameters:
        books: The clients' rulebooks.

    Returns:
        True when some active practice rule makes events of a kind in `AGENDA_KINDS`.
    """
    from kapplan.model.plan import AGENDA_KINDS

    return any(
        rule.placement is Placement.PRACTICE and rule.kind in AGENDA_KINDS
        for book in books
        for rule in book.active
    )


def therapist_calendar(plans: Sequence[Plan], timezone: str, language: str = "en") -> Plan:
    """Merge the clients' sessions and doses into one plan for the therapist's calendar.

    Each title starts with the client's label, so the calendar shows whose event it is.

    Parameters:
        plans: One plan per client.
        timezone: The therapist's IANA zone.
        language: The therapist's language, for the calendar's own texts.

    Returns:
        A plan with no doses or courses of its own, only the merged events.
    """
    from kapplan.model.caseload import agenda

    events = tuple(
        replace(item.event, title=f"{item.client}: {item.event.title}") for item in agenda(plans)
    )
    return Plan(
        timezone=timezone, infusions=(), courses=(), events=events, client="", language=language
    )


__all__ = [
    "book_requests",
    "book_sessions",
    "build_caseload",
    "build_plan",
    "calendar_shows_practices",
    "session_requests",
    "therapist_calendar",
]
