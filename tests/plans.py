"""Helpers for the core tests: schedules from short TOML, plans, trimmed rulebooks.

Tests of the pure core (`test_engine`, `test_schedule`, `test_properties`)
build schedules from a few lines of TOML and read plans by rule; these
helpers keep that short without hiding what a test sets up.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from kapplan.edge.load import default_rulebook, schedule_from_text
from kapplan.engine import build_caseload, build_plan
from kapplan.i18n import catalogues
from kapplan.model.doses import LocalTimeNote
from kapplan.model.hours import TherapistHours
from kapplan.model.plan import Plan, PlanEvent, PlanWarning
from kapplan.model.rulebook import Rulebook
from kapplan.model.schedule import Schedule
from kapplan.model.zones import resolve_wall

#: The shipped message catalogues, for calls to the engine.
TEXTS = catalogues()

#: An `[availability]` table that allows every minute of every day.
ALWAYS = """
[availability]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
hours = "00:00-24:00"
"""


def doses(*ats: str, method: str = "iv", minutes: int | None = None) -> str:
    """Return `[[infusion]]` tables for local times such as ``2026-12-01T10:00:00``."""
    extra = f"minutes = {minutes}\n" if minutes is not None else ""
    return "".join(f'[[infusion]]\nat = {at}\nmethod = "{method}"\n{extra}' for at in ats)


def schedule(body: str, timezone: str = "Europe/Berlin") -> Schedule:
    """Return the schedule of a TOML body in a zone (through the real loader)."""
    return schedule_from_text(f'timezone = "{timezone}"\n{body}', "test.toml")


@cache
def rulebook(*ids: str) -> Rulebook:
    """Return the default rulebook, or only the named rules of it (same windows).

    Parameters:
        ids: Rule ids to keep; none keeps every rule.
    """
    book = default_rulebook()
    if not ids:
        return book
    unknown = set(ids) - {r.id for r in book.rule}
    assert not unknown, f"no such rules: {unknown}"
    return Rulebook(
        version=book.version,
        methods=book.methods,
        placement=book.placement,
        sources=book.sources,
        rule=tuple(r for r in book.rule if r.id in ids),
    )


def plan(
    body: str,
    timezone: str = "Europe/Berlin",
    rules: tuple[str, ...] = (),
    therapist: TherapistHours | None = None,
) -> Plan:
    """Plan a TOML body with the default rulebook (or only `rules` of it), alone or on a
    therapist's calendar."""
    if therapist is not None:
        return build_caseload(
            (schedule(body, timezone),), rulebook(*rules), therapist, texts=TEXTS
        )[0]
    return build_plan(schedule(body, timezone), rulebook(*rules), texts=TEXTS)


def of(plan: Plan, rule: str) -> list[PlanEvent]:
    """Return the events a rule made, in plan order."""
    return [e for e in plan.events if e.rule == rule]


def spans(plan: Plan, rule: str) -> list[tuple[str, str]]:
    """Return (start, end) of a rule's events as ISO 8601 text with offsets."""
    return [(e.start.isoformat(), e.end.isoformat()) for e in of(plan, rule)]


def message(plan: Plan, warning: PlanWarning) -> str:
    """Say a plan's warning as its reader sees it: in the plan's language, on its clock."""
    return TEXTS[plan.language].warning_text(warning, plan.zone)


def local_time(wall: datetime, zone: ZoneInfo) -> tuple[datetime, str | None]:
    """Resolve a wall-clock time in a zone; say in English what a DST change did to it."""
    moment, shift = resolve_wall(wall, zone)
    if shift is None:
        return moment, None
    note = LocalTimeNote(shift, "at", None, wall, moment, zone.key)
    return moment, TEXTS["en"].warning_text(note.warning(), zone, with_field=False)


def warnings_of(plan: Plan, rule: str) -> list[PlanWarning]:
    """Return the warnings about one rule."""
    return [w for w in plan.warnings if w.rule == rule]
