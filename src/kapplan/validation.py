"""Check schedule, therapist and rulebook files, reporting every problem at once.

This is the work behind ``kapplan validate``. Each file is read, parsed and
checked with the model of its kind; a schedule whose fields are valid is then
taken through the steps ``kapplan plan`` takes next (its doses expanded and
checked, its plan built), so it passes exactly when ``plan`` would succeed
with it. What stops a plan is an error; what the plan warns about (a window
that cannot be met, a local time moved by DST) is a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from kapplan.edge.config import Configuration, apply_config
from kapplan.edge.load import (
    STDIN,
    catalogues,
    check_model,
    check_rulebook,
    check_schedule,
    default_rulebook,
    label_client,
    line_of_field,
    load_rulebook,
    parse_toml,
    read_text,
    schedule_paths,
    therapist_hours,
    with_rules_path,
)
from kapplan.engine.planner import build_plan
from kapplan.errors import KapplanError, ScheduleError, one_line
from kapplan.i18n import Catalogue
from kapplan.model.report import FileKind
from kapplan.model.rulebook import Rulebook
from kapplan.model.schedule import LocalTimeNote, Schedule
from kapplan.model.therapist import Therapist, TherapistFile


@dataclass(frozen=True, slots=True)
class Problem:
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


@dataclass(frozen=True, slots=True)
class FileReport:
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


def detect_kind(data: dict[str, Any]) -> FileKind:
    """Tell a parsed file's kind from its top-level keys.

    Parameters:
        data: The parsed TOML document.

    Returns:
        `FileKind.THERAPIST` for a ``[therapist]`` table, `FileKind.RULEBOOK`
        for ``version``, ``[methods]`` or ``[[rule]]``, else `FileKind.SCHEDULE`.
    """
    if "therapist" in data:
        return FileKind.THERAPIST
    if data.keys() & {"version", "methods", "rule"}:
        return FileKind.RULEBOOK
    return FileKind.SCHEDULE


_THERAPIST_TABLE = re.compile(r"^\s*\[\s*therapist\s*\]", re.MULTILINE)
_RULEBOOK_KEYS = re.compile(
    r"^\s*(\[\[\s*rule\s*\]\]|\[\s*methods\s*[.\]]|version\s*=)", re.MULTILINE
)


def guess_kind(text: str) -> FileKind:
    """Tell the kind of a file that is not valid TOML from its lines, as `detect_kind` does.

    Parameters:
        text: The file's text.

    Returns:
        The kind its table headers and keys suggest.
    """
    if _THERAPIST_TABLE.search(text):
        return FileKind.THERAPIST
    if _RULEBOOK_KEYS.search(text):
        return FileKind.RULEBOOK
    return FileKind.SCHEDULE


@dataclass(frozen=True, slots=True)
class _Checked:
    """A file after its own checks, with what the checks across files need."""

    path: str
    text: str
    report: FileReport
    schedule: Schedule | None = None
    therapist: Therapist | None = None


def validate_files(
    arguments: list[str],
    *,
    kind: FileKind | None = None,
    now: datetime,
    configuration: Configuration | None = None,
) -> list[FileReport]:
    """Check files, folders (every .toml in them) or stdin and report every problem.

    Besides each file's own checks, schedules must carry distinct client labels
    (as ``kapplan plan`` needs when given them together), and a therapist's
    busy calendar must be readable over the time the schedules checked with it
    span.

    Parameters:
        arguments: Files, folders, or ``-`` for stdin (at most once).
        kind: Check every file as this kind; by default each file's own (`detect_kind`).
        now: Where to read a therapist's busy calendar from when no valid schedule
            is checked with it (the shell passes its clock).
        configuration: The user's config file, applied to schedules as `plan`
            applies it (zone, language, availability); None for none.

    Returns:
        One report per file, in argument order, folders expanded; a folder
        without .toml files is a report of its own.

    Raises:
        ScheduleError: When stdin is named more than once.
    """
    # Refuses stdin named twice with the message `plan` gives.
    schedule_paths([STDIN] * arguments.count(STDIN))
    checked: list[_Checked | FileReport] = []
    for argument in arguments:
        try:
            paths = schedule_paths([argument])
        except KapplanError as error:
            checked.append(FileReport(argument, kind, (Problem.from_error(error, argument),)))
            continue
        checked.extend(_check_file(path, kind, configuration) for path in paths)
    checked = _check_labels(checked)
    starts = [
        dose.start
        for c in checked
        if isinstance(c, _Checked) and c.schedule is not None
        for dose in c.schedule.doses()[0]
    ]
    return [
        c if isinstance(c, FileReport) else _check_busy_calendar(c, starts or [now]).report
        for c in checked
    ]


def _check_file(
    path: str, forced: FileKind | None, configuration: Configuration | None
) -> _Checked | FileReport:
    """Read, parse and check one file with the model of its kind."""
    try:
        name, text = read_text(path)
    except KapplanError as error:
        source = error.source or path
        return FileReport(source, forced, (Problem.from_error(error, source),))
    try:
        data = parse_toml(text, name)
    except KapplanError as error:
        return FileReport(name, forced or guess_kind(text), (Problem.from_error(error, name),))
    kind = forced or detect_kind(data)
    problems: list[KapplanError]
    if kind is FileKind.SCHEDULE:
        zone = configuration.values.timezone if configuration else None
        schedule, problems = check_schedule(data, text, name, default_timezone=zone)
        warnings: tuple[Problem, ...] = ()
        if schedule is not None:
            if configuration is not None:
                schedule = apply_config(schedule, configuration, None)
            try:
                # The rulebook the schedule names must exist and be valid, as for `plan`.
                schedule = with_rules_path(schedule, path, text, name)
                rulebook = (
                    load_rulebook(schedule.rules, defaults=_rules_and_texts()[0])
                    if schedule.rules
                    else None
                )
            except KapplanError as error:
                problems, schedule = [error], None
            else:
                warnings = _plan_warnings(schedule, text, name, rulebook)
        report = FileReport(name, kind, _problems(problems, name), warnings)
        return _Checked(path, text, report, schedule=schedule)
    if kind is FileKind.THERAPIST:
        therapist_file, problems = check_model(TherapistFile, data, text, name, ScheduleError)
        therapist = therapist_file.therapist if therapist_file is not None else None
        report = FileReport(name, kind, _problems(problems, name))
        return _Checked(path, text, report, therapist=therapist)
    # Laid over kapplan's defaults, as `plan --rules` reads it.
    _, problems = check_rulebook(data, text, name, _rules_and_texts()[0])
    return FileReport(name, kind, _problems(problems, name))


def _problems(errors: list[KapplanError], source: str) -> tuple[Problem, ...]:
    return tuple(Problem.from_error(error, source) for error in errors)


def _plan_warnings(
    schedule: Schedule, text: str, name: str, rulebook: Rulebook | None
) -> tuple[Problem, ...]:
    """Build the plan `kapplan plan` would build and locate its warnings (in English).

    `rulebook` is the schedule's own, None for kapplan's default.
    """
    doses, notes = schedule.doses()
    english = schedule.model_copy(update={"language": "en"})
    default, texts = _rules_and_texts()
    plan = build_plan(english, rulebook or default, texts=texts)
    # The engine puts one warning with no rule first for each note, in order.
    local_times = iter(notes)
    warnings: list[Problem] = []
    for warning in plan.warnings:
        field, message = None, warning.message
        if warning.rule is None:
            note = next(local_times, None)
            if isinstance(note, LocalTimeNote):
                field = note.field if note.dose is None else f"{note.field} dose {note.dose}"
                message = message.removeprefix(f"{field}: ")
        elif warning.infusion is not None:
            field = doses[warning.infusion - 1].origin
        warnings.append(Problem(name, message, field, line_of_field(text, field)))
    return tuple(warnings)


@cache
def _rules_and_texts() -> tuple[Rulebook, Mapping[str, Catalogue]]:
    """Return the default rulebook and the catalogues, read once for all files."""
    return default_rulebook(), catalogues()


def _check_labels(checked: list[_Checked | FileReport]) -> list[_Checked | FileReport]:
    """Add an error to each valid schedule whose client label an earlier one has."""
    seen: dict[str, str] = {}
    result: list[_Checked | FileReport] = []
    for item in checked:
        if isinstance(item, _Checked) and item.schedule is not None:
            try:
                label_client(item.schedule, item.path, seen)
            except ScheduleError as error:
                item = _with_error(item, error, line_of_field(item.text, error.field))
        result.append(item)
    return result


def _check_busy_calendar(checked: _Checked, starts: list[datetime]) -> _Checked:
    """Read a valid therapist's busy calendar as `kapplan plan --therapist` would."""
    if checked.therapist is None or not checked.therapist.busy_calendar:
        return checked
    try:
        therapist_hours(checked.therapist, checked.path, starts)
    except KapplanError as error:
        field = "therapist.busy_calendar"
        return _with_error(checked, error, line_of_field(checked.text, field), field)
    return checked


