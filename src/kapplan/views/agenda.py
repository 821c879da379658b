"""Render a plan for people in a terminal, with Rich.

Grouped by course (and the long arc after the last one), then by week; each
event shows its date, time, length, phase and title. Phase has a colour and
always a text label, so the view reads the same without colour. Imported only
when rendering for people: the JSON and ICS paths never load Rich.

Titles wrap between words, never inside one that fits its column. When the
width leaves a title fewer columns than `MIN_TITLE` or than its longest word,
other columns give way, in this order, until it has them:

1. the length column is dropped (the time range still says it);
2. the phase word becomes its one-letter marker (the month view's letters,
   ``P``, ``E``, ``I``), and a key line under the heading says what they mean.

The caseload agenda (`render_caseload`) has no length column; its order is:

1. the phase word becomes its one-letter marker, with the key line;
2. the client's own clock leaves its column and follows the title, in brackets.

The date, the time, the client and the title are never dropped. A word
longer than the title's column on its own is still folded.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from msgspec import Struct
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from kapplan.i18n import Catalogue, catalogue
from kapplan.model.caseload import AgendaItem, agenda
from kapplan.model.plan import Phase, Plan, PlanEvent
from kapplan.model.zones import zone_named
from kapplan.views.console import PHASE_STYLE, plain_lines, text_console
from kapplan.views.grid import Block, Column, Grid, Indented
from kapplan.views.labels import (
    clock_range,
    minutes_between,
    monday,
    said_warnings,
    sections,
    summary,
    title,
)

#: The fewest columns a title gets before the other columns give way (see the module).
MIN_TITLE = 16
#: Columns of space before a week's rows.
_INDENT = 2


class Shape(Struct, frozen=True):
    """Which columns an agenda shows at its width (see the module docstring)."""

    length: bool = True
    """The length column is shown."""
    letters: bool = False
    """The phase is its one-letter marker, not its word."""
    their_clock: bool = True
    """A caseload's client clock has its own column (else it follows the title)."""


def title_room(width: int, fixed: Sequence[Iterable[str]], least: Sequence[int]) -> int:
    """Return the columns left for the title, after the indent and the other columns.

    Parameters:
        width: The agenda's width.
        fixed: Each other column's cells (a column never wrapped, never shrunk).
        least: Each other column's own least width.

    Returns:
        The title's columns: a space of padding between columns is counted.
    """
    used = _INDENT
    for cells, floor in zip(fixed, least, strict=True):
        used += max([floor, *(cell_len(cell) for cell in cells)]) + 2
    # A space is counted each side of every other column; the first has none on its left
    # and the last none on its right, which the title's own padding (a space each side
    # of it, less the one at the edge when it is last) takes up.
    return width - used


def title_need(titles: Iterable[str]) -> int:
    """Return the columns a title column needs: `MIN_TITLE`, or its longest word.

    Parameters:
        titles: The titles.

    Returns:
        The columns.
    """
    return max([MIN_TITLE, *(cell_len(word) for t in titles for word in t.split())])


def phase_key(texts: Catalogue) -> Text:
    """Return the line that says what the phases' one-letter markers mean.

    Parameters:
        texts: The reader's catalogue.

    Returns:
        The key, dim.
    """
    letters = {p.value: texts.text(f"month.letter_{p.value}") for p in PHASE_STYLE}
    return Text(texts.text("terminal.phase_key", **letters), style="dim")


def render_terminal(plan: Plan, *, width: int = 100, color: bool = False) -> str:
    """Render a plan as text for a terminal.

    Parameters:
        plan: The plan.
        width: Columns to lay out for.
        color: Emit ANSI colour codes; plain text otherwise.

    Returns:
        The text, ending in a newline.
    """
    buffer = io.StringIO()
    print_plan(text_console(buffer, width, color), plan)
    return plain_lines(buffer.getvalue())


