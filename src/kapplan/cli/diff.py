"""``kapplan diff``: which planned events move, appear, disappear or change, by uid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kapplan import api
from kapplan.cli import options as o
from kapplan.cli.shell import emit, environment, layout


def diff_command(
    old: Annotated[
        str,
        typer.Argument(
            help="What the calendar holds now: the earlier schedule (TOML), or the .ics or "
            "JSON kapplan exported from it; - for stdin.",
            metavar="OLD",
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="The changed schedule (TOML), or a later .ics or JSON export; - for stdin.",
            metavar="NEW",
        ),
    ],
    output_format: Annotated[
        o.TextFormat, o.text_format_option("terminal (for people) or json (for scripts).")
    ] = o.TextFormat.TERMINAL,
    lang: Annotated[
        o.Language | None,
        o.lang_option("Language of the plans and labels: en or ru (default: the schedules' own)."),
    ] = None,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit with status 1 when anything differs."),
    ] = False,
    rulebook: Annotated[
        Path | None,
        o.rules_option(
            "Plan both schedules with this rulebook, as `kapplan plan --rules` does "
            "(default: each schedule's own `rules`, else kapplan's)."
        ),
    ] = None,
    remind: Annotated[
        list[str] | None,
        o.remind_option("Reminder lead times of the calendar export, as for kapplan plan."),
    ] = None,
    no_remind: Annotated[bool, o.no_remind_option("The export has no reminders.")] = False,
    discreet: Annotated[
        bool | None,
        o.discreet_option(
            "The export is written with --discreet (default: as the old calendar was "
            "written, else the config file's)."
        ),
    ] = None,
    therapist: o.TherapistOption = None,
) -> None:
    """Show which planned events move, appear, disappear or change, by uid.

    The uids are the ones the .ics export carries, so the diff is what importing
    the new calendar over the old one does: moved and changed events are updated
    in place, added ones appear and removed ones are cancelled. Give the calendar
    options you export with (--discreet, --remind, --no-remind): they change what
    a calendar compares. Times are in the new schedule's zone.

    Examples:

      kapplan diff plan.ics infusions.toml

      kapplan diff old.toml new.toml --format json | jq -r '.moved[].uid'

      kapplan diff plan.ics infusions.toml --discreet

      kapplan diff plan.json infusions.toml --exit-code || echo changed

      kapplan diff sessions.ics clients/ --therapist me.toml

    For a caseload (a folder, or --therapist), OLD is the earlier folder or the
    therapist's calendar and NEW the folder now: the list says, per client, which
    sessions a re-plan over OLD moves, adds, cancels or keeps where moved by hand.
    """
    flags = o.calendar_flags(lang, remind, no_remind, discreet)
    json = output_format is o.TextFormat.JSON
    if therapist is not None or Path(old).is_dir() or Path(new).is_dir():
        found = api.diff_caseloads(
            old,
            [new],
            therapist=str(therapist) if therapist else None,
            rules=str(rulebook) if rulebook else None,
            flags=flags,
            env=environment(),
        )
        emit(api.render_caseload_diff(found, json=json))
        if exit_code and found.changes:
            raise typer.Exit(1)
        return
    compared = api.diff_files(
        old, new, rules=str(rulebook) if rulebook else None, flags=flags, env=environment()
    )
    emit(api.render_diff(compared, json=json, color=layout(None)[1]))
    if exit_code and not compared.diff.identical:
        raise typer.Exit(1)
