"""``kapplan agenda`` and ``kapplan today``: what is on over a few days, across schedules.

One list in time order, a line per event: its day (once per day), its time, its
client when there are several, its phase (a word, coloured on a terminal) and its
title, sessions in bold. A heading says which days are shown and how many events
they hold; when none, the next event after them and how to see it. Imported only
for these commands.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from msgspec import Struct
from rich.text import Text

from kapplan.i18n import Catalogue, catalogue
from kapplan.model.plan import PlanEvent
from kapplan.model.zones import zone_named
from kapplan.views.console import PHASE_STYLE, plain_lines, text_console
from kapplan.views.grid import Block, Column, Grid, Indented
from kapplan.views.labels import clock_range, last_day


class Entry(Struct, frozen=True):
    """One event of the list, with the client it is for."""

    client: str
    """The client's label ('' for a schedule without one)."""
    event: PlanEvent
    """The event."""


def render_upcoming(
    entries: Sequence[Entry],
    *,
    first: date,
    last: date,
    timezone: str,
    following: Entry | None = None,
    clients: bool = False,
    width: int = 100,
    color: bool = False,
    language: str = "en",
) -> str:
    """Render the events of a few days as one list, for a terminal.

    Parameters:
        entries: The events to show, in time order.
        first: The first day shown.
        last: The last day shown (inclusive).
        timezone: The clock the times are shown on (one plan's, or the therapist's).
        following: When `entries` is empty: the first event after `last`, if any.
        clients: Name each line's client (several schedules).
        width: Columns to lay out for.
        color: Emit ANSI colour codes; plain text otherwise.
        language: The language of the labels.

    Returns:
        The text, ending in a newline.
    """
    texts = catalogue(language)
    zone = zone_named(timezone)
    buffer = io.StringIO()
    console = text_console(buffer, width, color)
    days = _days(first, last, texts)
    if not entries:
        console.print(Indented([_nothing(days, following, timezone, texts)], 0))
        return plain_lines(buffer.getvalue())
    heading = texts.text("agenda.heading", days=days, n=len(entries), zone=timezone)
    console.print(Text(heading, style="bold"))
    table = Grid(
        Column(no_wrap=True, min_width=10),  # day
        Column(no_wrap=True, min_width=11),  # time
        *([Column(no_wrap=True)] if clients else []),  # client
        Column(no_wrap=True, min_width=11),  # phase
        Column(overflow="fold"),  # title
    )
    phases = {
        phase: Text(texts.text(f"phase.{phase.value}"), style=style)
        for phase, style in PHASE_STYLE.items()
    }
    previous: date | None = None
    for entry in entries:
        event = entry.event
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        day = max(start.date(), first)
        when = clock_range(start, end)
        if event.all_day:
            until = last_day(event)
            short = texts.format_date(until, "short")
            when = texts.text("terminal.until", date=short) if until > day else ""
            when = when or texts.text("terminal.all_day")
        table.add_row(
            texts.format_date(day, "short") if day != previous else "",
            when,
            *([entry.client] if clients else []),
            phases[event.phase],
            Text(event.title, style="bold") if event.is_session else event.title,
        )
        previous = day
    console.print(Block(table, indent=2, top=1))
    return plain_lines(buffer.getvalue())


def _days(first: date, last: date, texts: Catalogue) -> str:
    """Say the days shown: one day, or the first and the last."""
    if first == last:
        return texts.format_date(first, "short")
    return texts.text(
        "agenda.days",
        first=texts.format_date(first, "short"),
        last=texts.format_date(last, "short"),
    )


def _nothing(days: str, following: Entry | None, timezone: str, texts: Catalogue) -> str:
    """Say that nothing is on those days, and what comes next (or that nothing does)."""
    if following is None:
        return texts.text("agenda.nothing_after", days=days)
    event = following.event
    start = event.start.astimezone(zone_named(timezone))
    day = start.date()
    moment = texts.format_date(start.date(), "long")
    if not event.all_day:
        moment = texts.format_datetime(start)
    who = f" ({following.client})" if following.client else ""
    return texts.text(
        "agenda.nothing",
        days=days,
        when=moment,
        title=event.title + who,
        to=day.isoformat(),
    )


__all__ = ["Entry", "render_upcoming"]