def print_plan(console: Console, plan: Plan) -> None:
    """Print a plan on a Rich console, in the plan's language.

    Parameters:
        console: Where to print.
        plan: The plan.
    """
    texts = catalogue(plan.language)
    # Each event's time and length, worked out once for the shape and the rows alike.
    cells = {id(event): _when(event, texts) for event in plan.events}
    shape = agenda_shape(plan, texts, console.width, cells=cells.values())
    console.print(Text(title(plan, texts), style="bold"), Text(f"  ({plan.timezone})"))
    if shape.letters:
        console.print(phase_key(texts))
    for label, events in sections(plan, texts):
        console.print()
        console.print(Text(label, style="bold underline"))
        for first, week in groupby(events, key=lambda e: monday(e.start.date())):
            console.print(_week_table(first, list(week), texts, shape, cells))
    print_warnings(console, plan, texts)
    console.print()
    console.print(Text(summary(plan)))


def agenda_shape(
    plan: Plan,
    texts: Catalogue,
    width: int,
    *,
    cells: Iterable[tuple[str, str]] | None = None,
) -> Shape:
    """Return the columns a plan's agenda shows at a width (see the module docstring).

    Parameters:
        plan: The plan.
        texts: The catalogue of the plan's language.
        width: The agenda's width.
        cells: Each event's time and length as the agenda shows them, when already
            worked out (else they are, here).

    Returns:
        The shape: every column while the titles have the room they need.
    """
    if cells is None:
        cells = [_when(event, texts) for event in plan.events]
    # Only the widest of each column counts: each text once.
    times, lengths = set(), set()
    for when, length in cells:
        times.add(when)
        lengths.add(length)
    days = {texts.format_date(day, "short") for day in {e.start.date() for e in plan.events}}
    need = title_need({event.title for event in plan.events})
    words = [texts.text(f"phase.{phase.value}") for phase in PHASE_STYLE]
    letters = [texts.text(f"month.letter_{phase.value}") for phase in PHASE_STYLE]
    steps = (
        (Shape(), (days, times, lengths, words), (10, 13, 7, 11)),
        (Shape(length=False), (days, times, words), (10, 13, 11)),
        (Shape(length=False, letters=True), (days, times, letters), (10, 13, 1)),
    )
    for shape, columns, least in steps:
        if title_room(width, columns, least) >= need:
            return shape
    return steps[-1][0]


def _when(event: PlanEvent, texts: Catalogue) -> tuple[str, str]:
    """Return an event's time (or days) and its length, as the agenda shows them."""
    if event.all_day:
        day = event.start.date()
        last = (event.end - timedelta(days=1)).date()
        when = (
            texts.text("terminal.all_day")
            if last == day
            else texts.text("terminal.until", date=texts.format_date(last, "short"))
        )
        return when, ""
    length = texts.text("terminal.minutes", n=minutes_between(event.start, event.end))
    return clock_range(event.start, event.end), length


def print_warnings(console: Console, plan: Plan, texts: Catalogue) -> None:
    """Print a plan's warnings under a heading (nothing when it has none).

    Parameters:
        console: Where to print.
        plan: The plan.
        texts: The catalogue of the plan's language.
    """
    if not plan.warnings:
        return
    console.print()
    console.print(Text(texts.text("terminal.warnings", n=len(plan.warnings)), style="bold yellow"))
    lines = (f"! {line}" for line in said_warnings(plan.warnings, texts, plan.zone))
    console.print(Indented(lines, 2))


def _week_table(
    first: date,
    events: list[PlanEvent],
    texts: Catalogue,
    shape: Shape,
    cells: Mapping[int, tuple[str, str]],
) -> Block:
    columns = [
        Column(no_wrap=True, min_width=10),  # day
        Column(no_wrap=True, min_width=13),  # time
        Column(no_wrap=True, justify="right", min_width=7),  # length
        Column(no_wrap=True, min_width=11 if not shape.letters else 1),  # phase
        Column(overflow="fold"),  # title
    ]
    if not shape.length:
        del columns[2]
    table = Grid(*columns)
    phases = _phase_labels(texts, letters=shape.letters)
    previous: date | None = None
    for event in events:
        day = event.start.date()
        when, length = cells[id(event)]
        row: list[str | Text] = [
            texts.format_date(day, "short") if day != previous else "",
            when,
            length,
            phases[event.phase],
            Text(event.title, style="bold") if event.is_session else event.title,
        ]
        if not shape.length:
            del row[2]
        table.add_row(*row)
        previous = day
    heading = Text(texts.format_date(first, "week"), style="dim")
    return Block(table, heading=heading, indent=_INDENT, top=1)


