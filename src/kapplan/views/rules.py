"""Render the rules in force: a table for people, JSON for scripts.

`kapplan rules` is a reference for the person who writes a protocol, so it
shows the rulebook's own words (ids, kinds, phases, anchors, offsets,
``{settings}``, sources) as a rulebook file writes them, whatever the
language; the table's labels, lengths, repeats and notes are in the reader's
language. Rich is imported only for the table.

The table never drops a column and never breaks a word that fits: each column
is at least as wide as its longest word, and text wraps between words (a list
of sources between its entries). When its five columns do not fit the width,
the table stacks them, in this order: first into three columns (the duration
goes under the window and repeat, the sources under the rule and its kind),
then into two (the phase and anchor go under the rule and kind too, above the
sources). Only a word wider than the whole of its column is still folded.
"""

from __future__ import annotations

import io
import json
from typing import Any

from kapplan.characters import json_text
from kapplan.i18n import Catalogue, catalogue
from kapplan.model.rulebook import Placement, Rule, Rulebook, Source, rule_origins


def window_text(rule: Rule) -> str:
    """Return a rule's window: ``opens … closes``, or its opening alone.

    Parameters:
        rule: The rule.

    Returns:
        E.g. ``+24h … +72h`` or ``end:+0m``.
    """
    return rule.opens if rule.closes is None else f"{rule.opens} … {rule.closes}"


def repeat_text(rule: Rule, texts: Catalogue | None = None) -> str:
    """Return how often a rule's events come per anchor.

    Parameters:
        rule: The rule.
        texts: The reader's catalogue (default: English).

    Returns:
        E.g. ``once``, ``3×, every 1d`` or ``every 14d until day+63d``.
    """
    texts = texts or catalogue("en")
    if rule.every:
        text = (
            texts.text("rules.every_until", every=rule.every, until=rule.until)
            if rule.until
            else texts.text("rules.every", every=rule.every)
        )
        if rule.count != 1:
            text = texts.text("rules.times_every", count=rule.count, every=text)
    elif rule.count == 1:
        text = texts.text("rules.once")
    else:
        text = texts.text("rules.times", count=rule.count)
    if rule.spread:
        text += texts.text("rules.spread")
    if rule.apart_days:
        text += texts.text("rules.apart", days=rule.apart_days)
    return text


#: The rules of placement that are not rule records, by catalogue key, with their sources.
ENGINE_RULES = (("courses", "000, 001"), ("cadence", "001"), ("order", "001"))


def placement_lines(rulebook: Rulebook, texts: Catalogue) -> list[tuple[str, str]]:
    """Return the placement settings and the engine's own rules, each with its reason or
    source.

    Parameters:
        rulebook: The rules in force.
        texts: The reader's catalogue.

    Returns:
        One pair per ``[placement]`` setting (``name = value``, reason), then per
        `ENGINE_RULES` (the rule, its source).
    """
    lines = [
        (
            f"{name} = {value!r}".replace("'", '"'),
            texts.text(f"placement.reason_{name}"),
        )
        for name, value in rulebook.placement.model_dump().items()
    ]
    # The settings and values the rules name are written as a schedule file writes them.
    codes = {"gap": "course_gap_days", "days": 14, "every": "every-infusion", "weekly": "weekly"}
    return lines + [
        (
            texts.text(f"placement.rule_{name}", **codes),
            texts.text("placement.source", source=source),
        )
        for name, source in ENGINE_RULES
    ]


def cited_sources(rulebook: Rulebook) -> list[tuple[str, Source]]:
    """Return the sources the enabled rules and the engine's own rules cite.

    Parameters:
        rulebook: The rules in force.

    Returns:
        Each cited source once, as ``(id, source)``, in the rulebook's order of
        sources (an engine rule's source the rulebook does not have is left out).
    """
    cited = {c for rule in rulebook.active for c in rule.source}
    cited |= {c.strip() for _, ids in ENGINE_RULES for c in ids.split(",")}
    return [(key, source) for key, source in rulebook.sources.items() if key in cited]


