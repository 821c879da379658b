"""A caseload seen from the therapist's chair: every client's sessions and doses. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

from kapplan.model.plan import EventKind, Plan, PlanEvent

#: What a therapist's agenda and calendar show of each client: sessions, and
#: the doses they follow (the client's practices stay in the client's own plan).
AGENDA_KINDS = frozenset({EventKind.INFUSION})


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One line of a therapist's agenda."""

    client: str
    """The client's label."""
    event: PlanEvent
    """A session, or a dose."""
    client_zone: str
    """The client's IANA zone."""


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


__all__ = ["AGENDA_KINDS", "AgendaItem", "agenda"]
