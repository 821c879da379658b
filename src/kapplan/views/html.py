"""Render a plan as a printable HTML handout: what a clinic gives a patient.

One self-contained HTML5 document: inline CSS, no scripts, and nothing it
loads from anywhere (no fonts, images, style sheets or links to the network).
It holds a header (the client's label, the dates the plan spans and its time
zone), the plan by week, one line per day with that day's timed events (doses
in bold and boxed, therapy sessions marked), the journaling prompts once, the
advisories with their dates, any warnings and the summary line. Every text
from the plan (which comes from the schedule and the rulebook) is escaped, so
none of it can add markup, and its control characters are written out
(``\\x1b``, see `kapplan.characters.visible`): the file holds no raw ESC.
Print CSS keeps it black on white, with page margins that suit A4 and Letter
alike and no week split across pages.

The renderer imports no Rich.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from itertools import groupby

from kapplan.characters import visible
from kapplan.i18n import Catalogue, DateStyle, catalogue
from kapplan.model.plan import EventKind, Plan, PlanEvent
from kapplan.views.labels import (
    clock_range,
    last_day,
    monday,
    sections,
    summary,
    title,
    warning_text,
)

#: Every handout starts with these bytes; a file that does is kapplan's own and
#: ``-o`` may replace it without ``--force``.
OWNED_MARKER = b"<!DOCTYPE html>\n<!-- kapplan handout -->\n"
#: What marks a therapy session in the plan.
SESSION_MARK = "◆"

# The page size is left to the printer (A4 or Letter): 15 mm margins fit both.
STYLE = """\
:root { color: #111; background: #fff; }
body { font: 10.5pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 16pt; margin: 0 0 .2rem; }
h2 { font-size: 12.5pt; margin: 1.1rem 0 .3rem; border-bottom: 1px solid #999;
  break-after: avoid; page-break-after: avoid; }
p { margin: .2rem 0; }
.scope, .key, .summary { color: #333; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .1rem .4rem .1rem 0; }
tbody { break-inside: avoid; page-break-inside: avoid; }
tbody th[colspan] { font-weight: 600; padding-top: .45rem; color: #333; }
th.day { white-space: nowrap; font-weight: normal; width: 8rem; }
ul.events { list-style: none; margin: 0; padding: 0; }
ul.events li { display: inline; }
ul.events li + li::before { content: " · "; color: #666; }
.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
.dose { font-weight: 700; border: 1.5px solid #111; padding: 0 .2rem; }
.session { font-weight: 600; }
ol.prompts { margin: .2rem 0 0 1.2rem; padding: 0; }
ul.dates { margin: .1rem 0 .4rem 1.2rem; padding: 0; }
section.prompts, .advisory, section.warnings li { break-inside: avoid; page-break-inside: avoid; }
@page { margin: 15mm 14mm; }
@media print {
  :root, body { color: #000; background: #fff; }
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  .scope, .key, .summary, tbody th[colspan] { color: #000; }
  a { color: #000; text-decoration: none; }
}
"""


def render_html(plan: Plan) -> str:
    """Render a plan as a one-file printable handout.

    Parameters:
        plan: The plan.

    Returns:
        The HTML document, ending in a newline, labelled in the plan's language.
    """
    texts = catalogue(plan.language)
    heading = title(plan, texts)
    first = min(e.start.date() for e in plan.events)
    last = max(last_day(e) for e in plan.events)
    span = texts.text(
        "text.span", first=texts.format_date(first, "long"), last=texts.format_date(last, "long")
    )
    parts = [
        OWNED_MARKER.decode(),
        f'<html lang="{_e(plan.language)}">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="generator" content="kapplan">\n',
        f"<title>{_e(heading)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        f"<header>\n<h1>{_e(heading)}</h1>\n",
        f'<p class="scope">{_e(texts.text("handout.scope", span=span, zone=plan.timezone))}</p>\n',
        f'<p class="key">{_e(texts.text("handout.key", session=SESSION_MARK))}</p>\n</header>\n',
    ]
    for label, events in sections(plan, texts):
        timed = [e for e in events if not e.all_day]
        # The long arc has a session every few weeks: a heading per week would
        # take more room than its sessions, so its days carry their year instead.
        if timed:
            parts.append(_section(label, timed, texts, weekly=timed[0].course is not None))
    parts.append(_prompts(plan, texts))
    parts.append(_advisories(plan, texts))
    if plan.warnings:
        items = "".join(
            f"<li>{_e(warning_text(w, texts, plan.zone))}</li>\n" for w in plan.warnings
        )
        heading_w = _e(texts.text("terminal.warnings", n=len(plan.warnings)))
        parts.append(f'<section class="warnings">\n<h2>{heading_w}</h2>\n<ul>\n{items}</ul>\n')
        parts.append("</section>\n")
    parts.append(f'<footer>\n<p class="summary">{_e(summary(plan))}</p>\n</footer>\n')
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def _e(text: object) -> str:
    """Escape a text for HTML element content and quoted attribute values, controls shown."""
    return escape(visible(str(text), keep="\n"), quote=True)


def _section(label: str, events: list[PlanEvent], texts: Catalogue, *, weekly: bool) -> str:
    """Return one course (or the long arc) as a table: a body per week, a row per day.

    Without `weekly`, one body holds every day, each with its year.
    """
    rows = [f'<section class="plan">\n<h2>{_e(label)}</h2>\n<table>\n']
    style: DateStyle = "short" if weekly else "long"
    for first, week in groupby(events, key=lambda e: monday(e.start.date()) if weekly else None):
        rows.append("<tbody>\n")
        if first is not None:
            week_label = _e(texts.format_date(first, "week"))
            rows.append(f'<tr><th colspan="2">{week_label}</th></tr>\n')
        for day, on_day in groupby(week, key=lambda e: e.start.date()):
            items = "".join(_event(e) for e in on_day)
            rows.append(f'<tr><th class="day" scope="row">{_e(texts.format_date(day, style))}')
            rows.append(f'</th><td><ul class="events">{items}</ul></td></tr>\n')
        rows.append("</tbody>\n")
    rows.append("</table>\n</section>\n")
    return "".join(rows)


def _event(event: PlanEvent) -> str:
    """Return one timed event as a list item: its times and title, a dose boxed."""
    times = clock_range(event.start, event.end)
    name = _e(event.title)
    if event.is_session:
        name = f'<span class="session">{SESSION_MARK} {name}</span>'
    elif event.kind is EventKind.INFUSION:
        name = f'<span class="dose">{name}</span>'
    return f'<li><span class="time">{_e(times)}</span> {name}</li>'


def _prompts(plan: Plan, texts: Catalogue) -> str:
    """Return the journaling prompts, each once, or nothing when the plan has none."""
    prompts = list(dict.fromkeys(p for e in plan.events for p in e.prompts))
    if not prompts:
        return ""
    items = "".join(f"<li>{_e(p)}</li>\n" for p in prompts)
    return (
        f'<section class="prompts">\n<h2>{_e(texts.text("handout.prompts"))}</h2>\n'
        f"<p>{_e(texts.text('handout.prompts_intro'))}</p>\n"
        f'<ol class="prompts">\n{items}</ol>\n</section>\n'
    )


def _advisories(plan: Plan, texts: Catalogue) -> str:
    """Return the advisories: each distinct text once, with the dates it applies."""
    advisories = [e for e in plan.events if e.all_day]
    if not advisories:
        return ""
    groups: dict[tuple[str, str], list[PlanEvent]] = {}
    for event in advisories:
        groups.setdefault((event.rule, event.description), []).append(event)
    parts = [f'<section class="advisories">\n<h2>{_e(texts.text("handout.advisories"))}</h2>\n']
    for (_, description), events in groups.items():
        parts.append('<div class="advisory">\n')
        parts.extend(f"<p>{_e(paragraph)}</p>\n" for paragraph in _paragraphs(description))
        dates = "".join(
            f"<li><strong>{_e(e.title)}</strong>: {_e(_days(e, texts))}</li>\n" for e in events
        )
        parts.append(f'<ul class="dates">\n{dates}</ul>\n</div>\n')
    parts.append("</section>\n")
    return "".join(parts)


def _paragraphs(text: str) -> Iterable[str]:
    return (p.strip() for p in text.split("\n\n") if p.strip())


def _days(event: PlanEvent, texts: Catalogue) -> str:
    first, last = event.start.date(), last_day(event)
    if first == last:
        return texts.format_date(first, "short")
    return texts.text(
        "text.span", first=texts.format_date(first, "short"), last=texts.format_date(last, "short")
    )
