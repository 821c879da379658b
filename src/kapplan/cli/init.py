"""``kapplan init``: a commented starter schedule, asked for in a terminal or given as flags."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kapplan import api
from kapplan.characters import visible
from kapplan.cli import options as o
from kapplan.cli.shell import emit
from kapplan.errors import KapplanError

if TYPE_CHECKING:
    from kapplan.edge.starter import Question


def init_command(
    path: Annotated[
        str,
        typer.Argument(help="The schedule file to write, or - for stdout.", metavar="PATH"),
    ] = "schedule.toml",
    preset: Annotated[
        str | None,
        o.answer_option(
            "NAME",
            "custom (default: your method, count and interval), iv-six (six IV "
            "infusions, two or three a week), esketamine (the Spravato label: twice weekly "
            "in weeks 1-4, weekly in weeks 5-8, then every 1 or 2 weeks) or oral (an "
            "at-home course, evening doses twice a week).",
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        o.answer_option(
            "ZONE",
            "IANA zone of the dates (default: this machine's).",
        ),
    ] = None,
    method: Annotated[
        str | None,
        o.answer_option(
            "METHOD",
            "iv, im, esketamine or oral (custom; a preset fixes its own; default iv).",
        ),
    ] = None,
    start: Annotated[
        str | None,
        o.answer_option(
            "DATE",
            "First dose: YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (default: the first Monday "
            "at least a week away, 10:00; oral 19:00).",
        ),
    ] = None,
    count: Annotated[
        str | None,
        o.answer_option(
            "N",
            "How many doses, 1-60 (default: custom and iv-six 6, oral 8).",
        ),
    ] = None,
    maintenance: Annotated[
        str | None,
        o.answer_option(
            "N",
            "Esketamine: maintenance doses after week 8, 0-52 (default 4).",
        ),
    ] = None,
    every: Annotated[
        str | None,
        o.answer_option(
            "INTERVAL",
            "How often: 3d (every 3 days), 2w (every 2 weeks), 2/week (two a week), "
            "daily, weekly (default 2/week; esketamine maintenance: weekly or 2w, default 2w).",
        ),
    ] = None,
    client: Annotated[
        str | None,
        o.answer_option(
            "NAME",
            "Who the plan is for (optional).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask for answers not given as flags (default: when stdin and stdout are "
            "a terminal).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a commented starter schedule to edit, check and plan.

    In a terminal it asks a few questions (Enter takes the default shown);
    otherwise the flags and defaults give the answers. The file lists every
    dose as a dated [[infusion]], so change a date by editing it.

    Examples:

      kapplan init

      kapplan init course.toml --preset iv-six --start 2026-12-07 --every 3/week

      kapplan init spravato.toml --preset esketamine --timezone America/New_York

      kapplan init - --method oral --count 8 --every 2/week --no-interactive
    """
    from kapplan.edge import starter

    target = None if path == "-" else Path(path)
    if target is not None and not force and target.exists() and not target.is_dir():
        # Checked before any question, so nobody answers them for nothing.
        raise KapplanError("exists; use --force to overwrite it", source=path)
    ask = _terminal() if interactive is None else interactive
    given = {
        "--timezone": timezone,
        "--method": method,
        "--start": start,
        "--count": count,
        "--maintenance": maintenance,
        "--every": every,
        "--client": client,
    }
    chosen: starter.Preset = (
        starter.parse_preset(preset)
        if preset is not None
        else _answer(starter.PRESET_QUESTION, ask)
    )
    # The clock and the machine's zone are read here, in the shell, for the defaults.
    questions = api.starter_questions(chosen, zone=api.machine_timezone(), today=datetime.now())
    used = {question.flag for question in questions}
    for flag, value in given.items():
        if value is not None and flag not in used:
            raise starter.not_applicable(flag, chosen)
    # Every flag is checked before anything is asked, so nobody answers in vain.
    values = {q.key: q.parse(text) for q in questions if (text := given[q.flag]) is not None}
    for question in questions:
        if question.key not in values:
            values[question.key] = _answer(question, ask and question.ask)
    answers = starter.Answers(preset=chosen, **values)
    emit(api.starter_text(answers), target, force=force)
    if target is not None:
        sys.stderr.write(visible(starter.next_steps(path, answers), keep="\n"))


def _answer(question: Question, ask: bool) -> Any:
    """Return a reply to an `init` question, asked until it reads, or else its default."""
    from kapplan.errors import BadAnswer

    if not ask:
        return question.parse(question.default)
    if question.explain:
        sys.stderr.write(question.explain)
    while True:
        reply = typer.prompt(question.prompt, default=question.default, err=True)
        try:
            return question.parse(reply)
        except BadAnswer as error:
            sys.stderr.write(f"  {visible(error.message)}\n")


def _terminal() -> bool:
    """Tell whether a person is there to answer: stdin and stdout both a terminal (open)."""
    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
