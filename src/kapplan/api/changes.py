"""What a re-plan over an earlier export changed, grouped by who must be told.

A therapist who has told each client a time needs to know, after a clinic
moves a dose, whom to call: which sessions moved (from when to when), which
were cancelled and which are new, per client. Only sessions count: doses are
the clinic's, and practices follow their dose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct, field

if TYPE_CHECKING:
    from kapplan.model.plan import Booking, Plan


class Known(Protocol):
    """An event as an earlier calendar had it (an export's event, or a plan's session)."""

    @property
    def summary(self) -> str: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def start(self) -> datetime | None: ...
    @property
    def end(self) -> datetime | None: ...
    @property
    def placed(self) -> tuple[datetime, datetime] | None: ...
    @property
    def outside(self) -> bool: ...


class Ledger(Protocol):
    """What the sessions are compared against: its events by uid."""

    @property
    def events(self) -> Mapping[str, Known]: ...


class Booked(Struct, frozen=True):
    """A session of a plan, as a ledger's event (`plan_ledger`)."""

    summary: str
    start: datetime
    end: datetime
    placed: tuple[datetime, datetime] | None
    outside: bool = False
    cancelled: bool = False


class PlanLedger(Struct, frozen=True):
    """The sessions of plans made earlier, as the ledger a re-plan is compared against."""

    events: Mapping[str, Booked] = field(default_factory=dict)


def plan_ledger(plans: Sequence[Plan]) -> PlanLedger:
    """Return plans' sessions as a ledger: what a calendar exported from them would book.

    Parameters:
        plans: One plan per client.

    Returns:
        Each session by uid, titled as the therapist's calendar titles it.
    """
    several = len(plans) > 1
    return PlanLedger(
        {
            e.uid: Booked(
                f"{plan.client}: {e.title}" if several else e.title,
                e.start,
                e.end,
                (e.start, e.end),
                e.outside,
            )
            for plan in plans
            for e in plan.sessions
        }
    )


class Change(Struct, frozen=True):
    """One session that is not where the earlier export had it."""

    client: str
    """Whose session it is ('' for a single schedule without a client label)."""
    uid: str
    """The event's uid."""
    title: str
    """Its title now (or, cancelled, as the earlier export had it)."""
    before: tuple[datetime, datetime] | None
    """Where the earlier export had it (UTC); None for a new session."""
    after: tuple[datetime, datetime] | None
    """Where it is now (on the client's clock); None for a cancelled one."""
    pinned: bool = False
    """True for a session a person moved by hand, kept there."""

    @property
    def kind(self) -> str:
        """Return ``moved``, ``new``, ``cancelled`` or ``pinned`` (kept where a person put it)."""
        if self.pinned:
            return "pinned"
        if self.before is None:
            return "new"
        return "cancelled" if self.after is None else "moved"


def changes(previous: Ledger, plans: Sequence[Plan]) -> tuple[Change, ...]:
    """Compare the sessions of an earlier export with the plans made over it.

    Parameters:
        previous: The earlier export.
        plans: The plans now (one per client).

    Returns:
        The sessions that moved, are new or were cancelled, by client in plan order,
        then by time.
    """
    found: list[Change] = []
    seen: set[str] = set()
    for plan in plans:
        mine: list[Change] = []
        for event in plan.sessions:
            seen.add(event.uid)
            known = previous.events.get(event.uid)
            now = (event.start, event.end)
            if known is None or known.cancelled or known.start is None or known.end is None:
                mine.append(Change(plan.client, event.uid, event.title, None, now))
            elif (known.start, known.end) != (event.start, event.end):
                before = (known.start, known.end)
                mine.append(Change(plan.client, event.uid, event.title, before, now))
            elif event.placed is not None:
                mine.append(Change(plan.client, event.uid, event.title, now, now, pinned=True))
        found += sorted(mine, key=lambda c: (c.after or c.before or (datetime.min,))[0])
    clients = {plan.client for plan in plans}
    for uid, known in previous.events.items():
        if uid in seen or known.cancelled or known.placed is None or known.start is None:
            continue
        assert known.end is not None
        client, _, title = known.summary.partition(": ")
        if client not in clients or not title:
            client, title = (plans[0].client if len(plans) == 1 else ""), known.summary
        found.append(Change(client, uid, title, (known.start, known.end), None))
    return tuple(found)


def bookings_of(ledger: Ledger) -> dict[str, Booking]:
    """Return the sessions a ledger booked, by uid, for a re-plan to keep.

    Parameters:
        ledger: An earlier export, or earlier plans (`plan_ledger`).

    Returns:
        Each live session's time; one a person moved (its time differs from where
        kapplan placed it) carries that placement, so it stays pinned.
    """
    from kapplan.model.plan import Booking

    found: dict[str, Booking] = {}
    for uid, e in ledger.events.items():
        if e.cancelled or e.start is None or e.end is None or e.placed is None:
            continue  # all-day, cancelled, or not a session kapplan placed
        moved = e.placed != (e.start, e.end)
        found[uid] = Booking(e.start, e.end, e.placed if moved else None, e.outside)
    return found


def change_records(found: Sequence[Change], plans: Sequence[Plan]) -> list[dict[str, object]]:
    """Return changes as JSON records, times on each client's clock (ISO 8601).

    Parameters:
        found: The changes.
        plans: The plans, for each client's zone.

    Returns:
        One record per change: ``client``, ``uid``, ``title``, ``change`` (``moved``,
        ``new``, ``cancelled`` or ``pinned``), ``before`` and ``after`` (``{"start",
        "end"}`` or null).
    """
    zones = {plan.client: plan.zone for plan in plans}

    def span(times: tuple[datetime, datetime] | None, client: str) -> dict[str, str] | None:
        if times is None:
            return None
        zone = zones.get(client) or plans[0].zone
        return {
            "start": times[0].astimezone(zone).isoformat(),
            "end": times[1].astimezone(zone).isoformat(),
        }

    return [
        {
            "client": c.client,
            "uid": c.uid,
            "title": c.title,
            "change": c.kind,
            "before": span(c.before, c.client),
            "after": span(c.after, c.client),
        }
        for c in found
    ]


__all__ = [
    "Booked",
    "Change",
    "PlanLedger",
    "bookings_of",
    "change_records",
    "changes",
    "plan_ledger",
]