def _phase_labels(texts: Catalogue, *, letters: bool = False) -> dict[Phase, Text]:
    """Return each phase's label (its word, or its letter) in its colour: one text for
    every row that shows it."""
    key = "month.letter_{}" if letters else "phase.{}"
    return {
        phase: Text(texts.text(key.format(phase.value)), style=style)
        for phase, style in PHASE_STYLE.items()
    }


def render_caseload(
    plans: Sequence[Plan],
    *,
    timezone: str,
    width: int = 100,
    color: bool = False,
    language: str = "en",
) -> str:
    """Render a caseload for the therapist: a week-by-week agenda across clients.

    Times are on the therapist's clock; where a client lives in another zone,
    the client's own clock (with its zone's abbreviation) is shown beside it.
    The agenda shows sessions and the doses they follow; a load summary and
    every client's warnings follow, their times on the therapist's clock too
    (and the time a session was given on the client's, beside it).

    Parameters:
        plans: One plan per client.
        timezone: The therapist's IANA zone.
        width: Columns to lay out for.
        color: Emit ANSI colour codes; plain text otherwise.
        language: The therapist's language for the agenda's own labels.

    Returns:
        The text, ending in a newline.
    """
    texts = catalogue(language)
    zone = zone_named(timezone)
    buffer = io.StringIO()
    console = text_console(buffer, width, color)
    console.print(
        Text(texts.text("terminal.caseload_title"), style="bold"),
        Text("  " + texts.text("terminal.caseload_scope", n=len(plans), zone=timezone)),
    )
    items = agenda(plans)
    rows = [_caseload_cells(item, zone, timezone, texts) for item in items]
    shape = _caseload_shape(items, rows, texts, console.width)
    if shape.letters:
        console.print(phase_key(texts))
    phases = _phase_labels(texts, letters=shape.letters)
    for first, week in groupby(
        zip(items, rows, strict=True),
        key=lambda pair: monday(pair[0].event.start.astimezone(zone).date()),
    ):
        heading, block = _caseload_week(first, list(week), texts, shape, phases, zone)
        console.print()
        console.print(heading)
        console.print(block)
    summary_of = load_summary(plans, zone)
    console.print()
    console.print(Text(texts.text("terminal.load"), style="bold"))
    busiest = max((n for _, n in summary_of.sessions_per_week), default=0)
    weeks = texts.text("terminal.load_weeks", n=len(summary_of.sessions_per_week), busiest=busiest)
    unmet = (
        texts.text("terminal.load_unmet", client=client, n=n)
        for client, n in summary_of.unmet_per_client
    )
    console.print(Indented([weeks, *unmet], 2))
    warnings = sum(len(p.warnings) for p in plans)
    if warnings:
        console.print()
        console.print(Text(texts.text("terminal.warnings", n=warnings), style="bold yellow"))
        said = (
            f"! {p.client}: {line}"
            for p in plans
            for line in said_warnings(p.warnings, texts, zone, own_zone=p.zone)
        )
        console.print(Indented(said, 2))
    console.print()
    sessions_total = sum(len(p.sessions) for p in plans)
    counts = (
        ("terminal.clients", len(plans)),
        ("summary.doses", sum(len(p.infusions) for p in plans)),
        ("summary.sessions", sessions_total),
        ("summary.warnings", warnings),
    )
    console.print(Text(" · ".join(texts.text(key, n=n) for key, n in counts)))
    return plain_lines(buffer.getvalue())


