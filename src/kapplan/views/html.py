"""Render a plan as a printable HTML handout: what a clinic gives a patient.

One self-contained HTML5 document: inline CSS, no scripts, and nothing it
loads from anywhere (no fonts, images, style sheets or links to the network).
It holds a header (the client's label, the dates the plan spans and its time
zone), the plan by week, one line per day with that day's timed events (doses
in bold and boxed, therapy sessions marked), the journaling prompts once, the
advisories (each once: its dated titles, then what to do and why), and the
documents the rules come from as numbered footnotes. The patient's handout (the
default) leaves the plan's warnings to the therapist and says, when it has any,
that the therapist will confirm the sessions' times; the therapist's handout
lists them. Then the summary line. A dose's box keeps to one line on a screen
wider than 40rem and in print, and a session's mark to its first word. Every text
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
from typing import TYPE_CHECKING

from kapplan.characters import visible
from kapplan.i18n import Catalogue, DateStyle, catalogue
from kapplan.model.choices import Reader
from kapplan.model.plan import EventKind, Plan, PlanEvent
from kapplan.views.labels import (
    clock_range,
    last_day,
    monday,
    said_warnings,
    sections,
    summary,
    title,
)

if TYPE_CHECKING:
    from kapplan.model.rulebook import Rulebook

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
.dose { font-weight: 700; border: 1.5px solid #111; padding: 0 .2rem; white-space: nowrap;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.session { font-weight: 600; }
@media screen and (max-width: 40rem) { .dose { white-space: normal; } }
.advisory p { margin-left: 1.2rem; }
sup.refs { font-size: 70%; font-weight: normal; line-height: 0; color: #333; }
sup.refs a { color: inherit; text-decoration: none; }
p.sources { color: #333; font-size: 85%; margin-top: .4rem; }
ol.prompts { margin: .2rem 0 0 1.2rem; padding: 0; }
ul.dates { margin: .1rem 0 .4rem 1.2rem; padding: 0; }
section.prompts, .advisory, section.warnings li { break-inside: avoid; page-break-inside: avoid; }
@page { margin: 15mm 14mm; }
@media print {
  :root, body { color: #000; background: #fff; }
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  .scope, .key, .summary, tbody th[colspan], p.sources { color: #000; }
  a { color: #000; text-decoration: none; }
}
"""


def render_html(
    plan: Plan, *, rulebook: Rulebook | None = None, reader: Reader = Reader.PATIENT
) -> str:
    """Render a plan as a one-file printable handout.

    Parameters:
        plan: The plan.
        rulebook: The rulebook it was planned with: the documents its rules cite
            become the handout's footnotes (none without it).
        reader: Whom it is for: the patient (no warnings; a line saying the
            therapist will confirm the sessions' times when the plan has placement
            warnings) or the therapist (the warnings listed).

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
    notes = _Footnotes(plan, rulebook, texts)
    parts = [
        OWNED_MARKER.decode(),
        f'<html lang="{_e(plan.language)}">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="generator" content="kapplan">\n',
        f"<title>{_e(heading)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        f"<header>\n<h1>{_e(heading)}</h1>\n",
        f'<p class="scope">{_e(texts.text("handout.scope", span=span, zone=plan.timezone))}</p>\n',
    ]
    # The plan's timed events cite their rules' sources once, after the key to them.
    refs = notes.refs(e.rule for e in plan.events if not e.all_day)
    parts.append(
        f'<p class="key">{_e(texts.text("handout.key", session=SESSION_MARK))}{refs}</p>\n'
    )
    if reader is Reader.PATIENT and any(w.rule is not None for w in plan.warnings):
        parts.append(f'<p class="confirm">{_e(texts.text("handout.confirm"))}</p>\n')
    parts.append("</header>\n")
    for label, events in sections(plan, texts):
        timed = [e for e in events if not e.all_day]
        # The long arc has a session every few weeks: a heading per week would
        # take more room than its sessions, so its days carry their year instead.
        if timed:
            parts.append(_section(label, timed, texts, weekly=timed[0].course is not None))
    parts.append(_prompts(plan, texts, notes))
    parts.append(_advisories(plan, texts, notes))
    if plan.warnings and reader is Reader.THERAPIST:
        items = "".join(
            f"<li>{_e(line)}</li>\n" for line in said_warnings(plan.warnings, texts, plan.zone)
        )
        heading_w = _e(texts.text("terminal.warnings", n=len(plan.warnings)))
        parts.append(f'<section class="warnings">\n<h2>{heading_w}</h2>\n<ul>\n{items}</ul>\n')
        parts.append("</section>\n")
    parts.append(f"<footer>\n{notes.listing()}")
    counted = summary(plan, warnings=reader is Reader.THERAPIST)
    parts.append(f'<p class="summary">{_e(counted)}</p>\n</footer>\n')
    parts.append("</body>\n</html>\n")
    return "".join(parts)


class _Footnotes:
    """The documents a handout's rules cite, numbered in the order the handout cites them.

    The key to the plan carries the numbers of the sources of its timed events' rules,
    the journaling prompts and each advisory those of their own rules; the list of
    sources ends the handout.
    """

    def __init__(self, plan: Plan, rulebook: Rulebook | None, texts: Catalogue) -> None:
        self.texts = texts
        self.rules = {rule.id: rule for rule in rulebook.rule} if rulebook else {}
        self.rulebook = rulebook
        self.numbers: dict[str, int] = {}
        self.plan = plan

    def refs(self, rule_ids: Iterable[str]) -> str:
        """Return the footnote mark of these rules' sources (``[1, 3]``), numbering new ones."""
        numbers: dict[int, None] = {}
        for rule_id in rule_ids:
            rule = self.rules.get(rule_id)
            for cited in rule.source if rule else ():
                numbers[self.numbers.setdefault(cited, len(self.numbers) + 1)] = None
        if not numbers:
            return ""
        links = ", ".join(f'<a href="#source-{n}">{n}</a>' for n in numbers)
        before, _, after = self.texts.text("handout.footnote", refs="\0").partition("\0")
        return f'<sup class="refs">{_e(before)}{links}{_e(after)}</sup>'

    def listing(self) -> str:
        """Return the numbered sources as one paragraph, or nothing without a rulebook."""
        if self.rulebook is None:
            return ""
        self.refs(e.rule for e in self.plan.events)  # the rest, in plan order
        items = []
        texts = self.texts
        for cited, n in self.numbers.items():
            source = self.rulebook.sources[cited]
            name = source.named(
                texts.source_text(cited, "title", source.title),
                texts.source_text(cited, "author", source.author),
            )
            shown = f"{name} · {source.url}" if source.url else name
            number = texts.text("handout.footnote", refs=n)
            items.append(f'<span id="source-{n}">{_e(number)} {_e(shown)}</span>')
        heading = _e(texts.text("handout.sources"))
        # One paragraph: a list of a few lines would take the room of a page's last rows.
        return f'<p class="sources"><strong>{heading}:</strong> {" · ".join(items)}</p>\n'


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
        # A no-break space: the mark never ends a line apart from the session it marks.
        name = f'<span class="session">{SESSION_MARK}\u00a0{name}</span>'
    elif event.kind is EventKind.INFUSION:
        name = f'<span class="dose">{name}</span>'
    return f'<li><span class="time">{_e(times)}</span> {name}</li>'


