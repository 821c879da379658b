"""Views of a caseload: several clients' plans seen from the therapist's chair. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from kapplan.model.plan import Kind, Plan, PlanEvent
from kapplan.model.rulebook import Placement, Rulebook

#: What a therapist's agenda and calendar show of each client: sessions, and
#: the doses they follow (the client's practices stay in the client's own plan).
AGENDA_KINDS = frozenset({Kind.INFUSION})


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One line of a therapist's agenda."""

    client: str
    event: PlanEvent
    client_zone: str


def agenda(plans: Sequence[Plan]) -> list[AgendaItem]:
    """Return every client's sessions and doses, in time order (ties by client order).

    Parameters:
        plans: One plan per client.

    Returns:
        The agenda items.
    """
    items = [
        (event.start.astimezone(UTC), n, AgendaItem(plan.client, event, plan.timezone))
        for n, plan in enumerate(plans)
        for event in plan.events
        if event.is_session or event.kind in AGENDA_KINDS
    ]
    items.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in items]


def calendar_shows_practices(books: Sequence[Rulebook]) -> bool:
    """Tell whether the therapist's calendar could show a practice of these rulebooks.

    It shows sessions and doses only, so a caseload planned just for it may leave
    the practices out (`kapplan.engine.planner.build_caseload`'s `practices`), unless a
    rulebook gives a practice one of the kinds it shows.
    """
    return any(
        rule.placement is Placement.PRACTICE and rule.kind in AGENDA_KINDS
        for book in {id(book): book for book in books}.values()
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
    events = tuple(
        replace(item.event, title=f"{item.client}: {item.event.title}") for item in agenda(plans)
    )
    return Plan(
        timezone=timezone, infusions=(), courses=(), events=events, client="", language=language
    )


@dataclass(frozen=True, slots=True)
class Load:
    """How busy the therapist is and what could not be met, for the load summary."""

    sessions_per_week: tuple[tuple[date, int], ...]
    """(Monday, number of sessions) for every week that has sessions."""
    unmet_per_client: tuple[tuple[str, int], ...]
    """(client, number of warnings about missed windows), in client order."""


def load(plans: Sequence[Plan], zone: ZoneInfo) -> Load:
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
