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


def rules_markdown(rulebook: Rulebook, *, sources_at: str = "docs/RULES.md") -> str:
    """Return the Markdown table of a rulebook's rules.

    Parameters:
        rulebook: The rules.
        sources_at: The document whose ``#source-<id>`` anchors each source id links
            to ('' for the same document).

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
            f"{', '.join(f'[{c}]({sources_at}#source-{c})' for c in rule.source)} |"
        )
    return "\n".join(rows)


def rules_document(rulebook: Rulebook) -> str:
    """Return docs/RULES.md: every rule with its reason and sources, then each source.

    Parameters:
        rulebook: The rules (kapplan's default rulebook).

    Returns:
        The Markdown document, ending in a newline.
    """
    from kapplan.i18n import catalogue
    from kapplan.views.rules import placement_lines

    english = catalogue("en")
    parts = [
        "# The rules and the documents they come from",
        "",
        "<!-- Generated from src/kapplan/data/rulebook.toml: tests/test_docs.py fails when it "
        "drifts, and `pytest --update-golden` writes it again. -->",
        "",
        "kapplan's default rulebook (`src/kapplan/data/rulebook.toml`, `kapplan rules`, "
        "`kapplan rules --dump`) places the events below. Each rule cites the documents it "
        "comes from by id; [Sources](#sources) gives each one as it names itself.",
        "",
        "## Rules",
        "",
        rules_markdown(rulebook, sources_at=""),
        "",
        "Why each rule is there:",
        "",
    ]
    for rule in rulebook.rule:
        cited = ", ".join(f"[{c}](#source-{c})" for c in rule.source)
        parts.append(f"- **{rule.id}**: {rule.why} ({cited})")
    parts += ["", "## Placement", "", "| setting / rule | reason / source |", "|---|---|"]
    parts += [f"| {what} | {why} |" for what, why in placement_lines(rulebook, english)]
    parts += ["", "## Sources", ""]
    for key, source in rulebook.sources.items():
        facts = [f"**{source.title}**"]
        facts += [f for f in (source.author, str(source.year or "")) if f]
        facts.append(source.url or "No date or address given")
        citing = [rule.id for rule in rulebook.rule if key in rule.source]
        line = f'- <a id="source-{key}"></a>`{key}`: ' + ". ".join(facts) + "."
        if source.note:
            line += f" {source.note}"
        line += f" Cited by: {', '.join(citing)}." if citing else " Cited by no rule."
        parts.append(line)
    return "\n".join(parts) + "\n"


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
