"""Render a plan for people in a terminal, with Rich.

Grouped by course (and the long arc after the last one), then by week; each
event shows its date, time, length, phase and title. Phase has a colour and
always a text label, so the view reads the same without colour. Imported only
when rendering for people: the JSON and ICS paths never load Rich.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from kapplan.i18n import Catalogue, catalogue
from kapplan.model.caseload import agenda
from kapplan.model.plan import Phase, Plan, PlanEvent
from kapplan.model.zones import zone_named
from kapplan.views.console import PHASE_STYLE, plain_lines, text_console
from kapplan.views.grid import Block, Column, Grid, Indented
from kapplan.views.labels import (
    clock_range,
    minutes_between,
    monday,
    sections,
    summary,
    title,
    warning_text,
)


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
    console.print(Text(title(plan, texts), style="bold"), Text(f"  ({plan.timezone})"))
    for label, events in sections(plan, texts):
        console.print()
        console.print(Text(label, style="bold underline"))
        for first, week in groupby(events, key=lambda e: monday(e.start.date())):
            console.print(_week_table(first, list(week), texts))
    print_warnings(console, plan, texts)
    console.print()
    console.print(Text(summary(plan)))


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
    lines = (f"! {warning_text(warning, texts, plan.zone)}" for warning in plan.warnings)
    console.print(Indented(lines, 2))


def _week_table(first: date, events: list[PlanEvent], texts: Catalogue) -> Block:
    table = Grid(
        Column(no_wrap=True, min_width=10),  # day
        Column(no_wrap=True, min_width=13),  # time
        Column(no_wrap=True, justify="right", min_width=7),  # length
        Column(no_wrap=True, min_width=11),  # phase
        Column(overflow="fold"),  # title
    )
    phases = _phase_labels(texts)
    previous: date | None = None
    for event in events:
        day = event.start.date()
        if event.all_day:
            last = (event.end - timedelta(days=1)).date()
            when = (
                texts.text("terminal.all_day")
                if last == day
                else texts.text("terminal.until", date=texts.format_date(last, "short"))
            )
            length = ""
        else:
            when = clock_range(event.start, event.end)
            length = texts.text("terminal.minutes", n=minutes_between(event.start, event.end))
        table.add_row(
            texts.format_date(day, "short") if day != previous else "",
            when,
            length,
            phases[event.phase],
            Text(event.title, style="bold") if event.is_session else event.title,
        )
        previous = day
    heading = Text(texts.format_date(first, "week"), style="dim")
    return Block(table, heading=heading, indent=2, top=1)


def _phase_labels(texts: Catalogue) -> dict[Phase, Text]:
    """Return each phase's label in its colour: one text for every row that shows it."""
    return {
        phase: Text(texts.text(f"phase.{phase.value}"), style=style)
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
    phases = _phase_labels(texts)
    for first, week in groupby(items, key=lambda i: monday(i.event.start.astimezone(zone).date())):
        rows = list(week)
        sessions = sum(1 for i in rows if i.event.is_session)
        console.print()
        week_label = texts.format_date(first, "week")
        console.print(
            Text(texts.text("terminal.caseload_week", week=week_label, n=sessions), style="bold")
        )
        table = Grid(
            Column(no_wrap=True, min_width=10),  # day
            Column(no_wrap=True, min_width=11),  # time
            Column(no_wrap=True),  # client
            Column(no_wrap=True, min_width=11),  # phase
            Column(overflow="fold"),  # title
            Column(no_wrap=True),  # their clock
        )
        previous: date | None = None
        for item in rows:
            start, end = item.event.start.astimezone(zone), item.event.end.astimezone(zone)
            phase = item.event.phase
            theirs = ""
            if item.client_zone != timezone:
                theirs = texts.format_clock(start, zone_named(item.client_zone))
            table.add_row(
                texts.format_date(start.date(), "short") if start.date() != previous else "",
                clock_range(start, end),
                item.client,
                phases[phase],
                Text(item.event.title, style="bold") if item.event.is_session else item.event.title,
                theirs,
            )
            previous = start.date()
        console.print(Block(table, indent=2))
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
    warnings = [(p.client, p.zone, w) for p in plans for w in p.warnings]
    if warnings:
        console.print()
        console.print(Text(texts.text("terminal.warnings", n=len(warnings)), style="bold yellow"))
        said = (
            f"! {client}: {warning_text(warning, texts, zone, own_zone=client_zone)}"
            for client, client_zone, warning in warnings
        )
        console.print(Indented(said, 2))
    console.print()
    sessions_total = sum(len(p.sessions) for p in plans)
    counts = (
        ("terminal.clients", len(plans)),
        ("summary.doses", sum(len(p.infusions) for p in plans)),
        ("summary.sessions", sessions_total),
        ("summary.warnings", len(warnings)),
    )
    console.print(Text(" · ".join(texts.text(key, n=n) for key, n in counts)))
    return plain_lines(buffer.getvalue())


@dataclass(frozen=True, slots=True)
class Load:
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
