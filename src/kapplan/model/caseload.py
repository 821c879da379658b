"""A caseload seen from the therapist's chair: every client's sessions and doses. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from difflib import get_close_matches

from msgspec import Struct

from kapplan.errors import UnknownClient
from kapplan.model.plan import AGENDA_KINDS, Plan, PlanEvent


class AgendaItem(Struct, frozen=True):
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


def client_index(labels: Sequence[str], name: str) -> int:
    """Find the client a name means among a caseload's labels, in any case.

    A label written exactly as `name` wins over labels that differ from it only
    in case (labels are distinct as written, so ``Vera`` and ``VERA`` may both be).

    Parameters:
        labels: The clients' labels, in caseload order.
        name: The name asked for, e.g. ``vera``.

    Returns:
        The position of the client in `labels`.

    Raises:
        UnknownClient: At ``client``, when no label or several labels match,
            naming the clients it could be.
    """
    if name in labels:
        return labels.index(name)
    matches = [n for n, label in enumerate(labels) if label.casefold() == name.casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        which = ", ".join(labels[n] for n in matches)
        raise UnknownClient(
            f"{name!r} could be any of {which}; expected one label as written",
            field="client",
        )
    folded = {label.casefold(): label for label in labels}
    close = get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
    guess = f" (did you mean {' or '.join(folded[c] for c in close)}?)" if close else ""
    raise UnknownClient(
        f"no client {name!r} in the caseload{guess}; expected one of {', '.join(labels)}",
        field="client",
    )


__all__ = ["AGENDA_KINDS", "AgendaItem", "agenda", "client_index"]
