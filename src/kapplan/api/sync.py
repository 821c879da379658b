"""Sync plans into a CalDAV calendar: ``kapplan sync``, as a library.

What is on the server is the ledger (see the README's "Keeping your calendar
up to date"): a sync reads the calendar, re-plans over kapplan's events there
(booked sessions stay, hand-moved ones are pinned), renders the same calendar
`kapplan plan -o FILE.ics` would write over it, and sends only the difference:

- an event the server lacks is created;
- an event whose SEQUENCE rose (something kapplan writes in it changed) is
  replaced, only if nobody changed it since it was read (its ETag);
- an event the plan no longer has is deleted, or with ``cancel`` replaced by
  its cancellation (``STATUS:CANCELLED``), so calendars that mirror the server
  show it struck through;
- anything else is left alone, and a person's own events are never read into
  a decision, let alone written.

So a second run with nothing changed writes nothing, and a run broken off
half-way is finished by the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from msgspec import Struct, field

from kapplan.api.environment import NOWHERE, Environment, configuration_of
from kapplan.api.plan import Export, Target, export_files
from kapplan.errors import SyncError
from kapplan.model.choices import Format

if TYPE_CHECKING:
    from kapplan.edge.caldav import RemoteCalendar
    from kapplan.formats.objects import CalendarObject, RemoteEvent
    from kapplan.model.limits import Limits
    from kapplan.model.settings import Flags


class Action(StrEnum):
    """What a sync does to one event on the server."""

    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"
    DELETE = "delete"


class Step(Struct, frozen=True):
    """One write a sync makes."""

    action: Action
    uid: str
    href: str
    etag: str | None
    text: str = ""
    """The resource to write ('' for a delete)."""


class Synced(Struct, frozen=True):
    """What a sync did (or, for a dry run, would do)."""

    url: str
    """The calendar, as messages show it (no user part)."""
    export: Export
    """The plans and the calendar rendered from them; `Export.changes` is the change list."""
    steps: tuple[Step, ...]
    """The writes, in the order they are (or would be) made."""
    unchanged: int
    """Events of kapplan's on the server that stay as they are."""
    created_calendar: bool = False
    """True when the calendar did not exist and is (or would be) created."""
    dry_run: bool = False
    """True when nothing was written."""
    writes: int = 0
    """How many writing requests were sent to the server."""
    counts: Mapping[Action, int] = field(default_factory=dict)
    """How many steps of each action."""


def sync_progress() -> Callable[[int, str], Callable[[], None]]:
    """Return the progress bar a sync shows on a terminal (`kapplan.views.progress`)."""
    from kapplan.views.progress import progress_bar

    return progress_bar()


def sync_url(to: str | None, env: Environment) -> str:
    """Return the calendar a sync writes to: `to`, else the config file's ``caldav_url``.

    Raises:
        SyncError: When neither names one, or it is not an http(s) URL.
    """
    from kapplan.edge.caldav import collection_url

    url = to or configuration_of(env).values.caldav_url
    if not url:
        raise SyncError(
            "no calendar to sync to; expected --to URL (the CalDAV calendar's address) or "
            "caldav_url in the config file (kapplan config --init)",
            field="--to",
        )
    return collection_url(url)


