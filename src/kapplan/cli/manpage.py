"""Help that reads like a man page: usage lines, metavars and command summaries.

Typer writes a required argument as ``{SCHEDULE...}...``, an option's value
as its type (``<list[str]>``, ``<int range>``, ``<en|ru>``) and cuts each
command's summary in ``kapplan --help`` at 45 characters. Here instead:

- the usage line names each argument as a man page does: ``SCHEDULE...``
  when required, ``[SCHEDULE]`` when not, ``...`` once when it repeats;
- an option without a metavar of its own gets a word for its value: ``FILE``
  for a path, ``N`` for a whole number, ``NUMBER`` for another number, its
  own name in capitals otherwise (``--format FORMAT``, ``--lang LANG``); the
  choices are listed in the option's help text, which every command's says;
- a command's summary is the first sentence of its help, whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click import Context, Parameter
from typer._click.utils import make_default_short_help
from typer.core import TyperArgument, TyperOption


def argument_name(argument: TyperArgument) -> str:
    """Return an argument's name as help shows it: ``SCHEDULE...``, ``PATH``.

    Parameters:
        argument: The argument.

    Returns:
        Its metavar (else its name in capitals), with ``...`` when it repeats.
    """
    name = argument.metavar or (argument.name or "").upper()
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name


def usage_pieces(params: Iterable[Parameter], ctx: Context, options: str | None) -> list[str]:
    """Return a command's usage line after its path: ``[OPTIONS] SCHEDULE...``.

    Parameters:
        params: The command's parameters.
        ctx: The command's context.
        options: What stands for its options (``[OPTIONS]``), or None.

    Returns:
        The pieces, options first, then each argument (optional ones in brackets).
    """
    pieces = [options] if options else []
    for param in params:
        if isinstance(param, TyperArgument):
            name = argument_name(param)
            pieces.append(name if param.required else f"[{name}]")
        else:
            pieces.extend(param.get_usage_pieces(ctx))
    return pieces


def name_values(params: Iterable[Parameter]) -> None:
    """Give every option that takes a value, and has no metavar, a word for it (see the module).

    Parameters:
        params: A command's parameters; a flag, and one with its own metavar, are left alone.
    """
    for param in params:
        if not isinstance(param, TyperOption) or param.metavar is not None:
            continue
        if param.is_flag or param.count:
            continue
        param.metavar = value_word(param.type_descriptor.annotation, param.name or "value")


def value_word(annotation: Any, name: str) -> str:
    """Return the word that stands for an option's value in help.

    Parameters:
        annotation: The option's type.
        name: The option's parameter name.

    Returns:
        ``FILE``, ``N``, ``NUMBER``, or the name in capitals (dashes for underscores).
    """
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if isinstance(annotation, type):
        if issubclass(annotation, Path):
            return "FILE"
        if issubclass(annotation, bool | Enum):
            return name.upper().replace("_", "-")
        if issubclass(annotation, int):
            return "N"
        if issubclass(annotation, float):
            return "NUMBER"
    return name.upper().replace("_", "-")


def help_records(params: Iterable[Parameter], ctx: Context) -> tuple[list[Any], list[Any]]:
    """Return the Arguments and Options sections' rows: (name, help) each.

    Parameters:
        params: The command's parameters.
        ctx: The command's context.

    Returns:
        The arguments' rows, each named as `argument_name` names it, and the options'.
    """
    arguments, options = [], []
    for param in params:
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if isinstance(param, TyperArgument):
            arguments.append((argument_name(param), record[1]))
        elif param.param_type_name == "option":
            options.append(record)
    return arguments, options


def short_help(help: str | None) -> str:
    """Return a command's summary for ``kapplan --help``: its help's first sentence, whole.

    Parameters:
        help: The command's help text.

    Returns:
        The first sentence of its first paragraph, however long.
    """
    text = help or ""
    return make_default_short_help(text, max_length=len(text) + 1)


__all__ = [
    "argument_name",
    "help_records",
    "name_values",
    "short_help",
    "usage_pieces",
    "value_word",
]