def _caseload_cells(
    item: AgendaItem, zone: ZoneInfo, timezone: str, texts: Catalogue
) -> tuple[str, str, str, str]:
    """Return an agenda item's day, time, client and client's own clock (or "")."""
    start, end = item.event.start.astimezone(zone), item.event.end.astimezone(zone)
    theirs = ""
    if item.client_zone != timezone:
        theirs = texts.format_clock(start, zone_named(item.client_zone))
    day = texts.format_date(start.date(), "short")
    return day, clock_range(start, end), item.client, theirs


def _caseload_shape(
    items: Sequence[AgendaItem],
    rows: Sequence[tuple[str, str, str, str]],
    texts: Catalogue,
    width: int,
) -> Shape:
    """Return the columns the caseload agenda shows at a width (see the module docstring)."""
    days, times, clients, theirs = ([row[n] for row in rows] for n in range(4))
    words = [texts.text(f"phase.{phase.value}") for phase in PHASE_STYLE]
    letters = [texts.text(f"month.letter_{phase.value}") for phase in PHASE_STYLE]
    need = title_need(item.event.title for item in items)
    steps = (
        (Shape(length=False), words, 11),
        (Shape(length=False, letters=True), letters, 1),
    )
    for shape, phases, least in steps:
        columns = (days, times, clients, phases, theirs)
        if title_room(width, columns, (10, 11, 0, least, 0)) >= need:
            return shape
    return Shape(length=False, letters=True, their_clock=False)


def _caseload_week(
    first: date,
    week: Sequence[tuple[AgendaItem, tuple[str, str, str, str]]],
    texts: Catalogue,
    shape: Shape,
    phases: dict[Phase, Text],
    zone: ZoneInfo,
) -> tuple[Text, Block]:
    """Return a week of the caseload agenda: its heading line, and its rows."""
    sessions = sum(1 for item, _ in week if item.event.is_session)
    week_label = texts.format_date(first, "week")
    heading = Text(texts.text("terminal.caseload_week", week=week_label, n=sessions), style="bold")
    columns = [
        Column(no_wrap=True, min_width=10),  # day
        Column(no_wrap=True, min_width=11),  # time
        Column(no_wrap=True),  # client
        Column(no_wrap=True, min_width=11 if not shape.letters else 1),  # phase
        Column(overflow="fold"),  # title
    ]
    if shape.their_clock:
        columns.append(Column(no_wrap=True))  # their clock
    table = Grid(*columns)
    previous: date | None = None
    for item, (day, time, client, theirs) in week:
        start = item.event.start.astimezone(zone).date()
        name = item.event.title
        if theirs and not shape.their_clock:
            name += f" ({theirs})"
        cells: list[str | Text] = [
            day if start != previous else "",
            time,
            client,
            phases[item.event.phase],
            Text(name, style="bold") if item.event.is_session else name,
        ]
        if shape.their_clock:
            cells.append(theirs)
        table.add_row(*cells)
        previous = start
    return heading, Block(table, indent=_INDENT)


class Load(Struct, frozen=True):
    """How busy the therapist is and what could not be met, for the load summary."""

    sessions_per_week: tuple[tuple[date, int], ...]
    """(Monday, number of sessions) for every week that has sessions."""
    unmet_per_client: tuple[tuple[str, int], ...]
    """(client, number of warnings about missed windows), in client order."""


def load_summary(plans: Sequence[Plan], zone: ZoneInfo) -> Load:
    """Count sessions per week (in the therapist's zone) and unmet windows per client.

    Parameters:
        plans: One plan per client.
        zone: The therapist's zone, whose weeks are counted.

    Returns:
        The load summary.
    """
    weeks: dict[date, int] = {}
    for plan in plans:
        for event in plan.sessions:
            day = event.start.astimezone(zone).date()
            monday = day - timedelta(days=day.weekday())
            weeks[monday] = weeks.get(monday, 0) + 1
    unmet = tuple(
        (plan.client, sum(1 for w in plan.warnings if w.rule is not None)) for plan in plans
    )
    return Load(tuple(sorted(weeks.items())), unmet)
