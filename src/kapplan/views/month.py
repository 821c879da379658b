"""Render a plan as month grids in a terminal, with Rich: a course at a glance.

One grid per month, Monday to Sunday, from the month of the first event to
the month of the last event that belongs to a course (its follow-up sessions
included); the long arc after that, a session every few weeks, is a short
list instead of months of nearly empty grids. Each day cell holds the day of
the month, a letter for its phase and a mark for a therapy session, so the
view reads the same without colour:

- the letter is the phase of the day's timed events, experience (a dose)
  first, then preparation, then integration; in lower case when only an
  all-day advisory covers the day;
- the mark ``*`` says a therapy session falls on the day;
- brackets around a day, ``[ 7I*]``, mark today (when the caller says which day it is).

Beside each week a line names the doses and counts the sessions in it. A key,
the warnings and the summary line follow. Imported only for ``--view month``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, timedelta

from msgspec import Struct
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kapplan.i18n import Catalogue, catalogue
from kapplan.model.plan import EventKind, Phase, Plan, PlanEvent
from kapplan.views.agenda import print_warnings
from kapplan.views.console import PHASE_STYLE, plain_lines, text_console
from kapplan.views.labels import clock_range, last_day, monday, summary, title

#: What marks a day with a therapy session.
SESSION_MARK = "*"
#: Columns of a week's row of day cells, and the indent and gap around it.
_GRID_WIDTH = 7 * 4 + 6 + 3
_INDENT = 2
#: A day's letter wins over another's in this order.
PHASE_ORDER = (Phase.EXPERIENCE, Phase.PREPARATION, Phase.INTEGRATION)


class DayMark(Struct, frozen=True):
    """What the month view shows for one day."""

    phase: Phase | None
    """Phase of the day's timed events (experience before preparation before integration)."""
    advisory: Phase | None
    """Phase of an all-day advisory covering the day, if any."""
    doses: tuple[int, ...]
    """Indices of the doses that start on the day."""
    sessions: int
    """How many therapy sessions start on the day."""


def day_marks(plan: Plan) -> dict[date, DayMark]:
    """Mark every day of a plan that has something on it.

    Parameters:
        plan: The plan.

    Returns:
        A mark per day that has a timed event or lies under an advisory; timed
        events count on the day they start, advisories on every day they cover.
    """
    timed: dict[date, list[PlanEvent]] = {}
    advised: dict[date, Phase] = {}
    for event in plan.events:
        if event.all_day:
            day, last = event.start.date(), last_day(event)
            while day <= last:
                advised[day] = _first_phase((advised.get(day), event.phase))
                day += timedelta(days=1)
        else:
            timed.setdefault(event.start.date(), []).append(event)
    marks = {}
    for day in sorted(timed.keys() | advised.keys()):
        events = timed.get(day, [])
        marks[day] = DayMark(
            phase=_first_phase(e.phase for e in events) if events else None,
            advisory=advised.get(day),
            doses=tuple(e.infusion for e in events if e.kind is EventKind.INFUSION and e.infusion),
            sessions=sum(1 for e in events if e.is_session),
        )
    return marks


def _first_phase(phases: Iterable[Phase | None]) -> Phase:
    present = set(phases)
    return next(p for p in PHASE_ORDER if p in present)


def render_month(
    plan: Plan, *, width: int = 100, color: bool = False, today: date | None = None
) -> str:
    """Render a plan as month grids for a terminal.

    Parameters:
        plan: The plan.
        width: Columns to lay out for (the grids need 40; 60 to 140 are usual).
        color: Emit ANSI colour codes; plain text otherwise.
        today: Today's date, marked in its month's grid; None marks no day.

    Returns:
        The text, ending in a newline.
    """
    buffer = io.StringIO()
    print_month(text_console(buffer, width, color), plan, today=today)
    return plain_lines(buffer.getvalue())


def print_month(console: Console, plan: Plan, *, today: date | None = None) -> None:
    """Print a plan's month grids, long arc, key, warnings and summary on a Rich console.

    Parameters:
        console: Where to print.
        plan: The plan.
        today: Today's date, marked in its month's grid; None marks no day.
    """
    texts = catalogue(plan.language)
    console.print(Text(title(plan, texts), style="bold"), Text(f"  ({plan.timezone})"))
    console.print(Text(_key(texts), style="dim"))
    marks = day_marks(plan)
    first = min(e.start.date() for e in plan.events)
    in_course = [last_day(e) for e in plan.events if e.course is not None]
    last = max(in_course or [last_day(e) for e in plan.events])
    month = first.replace(day=1)
    if today is not None and month <= today < _next_month(last.replace(day=1)):
        marked = texts.text("month.today", date=texts.format_date(today, "long"))
        console.print(Text(marked, style="dim"))
    else:
        today = None
    while month <= last:
        console.print()
        room = console.width - _INDENT - _GRID_WIDTH
        grid = _month_grid(month, marks, texts, room=room, today=today)
        console.print(Padding(grid, (0, 0, 0, _INDENT), expand=False))
        month = _next_month(month)
    later = [e for e in plan.events if e.course is None and e.start.date() >= month]
    if later:
        console.print()
        console.print(Text(texts.text("terminal.long_arc"), style="bold underline"))
        table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
        table.add_column("day", no_wrap=True)
        table.add_column("time", no_wrap=True)
        table.add_column("title", overflow="fold")
        for event in later:
            when = (
                texts.text("terminal.all_day")
                if event.all_day
                else clock_range(event.start, event.end)
            )
            name = event.title + (f" {SESSION_MARK}" if event.is_session else "")
            table.add_row(texts.format_date(event.start.date(), "long"), when, Text(name))
        console.print(Padding(table, (1, 0, 0, 2), expand=False))
    print_warnings(console, plan, texts)
    console.print()
    console.print(Text(summary(plan)))


