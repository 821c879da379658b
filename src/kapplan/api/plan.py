"""Plan schedule files and render them: ``kapplan plan``, as a library."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from kapplan.api.environment import NOWHERE, Environment, configuration_of, flags_or_none
from kapplan.edge.files import STDIN
from kapplan.errors import KapplanError, UnreadableCalendar
from kapplan.model.choices import CALENDAR_FORMATS, Format, Reader, View

if TYPE_CHECKING:
    from kapplan.api.changes import Change
    from kapplan.edge.load import RemoteBusyReader
    from kapplan.formats.ics import IcsOptions, PreviousCalendar
    from kapplan.formats.vdir import EarlierVdir, Vdir
    from kapplan.model.doses import DoseExpansion
    from kapplan.model.filters import PlanFilter
    from kapplan.model.limits import Limits
    from kapplan.model.plan import Booking, Plan, PlanEvent, PlanWarning
    from kapplan.model.rulebook import Rulebook
    from kapplan.model.schedule import Schedule
    from kapplan.model.settings import CalendarLayer, Flags, Settings


class Planned(Struct, frozen=True):
    """The plans of one run: one schedule's, or every client's of a caseload."""

    plans: tuple[Plan, ...]
    """One plan per schedule, in argument order (folders expanded)."""
    caseload: bool
    """True for several schedules, or any number with a therapist file (False for one
    client of a caseload, which is rendered as one schedule's plan)."""
    timezone: str
    """The zone of the whole: the plan's, or the therapist's clock for a caseload."""
    settings: Settings
    """Language, reminders and discreet as decided (flags, config file, defaults)."""
    inputs: tuple[Path, ...]
    """Every file read (schedules, rulebooks, therapist file): never written over."""
    complete: bool = True
    """False when only what a therapist's calendar shows was planned (sessions and doses:
    no practices, and no other event of the clients' own; see `engine.book_sessions`)."""
    rulebooks: tuple[Rulebook, ...] = ()
    """The rulebook each plan was made with, in the order of `plans` (a handout's
    footnotes name the documents its rules cite); empty when not known."""
    only: PlanFilter | None = None
    """The part of the plans shown (``--from``, ``--to``, ``--kind``), when a filter left
    events out: the plans hold only the events it keeps (`narrowed`)."""

    @property
    def warnings(self) -> int:
        """Return how many warnings the plans have."""
        return sum(len(plan.warnings) for plan in self.plans)


def is_caseload(schedules: Sequence[str], therapist: str | None = None) -> bool:
    """Tell whether these inputs plan a caseload rather than one schedule.

    Parameters:
        schedules: Files, folders (every .toml in them) or ``-``.
        therapist: A therapist file, if any.

    Returns:
        True for more than one schedule, or any with a therapist file.

    Raises:
        ScheduleError: When a folder holds no schedule, or stdin is named twice.
    """
    from kapplan.edge.load import schedule_paths

    return therapist is not None or len(schedule_paths(schedules)) > 1


def plan_files(
    schedules: Sequence[str],
    *,
    therapist: str | None = None,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
    limits: Limits | None = None,
    client: str | None = None,
) -> Planned:
    """Plan schedule files: one schedule's plan, or a therapist's caseload.

    Parameters:
        schedules: Schedule files, folders (every .toml in them) or ``-`` (stdin).
        therapist: A therapist file: plan the schedules as this therapist's caseload.
        rules: A rulebook file for every schedule, over each schedule's own `rules`.
        flags: Settings the caller gives (language, reminders, discreet), over the
            schedules' and the config file's.
        env: The config file and this machine's zone.
        limits: How large a schedule and its plan may be (default: `DEFAULT_LIMITS`).
        client: One client's label (any case): plan the caseload, and return that
            client's plan alone, as one schedule's, with the times booked in the
            caseload. A single schedule is a caseload of one: its own label.

    Returns:
        The plans.

    Raises:
        UnknownClient: When `client` names no client of the schedules, or several.
        KapplanError: Located, for any problem in any file read, or a limit exceeded.
    """
    return _plan(
        schedules,
        therapist,
        rules,
        flags_or_none(flags),
        env,
        limits,
        calendar_only=False,
        client=client,
    )


def _plan(
    schedules: Sequence[str],
    therapist: str | None,
    rules: str | None,
    flags: Flags,
    env: Environment,
    limits: Limits | None,
    *,
    calendar_only: bool,
    bookings: Mapping[str, Booking] | None = None,
    client: str | None = None,
    remote_busy: RemoteBusyReader | None = None,
) -> Planned:
    from kapplan.edge.files import display_name
    from kapplan.edge.load import (
        label_client,
        load_clients,
        load_schedule_expanded,
        rulebook_paths,
        rulebooks_for,
        schedule_paths,
    )
    from kapplan.engine import build_plan
    from kapplan.i18n import catalogues
    from kapplan.model.limits import DEFAULT_LIMITS
    from kapplan.model.settings import resolve, schedule_defaults

    limits = limits or DEFAULT_LIMITS
    configuration = configuration_of(env)
    settings = resolve(configuration, flags, machine_zone=env.machine_zone)
    defaults = schedule_defaults(configuration, flags, machine_zone=env.machine_zone)
    paths = schedule_paths(schedules)
    inputs = [Path(p) for p in paths if p != STDIN]
    if configuration.exists:
        inputs.append(Path(configuration.path))
    if len(paths) > 1 or therapist is not None:
        clients = load_clients(paths, defaults=defaults, limits=limits)
        privacy = _privacy(paths, [schedule for schedule, _ in clients], therapist, inputs)
        settings = resolve(configuration, flags, machine_zone=env.machine_zone, files=privacy)
        if client is None:
            return _plan_caseload(
                paths,
                clients,
                therapist,
                rules,
                settings,
                inputs,
                limits,
                calendar_only,
                bookings,
                remote_busy,
            )
        from kapplan.model.caseload import client_index

        # One client's own plan has every event, whatever the format.
        index = client_index([s.client for s, _ in clients], client)
        planned = _plan_caseload(
            paths, clients, therapist, rules, settings, inputs, limits, False, bookings, remote_busy
        )
        return _one_client(planned, index)
    schedule, expansion = load_schedule_expanded(paths[0], defaults=defaults, limits=limits)
    if client is not None:
        from kapplan.model.caseload import client_index

        client_index([label_client(schedule, paths[0], {}).client], client)
    privacy = _privacy(paths, [schedule], None, inputs)
    settings = resolve(configuration, flags, machine_zone=env.machine_zone, files=privacy)
    book = rulebooks_for(paths, [schedule], rules)[0]
    inputs += rulebook_paths(rules, [schedule])
    try:
        plan = build_plan(
            schedule,
            book,
            texts=catalogues(),
            limits=limits,
            expansion=expansion,
            bookings=bookings,
        )
    except KapplanError as problem:
        # The engine knows no file names; a single schedule's problem is in its file.
        raise problem.located(source=display_name(paths[0])) from None
    return Planned((plan,), False, plan.timezone, settings, tuple(inputs), rulebooks=(book,))


def _privacy(
    paths: Sequence[str], schedules: Sequence[Schedule], therapist: str | None, inputs: list[Path]
) -> list[CalendarLayer]:
    """Return what the schedules and the therapist file say of the calendar's privacy; add
    the therapist file and its busy calendar to `inputs`."""
    from kapplan.edge.files import display_name
    from kapplan.edge.load import busy_calendar_path, load_therapist_file
    from kapplan.model.settings import CalendarLayer

    layers = [
        CalendarLayer(display_name(path), schedule.discreet, schedule.sessions_only)
        for path, schedule in zip(paths, schedules, strict=True)
    ]
    if therapist is not None:
        table = load_therapist_file(therapist)
        layers.append(CalendarLayer(therapist, table.discreet))
        busy = busy_calendar_path(table, therapist)
        inputs += [Path(therapist)] + ([Path(busy)] if busy else [])
    return layers


def _plan_caseload(
    paths: list[str],
    clients: list[tuple[Schedule, DoseExpansion]],
    therapist: str | None,
    rules: str | None,
    settings: Settings,
    inputs: list[Path],
    limits: Limits,
    calendar_only: bool,
    bookings: Mapping[str, Booking] | None = None,
    remote_busy: RemoteBusyReader | None = None,
) -> Planned:
    """Plan a caseload; `calendar_only` leaves out what a therapist's calendar never shows."""
    from kapplan.edge.load import load_therapist, rulebook_paths, rulebooks_for
    from kapplan.engine import book_sessions, build_caseload, calendar_shows_practices
    from kapplan.i18n import catalogues

    schedules = [schedule for schedule, _ in clients]
    expansions = [expansion for _, expansion in clients]
    hours = None
    # A caseload's clock: the therapist's file's zone, else the config's, else this machine's.
    zone = settings.timezone.value
    if therapist is not None:
        starts = [d.start for e in expansions for d in e.doses]
        hours = load_therapist(therapist, starts, remote_busy)
        zone = hours.zone.key
    books = rulebooks_for(paths, schedules, rules)
    inputs += rulebook_paths(rules, schedules)
    lean = calendar_only and not calendar_shows_practices(books)
    place = book_sessions if lean else build_caseload
    plans = place(
        schedules,
        books,
        hours,
        texts=catalogues(),
        limits=limits,
        expansions=expansions,
        bookings=bookings,
    )
    return Planned(
        plans, True, zone, settings, tuple(inputs), complete=not lean, rulebooks=tuple(books)
    )


def _one_client(planned: Planned, index: int) -> Planned:
    """One client of a planned caseload, as one schedule's plan: on the client's clock."""
    plan = planned.plans[index]
    books = planned.rulebooks[index : index + 1]
    return replace(planned, plans=(plan,), caseload=False, timezone=plan.timezone, rulebooks=books)


# -- render and export ---------------------------------------------------------------


class Target(Struct, frozen=True):
    """What to render plans as."""

    format: Format = Format.TERMINAL
    """The format."""
    view: View = View.AGENDA
    """The terminal view."""
    width: int = 100
    """Columns a terminal view is laid out for."""
    color: bool = False
    """Colour a terminal view with ANSI codes."""
    stamp: datetime | None = None
    """.ics: the DTSTAMP of every event (aware); None derives it from the plan."""
    calendar_name: str | None = None
    """.ics: the calendar's name; None picks one."""
    previous: str | None = None
    """.ics and vdir: an earlier export (a file) to raise SEQUENCE against and cancel
    vanished events of; None takes `output` when kapplan wrote it (a vdir: its items)."""
    output: Path | None = None
    """Where the result will be written, if anywhere (its earlier content may be read);
    a folder for `Format.VDIR`, which needs one."""
    replan: bool = False
    """.ics: place every session afresh; by default a session the earlier export booked
    stays there while it is valid."""
    reader: Reader = Reader.PATIENT
    """.html: whom the handout is for (the therapist's lists the plan's warnings)."""
    today: date | None = None
    """The month view: today's date, marked in its grid; None marks no day."""
    only: PlanFilter | None = None
    """Show only this part of the plans (a range of days, kinds of events); None for all.
    A calendar filtered so is never written over an earlier export (it would cancel the
    rest)."""


class Export(Struct, frozen=True):
    """Plans rendered, ready to print or write."""

    rendered: bytes | Callable[[], Iterator[bytes]]
    """The rendered document, UTF-8 (an .ics keeps its CRLF line ends); empty for a
    vdir, whose files are in `vdir`. JSON is made as it is written: a function that
    yields it in pieces (see `chunks`), so a caseload's document is never whole in
    memory."""
    planned: Planned
    """What was rendered."""
    owned_marker: bytes | None = None
    """What every file of this kind kapplan writes starts with: an existing file that
    does may be replaced without ``force``."""
    revealed: str | None = None
    """The earlier export this calendar is written over when it was discreet and
    this one is not (``--no-discreet``): its titles become visible (`reveal_note`)."""
    changes: tuple[Change, ...] = ()
    """What a re-plan over an earlier export changed in the sessions (`changes`)."""
    vdir: Vdir | None = None
    """For `Format.VDIR`: the folder's items, the items to remove, its metadata."""
    others: tuple[str, ...] = ()
    """UIDs of events a person added to the very file this calendar is written over:
    kept as they are, and only with ``force`` (see `write`)."""
    shown: tuple[PlanEvent, ...] | None = None
    """A calendar's events (.ics, vdir: sessions and doses only, or a caseload's therapist
    calendar); None when the document shows every event of the plans."""

    @property
    def counts(self) -> tuple[int, int, int]:
        """Return how many events the document shows, and how many of them are doses and
        sessions (`wrote_note` says them)."""
        from kapplan.model.plan import EventKind

        if self.shown is not None:
            events: Iterable[PlanEvent] = self.shown
        else:
            events = (e for plan in self.planned.plans for e in plan.events)
        total = doses = sessions = 0
        for event in events:
            total += 1
            doses += event.kind is EventKind.INFUSION
            sessions += event.is_session
        return total, doses, sessions

    @property
    def data(self) -> bytes:
        """Return the rendered document, whole (see `rendered`)."""
        return self.rendered if isinstance(self.rendered, bytes) else b"".join(self.rendered())

    def chunks(self) -> Iterator[bytes]:
        """Yield the rendered document in pieces, made as they are asked for: print or
        write each as it comes (`write` does).

        Returns:
            An iterator of bytes; together, `data`.
        """
        if isinstance(self.rendered, bytes):
            return iter((self.rendered,))
        return self.rendered()

    def write(self, path: Path, *, force: bool = False) -> None:
        """Write the document to a file (see `kapplan.api.write`), never over an input.

        A vdir is written into the folder `path` (created when missing, its parent
        must exist): new and changed items, each atomically, the items of events the
        plan no longer has removed, unchanged items left as they are, and
        ``displayname`` and ``color`` when absent (see `kapplan.edge.vdir`). Files
        kapplan did not write there are never touched, so `force` changes nothing.

        Parameters:
            path: The file, or the vdir's folder.
            force: Replace an existing file kapplan did not write.

        Raises:
            OutputError: When the file cannot or may not be written.
        """
        if self.vdir is not None:
            from kapplan.edge.vdir import write_folder

            write_folder(path, self.vdir, inputs=self.planned.inputs)
            return
        write(
            self.chunks(),
            path,
            force=force,
            owned_marker=self.owned_marker,
            inputs=self.planned.inputs,
            others=self.others,
        )


def export_files(
    schedules: Sequence[str],
    target: Target,
    *,
    therapist: str | None = None,
    rules: str | None = None,
    flags: Flags | None = None,
    env: Environment = NOWHERE,
    limits: Limits | None = None,
    complete: bool = False,
    client: str | None = None,
    earlier: PreviousCalendar | None = None,
    remote_busy: RemoteBusyReader | None = None,
) -> Export:
    """Plan schedule files and render them (`plan_files`, then `render`).

    A therapist's calendar (a caseload as .ics or vdir) shows sessions and
    doses only, so the clients' practices are not planned for it, unless
    `complete` asks for them (to count their warnings). A vdir (`Format.VDIR`)
    needs `Target.output`, its folder: kapplan's items in it are the ledger,
    as an earlier .ics export is (unless `Target.previous` names one), and
    `Export.write` writes it.

    Parameters:
        schedules: As for `plan_files`.
        target: What to render.
        therapist: As for `plan_files`.
        rules: As for `plan_files`.
        flags: As for `plan_files`.
        env: As for `plan_files`.
        limits: As for `plan_files`.
        complete: Plan everything, also what the target does not show.
        client: As for `plan_files`: render this client's own plan.
        earlier: An earlier calendar already read (a synced calendar's events): the
            ledger, instead of `Target.previous` or the output file.
        remote_busy: Reads a therapist's ``busy = { caldav = "URL" }`` (`kapplan sync`).

    Returns:
        The document and the plans.

    Raises:
        OutputError: For a vdir without `Target.output`, or with a file there.
        KapplanError: As `plan_files` and `render` do.
    """
    calendar_only = target.format in CALENDAR_FORMATS and not complete
    ledger = target.format in CALENDAR_FORMATS or target.previous is not None
    folder = _earlier_vdir(target) if target.format is Format.VDIR else None
    if earlier is not None:
        previous: PreviousCalendar | None = earlier
    else:
        previous = _earlier_export(target, folder) if ledger else None
    # The earlier export is the ledger: its sessions stay while they are valid.
    bookings = None
    if previous is not None and not target.replan:
        from kapplan.api.changes import bookings_of

        bookings = bookings_of(previous)
    planned = _plan(
        schedules,
        therapist,
        rules,
        flags_or_none(flags),
        env,
        limits,
        calendar_only=calendar_only,
        bookings=bookings,
        client=client,
        remote_busy=remote_busy,
    )
    planned = _with_earlier_export(planned, target)
    if target.only is not None and target.only.active and previous is not None:
        from kapplan.errors import OutputError

        raise OutputError(
            "holds an earlier export; a filtered plan (--from, --to, --kind) written over it "
            "would cancel every event it leaves out; expected a new file, or no filter",
            source=previous.source,
        )
    planned = narrowed(planned, target.only)
    changed: tuple[Change, ...] | None = None
    if previous is not None:
        from kapplan.api.changes import changes

        _refuse_partial(previous, planned)
        changed = changes(previous, planned.plans)
    if target.format is Format.VDIR:
        from kapplan.formats.ics import shown_events
        from kapplan.formats.vdir import render_vdir

        plan, options, revealed = _calendar_options(planned, target, previous)
        vdir = render_vdir(plan, options, folder)
        events = shown_events(plan, options)
        return Export(b"", planned, None, revealed, changed or (), vdir, shown=events)
    # A person's own events in the file written over: kept, but only on purpose.
    others = () if previous is None or target.previous or earlier else _uids(previous.foreign)
    if target.format is Format.JSON:
        pieces = _json_pieces(planned, changed)
        return Export(pieces, planned, None, None, changed or (), others=others)
    data, marker, revealed, shown = _render(planned, target, previous, changed)
    return Export(data, planned, marker, revealed, changed or (), others=others, shown=shown)


def narrowed(planned: Planned, only: PlanFilter | None) -> Planned:
    """Return the plans with only the events a filter keeps, days counted on the whole's
    clock (a caseload's: the therapist's).

    Parameters:
        planned: The plans.
        only: The filter, or None.

    Returns:
        `planned` itself when nothing is left out, else a copy with `Planned.only` set.
    """
    if only is None or not only.active or planned.only is not None:
        return planned
    from kapplan.model.filters import filter_plan
    from kapplan.model.zones import zone_named

    zone = zone_named(planned.timezone)
    plans = tuple(filter_plan(plan, only, zone) for plan in planned.plans)
    return replace(planned, plans=plans, only=only)


def _uids(events: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Return the UIDs of events given as their content lines."""
    from kapplan.formats.ical import unescape_text

    return tuple(
        unescape_text(line.partition(":")[2])
        for lines in events
        for line in lines
        if line.upper().startswith("UID:")
    )


def _with_earlier_export(planned: Planned, target: Target) -> Planned:
    """Count `Target.previous` among the inputs, unless it is the output itself (the
    ledger a re-export replaces)."""
    import os

    if target.previous is None:
        return planned
    if target.output is not None:
        try:
            if os.path.samefile(target.previous, target.output):
                return planned
        except OSError:
            pass
    return replace(planned, inputs=(*planned.inputs, Path(target.previous)))


def _earlier_vdir(target: Target) -> EarlierVdir | None:
    """Read kapplan's items of the vdir a run writes, if the folder exists."""
    from kapplan.edge.vdir import read_folder
    from kapplan.errors import OutputError

    if target.output is None:
        raise OutputError(
            "a vdir is a folder of .ics files, one per event; expected an output folder "
            "(-o FOLDER)",
            field="output",
        )
    return read_folder(target.output)


def _refuse_partial(previous: PreviousCalendar, planned: Planned) -> None:
    """Refuse to write one client's plan over a calendar of several clients' events: it
    would cancel the others' (a caseload of several may drop a client on purpose)."""
    from kapplan.errors import OutputError

    mine = [plan.client for plan in planned.plans]
    others = [client for client in previous.clients if client not in mine]
    if others and len(mine) == 1:
        held = ", ".join(previous.clients)
        raise OutputError(
            f"holds the calendar of {held}; writing {mine[0] or 'one schedule'} over it would "
            "cancel the others' events; expected the whole caseload (kapplan plan FOLDER "
            "--therapist FILE -o this file), or --client NAME -o a file of that client's own",
            source=previous.source,
        )


def render(planned: Planned, target: Target) -> bytes:
    """Render plans.

    Parameters:
        planned: What `plan_files` returned.
        target: What to render.

    Returns:
        The document, UTF-8.

    Raises:
        InvalidOption: For an HTML handout or a month view of a caseload, a vdir
            (a folder: `export_files`, then `Export.write`), or a calendar option
            that cannot be used (a revealing calendar name with discreet texts).
        KapplanError: For an earlier export that is not one kapplan wrote.
    """
    return _render(narrowed(planned, target.only), target)[0]


def _render(
    planned: Planned,
    target: Target,
    previous: PreviousCalendar | None = None,
    found: Sequence[Change] | None = None,
) -> tuple[bytes, bytes | None, str | None, tuple[PlanEvent, ...] | None]:
    from kapplan.errors import InvalidOption

    if target.format is Format.VDIR:
        raise InvalidOption(
            "vdir is a folder of files, not one document; expected export_files(...) "
            "and Export.write(folder)",
            field="format",
        )
    if planned.caseload and (target.format is Format.HTML or _month(target)):
        what = "format" if target.format is Format.HTML else "view"
        raise InvalidOption(
            "shows one client's plan, not a caseload; expected a single schedule, or one "
            "client of the caseload (client)",
            field=what,
        )
    if target.format is Format.ICS:
        from kapplan.formats.ics import OWNED_MARKER

        earlier = previous if previous is not None else _earlier_export(target)
        text, revealed, shown = _calendar(planned, target, earlier)
        return text.encode("utf-8"), OWNED_MARKER, revealed, shown
    if target.format is Format.HTML:
        from kapplan.views.html import OWNED_MARKER as HANDOUT
        from kapplan.views.html import render_html

        book = planned.rulebooks[0] if planned.rulebooks else None
        html = render_html(planned.plans[0], rulebook=book, reader=target.reader)
        return html.encode("utf-8"), HANDOUT, None, None
    return _text(planned, target, found).encode("utf-8"), None, None, None


def _month(target: Target) -> bool:
    return target.format is Format.TERMINAL and target.view is View.MONTH


def _text(planned: Planned, target: Target, found: Sequence[Change] | None = None) -> str:
    """Render JSON (with ``changes`` after a re-plan over an earlier export) or a terminal
    view."""
    if target.format is Format.JSON:
        return "".join(_json(planned, found))
    if planned.caseload:
        from kapplan.views.agenda import render_caseload

        return render_caseload(
            planned.plans,
            timezone=planned.timezone,
            width=target.width,
            color=target.color,
            language=planned.settings.language.value,
        )
    if target.view is View.MONTH:
        from kapplan.views.month import render_month

        return render_month(
            planned.plans[0], width=target.width, color=target.color, today=target.today
        )
    from kapplan.views.agenda import render_terminal

    return render_terminal(planned.plans[0], width=target.width, color=target.color)


def _json(planned: Planned, found: Sequence[Change] | None) -> Iterator[str]:
    """Yield the JSON document in pieces (with ``changes`` after a re-plan over an
    earlier export)."""
    from kapplan.formats.json import iter_json

    records = None
    if found is not None:  # the change ledger is loaded only over an earlier export
        from kapplan.api.changes import change_records

        records = change_records(found, planned.plans)
    shown = planned.only.record() if planned.only is not None else None
    if planned.caseload:
        return iter_json(planned.plans, timezone=planned.timezone, changes=records, shown=shown)
    return iter_json(planned.plans[0], changes=records, shown=shown)


def _json_pieces(planned: Planned, found: Sequence[Change] | None) -> Callable[[], Iterator[bytes]]:
    """Return a function that yields the JSON document in pieces of UTF-8."""

    def pieces() -> Iterator[bytes]:
        for piece in _json(planned, found):
            yield piece.encode("utf-8")

    return pieces


def _calendar(
    planned: Planned, target: Target, previous: PreviousCalendar | None
) -> tuple[str, str | None, tuple[PlanEvent, ...]]:
    """Render the .ics: one plan's, or the therapist's calendar of a caseload.

    Returns the calendar, the earlier export's name when it was discreet and
    this one is not, and the events it shows.
    """
    from kapplan.formats.ics import render_ics, shown_events

    plan, options, revealed = _calendar_options(planned, target, previous)
    return render_ics(plan, options), revealed, shown_events(plan, options)


def _calendar_options(
    planned: Planned, target: Target, previous: PreviousCalendar | None
) -> tuple[Plan, IcsOptions, str | None]:
    """Return the plan a calendar shows (one plan's, or the therapist's calendar of a
    caseload), how to write it, and the earlier export's name when it was discreet and
    this one is not."""
    from kapplan.engine import therapist_calendar
    from kapplan.formats.ics import IcsOptions
    from kapplan.model.settings import CalendarLayer

    settings = planned.settings
    plan = planned.plans[0]
    if planned.caseload:
        plan = therapist_calendar(planned.plans, planned.timezone, settings.language.value)
    if previous is not None:
        # The earlier export remembers its privacy; only a flag undoes it.
        remembered = CalendarLayer(previous.source, previous.discreet, previous.sessions_only)
        settings = settings.remembering(remembered)
    options = IcsOptions(
        reminders=settings.reminder_leads(),
        discreet=settings.discreet.value,
        stamp=target.stamp,
        previous=previous,
        calendar_name=target.calendar_name,
        sessions_only=settings.sessions_only.value,
        clients=tuple(p.client for p in planned.plans) if planned.caseload else (),
    )
    revealed = previous.source if previous and previous.discreet and not options.discreet else None
    return plan, options, revealed


def _earlier_export(target: Target, folder: EarlierVdir | None = None) -> PreviousCalendar | None:
    """Read the earlier export a calendar is measured against, if there is one: the
    `Target.previous` file, else the output (a vdir: `folder`, its items, if any)."""
    from kapplan.edge.files import read_bytes, read_own_output
    from kapplan.formats.ics import OWNED_MARKER, parse_previous
    from kapplan.model.limits import MAX_EXPORT_BYTES

    if target.previous is not None:
        # Under the size limit of an earlier export, and from a regular file only.
        data = read_bytes(
            target.previous,
            UnreadableCalendar,
            "an earlier kapplan export",
            regular=True,
            limit=MAX_EXPORT_BYTES,
        )
        return parse_previous(data, target.previous)
    if target.format is Format.VDIR:
        return folder.calendar if folder is not None and folder.calendar.events else None
    if target.output is not None:
        own = read_own_output(target.output, OWNED_MARKER)
        if own is not None:
            return parse_previous(own, str(target.output))
    return None


def agenda_text(
    planned: Planned, only: PlanFilter, *, width: int = 100, color: bool = False
) -> str:
    """Render what is on over a few days across the plans (``kapplan agenda``, ``today``).

    Days are counted on the whole's clock (`Planned.timezone`: one plan's, or the
    therapist's). Without kinds chosen, one schedule shows every event and several
    show their sessions and doses (the clients' own practices stay in their plans).

    Parameters:
        planned: The plans, whole (`plan_files`).
        only: The days (both set) and kinds to show.
        width: Columns to lay out for.
        color: Emit ANSI colour codes.

    Returns:
        The text, ending in a newline: a heading and a line per event, or, when the
        days hold none, the next event after them and how to see it.

    Raises:
        ValueError: When the filter does not set both days.
    """
    from datetime import UTC, timedelta

    from kapplan.model.filters import keeps, kind_of
    from kapplan.model.zones import zone_named
    from kapplan.views.upcoming import Entry, render_upcoming

    if only.first is None or only.last is None:
        raise ValueError("an agenda shows a range of days: expected --from and --to")
    several = len(planned.plans) > 1
    kinds = only.kinds or (frozenset({"sessions", "doses"}) if several else frozenset())
    chosen = replace(only, kinds=kinds)
    zone = zone_named(planned.timezone)
    rows = [
        (event.start.astimezone(UTC), n, Entry(plan.client, event))
        for n, plan in enumerate(planned.plans)
        for event in plan.events
        if not kinds or kind_of(event) in kinds
    ]
    rows.sort(key=lambda row: (row[0], row[1]))
    entries = [entry for _, _, entry in rows if keeps(chosen, entry.event, zone)]
    after = replace(chosen, first=only.last + timedelta(days=1), last=None)
    following = next((e for _, _, e in rows if keeps(after, e.event, zone)), None)
    language = planned.settings.language.value if several else planned.plans[0].language
    return render_upcoming(
        entries,
        first=only.first,
        last=only.last,
        timezone=planned.timezone,
        following=following,
        clients=several,
        width=width,
        color=color,
        language=language,
    )


def wrote_note(export: Export, path: str, written: Format) -> str:
    """Say what a run wrote, and the next step that fits the format (for stderr).

    Parameters:
        export: What was written.
        path: The file or folder, as the user named it.
        written: Its format.

    Returns:
        One line in the plans' language, e.g. ``wrote plan.ics: 76 events (6 doses,
        17 sessions); import it into your calendar (README: "Importing into your
        calendar")``.
    """
    from kapplan.i18n import catalogue

    planned = export.planned
    language = planned.settings.language.value if planned.caseload else planned.plans[0].language
    texts = catalogue(language)
    total, doses, sessions = export.counts
    line = texts.text("wrote.line", path=path, n=total, doses=doses, sessions=sessions)
    steps = {Format.ICS: "wrote.ics", Format.HTML: "wrote.html", Format.VDIR: "wrote.vdir"}
    step = steps.get(written)
    return f"{line}; {texts.text(step)}" if step else line


def progress_shown(label: Callable[[], str]) -> AbstractContextManager[None]:
    """Return the progress a long run shows on a terminal (`kapplan.views.progress`).

    Parameters:
        label: Returns the words before the bar, in the reader's language (asked only
            when the bar is shown).

    Returns:
        A context: the work inside it shows a bar on stderr once it has run for about a
        second, and only when stderr is a terminal.
    """
    from kapplan.views.progress import delayed_bar

    return delayed_bar(label)


def changes_text(export: Export, source: str) -> str:
    """Say what a re-plan over an earlier export changed, by client (for stderr).

    Parameters:
        export: The export, with its `Export.changes`.
        source: The earlier export's name.

    Returns:
        The text in the plans' language, ending in a newline; '' when nothing changed.
    """
    from kapplan.views.changes import render_changes

    planned = export.planned
    return render_changes(
        export.changes,
        planned.plans,
        source=source,
        timezone=planned.timezone if planned.caseload else None,
        language=planned.settings.language.value,
    )


def calendar_stamp(text: str, now: datetime | None) -> datetime:
    """Read a DTSTAMP given as ``now`` or an ISO 8601 time with an offset.

    Parameters:
        text: ``now`` (any case), or e.g. ``2026-10-01T09:00:00Z``.
        now: The current time (aware), for ``now``.

    Returns:
        The stamp in UTC, whole seconds.

    Raises:
        InvalidOption: At ``stamp``, when the text is not such a time.
        ValueError: For ``now`` without the current time.
    """
    from kapplan.formats.ics import parse_stamp

    return parse_stamp(text, now)


def write(
    data: bytes | str | Iterable[bytes],
    path: Path,
    *,
    force: bool = False,
    owned_marker: bytes | None = None,
    inputs: Sequence[Path] = (),
    others: Sequence[str] = (),
) -> None:
    """Write a file atomically, never over one kapplan did not write (unless `force`).

    Parameters:
        data: The content (text is written as UTF-8), or its pieces, written as they come.
        path: The file.
        force: Replace an existing file kapplan did not write, or one of kapplan's
            that holds events a person added (`others`: kept as they are).
        owned_marker: What kapplan's own files of this kind start with.
        inputs: Files the run read: the output is never one of them, nor the
            user's config file (every command may read it).
        others: UIDs of events in the file that kapplan did not write.

    Raises:
        OutputError: When the file cannot or may not be written; any earlier
            file is then left as it was.
    """
    from kapplan.edge.atomic import write_output
    from kapplan.edge.config import config_path
    from kapplan.errors import OutputError

    if others and not force:
        from kapplan.model.reminders import clip

        raise OutputError(
            f"holds {len(others)} {'event' if len(others) == 1 else 'events'} kapplan did "
            f"not write (UID {clip(others[0])}); "
            "they would be kept as they are: add --force to write the new plan over it",
            source=str(path),
        )
    inputs = (*inputs, config_path())
    write_output(path, data, force=force, owned_marker=owned_marker, inputs=inputs)


def strict_note(planned: Planned) -> str:
    """Say why ``--strict`` fails a run, in its language.

    Parameters:
        planned: The plans, with warnings.

    Returns:
        E.g. ``4 warnings in the plan (--strict)``.
    """
    from kapplan.i18n import catalogue

    texts = catalogue(planned.settings.language.value)
    return texts.text("terminal.strict", n=planned.warnings)


def reveal_note(export: Export) -> str:
    """Say that a calendar's titles become visible, in the plan's language.

    Parameters:
        export: An export whose `Export.revealed` names the earlier, discreet calendar.

    Returns:
        One line, e.g. ``p.ics was discreet; --no-discreet writes the real titles
        into it, for everyone who can see that calendar``.
    """
    from kapplan.i18n import catalogue

    planned = export.planned
    language = planned.settings.language.value if planned.caseload else planned.plans[0].language
    return catalogue(language).text("ics.revealed", calendar=export.revealed or "")


def warning_text(plan: Plan, warning: PlanWarning, *, language: str | None = None) -> str:
    """Say a plan's warning in words, its times on the plan's clock.

    Parameters:
        plan: The plan the warning is of.
        warning: The warning (a code and its params).
        language: The language to say it in (default: the plan's).

    Returns:
        One sentence. It names what it is about by its event's title, as the
        plan has it; in another language than the plan's, by its rule's name.
    """
    from kapplan.i18n import catalogue

    texts = catalogue(language or plan.language)
    if texts.language != plan.language:
        warning = replace(warning, title="")  # The title is in the plan's language.
    return texts.warning_text(warning, plan.zone)


__all__ = [
    "Export",
    "Planned",
    "Target",
    "agenda_text",
    "calendar_stamp",
    "export_files",
    "is_caseload",
    "narrowed",
    "plan_files",
    "progress_shown",
    "render",
    "reveal_note",
    "strict_note",
    "warning_text",
    "write",
    "wrote_note",
]
