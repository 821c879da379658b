"""Errors a user can fix, each able to say where and what in one line.

Every error kapplan raises for a person is a `KapplanError` subclass defined
here, named after what went wrong. Each carries its place (file, line, field)
and builds its own line from it; the command line catches them in one place,
prints `str(error)` on stderr and exits with `error.exit_code` (2 for bad
input). Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Mapping

from kapplan.characters import visible


class KapplanError(Exception):
    """A problem the user can fix; its message is one line naming the place.

    Parameters:
        message: What is wrong and what was expected.
        source: The file (or '<stdin>') the problem is in, if any.
        field: Dotted field path inside the file, e.g. ``infusion[2].method``.
        line: 1-based line in the file, where it could be found.
        column: 1-based column of the line, where it is known (not in the message).
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.field = field
        self.line = line
        self.column = column
        super().__init__(str(self))

    def located(
        self, *, source: str | None = None, line: int | None = None, field: str | None = None
    ) -> KapplanError:
        """Return a copy of this error that names a file, line and field.

        Parameters:
            source: The file name to name, unless one is already set.
            line: The line, unless one is already set.
            field: The field, unless one is already set.

        Returns:
            A new error of the same class.
        """
        return type(self)(
            self.message,
            source=self.source or source,
            field=self.field or field,
            line=self.line or line,
            column=self.column,
        )

    def renamed(self, names: Mapping[str, str]) -> KapplanError:
        """Return a copy whose field is named as a caller knows it (an option's flag).

        Parameters:
            names: New names of fields, e.g. ``{"reminders": "--remind"}``.

        Returns:
            A new error of the same class; the same when its field is not in `names`.
        """
        if self.field is None or self.field not in names:
            return self
        return type(self)(
            self.message,
            source=self.source,
            field=names[self.field],
            line=self.line,
            column=self.column,
        )

    def __str__(self) -> str:
        return one_line(self.message, source=self.source, field=self.field, line=self.line)


def one_line(
    message: str,
    *,
    source: str | None = None,
    field: str | None = None,
    line: int | None = None,
    label: str = "",
) -> str:
    """Say a located problem in one line: ``file:line: [label: ]field: message``.

    Parameters:
        message: What is wrong and what was expected.
        source: The file, if any.
        field: Dotted field path, if any.
        line: 1-based line, if known.
        label: A word put after the place, such as ``warning``.

    Returns:
        The line, whitespace runs (newlines too) folded into single spaces, every
        other control or bidirectional character written out
        (`kapplan.characters.visible`): the place and the field name files, and
        both may carry anything.
    """
    place = ""
    if source is not None:
        place = source + (f":{line}" if line else "") + ": "
    elif line:
        place = f"line {line}: "
    if label:
        place += f"{label}: "
    if field:
        place += f"{field}: "
    return " ".join(visible(place + message, keep="\t\n\r").split())


class ScheduleError(KapplanError):
    """The schedule file is unreadable, malformed or asks for the impossible."""


class RulebookError(KapplanError):
    """A rulebook is malformed or inconsistent."""


class OutputError(KapplanError):
    """An output file cannot be written as asked."""


class SyncError(KapplanError):
    """A CalDAV server cannot be reached, refuses, or fails during a sync."""


class ConfigError(KapplanError):
    """The user's config file is unreadable or invalid, or cannot be found or written."""


class InvalidOption(KapplanError):
    """An option (a reminder, a stamp, a calendar name) cannot be used as given.

    Its `field` names the option as the library knows it (``reminders``,
    ``stamp``, ``calendar_name``); the command line names its flag instead.
    """


class UnknownClient(InvalidOption):
    """``client`` names no client of the caseload, or more than one.

    Its `field` is ``client``; the command line names ``--client``.
    """


class UnreadableCalendar(KapplanError):
    """An earlier export given to compare against is not a calendar kapplan wrote."""


class UnreadableBusyCalendar(KapplanError):
    """The therapist's calendar export (.ics) is malformed, too large or asks for too much."""


class UnreadableExport(KapplanError):
    """An earlier JSON export given to compare against is not one kapplan wrote."""


class BadAnswer(KapplanError):
    """An answer to `kapplan init`, given as a flag or at a prompt, that cannot be used."""


__all__ = [
    "BadAnswer",
    "ConfigError",
    "InvalidOption",
    "KapplanError",
    "OutputError",
    "RulebookError",
    "ScheduleError",
    "UnknownClient",
    "UnreadableBusyCalendar",
    "UnreadableCalendar",
    "UnreadableExport",
    "one_line",
]