def _key(texts: Catalogue) -> str:
    return texts.text(
        "month.key",
        experience=_letter(Phase.EXPERIENCE, texts),
        preparation=_letter(Phase.PREPARATION, texts),
        integration=_letter(Phase.INTEGRATION, texts),
        session=SESSION_MARK,
    )


def _letter(phase: Phase, texts: Catalogue) -> str:
    return texts.text(f"month.letter_{phase.value}")


def _next_month(month: date) -> date:
    return (month + timedelta(days=31)).replace(day=1)


def _month_grid(
    month: date,
    marks: dict[date, DayMark],
    texts: Catalogue,
    *,
    room: int,
    today: date | None = None,
) -> Table:
    """Lay out one month: a heading, the weekdays, then a row per week with its line.

    A week's line that is wider than `room` puts its doses and its sessions on
    lines of their own rather than breaking in the middle of either. When `today` is
    in the month, brackets stand around its cell (every row then starts one column
    further right, so a Monday has room for its bracket).
    """
    if today is not None and (today.year, today.month) != (month.year, month.month):
        today = None
    lead = "" if today is None else " "
    room -= len(lead) * 2
    heading = texts.text(
        "month.heading", month=texts.lists["calendar.months"][month.month - 1], year=month.year
    )
    table = Table(
        box=None,
        show_header=False,
        padding=(0, 3, 0, 0),
        pad_edge=False,
        title=Text(heading[:1].upper() + heading[1:], style="bold"),
        title_justify="left",
    )
    table.add_column("week", no_wrap=True, min_width=_GRID_WIDTH - 3)
    table.add_column("doses and sessions", overflow="fold")
    weekdays = " ".join(f"{name[:2]:>2}  " for name in texts.lists["calendar.weekdays_abbr"])
    table.add_row(Text(lead + weekdays, style="dim"), "")
    start = monday(month)
    following = _next_month(month)
    while start < following:
        days = [start + timedelta(days=n) for n in range(7)]
        row = Text()
        doses: list[int] = []
        sessions = 0
        for n, day in enumerate(days):
            if n or lead:
                row.append(_before(day, today))
            if day.month != month.month:
                row.append(" " * 4)
                continue
            mark = marks.get(day)
            cell = _cell(day, mark, texts)
            if day == today:
                cell.stylize("bold underline", 0, 2)
            row.append_text(cell)
            if mark is not None:
                doses.extend(mark.doses)
                sessions += mark.sessions
        if today is not None and days[-1] == today:
            row.append("]")
        table.add_row(row, Text(_week_line(doses, sessions, texts, room)))
        start += timedelta(days=7)
    return table


def _before(day: date, today: date | None) -> str:
    """Return what stands before a day's cell: a bracket before or after today, else a space."""
    if today is None:
        return " "
    if day == today:
        return "["
    return "]" if day - timedelta(days=1) == today else " "


def _cell(day: date, mark: DayMark | None, texts: Catalogue) -> Text:
    """Return a day's four characters: the day, its phase letter and its session mark."""
    cell = Text(f"{day.day:>2}")
    if mark is None:
        return cell.append("  ")
    if mark.phase is not None:
        style = PHASE_STYLE[mark.phase] + (" reverse" if mark.doses else "")
        cell.append(_letter(mark.phase, texts), style=style)
    elif mark.advisory is not None:
        cell.append(_letter(mark.advisory, texts).lower(), style=PHASE_STYLE[mark.advisory])
    else:
        cell.append(" ")
    return cell.append(SESSION_MARK if mark.sessions else " ", style="bold")


def _week_line(doses: list[int], sessions: int, texts: Catalogue, room: int) -> str:
    parts = []
    if doses:
        parts.append(texts.text("month.doses", n=len(doses), list=texts.join(doses)))
    if sessions:
        parts.append(texts.text("month.sessions", n=sessions))
    line = " · ".join(parts)
    return line if len(line) <= room else "\n".join(parts)
