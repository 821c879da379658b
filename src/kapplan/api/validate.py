"""Check schedule, therapist and rulebook files: ``kapplan validate``, as a library."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from kapplan.api.environment import NOWHERE, Environment, configuration_of
from kapplan.edge.files import STDIN
from kapplan.errors import KapplanError, ScheduleError
from kapplan.model.choices import FileKind
from kapplan.model.report import FileReport, Problem

if TYPE_CHECKING:
    from kapplan.i18n import Catalogue
    from kapplan.model.doses import DoseExpansion
    from kapplan.model.rulebook import Rulebook
    from kapplan.model.schedule import Schedule, ScheduleDefaults
    from kapplan.model.therapist import Therapist


#: A series' dose as `Dose.origin` locates it: ``series[1] dose 3``.
_SERIES_DOSE = re.compile(r"(series\[\d+\]) dose (\d+)")


class _Checked(Struct, frozen=True):
    """A file after its own checks, with what the checks across files need."""

    path: str
    text: str
    report: FileReport
    schedule: Schedule | None = None
    doses: tuple[datetime, ...] = ()
    therapist: Therapist | None = None


class _Reference(Struct, frozen=True):
    """What every schedule of one validation is checked against, read once."""

    rulebook: Rulebook
    """kapplan's default rulebook (a rulebook file is laid over it)."""
    defaults: ScheduleDefaults
    """What a schedule gets for the settings it leaves out (the config file's, this
    machine's zone), as planning gives it."""
    language: str
    """The language warnings are said in."""


def validate_files(
    paths: Sequence[str],
    *,
    kind: FileKind | None = None,
    env: Environment = NOWHERE,
    language: str = "en",
) -> list[FileReport]:
    """Check files, folders (every .toml in them) or stdin and report every problem.

    Each file is read, parsed and checked with the model of its kind; a
    schedule whose fields are valid is then taken through the steps `plan_files`
    takes (its doses expanded and checked, its rulebook read, its plan built), so
    it passes exactly when planning it would succeed. What stops a plan is an
    error (said in English, as every error is); what the plan warns about is a
    warning, said in `language`. Across files,
    schedules must carry distinct client labels (as a caseload needs), and a
    therapist's busy calendar must be readable over the time the schedules span.

    Parameters:
        paths: Files, folders, or ``-`` for stdin (at most once).
        kind: Check every file as this kind; by default each file's own.
        env: The config file (applied to schedules as `plan_files` applies it),
            this machine's zone, and the clock: a busy calendar checked without
            any valid schedule is read from `Environment.now` on.
        language: The language warnings are said in (a code of `LANGUAGES`).

    Returns:
        One report per file, in argument order, folders expanded; a folder
        without .toml files is a report of its own.

    Raises:
        ScheduleError: When stdin is named more than once.
        ValueError: When a busy calendar is checked without any schedule and
            `env` has no clock.
    """
    from kapplan.edge.load import default_rulebook, schedule_paths

    # Refuses stdin named twice with the message `plan` gives.
    schedule_paths([STDIN] * list(paths).count(STDIN))
    from kapplan.model.settings import Flags, schedule_defaults

    defaults = schedule_defaults(configuration_of(env), Flags(), machine_zone=env.machine_zone)
    reference = _Reference(default_rulebook(), defaults, language)
    checked: list[_Checked | FileReport] = []
    for argument in paths:
        try:
            found = schedule_paths([argument])
        except KapplanError as error:
            checked.append(FileReport(argument, kind, (Problem.from_error(error, argument),)))
            continue
        checked.extend(_check_file(path, kind, reference) for path in found)
    checked = _check_labels(checked)
    starts = [start for c in checked if isinstance(c, _Checked) for start in c.doses]
    if not starts and env.now is not None:
        starts = [env.now]
    return [c if isinstance(c, FileReport) else _check_busy(c, starts).report for c in checked]


def _check_file(path: str, forced: FileKind | None, reference: _Reference) -> _Checked | FileReport:
    """Read, parse and check one file with the model of its kind."""
    from kapplan.edge.files import read_text
    from kapplan.edge.load import check_rulebook, detect_kind, guess_kind
    from kapplan.edge.located import check_model, parse_toml
    from kapplan.model.therapist import TherapistFile

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
    if kind is FileKind.SCHEDULE:
        return _check_schedule(path, name, text, data, reference)
    if kind is FileKind.THERAPIST:
        therapist_file, problems = check_model(TherapistFile, data, text, name, ScheduleError)
        therapist = therapist_file.therapist if therapist_file is not None else None
        report = FileReport(name, kind, _problems(problems, name))
        return _Checked(path, text, report, therapist=therapist)
    # Laid over kapplan's defaults, as `plan --rules` reads it.
    _, problems = check_rulebook(data, text, name, reference.rulebook)
    return FileReport(name, kind, _problems(problems, name))


def _check_schedule(
    path: str, name: str, text: str, data: dict[str, object], reference: _Reference
) -> _Checked:
    """Check a schedule as planning it would, and find what its plan warns about."""
    from kapplan.edge.load import check_schedule, load_rulebook, with_rules_path

    schedule, expansion, problems = check_schedule(data, text, name, defaults=reference.defaults)
    warnings: tuple[Problem, ...] = ()
    starts: tuple[datetime, ...] = ()
    if schedule is not None and expansion is not None:
        try:
            # The rulebook the schedule names must exist and be valid, as for `plan`.
            schedule = with_rules_path(schedule, path, text, name)
            book = reference.rulebook
            if schedule.rules:
                book = load_rulebook(schedule.rules, defaults=reference.rulebook)
        except KapplanError as error:
            problems, schedule = [error], None
        else:
            warnings = _plan_warnings(schedule, expansion, book, text, name, reference.language)
            starts = tuple(dose.start for dose in expansion.doses)
    report = FileReport(name, FileKind.SCHEDULE, _problems(problems, name), warnings)
    return _Checked(path, text, report, schedule=schedule, doses=starts)