def source_line(key: str, source: Source, texts: Catalogue) -> str:
    """Return a source as one line: its name, then its address when it has one.

    Parameters:
        key: The source's id.
        source: The source.
        texts: The reader's catalogue (kapplan's own titles are translated).

    Returns:
        E.g. ``Dr. Ben Soffer, How to Make … Guide`` or ``… · https://…``.
    """
    name = source.named(
        texts.source_text(key, "title", source.title),
        texts.source_text(key, "author", source.author),
    )
    return f"{name} · {source.url}" if source.url else name


def duration_text(rule: Rule, texts: Catalogue | None = None) -> str:
    """Return a rule's length: minutes, a ``{setting}``, or ``all day`` for an advisory.

    Parameters:
        rule: The rule.
        texts: The reader's catalogue (default: English).

    Returns:
        E.g. ``15 min``, ``{session_minutes}`` or ``all day``.
    """
    texts = texts or catalogue("en")
    if rule.placement is Placement.ADVISORY:
        return texts.text("terminal.all_day")
    if isinstance(rule.minutes, int):
        return texts.text("terminal.minutes", n=rule.minutes)
    return rule.minutes


def _heading(rulebook: Rulebook, source: str | None, texts: Catalogue) -> str:
    if source:
        return texts.text("rules.heading_file", source=source, version=rulebook.version)
    return texts.text("rules.heading", version=rulebook.version)


def render_rules_terminal(
    rulebook: Rulebook,
    defaults: Rulebook,
    *,
    source: str | None = None,
    width: int = 100,
    color: bool = False,
    language: str = "en",
) -> str:
    """Render the enabled rules as a table, then the rules switched off.

    Parameters:
        rulebook: The rules in force.
        defaults: kapplan's default rulebook, to tell changed and new rules.
        source: The rulebook file, or None for kapplan's own.
        width: Columns to lay out for.
        color: Emit ANSI colour codes; plain text otherwise.
        language: The language of the table's labels and notes.

    Returns:
        The text, ending in a newline.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from kapplan.views.console import plain_lines, text_console

    texts = catalogue(language)
    origins = rule_origins(rulebook, defaults)
    rows = []
    for rule in rulebook.active:
        mark = {"default": "", "changed": " *", "new": " +"}[origins[rule.id]]
        rows.append(
            {
                "rule": f"{rule.id}{mark}",
                "kind": rule.kind.value,
                "phase": rule.phase.value,
                "anchor": rule.anchor.value,
                "window": window_text(rule),
                "repeat": repeat_text(rule, texts),
                "duration": duration_text(rule, texts),
                "source": ", ".join(rule.source),
            }
        )
    table = _rules_table(rows, texts, width)
    buffer = io.StringIO()
    console = text_console(buffer, width, color)
    # A heading with a file's path is one line, the path whole; kapplan's own wraps.
    console.print(_heading(rulebook, source, texts), soft_wrap=bool(source))
    console.print(table)
    console.print(texts.text("placement.heading", table="[placement]"), markup=False)
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False, show_lines=True)
    grid.add_column(texts.text("placement.column_what"), overflow="fold", max_width=44)
    grid.add_column(texts.text("placement.column_why"), overflow="fold")
    for what, why in placement_lines(rulebook, texts):
        grid.add_row(Text(what), Text(why))
    console.print(grid)
    console.print(texts.text("rules.sources"), markup=False)
    listed = Table(box=None, pad_edge=False, expand=False, show_header=False)
    listed.add_column(no_wrap=True)
    listed.add_column(overflow="fold")
    for key, cited in cited_sources(rulebook):
        listed.add_row(Text(key), Text(source_line(key, cited, texts)))
    console.print(listed)
    console.print()
    off = [rule.id for rule in rulebook.rule if not rule.enabled]
    notes = []
    if any(origins[r.id] != "default" for r in rulebook.active):
        notes.append(texts.text("rules.note_marks"))
    if off:
        notes.append(texts.text("rules.note_off", ids=", ".join(off)))
    notes.append(texts.text("rules.note_windows"))
    for note in notes:
        console.print(note)
    return plain_lines(buffer.getvalue())


#: The table's columns, each a stack of fields: five side by side when they fit the
#: width, else three, else two (see the module docstring).
LAYOUTS = (
    (("rule", "kind"), ("phase", "anchor"), ("window", "repeat"), ("duration",), ("source",)),
    (("rule", "kind", "source"), ("phase", "anchor"), ("window", "repeat", "duration")),
    (("rule", "kind", "phase", "anchor", "source"), ("window", "repeat", "duration")),
)
#: Columns the table takes besides its cells: a space each side of it, two between columns.
_EDGE, _GAP = 2, 2


def _rules_table(rows: list[dict[str, str]], texts: Catalogue, width: int) -> Any:
    """Return the rules' table laid out for `width`: the first of `LAYOUTS` that fits."""
    from rich import box
    from rich.table import Table

    for stacks in LAYOUTS:
        cells = [["\n".join(row[field] for field in stack) for stack in stacks] for row in rows]
        labels = ["\n".join(texts.text(f"rules.column_{f}") for f in stack) for stack in stacks]
        widths = column_widths(
            [[label, *(row[n] for row in cells)] for n, label in enumerate(labels)],
            width - _EDGE - _GAP * (len(stacks) - 1),
            last=frozenset(n for n, stack in enumerate(stacks) if stack == ("source",)),
        )
        if widths is not None:
            break
    table = Table(
        box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, collapse_padding=True, expand=False
    )
    for n, label in enumerate(labels):
        table.add_column(label, overflow="fold", width=widths[n] if widths else None)
    for row_cells in cells:
        table.add_row(*row_cells)
    return table


