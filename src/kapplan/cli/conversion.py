"""Option values converted without building a pydantic validator for each option.

Typer (0.29) converts every parameter of the command being run, given or not,
through a pydantic ``TypeAdapter`` it builds on first use: a few milliseconds
each, twenty-odd for ``kapplan plan``, on every run. Most values need no such
work: an option not given (None), a string, a list of strings, an enum member
named by its exact value, a number within its bounds, a path that passes the
option's checks (typer would build a validator for ``pathlib.Path`` alone just
to make one from a string). `quicken` gives each
parameter a conversion that returns those as typer's would, and hands any other
value (a path, a number written on the command line, a wrong choice) to typer's
own conversion, built then: its result is typer's. A value that is not one of
an option's choices is refused in kapplan's words, not the validation library's
(`UnknownChoice`): ``unknown format 'yaml'; use terminal, json, ics, html or vdir``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click import Context, Parameter
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import TyperArgument, TyperOption

#: What `_quick_value` returns for a value it leaves to typer.
_TYPERS = object()


@dataclass(frozen=True)
class _QuickParam(RuntimeParam):
    """A parameter's conversion: the plain values at once, the rest by typer's own."""

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        quick = _quick_value(self.descriptor, value, ctx)
        if quick is not _TYPERS:
            return quick
        typers = build_runtime_param(self.descriptor)
        try:
            return typers._coerce_value(value, param=param, ctx=ctx)
        except BadParameter:
            annotation: Any = self.descriptor.annotation
            if type(value) is str and isinstance(annotation, type) and issubclass(annotation, Enum):
                raise UnknownChoice(
                    _noun(param), value, [str(m.value) for m in annotation]
                ) from None
            raise


class UnknownChoice(BadParameter):
    """A value that is not one of an option's choices, said as kapplan says it.

    Parameters:
        noun: What the option chooses, e.g. ``format``.
        value: What was given.
        choices: The option's choices, in order.
    """

    def __init__(self, noun: str, value: str, choices: list[str]) -> None:
        listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
        self.line = f"unknown {noun} {value!r}; use {listed}"
        super().__init__(self.line)


#: What an option chooses, where its flag does not say it in a word.
_NOUNS = {"lang": "language", "for": "reader"}


def _noun(param: Any) -> str:
    """Return what an option chooses, from its longest flag: ``--format`` -> ``format``."""
    flags = [str(flag) for flag in getattr(param, "opts", ())] or [str(param.name)]
    word = max(flags, key=len).lstrip("-")
    return _NOUNS.get(word, word)


def quicken(params: Iterable[Parameter]) -> None:
    """Give each typer parameter not yet converted the quick conversion (see the module).

    Parameters:
        params: A command's parameters; those typer did not make are left alone.
    """
    for param in params:
        if isinstance(param, TyperArgument | TyperOption) and param._runtime_param is None:
            descriptor = param.type_descriptor
            param._runtime_param = _QuickParam(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )


def _quick_value(descriptor: TypeDescriptor, value: Any, ctx: Context) -> Any:
    """Return `value` converted as typer would, or `_TYPERS` for typer to convert it."""
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return _TYPERS
    annotation: Any = descriptor.annotation
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if isinstance(value, list | tuple) and all(type(v) is str for v in value):
            return list(value) if item is str else _TYPERS
        return _TYPERS
    if annotation is str:
        return value if type(value) is str else _TYPERS
    if annotation in (int, float):
        return _number(value, annotation, info.min, info.max, bool(info.clamp))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(annotation, value, ctx, case_sensitive=info.case_sensitive)
    if annotation is Path and info.path_type is None and not info.resolve_path:
        return _path(value, info)
    return _TYPERS


def _path(value: Any, info: Any) -> Any:
    """A path named by a plain string is ``Path(value)`` when the option's checks pass,
    checked as typer checks them; any other value, and every refusal, is typer's."""
    if type(value) is not str or not value or "\x00" in value:
        return _TYPERS  # typer's validator makes '' the current folder
    if info.allow_dash and value == "-":
        return _TYPERS
    try:
        found = os.stat(value)
    except OSError:
        return _TYPERS if info.exists else Path(value)
    if not info.file_okay and stat.S_ISREG(found.st_mode):
        return _TYPERS
    if not info.dir_okay and stat.S_ISDIR(found.st_mode):
        return _TYPERS
    if info.readable and not os.access(value, os.R_OK):
        return _TYPERS
    if info.writable and not os.access(value, os.W_OK):
        return _TYPERS
    return Path(value)


def _number(value: Any, kind: type, low: Any, high: Any, clamp: bool) -> Any:
    """A number of the option's own type within its bounds is itself (as pydantic says)."""
    if type(value) is not kind or clamp:
        return _TYPERS
    if (low is not None and not value >= low) or (high is not None and not value <= high):
        return _TYPERS
    return value


def _choice(kind: type[Enum], value: Any, ctx: Context, *, case_sensitive: bool) -> Any:
    """A member is itself; its exact value is the first member with that value."""
    if isinstance(value, kind):
        return value
    if type(value) is not str or not case_sensitive or ctx.token_normalize_func is not None:
        return _TYPERS
    for member in kind:
        if str(member.value) == value:
            return member
    return _TYPERS


__all__ = ["UnknownChoice", "quicken"]
