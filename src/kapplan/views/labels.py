"""Texts every view for people shares: sections, warnings, the summary line.

The terminal views (agenda and month) and the HTML handout label a plan the
same way. This module holds those labels and imports no Rich, so the handout
renders without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kapplan.i18n import Catalogue, catalogue, covered_runs
from kapplan.model.plan import Plan, PlanEvent, PlanWarning


def summary(plan: Plan, *, warnings: bool = True) -> str:
    """Return the one-line summary: courses, doses, sessions, events, warnings.

    Parameters:
        plan: The plan.
        warnings: Count the warnings (a patient's handout, which lists none, does not).

    Returns:
        The line, in the plan's language.
    """
    texts = catalogue(plan.language)
    counts = (
        ("summary.courses", len(plan.courses)),
        ("summary.doses", len(plan.infusions)),
        ("summary.sessions", len(plan.sessions)),
        ("summary.events", len(plan.events)),
        ("summary.warnings", len(plan.warnings)),
    )
    return " · ".join(texts.text(key, n=n) for key, n in counts[: None if warnings else -1])


def title(plan: Plan, texts: Catalogue) -> str:
    """Return the plan's heading, naming its client when it has one.

    Parameters:
        plan: The plan.
        texts: The catalogue of the plan's language.

    Returns:
        E.g. ``Integration plan for A. Patient``.
    """
    if plan.client:
        return texts.text("terminal.title_client", client=plan.client)
    return texts.text("terminal.title")


def sections(plan: Plan, texts: Catalogue) -> Iterable[tuple[str, list[PlanEvent]]]:
    """Yield the plan's sections: each course, then the long arc, with their events.

    Parameters:
        plan: The plan.
        texts: The catalogue of the plan's language.

    Returns:
        Pairs of a section's label and its events in plan order; the long arc
        is left out when it has no events.
    """
    for course in plan.courses:
        events = [e for e in plan.events if e.course == course.index]
        span = texts.text(
            "text.span",
            first=texts.format_date(course.start.date(), "long"),
            last=texts.format_date(course.end.date(), "long"),
        )
        label = texts.text(
            "terminal.course", course=course.index, n=len(course.infusions), span=span
        )
        yield label, events
    rest = [e for e in plan.events if e.course is None]
    if rest:
        yield texts.text("terminal.long_arc"), rest


def warning_text(
    warning: PlanWarning, texts: Catalogue, zone: ZoneInfo, *, own_zone: ZoneInfo | None = None
) -> str:
    """Return a warning's message, with the next free times when it has them.

    Parameters:
        warning: The warning.
        texts: The catalogue of the reader's language.
        zone: The clock its times are shown on: the view's.
        own_zone: The client's zone, in a view on another clock (a caseload's):
            see `Catalogue.warning_text`.

    Returns:
        The message as one line.
    """
    message = texts.warning_text(warning, zone, own_zone=own_zone)
    if not warning.alternatives:
        return message
    options = ", ".join(texts.format_datetime(a.astimezone(zone)) for a in warning.alternatives)
    return f"{message} ({texts.text('terminal.next_options', options=options)})"


def said_warnings(
    warnings: Sequence[PlanWarning],
    texts: Catalogue,
    zone: ZoneInfo,
    *,
    own_zone: ZoneInfo | None = None,
) -> list[str]:
    """Return a plan's warnings as lines for a person: each as `warning_text` says it,
    and a run of doses each too soon after the one before for a session between them
    once, not once a dose (`kapplan.i18n.covered_runs`).

    Parameters:
        warnings: One plan's warnings, in its order.
        texts: The catalogue of the reader's language.
        zone: The clock their times are shown on: the view's.
        own_zone: The client's zone, as for `warning_text`.

    Returns:
        The lines, in order.
    """
    return [
        warning_text(group[0], texts, zone, own_zone=own_zone)
        if len(group) == 1
        else texts.covered_run_text(group)
        for group in covered_runs(warnings)
    ]


def minutes_between(start: datetime, end: datetime) -> int:
    """Return the real time from one instant to another, in whole minutes.

    Aware datetimes that share a tzinfo subtract by wall clock: across a DST
    change that is an hour short or long. Measured in UTC, it is what elapses.

    Parameters:
        start: The first instant (aware).
        end: The second instant (aware).

    Returns:
        The whole minutes between them.
    """
    return (end.astimezone(UTC) - start.astimezone(UTC)) // timedelta(minutes=1)


def clock_times(start: datetime, end: datetime) -> tuple[str, str]:
    """Return the wall-clock times of an event's start and end, as a view shows them.

    When the clock changes between the two (a DST change inside the event),
    each time carries its zone's abbreviation, so ``00:30 BST–01:30 GMT``
    reads as the two hours it lasts rather than one.

    Parameters:
        start: The start (aware, on the view's clock).
        end: The end (aware, on the same clock).

    Returns:
        ``HH:MM`` for each, or ``HH:MM ABBR`` for each when their UTC offsets differ.
    """
    if start.utcoffset() == end.utcoffset():
        return f"{start:%H:%M}", f"{end:%H:%M}"
    return f"{start:%H:%M %Z}", f"{end:%H:%M %Z}"


def clock_range(start: datetime, end: datetime) -> str:
    """Return an event's time range on the wall clock: ``10:00–11:00`` (see `clock_times`).

    Parameters:
        start: The start (aware, on the view's clock).
        end: The end (aware, on the same clock).

    Returns:
        The range.
    """
    first, last = clock_times(start, end)
    return f"{first}–{last}"


def monday(day: date) -> date:
    """Return the Monday that starts the week of a day.

    Parameters:
        day: The day.

    Returns:
        That week's Monday (the day itself on a Monday).
    """
    return day - timedelta(days=day.weekday())


def last_day(event: PlanEvent) -> date:
    """Return the last day a view shows an event on.

    Parameters:
        event: The event.

    Returns:
        For an all-day event, the day before its (exclusive) end; for a timed
        event, the day it starts, where the views list it.
    """
    if event.all_day:
        return (event.end - timedelta(days=1)).date()
    return event.start.date()
