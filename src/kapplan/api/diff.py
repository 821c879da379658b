"""Compare two schedules or exports as a calendar re-import would: ``kapplan diff``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from kapplan.api.environment import NOWHERE, Environment, configuration_of, flags_or_none
from kapplan.edge.files import STDIN
from kapplan.errors import KapplanError

if TYPE_CHECKING:
    from kapplan.api.changes import Change, Ledger
    from kapplan.api.plan import Planned
    from kapplan.diff import Diff
    from kapplan.formats.ics import PreviousCalendar
    from kapplan.model.plan import Plan
    from kapplan.model.rulebook import Rulebook
    from kapplan.model.schedule import Schedule, ScheduleDefaults
    from kapplan.model.settings import Flags


class Compared(Struct, frozen=True):
    """What a calendar re-import of `new` over `old` does, and how to show it."""

    diff: Diff
    """The events moved, added, removed and changed."""
    timezone: str
    """The zone its times are shown in: the newer side's plan's."""
    old: str
    """The old side's name."""
    new: str
    """The new side's name."""
    language: str
    """The language of its labels: the newer schedule's."""


def diff_files(
    old: str,
    new: str,
    *,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
) -> Compared:
    """Compare two inputs as a calendar re-import compares them.

    Each side is a schedule (planned as `plan_files` plans it), or an earlier
    kapplan export, .ics or JSON (told by suffix, else by content).

    Parameters:
        old: What the calendar holds now; ``-`` for stdin.
        new: What it will hold.
        rules: A rulebook file for both schedules, over their own `rules`.
        flags: Language, and the calendar's reminders and discreet texts (they
            change what a calendar compares).
        env: The config file and this machine's zone.

    Returns:
        The diff, with its zone and labels.

    Raises:
        KapplanError: Located, on any problem in either input.
    """
    from kapplan.edge.files import read_text
    from kapplan.formats.ics import IcsOptions, PreviousCalendar, shown_events
    from kapplan.formats.records import compare_sides
    from kapplan.model.plan import Plan
    from kapplan.model.settings import CalendarLayer, resolve, schedule_defaults
    from kapplan.model.zones import zone_named

    if old == new == STDIN:
        raise KapplanError("stdin (-) is named twice; expected it once at most")
    flags = flags_or_none(flags)
    configuration = configuration_of(env)
    settings = resolve(configuration, flags, machine_zone=env.machine_zone)
    defaults = schedule_defaults(configuration, flags, machine_zone=env.machine_zone)
    texts = {
        side: read_text(side, what="a schedule (.toml), or a kapplan .ics or JSON export")
        for side in dict.fromkeys((old, new))
    }
    schedules = {side: _diff_schedule(side, *texts[side], rules, defaults) for side in (old, new)}
    planned = [s for s in (schedules[new], schedules[old]) if s is not None]
    # Labels, and a JSON export's calendar lines, speak the new schedule's language.
    language = flags.lang or (planned[0][0].language if planned else settings.language.value)
    sides = [_diff_side(side, texts[side], schedules[side], language) for side in (old, new)]
    zone = next((s.timezone for s in reversed(sides) if isinstance(s, Plan)), None)
    zone = zone or settings.timezone.value
    if isinstance(sides[0], PreviousCalendar):
        # Compare as a re-export over that calendar would write (privacy is sticky).
        earlier = CalendarLayer(sides[0].source, sides[0].discreet, sides[0].sessions_only)
        settings = settings.remembering(earlier)
    options = IcsOptions(
        reminders=settings.reminder_leads(),
        discreet=settings.discreet.value,
        sessions_only=settings.sessions_only.value,
    )
    sides = [
        replace(s, events=shown_events(s, options)) if isinstance(s, Plan) else s for s in sides
    ]
    diff = compare_sides(sides[0], sides[1], options, zone_named(zone))
    return Compared(diff, zone, texts[old][0], texts[new][0], language)


def _diff_schedule(
    path: str, name: str, text: str, rules: str | None, defaults: ScheduleDefaults
) -> tuple[Schedule, Rulebook] | None:
    """Load one side of a diff when it is a schedule, with the rulebook it is planned with."""
    from kapplan.edge.load import Source, rulebooks_for, schedule_from_text, sniff, with_rules_path

    if sniff(path, text) is not Source.SCHEDULE:
        return None
    schedule = with_rules_path(schedule_from_text(text, name, defaults=defaults), path, text, name)
    return schedule, rulebooks_for([path], [schedule], rules)[0]