def _prompts(plan: Plan, texts: Catalogue, notes: _Footnotes) -> str:
    """Return the journaling prompts, each once, or nothing when the plan has none."""
    prompts = list(dict.fromkeys(p for e in plan.events for p in e.prompts))
    if not prompts:
        return ""
    items = "".join(f"<li>{_e(p)}</li>\n" for p in prompts)
    refs = notes.refs(e.rule for e in plan.events if e.prompts)
    return (
        f'<section class="prompts">\n<h2>{_e(texts.text("handout.prompts"))}{refs}</h2>\n'
        f"<p>{_e(texts.text('handout.prompts_intro'))}</p>\n"
        f'<ol class="prompts">\n{items}</ol>\n</section>\n'
    )


def _advisories(plan: Plan, texts: Catalogue, notes: _Footnotes) -> str:
    """Return the advisories, one block per rule: its dated titles, then what it says once.

    What every event of a rule says (what to do, why) follows its titles once; what
    only some say (the doses a merged one covers) follows that event's dates.
    """
    advisories = [e for e in plan.events if e.all_day]
    if not advisories:
        return ""
    groups: dict[str, list[PlanEvent]] = {}
    for event in advisories:
        groups.setdefault(event.rule, []).append(event)
    parts = [f'<section class="advisories">\n<h2>{_e(texts.text("handout.advisories"))}</h2>\n']
    for rule, events in groups.items():
        said = [list(_paragraphs(e.description)) for e in events]
        common = [p for p in said[0] if all(p in others for others in said[1:])]
        parts.append('<div class="advisory">\n<ul class="dates">\n')
        for event, paragraphs in zip(events, said, strict=True):
            own = "".join(
                f"<br>{_e(p)}"
                for p in paragraphs
                if p not in common and not _said_by_title(p, event.title, texts)
            )
            parts.append(
                f"<li><strong>{_e(event.title)}</strong>: {_e(_days(event, texts))}{own}</li>\n"
            )
        parts.append("</ul>\n")
        refs = notes.refs([rule])
        for n, paragraph in enumerate(common, start=1):
            parts.append(f"<p>{_e(paragraph)}{refs if n == len(common) else ''}</p>\n")
        parts.append("</div>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _said_by_title(paragraph: str, title: str, texts: Catalogue) -> bool:
    """Tell whether a paragraph only names the doses an event covers, which its title says."""
    before, _, after = texts.text("text.covers", doses="\0").partition("\0")
    if not (paragraph.startswith(before) and paragraph.endswith(after)):
        return False
    doses = paragraph[len(before) : len(paragraph) - len(after)]
    return bool(doses) and doses in title


def _paragraphs(text: str) -> Iterable[str]:
    return (p.strip() for p in text.split("\n\n") if p.strip())


def _days(event: PlanEvent, texts: Catalogue) -> str:
    first, last = event.start.date(), last_day(event)
    if first == last:
        return texts.format_date(first, "short")
    return texts.text(
        "text.span", first=texts.format_date(first, "short"), last=texts.format_date(last, "short")
    )
