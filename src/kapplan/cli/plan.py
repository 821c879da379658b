"""``kapplan plan``: the integration calendar of a schedule, or of a therapist's caseload.

Its annotations are objects, not strings (no ``from __future__ import
annotations``): typer reads the command's signature twice when it builds the
command, and would evaluate some twenty string annotations both times on every
run. A name of `kapplan.api` that is loaded on first use is quoted where only a
type checker needs it.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from kapplan import api
from kapplan.characters import visible
from kapplan.cli import options as o
from kapplan.cli.shell import emit, environment, layout, named_or_stdin
from kapplan.errors import KapplanError
from kapplan.model.filters import make_filter
from kapplan.model.limits import Limits


def plan_command(
    schedules: o.SchedulesArgument = None,
    output_format: o.FormatOption = None,
    view: o.ViewOption = None,
    reader: o.ReaderOption = None,
    output_path: o.PlanOutputOption = None,
    force: o.ForceOption = False,
    therapist: o.TherapistOption = None,
    client: o.ClientOption = None,
    lang: Annotated[
        o.Language | None,
        o.lang_option(
            "Language of every text: en or ru (default: the schedule's `language`, else the "
            "config file's, else en)."
        ),
    ] = None,
    rulebook: Annotated[
        Path | None,
        o.rules_option(
            "Your own rulebook (write one with `kapplan rules --dump`) for every schedule, "
            "over any schedule's own `rules`."
        ),
    ] = None,
    remind: Annotated[
        list[str] | None,
        o.remind_option(
            "Reminder lead time before sessions and doses, e.g. 60m, 2h, 1d (repeatable; "
            "default: the config file's `reminders`, else 1d and 1h)."
        ),
    ] = None,
    no_remind: Annotated[bool, o.no_remind_option("No reminders.")] = False,
    discreet: Annotated[
        bool | None,
        o.discreet_option(
            "Neutral titles and texts that do not reveal the treatment (default: the earlier "
            "export's choice, else the schedule's or therapist file's `discreet`, else the "
            "config file's, else off)."
        ),
    ] = None,
    sessions_only: o.SessionsOnlyOption = None,
    previous: o.PreviousOption = None,
    replan: o.ReplanOption = False,
    stamp: o.StampOption = None,
    calendar_name: o.CalendarNameOption = None,
    strict: o.StrictOption = False,
    max_infusions: o.MaxInfusionsOption = o.MAX_INFUSIONS,
    max_events: o.MaxEventsOption = o.MAX_EVENTS,
    max_years: o.MaxYearsOption = o.MAX_YEARS,
    from_day: o.FromOption = None,
    to_day: o.ToOption = None,
    kinds: o.KindFilterOption = None,
    quiet: o.QuietOption = False,
) -> None:
    """Print the Preparation–Experience–Integration calendar for a schedule.

    Examples:

      kapplan plan examples/iv-six-infusions.toml

      kapplan plan infusions.toml --format json | jq '.events[].title'

      kapplan plan infusions.toml -o plan.ics --discreet

      kapplan plan infusions.toml -o shared.ics --discreet --sessions-only

      kapplan plan infusions.toml --view month

      kapplan plan infusions.toml --from today --to +2w --kind sessions

      kapplan plan infusions.toml -o handout.html

      kapplan plan infusions.toml -o for-me.html --for therapist

      cat infusions.toml | kapplan plan -

      kapplan plan < infusions.toml

      kapplan plan examples/caseload/ -o sessions.ics

      kapplan plan clients/ --therapist me.toml --client vera -o vera.ics

      kapplan plan infusions.toml -f vdir -o ~/.calendars/integration

      kapplan plan infusions.toml --rules my-protocol.toml

      kapplan plan infusions.toml --strict -o plan.ics || echo "check the warnings"

      kapplan plan maintenance.toml --max-infusions 2000 --max-years 20
    """
    named = named_or_stdin(schedules)
    _say_skipped(named, lang)
    chosen, output = _destination(output_format, output_path)
    calendar = {
        "--remind": bool(remind),
        "--no-remind": no_remind,
        "--discreet": discreet is True,
        "--no-discreet": discreet is False,
        "--sessions-only": sessions_only is True,
        "--no-sessions-only": sessions_only is False,
        "--previous": previous is not None and chosen is api.Format.HTML,
        "--replan": replan and previous is None,
        "--stamp": stamp is not None,
        "--calendar-name": calendar_name is not None,
    }
    _refuse_misplaced(chosen, calendar, view=view is not None, reader=reader is not None)
    flags = o.calendar_flags(lang, remind, no_remind, discreet, sessions_only)
    caseload = client is None and api.is_caseload(named, str(therapist) if therapist else None)
    if (chosen is api.Format.HTML or view is api.View.MONTH) and caseload:
        what = "--format html" if chosen is api.Format.HTML else "--view month"
        raise KapplanError(
            f"{what} shows one client's plan, not a caseload; expected a single schedule, "
            "or one client of the caseload with --client NAME"
        )
    # The clock is read only for --stamp now; today's date for the filters and month view.
    dated = view is api.View.MONTH or bool(from_day or to_day)
    env = environment(clock=stamp is not None, today=dated)
    width, color = layout(output)
    target = api.Target(
        format=chosen,
        view=view or api.View.AGENDA,
        width=width,
        color=color,
        stamp=api.calendar_stamp(stamp, env.now) if stamp is not None else None,
        calendar_name=calendar_name,
        previous=str(previous) if previous is not None else None,
        output=output,
        replan=replan,
        reader=reader or api.Reader.PATIENT,
        today=env.today,
        only=make_filter(from_day, to_day, kinds or (), env.today),
    )
    export = _export(
        named,
        target,
        force,
        lambda: _label(lang, env),
        therapist=str(therapist) if therapist else None,
        rules=str(rulebook) if rulebook else None,
        flags=flags,
        env=env,
        limits=Limits(infusions=max_infusions, events=max_events, years=max_years),
        complete=strict,
        client=client,
    )
    _tell(export, str(previous or output), None if quiet else output_path, chosen)
    if strict and export.planned.warnings:
        sys.stderr.write(f"kapplan: {visible(api.strict_note(export.planned))}\n")
        raise typer.Exit(1)


def _say_skipped(named: list[str], lang: "o.Language | None") -> None:
    """Note on stderr each folder inside a folder named: a caseload is its .toml files."""
    folders = [path for path in named if path != "-" and os.path.isdir(path)]
    skipped = api.skipped_folders(folders) if folders else []
    if skipped:
        language = api.language_of(environment(), lang.value if lang else None)
        for folder in skipped:
            note = api.skipped_note(folder, language, planned=True)
            sys.stderr.write(f"kapplan: {visible(note)}\n")


def _refuse_misplaced(
    chosen: "api.Format", calendar: dict[str, bool], *, view: bool, reader: bool
) -> None:
    """Refuse an option given for a format other than the one chosen."""
    given = [flag for flag, present in calendar.items() if present]
    if given and chosen not in api.CALENDAR_FORMATS:
        raise KapplanError(f"{given[0]} applies to calendars; expected --format ics or -o FILE.ics")
    if view and chosen is not api.Format.TERMINAL:
        raise KapplanError("--view applies to the terminal format; expected --format terminal")
    if reader and chosen is not api.Format.HTML:
        raise KapplanError("--for applies to the HTML handout; expected --format html")


def _label(lang: "o.Language | None", env: "api.Environment") -> str:
    """Return the words before the progress bar, in the reader's language."""
    from kapplan.i18n import catalogue

    return catalogue(api.language_of(env, lang.value if lang else None)).text("wrote.progress")


