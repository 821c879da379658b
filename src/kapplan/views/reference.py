"""Reference tables built from the code's own data, for the README.

The README's rule and schedule tables are generated here, and a test fails
when they drift, so the documentation cannot disagree with the rulebook or
the schedule models.
"""

from __future__ import annotations

from pydantic import BaseModel

from kapplan.model.rulebook import Rule, Rulebook
from kapplan.model.schedule import Availability, InfusionEntry, PlanSettings, Schedule, SeriesEntry


def window_text(rule: Rule) -> str:
    """Describe a rule's window and repetition in the offset language.

    Parameters:
        rule: The rule.

    Returns:
        E.g. ``+24h … +72h`` or ``day+1d … day+2d, 3×, every 1d``.
    """
    text = rule.opens if rule.closes is None else f"{rule.opens} … {rule.closes}"
    if rule.count != 1:
        text += f", {rule.count}×"
    if rule.every:
        text += f", every {rule.every}"
    if rule.until:
        text += f" until {rule.until}"
    if rule.spread:
        text += ", spread"
    if rule.apart_days:
        text += f", {rule.apart_days}d from other sessions"
    return text


def rules_markdown(rulebook: Rulebook) -> str:
    """Return the Markdown table of a rulebook's rules.

    Parameters:
        rulebook: The rules.

    Returns:
        A Markdown table, one row per rule.
    """
    rows = [
        "| rule | kind | phase | anchor | placement | window | minutes | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rule in rulebook.rule:
        minutes = "" if rule.minutes == 0 else str(rule.minutes)
        rows.append(
            f"| {rule.id} | {rule.kind.value} | {rule.phase.value} | {rule.anchor.value} | "
            f"{rule.placement.value} | `{window_text(rule)}` | {minutes} | "
            f"{', '.join(rule.source)} |"
        )
    return "\n".join(rows)


def _fields(prefix: str, model: type[BaseModel]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        if name in ("infusion", "series", "plan", "availability"):
            continue
        default = "required" if info.is_required() else _default(info.get_default(), name)
        rows.append(f"| `{prefix}{name}` | {default} | {info.description or ''} |")
    return rows


def _default(value: object, name: str) -> str:
    if value is None:
        return "by method" if name == "minutes" else "none"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def schedule_markdown() -> str:
    """Return the Markdown table of every key of the schedule file.

    Returns:
        A Markdown table, one row per key.
    """
    rows = ["| key | default | meaning |", "|---|---|---|"]
    rows += _fields("", Schedule)
    rows += _fields("infusion.", InfusionEntry)
    rows += _fields("series.", SeriesEntry)
    rows += _fields("plan.", PlanSettings)
    rows += _fields("availability.", Availability)
    return "\n".join(rows)
