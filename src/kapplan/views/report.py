"""What `kapplan validate` found: one line per problem for people and editors, or JSON."""

from __future__ import annotations

import json

from kapplan.characters import json_text
from kapplan.i18n import catalogue
from kapplan.model.report import FileReport


def render_text(reports: list[FileReport], *, strict: bool = False, language: str = "en") -> str:
    """Render reports for people and editors: one line per problem, then a summary.

    Errors read ``file:line: field: message`` (as ``kapplan plan`` says them);
    warnings ``file:line: warning: field: message``, whatever the language:
    ``warning:`` is the word editors and CI tools look for in compiler-style
    lines. The summary is ``3 problems in 2 files``, or ``2 files OK``, with
    the warnings counted, in `language`.

    Parameters:
        reports: What `validate_files` found.
        strict: Whether warnings fail a file (the summary says so).
        language: The summary's language.

    Returns:
        The text, each line ending in a newline.
    """
    texts = catalogue(language)
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
    if errors:
        failed = sum(1 for report in reports if report.errors)
        summary = texts.text("report.failed", problems=errors, files=failed)
    elif warnings and strict:
        warned = sum(1 for report in reports if report.warnings)
        summary = texts.text("report.strict", warnings=warnings, files=warned)
    else:
        summary = texts.text("report.ok", files=len(reports))
    if warnings and not (strict and not errors):
        summary = texts.text("report.counted", summary=summary, warnings=warnings)
    return "".join(f"{line}\n" for line in [*lines, summary])


def render_json(
    reports: list[FileReport], *, strict: bool = False, skipped: list[str] | None = None
) -> str:
    """Render reports as one JSON document, for editors and CI.

    ``{"files": [{"path", "kind", "ok", "errors", "warnings"}], "ok"}``; each
    problem is ``{"line", "column", "field", "message"}``, absent parts null.
    ``ok`` is false for a file with errors, or under `strict` with warnings.
    When a folder checked holds folders, which are not searched, ``"skipped"``
    lists them (after ``ok``; absent when there are none).

    Parameters:
        reports: What `validate_files` found.
        strict: Whether warnings fail a file.
        skipped: The folders inside the folders checked.

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
    data: dict[str, object] = {"files": files, "ok": all(r.passes(strict=strict) for r in reports)}
    if skipped:
        data["skipped"] = skipped
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


__all__ = ["render_json", "render_text"]
