"""``kapplan sync``: keep a CalDAV calendar up to date with the plans (`kapplan.api.sync`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from kapplan import api
from kapplan.cli import options as o
from kapplan.cli.shell import environment, named_or_stdin
from kapplan.model.limits import Limits

SYNC_PANEL = "Sync"


def sync_command(
    schedules: o.SchedulesArgument = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="URL",
            help="The CalDAV calendar to write to (default: the config file's `caldav_url`). "
            "User name and password: KAPPLAN_CALDAV_USER and KAPPLAN_CALDAV_PASSWORD, a "
            ".netrc entry for the host, or the system keyring; never in the URL.",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "-n",
            help="Read the calendar and print what a sync would change; write nothing.",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = False,
    cancel: Annotated[
        bool,
        typer.Option(
            "--cancel",
            help="Mark events the plan no longer has as cancelled instead of deleting them.",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=1,
            max=600,
            help="How long to wait for each answer of the server.",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = 30.0,
    therapist: o.TherapistOption = None,
    client: o.ClientOption = None,
    lang: Annotated[
        o.Language | None,
        o.lang_option("Language of every text: en or ru (as for kapplan plan)."),
    ] = None,
    rulebook: Annotated[
        Path | None, o.rules_option("Your own rulebook for every schedule (as for kapplan plan).")
    ] = None,
    remind: Annotated[
        list[str] | None,
        o.remind_option("Reminder lead time before sessions and doses (as for kapplan plan)."),
    ] = None,
    no_remind: Annotated[bool, o.no_remind_option("No reminders.")] = False,
    discreet: Annotated[
        bool | None,
        o.discreet_option(
            "Neutral titles and texts (default: what the calendar was synced with, else the "
            "schedule's or therapist file's `discreet`, else the config file's, else off)."
        ),
    ] = None,
    sessions_only: o.SessionsOnlyOption = None,
    replan: o.ReplanOption = False,
    max_infusions: o.MaxInfusionsOption = o.MAX_INFUSIONS,
    max_events: o.MaxEventsOption = o.MAX_EVENTS,
    max_years: o.MaxYearsOption = o.MAX_YEARS,
) -> None:
    """Bring a CalDAV calendar up to date with the plans: only what changed is written.

    The calendar on the server is the ledger: sessions booked there stay, one moved by
    hand in a calendar app stays where it was put, and only kapplan's own events are
    ever written or deleted. Prints whom to tell of what moved, then what was done.

    Examples:

      kapplan sync infusions.toml --to https://cloud.example.org/remote.php/dav/calendars/me/kapplan/

      kapplan sync infusions.toml --dry-run

      kapplan sync --dry-run < infusions.toml

      kapplan sync clients/ --therapist me.toml --to https://caldav.fastmail.com/dav/calendars/user/me@fastmail.com/sessions/
    """
    named = named_or_stdin(schedules)
    flags = o.calendar_flags(lang, remind, no_remind, discreet, sessions_only)
    env = environment()
    url = api.sync_url(to, env)
    synced = api.sync_files(
        named,
        url,
        environ=os.environ,
        therapist=str(therapist) if therapist else None,
        rules=str(rulebook) if rulebook else None,
        flags=flags,
        env=env,
        limits=Limits(infusions=max_infusions, events=max_events, years=max_years),
        client=client,
        replan=replan,
        cancel=cancel,
        dry_run=dry_run,
        timeout=timeout,
        progress=api.sync_progress(),
    )
    language = synced.export.planned.settings.language.value
    if synced.export.changes:
        sys.stdout.write(api.changes_text(synced.export, synced.url))
    sys.stdout.write(api.sync_summary(synced, language) + "\n")