def _diff_side(
    path: str,
    named: tuple[str, str],
    schedule: tuple[Schedule, Rulebook] | None,
    language: str,
) -> Plan | PreviousCalendar:
    """Return one side of a diff: a plan (of a schedule or a JSON export), or a calendar."""
    from kapplan.edge.load import Source, default_rulebook, sniff
    from kapplan.engine import build_plan
    from kapplan.formats.ics import parse_previous
    from kapplan.formats.json import plan_from_json
    from kapplan.i18n import catalogues
    from kapplan.model.rulebook import session_kinds

    name, text = named
    if schedule is not None:
        return build_plan(schedule[0], schedule[1], texts=catalogues())
    if sniff(path, text) is Source.JSON:
        kinds = session_kinds(default_rulebook())
        return plan_from_json(text, name, language=language, session_kinds=kinds)
    return parse_previous(text, name)


def render_diff(compared: Compared, *, json: bool = False, color: bool = False) -> str:
    """Render a diff: one line per event, grouped, for people; or JSON for scripts.

    Parameters:
        compared: What `diff_files` returned.
        json: One JSON document instead of lines.
        color: Colour the group headings (ANSI).

    Returns:
        The text, ending in a newline.
    """
    from kapplan.views.diff import render_diff_json, render_diff_terminal

    if json:
        return render_diff_json(compared.diff, compared.timezone)
    return render_diff_terminal(
        compared.diff,
        timezone=compared.timezone,
        old=compared.old,
        new=compared.new,
        language=compared.language,
        color=color,
    )


__all__ = ["Compared", "diff_files", "render_diff"]


class CaseloadCompared(Struct, frozen=True):
    """What re-planning a caseload over an earlier one changes, by client."""

    changes: tuple[Change, ...]
    """The sessions that moved, are new, were cancelled or were kept where moved by hand."""
    planned: Planned
    """The newer side, planned over the older."""
    old: str
    """The old side's name."""


def diff_caseloads(
    old: str,
    new: Sequence[str],
    *,
    therapist: str | None = None,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
) -> CaseloadCompared:
    """Compare a caseload with an earlier one, as a re-plan over it would change it.

    Parameters:
        old: The earlier side: a folder of schedules (planned afresh), or the
            therapist's calendar kapplan exported (.ics).
        new: The schedules now (files or folders).
        therapist: The therapist file both sides are planned with.
        rules: A rulebook for every schedule, over their own.
        flags: Language and calendar settings.
        env: The config file and this machine's zone.

    Returns:
        The per-client change list: each session of the newer side is planned
        over the older side's bookings (`kapplan.engine.caseload.book_requests`),
        so only what must move moves, as ``kapplan plan -o`` over the calendar does.

    Raises:
        KapplanError: Located, on any problem in either side.
    """
    from pathlib import Path

    from kapplan.api.changes import bookings_of, changes, plan_ledger
    from kapplan.api.plan import Target, _earlier_export, _plan, plan_files
    from kapplan.model.choices import Format

    ledger: Ledger
    if Path(old).is_dir():
        earlier = plan_files([old], therapist=therapist, rules=rules, flags=flags, env=env)
        ledger = plan_ledger(earlier.plans)
    else:
        export = _earlier_export(Target(format=Format.ICS, previous=old))
        if export is None:
            raise KapplanError("expected a folder of schedules or a kapplan .ics", source=old)
        ledger = export
    planned = _plan(
        list(new),
        therapist,
        rules,
        flags_or_none(flags),
        env,
        None,
        calendar_only=False,
        bookings=bookings_of(ledger),
    )
    return CaseloadCompared(changes(ledger, planned.plans), planned, old)


def render_caseload_diff(compared: CaseloadCompared, *, json: bool = False) -> str:
    """Render a caseload comparison: the per-client change list, or JSON records.

    Parameters:
        compared: What `diff_caseloads` returned.
        json: JSON (``{"changes": [...]}``) instead of text.

    Returns:
        The text, ending in a newline.
    """
    from kapplan.api.changes import change_records
    from kapplan.views.changes import render_changes

    planned = compared.planned
    if json:
        import json as json_module

        records = change_records(compared.changes, planned.plans)
        return json_module.dumps({"changes": records}, indent=2, ensure_ascii=False) + "\n"
    text = render_changes(
        compared.changes,
        planned.plans,
        source=compared.old,
        timezone=planned.timezone if planned.caseload else None,
        language=planned.settings.language.value,
    )
    if text:
        return text
    from kapplan.i18n import catalogue

    return catalogue(planned.settings.language.value).text("changes.none") + "\n"