def _destination(chosen: api.Format | None, path: str | None) -> tuple[api.Format, Path | None]:
    """Return the format to write and the output path: a vdir for an existing folder or a
    path ending in a separator, else the format the suffix says, else (no suffix) the
    terminal's; a suffix kapplan does not know is refused unless -f names the format."""
    if path is None:
        if chosen is api.Format.VDIR:
            raise KapplanError(
                "--format vdir writes a folder of .ics files, one per event; expected -o FOLDER"
            )
        return chosen or api.Format.TERMINAL, None
    output = Path(path)
    folder = path.endswith(("/", os.sep)) or output.is_dir()
    if chosen is None:
        suffix = output.suffix.lower()
        if suffix and not folder and suffix not in api.SUFFIX_FORMATS:
            known = ", ".join(api.SUFFIX_FORMATS)
            raise KapplanError(
                f"kapplan does not know the suffix {suffix}; expected one of {known} "
                "(or name the format with -f)",
                source=path,
            )
        chosen = api.Format.VDIR if folder else api.SUFFIX_FORMATS.get(suffix, api.Format.TERMINAL)
    elif folder and chosen is not api.Format.VDIR:
        raise KapplanError(
            f"-o {path} is a folder, and --format {chosen.value} writes a file; expected a "
            "file name, or --format vdir"
        )
    return chosen, output


def _export(
    schedules: list[str],
    target: "api.Target",
    force: bool,
    label: Callable[[], str],
    **given: Any,
) -> "api.Export":
    """Plan, render and print or write (`api.export_files`, then `_write`), with a progress
    bar on stderr while that takes long on a terminal (`api.progress_shown`)."""
    with api.progress_shown(label):
        export = api.export_files(schedules, target, **given)
        # The bar shares the terminal with nothing while the output goes elsewhere.
        if target.output is not None or not sys.stdout.isatty():
            _write(export, target.output, force)
            return export
    _write(export, target.output, force)
    return export


def _write(export: "api.Export", output: Path | None, force: bool) -> None:
    """Print the export, or write it to its file or (a vdir) into its folder."""
    if export.vdir is not None and output is not None:
        export.write(output)  # kapplan's own items only: no other file is ever touched
        return
    if output is not None:
        export.write(output, force=force)
        return
    emit(export.chunks())


def _tell(export: "api.Export", source: str, written: str | None, chosen: "api.Format") -> None:
    """Say on stderr what a re-export over an earlier one changed, whether a discreet
    calendar's titles just became visible, and what was written to `written` (-o, unless
    --quiet)."""
    if export.changes:
        sys.stderr.write(api.changes_text(export, source))
    if export.revealed is not None:
        sys.stderr.write(f"kapplan: {visible(api.reveal_note(export))}\n")
    if written is not None:
        sys.stderr.write(visible(api.wrote_note(export, written, chosen)) + "\n")
