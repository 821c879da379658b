"""Your own protocol: a rulebook file laid over kapplan's defaults, dumped, migrated.

A rulebook file (``kapplan rules --dump`` writes a complete one) is TOML:

``version``
    The rulebook format it was written for (required). An older supported
    version is migrated step by step (`MIGRATIONS`); a newer one is refused
    with the reason.
``extends``
    ``"default"`` (implied): the file is laid over kapplan's default rulebook,
    rule by rule. ``"none"``: the file is the whole rulebook, so every method
    and rule must be complete.
``[methods.<method>]``
    ``label`` and ``note`` of a dose method; a key left out keeps the default.
``[placement]``
    How sessions are spread around doses and days (``sessions_per_day``,
    ``dose_buffer_minutes``, ``client_hours``); a key left out keeps the default.
``[sources.<id>]``
    A document rules come from: ``title`` (required), ``author``, ``year``, ``url``
    (an http(s) address or a DOI) and ``note``. A rule's ``source`` lists the ids it
    cites; every one must be a source of the rulebook (kapplan's own, or the file's).
    A table with a default id changes only the keys it gives.
``[[rule]]``
    Matched to a default rule by ``id``; it gives only the keys it changes
    (a list such as ``prompts`` or ``source`` replaces the whole list), and
    ``enabled = false`` switches the rule off. A new ``id`` is a new rule and
    needs every required key; new rules are placed after the default ones, in
    file order. Each id may appear once in a file.

Everything here is pure: data in, data out. Errors are `RulebookError` with a
field path; the loader adds the file name and line.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Callable, Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any, Final

import tomli_w

from kapplan.errors import RulebookError
from kapplan.model.rulebook import (
    EXTENDS,
    FILE_KEYS,
    RULEBOOK_VERSION,
    Rule,
    Rulebook,
    check_version,
)

Migration = Callable[[dict[str, Any]], dict[str, Any]]

#: Steps from one rulebook version to the next: ``MIGRATIONS[n]`` turns the
#: data of a version-n file into version n+1 (without setting ``version``).
#: Version 1 is the first format, so there is no step yet; a change to the
#: format bumps `RULEBOOK_VERSION` and adds the step from the previous one.
MIGRATIONS: Final[Mapping[int, Migration]] = MappingProxyType({})


def migrate(
    data: Mapping[str, Any],
    *,
    current: int = RULEBOOK_VERSION,
    steps: Mapping[int, Migration] = MIGRATIONS,
) -> dict[str, Any]:
    """Bring a rulebook file's data up to the current format version.

    Parameters:
        data: The parsed file, with its ``version``.
        current: The version to reach (this kapplan's `RULEBOOK_VERSION`).
        steps: The migrations, by the version each starts from.

    Returns:
        The data in the current format, ``version`` set to `current`.

    Raises:
        RulebookError: At ``version``, when it is missing, not a whole number,
            newer than `current`, or has no way forward.
    """
    if "version" not in data:
        raise RulebookError(
            f"missing; expected version = {current} (the rulebook format it is written for)",
            field="version",
        )
    try:
        version = check_version(data["version"], current)
    except ValueError as error:
        raise RulebookError(str(error), field="version") from None
    result = dict(data)
    while version < current:
        step = steps.get(version)
        if step is None:
            raise RulebookError(
                f"rulebook version {version} cannot be read by this kapplan; expected "
                f"version {current}",
                field="version",
            )
        result = step(result)
        version += 1
        result["version"] = version
    return result


def overlay(
    defaults: Rulebook | None, data: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[int | None, ...]]:
    """Lay a rulebook file's data over a base rulebook, rule by rule.

    Parameters:
        defaults: The rulebook the file extends unless it says ``extends =
            "none"``; None when the file must be complete.
        data: The file's data, already migrated.

    Returns:
        The whole rulebook's data, ready to validate, and for each of its rules
        the 0-based index of the file's ``[[rule]]`` that gave or changed it
        (None for a rule taken unchanged from `defaults`), so that errors can
        name the user's rule.

    Raises:
        RulebookError: With a field path, for an unknown top-level key, an
            unknown ``extends``, or an id given twice.
    """
    for key in data:
        if key not in FILE_KEYS:
            raise RulebookError(
                f"unknown key {key!r}; expected one of {', '.join(FILE_KEYS)}", field=key
            )
    extends = data.get("extends", "default" if defaults is not None else "none")
    if extends not in EXTENDS or (extends == "default" and defaults is None):
        allowed = EXTENDS if defaults is not None else ("none",)
        expected = " or ".join(f'"{name}"' for name in allowed)
        raise RulebookError(f"got {extends!r}; expected {expected}", field="extends")
    base = defaults.model_dump(mode="json") if extends == "default" and defaults else {}
    merged: dict[str, Any] = {"version": data["version"]}

    methods: Any = data.get("methods", {})
    if isinstance(methods, dict):
        known = base.get("methods", {})
        merged["methods"] = dict(known)
        for method, text in methods.items():
            given = known.get(method)
            merged["methods"][method] = (
                {**given, **text} if given and isinstance(text, dict) else text
            )
    else:
        merged["methods"] = methods

    sources: Any = data.get("sources", {})
    if isinstance(sources, dict):
        known_sources = base.get("sources", {})
        merged["sources"] = dict(known_sources)
        for cited, text in sources.items():
            given = known_sources.get(cited)
            merged["sources"][cited] = (
                {**given, **text} if given and isinstance(text, dict) else text
            )
    else:
        merged["sources"] = sources

    placement: Any = data.get("placement", {})
    known_placement = base.get("placement", {})
    merged["placement"] = (
        {**known_placement, **placement} if isinstance(placement, dict) else placement
    )

    entries: Any = data.get("rule", [])
    if not isinstance(entries, list):
        merged["rule"] = entries
        return merged, ()
    rules: list[Any] = list(base.get("rule", []))
    origins: list[int | None] = [None] * len(rules)
    position = {rule["id"]: n for n, rule in enumerate(rules)}
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        rule_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(rule_id, str):
            if rule_id in seen:
                raise RulebookError(
                    f"rule id {rule_id!r} is also rule[{seen[rule_id] + 1}]'s; expected each "
                    "id once in a file",
                    field=f"rule[{index + 1}].id",
                )
            seen[rule_id] = index
        if isinstance(rule_id, str) and rule_id in position:
            at = position[rule_id]
            rules[at] = {**rules[at], **entry}
            origins[at] = index
        else:
            if isinstance(rule_id, str) and position:
                _check_new_rule(rule_id, entry, list(position), index)
            rules.append(entry)
            origins.append(index)
    merged["rule"] = rules
    return merged, tuple(origins)


def _check_new_rule(rule_id: str, entry: dict[str, Any], known: list[str], index: int) -> None:
    """Refuse a new rule that lacks required keys, naming the default ids it may mean."""
    missing = [n for n, f in Rule.model_fields.items() if f.is_required() and n not in entry]
    if not missing:
        return
    close = difflib.get_close_matches(rule_id, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise RulebookError(
        f"no default rule has id {rule_id!r}{hint}; a new rule needs {', '.join(missing)}",
        field=f"rule[{index + 1}].id",
    )


_HEADER = """\
# A kapplan rulebook: your own protocol. Plan with it:
#   kapplan plan schedule.toml --rules {name}
# or name it in the schedule:  rules = "{name}"  (relative to the schedule file).
#
# extends = "default" lays this file over kapplan's default rules, rule by rule:
# a [[rule]] needs only `id` and the keys it changes, a rule left out of the file
# keeps kapplan's default, and `enabled = false` switches a rule off. A new id is
# a new rule and needs every required key. extends = "none" makes this file the
# whole rulebook. `kapplan rules --rules {name}` shows the rules in force, and
# `kapplan schema --rulebook` writes a JSON Schema editors can check this file with.
#
# Windows and steps are offsets from the rule's anchor: +24h, -7d, end:+48h (from
# the anchor's end), day+1d (the start of the next calendar day), day+3mo+7d.
# Units: m (minutes), h, d, w, mo (calendar months). {{name}} inserts a schedule
# [plan] setting:
#   {settings}.
#
# Keys of a [[rule]] (default in brackets):
{keys}
#
# Texts (title, description, why, prompts) are the English originals; kapplan
# shows its translation in other languages while a text is unchanged, and your
# own words, in every language, once you change it.
"""


def _key_lines() -> str:
    lines = []
    for name, info in Rule.model_fields.items():
        default = "required" if info.is_required() else f"{_toml_value(info.get_default())}"
        line = f"#   {name} [{default}]: {info.description}"
        closed = info.annotation
        if (
            isinstance(closed, type)
            and issubclass(closed, Enum)
            and " | " not in (info.description or "")
        ):
            line += " One of: " + ", ".join(str(member.value) for member in closed) + "."
        lines.append(textwrap.fill(line, 88, subsequent_indent="#       ", break_on_hyphens=False))
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[]" if not value else repr(list(value))
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def dump_rulebook(rulebook: Rulebook, *, name: str = "my-protocol.toml") -> str:
    """Write a whole rulebook as a TOML file a person can edit.

    Every method and every rule (switched off or not) is written, each rule
    with only the keys that differ from their defaults, plus ``enabled``; the
    header explains the format and lists every key.

    Parameters:
        rulebook: The rules to write.
        name: The file name to use in the header's examples.

    Returns:
        The TOML text; loading it over kapplan's defaults, or on its own, gives
        back `rulebook`.
    """
    from kapplan.model.rulebook import SETTINGS

    parts = [
        _HEADER.format(name=name, settings=", ".join(sorted(SETTINGS)), keys=_key_lines()).rstrip(
            "\n"
        ),
        tomli_w.dumps({"version": rulebook.version, "extends": "default"}).rstrip("\n"),
        "# How each dose method is named in titles, and what its dose block says.",
    ]
    for method, text in rulebook.methods.items():
        parts.append(tomli_w.dumps({"methods": {method.value: text.model_dump()}}).rstrip("\n"))
    parts.append(
        "# How sessions are spread around doses and days (`kapplan rules` gives the reasons).\n"
        + tomli_w.dumps({"placement": rulebook.placement.model_dump()}).rstrip("\n")
    )
    parts.append(
        "# The documents the rules come from: a rule's `source` cites them by id. Add your\n"
        "# own as [sources.<id>] with title, and author, year, url (https://… or a DOI), note."
    )
    for cited, source in rulebook.sources.items():
        fields = source.model_dump(exclude_defaults=True)
        parts.append(tomli_w.dumps({"sources": {cited: fields}}).rstrip("\n"))
    for rule in rulebook.rule:
        fields = rule.model_dump(mode="json", exclude_defaults=True)
        ordered = {"id": fields.pop("id"), "enabled": rule.enabled, **fields}
        comment = (
            f"# {rule.id}: {rule.phase.value} {rule.placement.value}, anchored on "
            f"{rule.anchor.value}; source {', '.join(rule.source)}"
        )
        parts.append(comment + "\n" + tomli_w.dumps({"rule": [ordered]}).rstrip("\n"))
    return "\n\n".join(parts) + "\n"


__all__ = [
    "EXTENDS",
    "FILE_KEYS",
    "MIGRATIONS",
    "Migration",
    "dump_rulebook",
    "migrate",
    "overlay",
]
