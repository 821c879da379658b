"""``kapplan validate``: every problem in every file, one line each."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kapplan import api
from kapplan.characters import visible
from kapplan.cli import options as o
from kapplan.cli.shell import emit, environment, named_or_stdin


def validate_command(
    files: o.FilesArgument = None,
    output_format: Annotated[
        o.TextFormat,
        o.text_format_option(
            "terminal (one line per problem, as editors read them) or json (for editors and CI)."
        ),
    ] = o.TextFormat.TERMINAL,
    kind: o.KindOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on warnings when there is no error.")
    ] = False,
    lang: Annotated[
        o.Language | None,
        o.lang_option(
            "Language of the warnings and the summary: en or ru (default: the config file's "
            "`language`, else en). Errors are in English."
        ),
    ] = None,
) -> None:
    """Check files and report every problem in every file at once.

    A schedule passes exactly when `kapplan plan` would succeed with it; what
    the plan would warn about is reported as a warning. Problems go to stdout,
    one line each (file:line: field: message), then a summary. A folder stands for
    the .toml files in it; a folder inside it is not searched, and a note on
    stderr names it. Exit status: 0
    when every file is valid, 2 when any has an error, 1 under --strict when
    there are warnings but no error.

    Examples:

      kapplan validate examples/iv-six-infusions.toml

      kapplan validate examples/ examples/therapist/lisbon.toml

      kapplan validate schedules/ --format json | jq '.ok'

      cat infusions.toml | kapplan validate - --strict

      kapplan validate < infusions.toml

      kapplan validate schedules/ --lang ru
    """
    named = named_or_stdin(files)
    # The clock is only used for a therapist's busy calendar checked without a schedule.
    env = environment(clock=True)
    language = api.language_of(env, lang.value if lang else None)
    reports = api.validate_files(named, kind=kind, env=env, language=language)
    json = output_format is o.TextFormat.JSON
    skipped = api.skipped_folders(named)
    for folder in skipped:
        sys.stderr.write(f"kapplan: {visible(api.skipped_note(folder, language))}\n")
    emit(api.render_report(reports, json=json, strict=strict, language=language, skipped=skipped))
    if any(report.errors for report in reports):
        raise typer.Exit(2)
    if strict and any(report.warnings for report in reports):
        raise typer.Exit(1)
