"""What `kapplan validate` finds: each file's kind, errors and warnings, located.

Importing nothing heavy, so the command line can name the kinds at start-up
without loading the models that check each kind.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from kapplan.errors import KapplanError, one_line
from kapplan.model.choices import FileKind


class Problem(Struct, frozen=True):
    """One located problem (an error or a warning) in a file."""

    source: str
    """The file it is in, as messages name it (``<stdin>`` for stdin)."""
    message: str
    """What is wrong and, for errors, what was expected."""
    field: str | None = None
    """Field path inside the file, e.g. ``infusion[2].method``."""
    line: int | None = None
    """1-based line, where it could be found."""
    column: int | None = None
    """1-based column, where known (TOML syntax errors)."""

    @classmethod
    def from_error(cls, error: KapplanError, source: str) -> Problem:
        """Make a problem of an error found in `source`.

        Parameters:
            error: The located error.
            source: The file being checked. An error in another file that it
                names (a therapist's busy calendar) keeps its own place in the
                message and is put at the ``busy_calendar`` key.

        Returns:
            The problem.
        """
        if error.source in (None, source):
            return cls(source, error.message, error.field, error.line, error.column)
        return cls(source, str(error))

    def text(self, label: str = "") -> str:
        """Say the problem in one line, ``file:line: field: message``, as editors read it.

        Parameters:
            label: A word after the place, such as ``warning``.

        Returns:
            The line (without a newline).
        """
        return one_line(
            self.message, source=self.source, field=self.field, line=self.line, label=label
        )

    def to_data(self) -> dict[str, Any]:
        """Return the problem as a JSON object: line, column, field, message (in this order)."""
        return {
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
        }


class FileReport(Struct, frozen=True):
    """Everything found in one file."""

    path: str
    """The file, as messages name it (``<stdin>`` for stdin)."""
    kind: FileKind | None
    """What it was checked as; None when it could not be read."""
    errors: tuple[Problem, ...] = ()
    """What stops ``kapplan plan`` (or, for other kinds, loading the file)."""
    warnings: tuple[Problem, ...] = ()
    """What the plan warns about; the file is still usable."""

    def passes(self, *, strict: bool = False) -> bool:
        """Tell whether the file passes: no errors, and under `strict` no warnings either."""
        return not self.errors and not (strict and self.warnings)


__all__ = ["FileKind", "FileReport", "Problem"]
