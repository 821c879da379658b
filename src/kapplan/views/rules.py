"""Render the rules in force: a table for people, JSON for scripts.

`kapplan rules` is a reference for the person who writes a protocol, so it
shows the rulebook's own words (ids, anchors, offsets, ``{settings}``) in
English, whatever a plan's language. Rich is imported only for the table.
"""

from __future__ import annotations

import io
import json
from typing import Any

from kapplan.model.rulebook import PLACEMENT_REASONS, Placement, Rule, Rulebook, rule_origins


def window_text(rule: Rule) -> str:
    """Return a rule's window: ``opens … closes``, or its opening alone.

    Parameters:
        rule: The rule.

    Returns:
        E.g. ``+24h … +72h`` or ``end:+0m``.
    """
    return rule.opens if rule.closes is None else f"{rule.opens} … {rule.closes}"


def repeat_text(rule: Rule) -> str:
    """Return how often a rule's events come per anchor.

    Parameters:
        rule: The rule.

    Returns:
        E.g. ``once``, ``3×, every 1d`` or ``every 14d until day+63d``.
    """
    if rule.every:
        text = f"every {rule.every}" + (f" until {rule.until}" if rule.until else "")
        text = text if rule.count == 1 else f"{rule.count}×, {text}"
    else:
        text = "once" if rule.count == 1 else f"{rule.count}×"
    if rule.spread:
        text += ", spread"
    if rule.apart_days:
        text += f", {rule.apart_days}d from other sessions"
    return text


#: The rules of placement that are not rule records, each with its source (DOMAIN.md).
PLACEMENT_RULES = (
    (
        "courses",
        "a dose more than [plan] course_gap_days (14) calendar days after the previous "
        "dose's start starts a new course; a split a week or less over it is warned",
        "000, 001",
    ),
    (
        "cadence",
        "every-infusion: a session after every dose; weekly: one a calendar week, the last "
        "after the course's last dose; doses too close share the next dose's session",
        "001",
    ),
    (
        "order",
        "no session after the next dose (the next dose's session covers both); preparation "
        "after the previous course's last dose",
        "001",
    ),
)


def placement_lines(rulebook: Rulebook) -> list[tuple[str, str, str]]:
    """Return the placement settings and rules: (name, what it is, its reason or source).

    Parameters:
        rulebook: The rules in force.

    Returns:
        One triple per ``[placement]`` setting (with its value), then per `PLACEMENT_RULES`.
    """
    settings = rulebook.placement.model_dump()
    lines = [
        (name, f"{name} = {value!r}".replace("'", '"'), PLACEMENT_REASONS[name])
        for name, value in settings.items()
    ]
    return lines + [(name, text, f"source {source}") for name, text, source in PLACEMENT_RULES]


def duration_text(rule: Rule) -> str:
    """Return a rule's length: minutes, a ``{setting}``, or ``all day`` for an advisory.

    Parameters:
        rule: The rule.

    Returns:
        E.g. ``15 min``, ``{session_minutes}`` or ``all day``.
    """
    if rule.placement is Placement.ADVISORY:
        return "all day"
    return f"{rule.minutes} min" if isinstance(rule.minutes, int) else rule.minutes


def _heading(rulebook: Rulebook, source: str | None) -> str:
    where = f"{source}, over kapplan's defaults" if source else "kapplan's default rulebook"
    return f"Rules in force: {where} (rulebook version {rulebook.version})"


def render_rules_terminal(
    rulebook: Rulebook,
    defaults: Rulebook,
    *,
    source: str | None = None,
    width: int = 100,
    color: bool = False,
) -> str:
    """Render the enabled rules as a table, then the rules switched off.

    Parameters:
        rulebook: The rules in force.
        defaults: kapplan's default rulebook, to tell changed and new rules.
        source: The rulebook file, or None for kapplan's own.
        width: Columns to lay out for.
        color: Emit ANSI colour codes; plain text otherwise.

    Returns:
        The text, ending in a newline.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from kapplan.views.console import plain_lines, text_console

    origins = rule_origins(rulebook, defaults)
    table = Table(
        box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, collapse_padding=True, expand=False
    )
    table.add_column("rule\nkind", overflow="fold", min_width=21)
    table.add_column("phase\nanchor", overflow="fold", min_width=17)
    table.add_column("window\nrepeat", overflow="fold", min_width=26)
    table.add_column("duration", overflow="fold", min_width=17)
    table.add_column("source", overflow="fold", min_width=9)
    for rule in rulebook.active:
        mark = {"default": "", "changed": " *", "new": " +"}[origins[rule.id]]
        table.add_row(
            f"{rule.id}{mark}\n{rule.kind.value}",
            f"{rule.phase.value}\n{rule.anchor.value}",
            f"{window_text(rule)}\n{repeat_text(rule)}",
            duration_text(rule),
            ", ".join(rule.source),
        )
    buffer = io.StringIO()
    console = text_console(buffer, width, color)
    console.print(_heading(rulebook, source), soft_wrap=True)  # a long path stays whole
    console.print(table)
    console.print("Placement: the [placement] settings, then the engine's own rules", markup=False)
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False, show_lines=True)
    grid.add_column("setting / rule", overflow="fold", max_width=44)
    grid.add_column("reason / source", overflow="fold")
    for name, text, reason in placement_lines(rulebook):
        grid.add_row(Text(text if text.startswith(name) else f"{name}: {text}"), Text(reason))
    console.print(grid)
    off = [rule.id for rule in rulebook.rule if not rule.enabled]
    notes = []
    if any(origins[r.id] != "default" for r in rulebook.active):
        notes.append("* changed from kapplan's default; + a rule of your own.")
    if off:
        notes.append("Switched off: " + ", ".join(off) + ".")
    notes.append(
        "Windows are offsets from the anchor (+24h, end:+48h, day+1d); "
        "`kapplan rules --dump` writes them all as an editable file."
    )
    for note in notes:
        console.print(note)
    return plain_lines(buffer.getvalue())


def render_rules_json(rulebook: Rulebook, defaults: Rulebook, *, source: str | None = None) -> str:
    """Render a rulebook as one JSON document: every rule, switched off or not.

    Parameters:
        rulebook: The rules in force.
        defaults: kapplan's default rulebook, to tell changed and new rules.
        source: The rulebook file, or None for kapplan's own.

    Returns:
        The JSON text, ending in a newline: ``version``, ``rulebook`` (the file,
        or null), ``methods``, ``placement`` (each setting and engine rule with its
        reason or source), and ``rules``, each with every field of a rule in
        rulebook order, ``origin`` (default, changed or new) after its id.
    """
    origins = rule_origins(rulebook, defaults)
    rules: list[dict[str, Any]] = []
    for rule in rulebook.rule:
        fields = rule.model_dump(mode="json")
        rules.append({"id": fields.pop("id"), "origin": origins[rule.id], **fields})
    document = {
        "version": rulebook.version,
        "rulebook": source,
        "methods": {m.value: text.model_dump() for m, text in rulebook.methods.items()},
        "placement": [
            {"name": name, "text": text, "reason": reason}
            for name, text, reason in placement_lines(rulebook)
        ],
        "rules": rules,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
