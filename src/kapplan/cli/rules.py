"""``kapplan rules``: the rules in force, as a table, JSON, or a rulebook to edit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kapplan import api
from kapplan.cli import options as o
from kapplan.cli.shell import emit, environment, layout
from kapplan.errors import KapplanError


def rules_command(
    schedule: Annotated[
        str | None,
        typer.Argument(
            help="A schedule file (or - for stdin): show the rules it is planned with "
            "(its own `rules` file, unless --rules is given).",
            metavar="SCHEDULE",
        ),
    ] = None,
    rulebook: Annotated[
        Path | None,
        o.rules_option(
            "A rulebook file: show the rules in force with it laid over kapplan's defaults."
        ),
    ] = None,
    output_format: Annotated[
        o.TextFormat | None,
        o.text_format_option(
            "terminal (a table) or json. Default: json for an -o FILE.json, else terminal.",
            show_default=False,
        ),
    ] = None,
    dump: Annotated[
        bool,
        typer.Option(
            "--dump",
            help="Write the whole rulebook in force as TOML to edit into your own protocol.",
        ),
    ] = False,
    output: o.OutputOption = None,
    force: o.ForceOption = False,
    lang: Annotated[
        o.Language | None,
        o.lang_option(
            "Language of the table's labels and notes: en or ru (default: the config file's "
            "`language`, else en). Ids, offsets and sources are the rulebook's own."
        ),
    ] = None,
) -> None:
    """Show the rules in force: kapplan's defaults, or your own protocol laid over them.

    A table of the enabled rules (kind, phase, anchor, window, duration, repeat,
    source; * marks a rule your file changed, + one it added), the documents the
    rules cite by name, then the rules switched off. --dump writes the whole
    rulebook as a TOML file you edit: a rule you keep needs only its id and the
    keys you change, `enabled = false` switches one off. Plan with it: `kapplan
    plan s.toml --rules FILE`, or `rules = "FILE"` in the schedule.

    Examples:

      kapplan rules

      kapplan rules --dump > my-protocol.toml

      kapplan rules --rules my-protocol.toml

      kapplan rules infusions.toml --format json

      kapplan rules --lang ru
    """
    if dump and output_format is not None:
        raise KapplanError("--dump writes TOML; expected no --format with it")
    suffix = output.suffix.lower() if output else ""
    # As for plan: a suffix that says another format is refused, not filled with text.
    known = (".toml",) if dump else (".json", ".txt")
    if output is not None and output_format is None and suffix and suffix not in known:
        raise KapplanError(
            f"kapplan does not know the suffix {suffix} for rules"
            f"{' --dump' if dump else ''}; expected {' or '.join(known)}"
            f"{'' if dump else ' (or name the format with -f)'}",
            source=str(output),
        )
    in_force = api.rules_in_force(schedule, rules=str(rulebook) if rulebook else None)
    json = output_format is o.TextFormat.JSON or (output_format is None and suffix == ".json")
    width, color = layout(output)
    language = api.language_of(environment(), lang.value if lang else None)
    text = api.render_rules(
        in_force,
        json=json,
        dump=(output.name if output else "my-protocol.toml") if dump else None,
        width=width,
        color=color,
        language=language,
    )
    emit(text, output, force=force, inputs=in_force.inputs)
