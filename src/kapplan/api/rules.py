"""The rules in force, and the files' schemas: ``kapplan rules`` and ``kapplan schema``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from kapplan.edge.files import STDIN

if TYPE_CHECKING:
    from kapplan.model.rulebook import Rulebook


class RulesInForce(Struct, frozen=True):
    """The rulebook a schedule (or a rulebook file) is planned with, beside kapplan's own."""

    rulebook: Rulebook
    """The rules in force."""
    defaults: Rulebook
    """kapplan's default rulebook, to tell changed and new rules."""
    source: str | None
    """The rulebook file laid over the defaults, or None for kapplan's own."""
    inputs: tuple[Path, ...] = field(default=())
    """The files read."""


def rules_in_force(schedule: str | None = None, *, rules: str | None = None) -> RulesInForce:
    """Return the rules in force: kapplan's, a rulebook file's, or a schedule's own.

    Parameters:
        schedule: A schedule file (or ``-``): the rules it is planned with.
        rules: A rulebook file, over the schedule's own `rules`.

    Returns:
        The rulebook, the defaults and where the rules come from.

    Raises:
        KapplanError: Located, on any problem in the files.
    """
    from kapplan.edge.load import default_rulebook, load_rulebook, load_schedule, rulebooks_for

    defaults = default_rulebook()
    inputs = [Path(rules)] if rules is not None else []
    if schedule is None:
        book = load_rulebook(rules, defaults=defaults) if rules else defaults
        return RulesInForce(book, defaults, rules, tuple(inputs))
    planned = load_schedule(schedule)
    book = rulebooks_for([schedule], [planned], rules)[0]
    inputs += [Path(p) for p in (schedule, planned.rules) if p and p != STDIN]
    return RulesInForce(book, defaults, rules or planned.rules, tuple(inputs))


def render_rules(
    in_force: RulesInForce,
    *,
    json: bool = False,
    dump: str | None = None,
    width: int = 100,
    color: bool = False,
    language: str = "en",
) -> str:
    """Render the rules in force: a table, JSON, or the whole rulebook as TOML to edit.

    Parameters:
        in_force: What `rules_in_force` returned.
        json: One JSON document.
        dump: The file name the TOML will have (its header's examples name it): write
            the rulebook as TOML.
        width: Columns for the table.
        color: Colour the table.
        language: The language of the table's labels and notes (JSON and the
            TOML are the rulebook's own, in any language).

    Returns:
        The text, ending in a newline.
    """
    if dump is not None:
        from kapplan.edge.rulebook_file import dump_rulebook

        return dump_rulebook(in_force.rulebook, name=dump)
    from kapplan.views.rules import render_rules_json, render_rules_terminal

    book, defaults, source = in_force.rulebook, in_force.defaults, in_force.source
    if json:
        return render_rules_json(book, defaults, source=source)
    return render_rules_terminal(
        book, defaults, source=source, width=width, color=color, language=language
    )


def schema_text(*, rulebook: bool = False) -> str:
    """Return the JSON Schema of the schedule file, or of a rulebook file.

    Parameters:
        rulebook: The rulebook's schema instead of the schedule's.

    Returns:
        The schema as indented JSON, ending in a newline.
    """
    from kapplan.formats.schema import rulebook_schema, schedule_schema, schema_json

    return schema_json(rulebook_schema() if rulebook else schedule_schema())


__all__ = ["RulesInForce", "render_rules", "rules_in_force", "schema_text"]