def _problems(errors: Sequence[KapplanError], source: str) -> tuple[Problem, ...]:
    return tuple(Problem.from_error(error, source) for error in errors)


def _plan_warnings(
    schedule: Schedule,
    expansion: DoseExpansion,
    rulebook: Rulebook,
    text: str,
    name: str,
    language: str,
) -> tuple[Problem, ...]:
    """Build the plan `plan_files` would build and locate its warnings, said in `language`."""
    from kapplan.edge.located import line_of_field
    from kapplan.engine import build_plan
    from kapplan.i18n import catalogue, catalogues, covered_runs

    plan = build_plan(schedule, rulebook, texts=catalogues(), expansion=expansion)
    texts = catalogue(language)
    warnings: list[Problem] = []
    for group in covered_runs(plan.warnings):
        # A run of doses each too soon after the one before is one line, at its first.
        warning = group[0]
        where: str | None = None
        if "field" in warning.params:
            # A dose's local time: its field, as a series' dose says it.
            where = str(warning.params["field"])
            if "dose" in warning.params:
                where += f" dose {warning.params['dose']}"
        elif warning.infusion is not None:
            where = expansion.doses[warning.infusion - 1].origin
        # The plan titles its events in its own language: a line in another names
        # them by their rules' names in that one.
        said = warning if plan.language == language else replace(warning, title="")
        message = (
            texts.warning_text(said, plan.zone, with_field=False)
            if len(group) == 1
            else texts.covered_run_text(group)
        )
        place = _series_dose(where, texts)
        warnings.append(Problem(name, message, place, line_of_field(text, where)))
    return tuple(warnings)


def _series_dose(where: str | None, texts: Catalogue) -> str | None:
    """Say a series' dose (``series[1] dose 3``, as `Dose.origin` locates it) in a language."""
    found = _SERIES_DOSE.fullmatch(where or "")
    if found is None:
        return where
    return texts.text("note.series_dose", field=found[1], n=int(found[2]))


def _check_labels(checked: list[_Checked | FileReport]) -> list[_Checked | FileReport]:
    """Add an error to each valid schedule whose client label an earlier one has."""
    from kapplan.edge.load import label_client
    from kapplan.edge.located import line_of_field

    seen: dict[str, tuple[str, str]] = {}
    result: list[_Checked | FileReport] = []
    for item in checked:
        if isinstance(item, _Checked) and item.schedule is not None:
            try:
                label_client(item.schedule, item.path, seen)
            except ScheduleError as error:
                item = _with_error(item, error, line_of_field(item.text, error.field))
        result.append(item)
    return result


def _check_busy(checked: _Checked, starts: list[datetime]) -> _Checked:
    """Read a valid therapist's busy calendar as `plan_files` with a therapist would."""
    from kapplan.edge.load import therapist_hours
    from kapplan.edge.located import line_of_field

    if checked.therapist is None or not checked.therapist.busy_calendar:
        return checked
    if not starts:
        raise ValueError("a busy calendar checked without schedules needs Environment.now")
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


def skipped_folders(paths: Sequence[str]) -> list[str]:
    """Return the folders inside the folders given, which `validate_files` does not search.

    Parameters:
        paths: What `validate_files` is given: files, folders, or ``-``.

    Returns:
        Each folder found inside a folder argument, in argument order.
    """
    from pathlib import Path

    from kapplan.edge.load import skipped_folders as inside

    return [found for p in paths if p != STDIN and Path(p).is_dir() for found in inside(p)]


def skipped_note(folder: str, language: str = "en", *, planned: bool = False) -> str:
    """Say that a folder inside a folder was not checked (or not planned), in a language.

    Parameters:
        folder: The folder (from `skipped_folders`).
        language: A code of `LANGUAGES`.
        planned: Say "not planned", for `kapplan plan`.

    Returns:
        One line without a newline, e.g. ``note: examples/caseload is a folder inside a
        folder, not checked; name it to check its files``.
    """
    from kapplan.i18n import catalogue

    key = "report.skipped_plan" if planned else "report.skipped"
    return catalogue(language).text(key, folder=folder)


def render_report(
    reports: Sequence[FileReport],
    *,
    json: bool = False,
    strict: bool = False,
    language: str = "en",
    skipped: Sequence[str] = (),
) -> str:
    """Render what `validate_files` found: one line per problem and a summary, or JSON.

    Parameters:
        reports: The reports.
        json: One JSON document instead of lines.
        strict: Warnings fail a file (the summary and ``ok`` say so).
        language: The language of the summary line.
        skipped: Folders inside the folders checked, not searched (`skipped_folders`):
            the JSON names them (the text leaves them to a note on stderr).

    Returns:
        The text, ending in a newline.
    """
    from kapplan.views.report import render_json, render_text

    if json:
        return render_json(list(reports), strict=strict, skipped=list(skipped))
    return render_text(list(reports), strict=strict, language=language)


__all__ = ["render_report", "skipped_folders", "skipped_note", "validate_files"]