def _with_error(
    checked: _Checked, error: KapplanError, line: int | None, field: str | None = None
) -> _Checked:
    """Add an error found by a check across files, at `line` (and `field`, if given)."""
    problem = Problem.from_error(error, checked.report.path)
    problem = replace(problem, line=problem.line or line, field=field or problem.field)
    report = replace(checked.report, errors=(*checked.report.errors, problem))
    return replace(checked, report=report)


def render_text(reports: list[FileReport], *, strict: bool = False) -> str:
    """Render reports for people and editors: one line per problem, then a summary.

    Errors read ``file:line: field: message`` (as ``kapplan plan`` says them);
    warnings ``file:line: warning: field: message``. The summary is
    ``3 problems in 2 files``, or ``2 files OK``, with the warnings counted.

    Parameters:
        reports: What `validate_files` found.
        strict: Whether warnings fail a file (the summary says so).

    Returns:
        The text, each line ending in a newline.
    """
    lines = [
        line
        for report in reports
        for line in [
            *(problem.text() for problem in report.errors),
            *(problem.text("warning") for problem in report.warnings),
        ]
    ]
    errors = sum(len(report.errors) for report in reports)
    warnings = sum(len(report.warnings) for report in reports)
    counted = f", {_count(warnings, 'warning')}" if warnings else ""
    if errors:
        failed = sum(1 for report in reports if report.errors)
        summary = f"{_count(errors, 'problem')} in {_count(failed, 'file')}{counted}"
    elif warnings and strict:
        warned = sum(1 for report in reports if report.warnings)
        summary = f"{_count(warnings, 'warning')} in {_count(warned, 'file')} (--strict)"
    else:
        summary = f"{_count(len(reports), 'file')} OK{counted}"
    return "".join(f"{line}\n" for line in [*lines, summary])


def render_json(reports: list[FileReport], *, strict: bool = False) -> str:
    """Render reports as one JSON document, for editors and CI.

    ``{"files": [{"path", "kind", "ok", "errors", "warnings"}], "ok"}``; each
    problem is ``{"line", "column", "field", "message"}``, absent parts null.
    ``ok`` is false for a file with errors, or under `strict` with warnings.

    Parameters:
        reports: What `validate_files` found.
        strict: Whether warnings fail a file.

    Returns:
        The document, indented, ending in a newline.
    """
    files = [
        {
            "path": report.path,
            "kind": report.kind.value if report.kind else None,
            "ok": report.passes(strict=strict),
            "errors": [problem.to_data() for problem in report.errors],
            "warnings": [problem.to_data() for problem in report.warnings],
        }
        for report in reports
    ]
    data = {"files": files, "ok": all(r.passes(strict=strict) for r in reports)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


__all__ = [
    "FileKind",
    "FileReport",
    "Problem",
    "detect_kind",
    "guess_kind",
    "render_json",
    "render_text",
    "validate_files",
]