def sync_files(
    schedules: Sequence[str],
    url: str,
    *,
    environ: Mapping[str, str],
    therapist: str | None = None,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
    limits: Limits | None = None,
    client: str | None = None,
    replan: bool = False,
    cancel: bool = False,
    dry_run: bool = False,
    timeout: float = 30.0,
    progress: Callable[[int, str], Callable[[], None]] | None = None,
) -> Synced:
    """Plan schedule files over a CalDAV calendar and bring the calendar up to date.

    Parameters:
        schedules: As for `kapplan.api.plan_files`.
        url: The calendar (`sync_url`).
        environ: The environment, for the user name and password
            (`kapplan.edge.caldav.login_for`).
        therapist: As for `plan_files`.
        rules: As for `plan_files`.
        flags: As for `plan_files` (language, reminders, discreet, sessions only).
        env: As for `plan_files`.
        limits: As for `plan_files`.
        client: As for `plan_files`.
        replan: Place every session afresh instead of keeping the server's bookings.
        cancel: Replace vanished events by their cancellation instead of deleting them.
        dry_run: Read and decide, write nothing.
        timeout: Seconds to wait for each answer of the server.
        progress: Called with the number of writes and a label (in the plans'
            language) before they start; returns what to call after each.

    Returns:
        What was (or would be) done.

    Raises:
        SyncError: When the server cannot be reached, refuses or fails (one line;
            a run stopped part-way is finished by running it again).
        KapplanError: As `plan_files` does, before anything is written.
    """
    from kapplan.edge.caldav import RemoteCalendar, busy_reader, login_for, shown
    from kapplan.formats.objects import calendar_objects, ledger_of
    from kapplan.i18n import catalogue

    remote = RemoteCalendar(url, login_for(url, environ), timeout)
    found = remote.read()
    earlier, where = ledger_of(found or (), shown(url))
    export = export_files(
        schedules,
        Target(format=Format.ICS, replan=replan),
        therapist=therapist,
        rules=rules,
        flags=flags,
        env=env,
        limits=limits,
        client=client,
        earlier=earlier,
        remote_busy=busy_reader(environ, timeout, url),
    )
    wanted = calendar_objects(export.data.decode("utf-8"))
    sequences = {uid: e.sequence for uid, e in earlier.events.items()}
    steps = _steps(wanted, where, sequences, remote, cancel=cancel)
    if not dry_run:
        if found is None:
            remote.create(_calendar_name(export))
        done = None
        if progress is not None and steps:
            language = export.planned.settings.language.value
            done = progress(len(steps), catalogue(language).text("sync.progress"))
        for step in steps:
            _apply(remote, step)
            if done is not None:
                done()
    counts = {action: sum(1 for s in steps if s.action is action) for action in Action}
    return Synced(
        url=shown(url),
        export=export,
        steps=tuple(steps),
        unchanged=len(where) - sum(1 for s in steps if s.action is not Action.CREATE),
        created_calendar=found is None,
        dry_run=dry_run,
        writes=remote.writes,
        counts=counts,
    )


def _steps(
    wanted: Sequence[CalendarObject],
    where: Mapping[str, RemoteEvent],
    sequences: Mapping[str, int],
    remote: RemoteCalendar,
    *,
    cancel: bool,
) -> list[Step]:
    """Decide the writes: new events, risen SEQUENCEs, and vanished events."""
    steps = []
    for item in wanted:
        there = where.get(item.uid)
        if there is None:
            if not item.cancelled:
                steps.append(Step(Action.CREATE, item.uid, remote.href(item.uid), None, item.text))
        elif item.cancelled and not cancel:
            steps.append(Step(Action.DELETE, item.uid, there.href, there.etag))
        elif item.sequence != sequences.get(item.uid):
            action = Action.CANCEL if item.cancelled else Action.UPDATE
            steps.append(Step(action, item.uid, there.href, there.etag, item.text))
    return steps


def _apply(remote: RemoteCalendar, step: Step) -> None:
    if step.action is Action.DELETE:
        remote.delete(step.href, step.etag)
    else:
        remote.put(step.href, step.text, step.etag)


def _calendar_name(export: Export) -> str:
    """Return the name a new calendar gets: the one the .ics export names."""
    from kapplan.formats.ical import parse_calendars

    [whole] = parse_calendars(export.data.decode("utf-8"))
    found = whole.first("X-WR-CALNAME")
    return found.value if found is not None else "kapplan"


def sync_summary(synced: Synced, language: str) -> str:
    """Say in one line what a sync did (or would do), in the plans' language.

    Parameters:
        synced: What `sync_files` returned.
        language: ``en`` or ``ru``.

    Returns:
        The line, without a newline.
    """
    from kapplan.i18n import catalogue

    texts = catalogue(language)
    counts = synced.counts
    parts = [
        texts.text(f"sync.{action.value}", n=counts[action])
        for action in Action
        if counts.get(action, 0)
    ]
    parts.append(texts.text("sync.unchanged", n=synced.unchanged))
    key = "sync.dry_run" if synced.dry_run else "sync.done"
    said = texts.text(key, url=synced.url, what=", ".join(parts))
    if synced.created_calendar:
        said += " " + texts.text("sync.new_calendar" if not synced.dry_run else "sync.would_create")
    return said