def column_widths(
    columns: list[list[str]], room: int, *, last: frozenset[int] = frozenset()
) -> list[int] | None:
    """Share `room` among columns of text, none narrower than its longest word.

    Each column starts at its longest word; then, the column closest to its
    longest line first (those in `last` after the others), each gets what it
    lacks of it while there is room.

    Parameters:
        columns: Each column's texts (its heading among them).
        room: The columns to share.
        last: The columns that wrap best (a list of sources): they get room last.

    Returns:
        A width per column, at most `room` in all, or None when the longest
        words alone do not fit.
    """
    from rich.cells import cell_len

    words = [
        max((cell_len(w) for text in texts for w in text.split()), default=1) for texts in columns
    ]
    lines = [
        max((cell_len(line) for text in texts for line in text.splitlines()), default=1)
        for texts in columns
    ]
    if sum(words) > room:
        return None
    widths = list(words)
    spare = room - sum(widths)
    shortfalls = [line - word for line, word in zip(lines, words, strict=True)]
    for n in sorted(range(len(columns)), key=lambda n: (n in last, shortfalls[n], n)):
        short = shortfalls[n]
        given = min(short, spare)
        widths[n] += given
        spare -= given
    return widths


def render_rules_json(rulebook: Rulebook, defaults: Rulebook, *, source: str | None = None) -> str:
    """Render a rulebook as one JSON document: every rule, switched off or not.

    Parameters:
        rulebook: The rules in force.
        defaults: kapplan's default rulebook, to tell changed and new rules.
        source: The rulebook file, or None for kapplan's own.

    Returns:
        The JSON text, ending in a newline: ``version``, ``rulebook`` (the file,
        or null), ``methods``, ``placement`` (the ``[placement]`` settings),
        ``sources`` (each document by id: its fields and ``name``, as a reader is
        shown it) and ``rules``, each with every field of a rule in rulebook
        order, ``origin`` (default, changed or new) after its id and
        ``source_names`` (the names of its sources) last.
    """
    origins = rule_origins(rulebook, defaults)
    rules: list[dict[str, Any]] = []
    for rule in rulebook.rule:
        fields = rule.model_dump(mode="json")
        rules.append(
            {
                "id": fields.pop("id"),
                "origin": origins[rule.id],
                **fields,
                "source_names": [cited.name for cited in rulebook.cited(rule)],
            }
        )
    document = {
        "version": rulebook.version,
        "rulebook": source,
        "methods": {m.value: text.model_dump() for m, text in rulebook.methods.items()},
        "placement": rulebook.placement.model_dump(),
        "sources": {
            key: {**cited.model_dump(), "name": cited.name}
            for key, cited in rulebook.sources.items()
        },
        "rules": rules,
    }
    return json_text(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
