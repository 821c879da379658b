"""``kapplan config``: each setting's value and where it comes from."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kapplan import api
from kapplan.characters import visible
from kapplan.cli import options as o
from kapplan.cli.shell import emit, environment


def config_command(
    schedule: Annotated[
        str | None,
        typer.Argument(
            help="A schedule file (or - for stdin): show its effect too.",
            metavar="SCHEDULE",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        o.TextFormat, o.text_format_option("terminal (a table) or json.")
    ] = o.TextFormat.TERMINAL,
    path: Annotated[
        bool,
        typer.Option("--path", help="Print only the config file's path (found or not)."),
    ] = False,
    init: Annotated[
        bool,
        typer.Option(
            "--init", help="Write a commented starter config file there (never over one)."
        ),
    ] = False,
    lang: Annotated[
        o.Language | None, o.lang_option("Show the effect of --lang: en or ru.")
    ] = None,
    remind: Annotated[list[str] | None, o.remind_option("Show the effect of --remind.")] = None,
    no_remind: Annotated[bool, o.no_remind_option("Show the effect of --no-remind.")] = False,
    discreet: Annotated[bool | None, o.discreet_option("Show the effect of --discreet.")] = None,
) -> None:
    """Show each setting's value and where it comes from: default, config file, schedule, flag.

    The config file is $KAPPLAN_CONFIG, else kapplan/config.toml in the platform's config
    folder (Linux: $XDG_CONFIG_HOME or ~/.config; macOS: ~/Library/Application Support;
    Windows: %APPDATA%).

    Examples:

      kapplan config

      kapplan config infusions.toml --lang ru

      kapplan config --format json | jq '.settings[] | select(.source != "default")'

      kapplan config --init && "$EDITOR" "$(kapplan config --path)"
    """
    if path or init:
        where = api.config_path()
        if init:
            api.write_config_starter(where)
            sys.stderr.write(f"kapplan: wrote {visible(str(where))}\n")
        else:
            emit(f"{where}\n")
        return
    # The same checks as the plan command, so a bad lead time is reported here too.
    flags = o.calendar_flags(lang, remind, no_remind, discreet)
    env = environment()
    settings, name = api.settings_in_force(schedule, flags=flags, env=env)
    json = output_format is o.TextFormat.JSON
    emit(api.render_settings(settings, name, env=env, json=json))
