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
from kapplan.cli.shell import emit, today_date
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
    dose: Annotated[
        list[str] | None,
        o.answer_option(
            "DATE",
            "A dose's date, 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' (repeat for each dose, e.g. "
            "the dates of a clinic's letter): the doses, instead of --start, --count and "
            "--every. Not for --preset esketamine.",
        ),
    ] = None,
    client: Annotated[
        str | None,
        o.answer_option(
            "NAME",
            "Who the plan is for (optional).",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        o.answer_option("LANG", "Language of the plan: en or ru (default: the config file's)."),
    ] = None,
    discreet: Annotated[
        bool | None,
        typer.Option(
            "--discreet/--no-discreet",
            help="Whether others see the calendar: neutral titles that do not reveal the "
            "treatment (default: not set, the config file's).",
            show_default=False,
            rich_help_panel=o.ANSWERS_PANEL,
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
    dose as a dated [[infusion]], so change a date by editing it. Doses come
    from a first date and a repeat, or from a list of dates (--dose, or the
    prompt's lines). A time zone may be a city (London, new york): the zone
    taken is said on stderr.

    Examples:

      kapplan init

      kapplan init course.toml --preset iv-six --start 2026-12-07 --every 3/week

      kapplan init spravato.toml --preset esketamine --timezone America/New_York

      kapplan init - --method oral --count 8 --every 2/week --no-interactive

      kapplan init --dose 2027-01-14T09:30 --dose 2027-01-19T09:30
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
        "--dose": "\n".join(dose) if dose else None,
        "--start": start,
        "--count": count,
        "--maintenance": maintenance,
        "--every": every,
        "--client": client,
        "--lang": lang,
        "--discreet": None if discreet is None else ("yes" if discreet else "no"),
    }
    # It asks in the language the plan will be in, as far as it is known before asking.
    asked_in = _asking_language(lang)
    chosen: starter.Preset = (
        starter.parse_preset(preset)
        if preset is not None
        else _answer(api.preset_question(asked_in), ask)
    )
    # Today (KAPPLAN_TODAY, else the clock) and the machine's zone are read here, in the
    # shell, for the defaults.
    today = datetime.combine(today_date(), datetime.min.time())
    questions = api.starter_questions(
        chosen, zone=api.machine_timezone(), today=today, language=asked_in
    )
    used = {question.flag for question in questions}
    for flag, value in given.items():
        if value is not None and flag not in used:
            raise starter.not_applicable(flag, chosen)
        if value is not None and dose and flag in starter.REPEAT_FLAGS:
            raise starter.not_with_doses(flag)
    # Every flag is checked before anything is asked, so nobody answers in vain.
    values = {q.key: q.parse(text) for q in questions if (text := given[q.flag]) is not None}
    note = values.get("language") or asked_in
    if timezone is not None:
        _took(timezone, values["timezone"], note)
    for question in questions:
        if question.key in values:
            continue
        repeat = any(given[flag] is not None for flag in starter.REPEAT_FLAGS)
        if values.get("dates") and question.flag in starter.REPEAT_FLAGS:
            values[question.key] = question.parse(question.default)  # unused: the dates rule
        elif question.flag == "--dose" and repeat:
            values[question.key] = ()  # a start and a repeat were given: not asked for dates
        else:
            values[question.key] = _answer(question, ask and question.ask, note)
    answers = starter.Answers(preset=chosen, **values)
    emit(api.starter_text(answers), target, force=force)
    if target is not None:
        said = api.next_steps(path, answers, answers.language or asked_in)
        sys.stderr.write(visible(said, keep="\n"))


def _answer(question: Question, ask: bool, language: str = "en") -> Any:
    """Return a reply to an `init` question, asked until it reads, or else its default;
    a city given as the time zone is said on stderr, in `language`, as the zone it took."""
    from kapplan.errors import BadAnswer

    if not ask:
        return question.parse(question.default)
    if question.explain:
        sys.stderr.write(question.explain)
    if question.many:
        return _answers(question)
    while True:
        reply = typer.prompt(
            question.prompt,
            default=question.default,
            err=True,
            show_default=bool(question.default),  # an empty default is not shown as []
        )
        try:
            value = question.parse(reply)
        except BadAnswer as error:
            sys.stderr.write(f"  {visible(error.message)}\n")
            continue
        if question.key == "timezone":
            _took(reply, value, language)
        return value


def _answers(question: Question) -> Any:
    """Return the reply to a question of many lines (one date each), asked line by line
    until an empty one; a line that does not read is asked again."""
    from kapplan.errors import BadAnswer

    lines: list[str] = []
    while True:
        number = len(lines) + 1
        reply = typer.prompt(
            f"{question.prompt} {number}", default="", show_default=False, err=True
        )
        if not reply.strip():
            return question.parse("\n".join(lines))
        try:
            question.parse("\n".join([*lines, reply]))
        except BadAnswer as error:
            sys.stderr.write(f"  {visible(error.message)}\n")
            continue
        lines.append(reply)


def _took(written: str | None, zone: str, language: str) -> None:
    """Say on stderr which zone a city given as the time zone stands for."""
    if written is not None and written.strip() != zone:
        sys.stderr.write(
            f"kapplan: {visible(api.took_zone_note(zone, written.strip(), language))}\n"
        )


def _asking_language(lang: str | None) -> str:
    """Return the language `init` asks in: ``--lang``'s, else the config file's, else
    English (one that cannot be read is refused, as its answer would be)."""
    from kapplan.edge.starter import parse_language

    if lang is not None:
        return parse_language(lang) or "en"
    try:
        configured = api.load_config().values.language
    except KapplanError:
        return "en"  # `plan` says what is wrong with the file; init writes a schedule
    return configured or "en"


def _terminal() -> bool:
    """Tell whether a person is there to answer: stdin and stdout both a terminal (open)."""
    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
