"""JSON Schemas of kapplan's files, for editors with a TOML language server.

The schemas are pydantic's, written as JSON Schema draft-07 (``definitions``,
the dialect TOML tooling such as Taplo supports most widely), and adjusted
where kapplan's loader accepts more than a model's types say, so that an
editor never flags a file kapplan reads: dose methods in any case and with
their aliases, dates as TOML datetimes or free-form strings, days off as
dates, strings or ranges, and rulebook rules that give only the keys they
change. kapplan itself still checks everything the schema cannot say (an
unknown time zone or holidays country, a window that closes before it opens,
...).
"""

from __future__ import annotations

import json
from typing import Any, Final

from kapplan.i18n import LANGUAGES
from kapplan.model.fields import METHOD_ALIASES
from kapplan.model.plan import Method
from kapplan.model.rulebook import EXTENDS, RULEBOOK_VERSION, SOURCE_ID, Rulebook
from kapplan.model.schedule import Schedule

DRAFT: Final = "http://json-schema.org/draft-07/schema#"


def _draft07(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    """Move pydantic's ``$defs`` to draft-07 ``definitions`` and add the header."""
    text = json.dumps(schema).replace('"#/$defs/', '"#/definitions/')
    body = json.loads(text)
    definitions = body.pop("$defs", {})
    body.pop("title", None)
    body.pop("description", None)
    return {
        "$schema": DRAFT,
        "title": title,
        "description": description,
        **body,
        "definitions": definitions,
    }


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def schedule_schema() -> dict[str, Any]:
    """Return the JSON Schema of a schedule file.

    Returns:
        The schema, a JSON-ready dict.
    """
    schema = _draft07(
        Schedule.model_json_schema(),
        "kapplan schedule",
        "A ketamine treatment schedule for `kapplan plan` (see kapplan's README).",
    )
    definitions = schema["definitions"]
    aliases = sorted(METHOD_ALIASES)
    definitions["Method"] = {
        "description": "How a dose is given: "
        + ", ".join(m.value for m in Method)
        + " (also "
        + ", ".join(a for a in aliases if a not in {m.value for m in Method})
        + "), in any case.",
        "type": "string",
        "anyOf": [
            {"enum": aliases},
            {"pattern": "^\\s*(" + "|".join(_any_case(a) for a in aliases) + ")\\s*$"},
        ],
    }
    for entry, key in (("InfusionEntry", "at"), ("SeriesEntry", "start")):
        field = definitions[entry]["properties"][key]
        # A TOML datetime, local or with an offset, or any text python-dateutil reads.
        field.pop("format", None)
    available = definitions["Availability"]["properties"]
    # A day off is a date, "2026-12-24", "2026-12-24..2027-01-02" or a {from, to} table
    # (ISO strings in the forms Python's date.fromisoformat reads: no pattern here).
    available["days_off"]["items"] = {
        "anyOf": [{"type": "string"}, {"$ref": "#/definitions/DaysOff"}]
    }
    # TOML has no null: the key is a country code or left out.
    available["holidays"] = {
        "type": "string",
        "pattern": "^\\s*[A-Za-z]{2}\\s*(-.*)?$",
        "description": available["holidays"]["description"],
    }
    schema["properties"]["language"]["enum"] = list(LANGUAGES)
    for key in ("discreet", "sessions_only"):
        # TOML has no null: the key is true, false or left out.
        field = schema["properties"][key]
        schema["properties"][key] = {"type": "boolean", "description": field["description"]}
    schema["properties"]["rules"] = {
        "type": "string",
        "minLength": 1,
        "description": schema["properties"]["rules"]["description"],
    }
    return schema


def rulebook_schema() -> dict[str, Any]:
    """Return the JSON Schema of a rulebook file (your own protocol).

    Returns:
        The schema, a JSON-ready dict: every rule needs only its ``id`` (a rule
        laid over kapplan's defaults gives only what it changes).
    """
    schema = _draft07(
        Rulebook.model_json_schema(),
        "kapplan rulebook",
        "Your own protocol for `kapplan plan --rules` (write one with `kapplan rules --dump`).",
    )
    definitions = schema["definitions"]
    definitions["Rule"]["required"] = ["id"]
    definitions["MethodText"].pop("required", None)
    definitions["PlacementSettings"].pop("required", None)
    # A [sources.<id>] table with a default id gives only the keys it changes.
    definitions["Source"].pop("required", None)
    properties = schema["properties"]
    properties["version"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": RULEBOOK_VERSION,
        "description": "The rulebook format the file is written for.",
    }
    properties["extends"] = {
        "enum": list(EXTENDS),
        "default": "default",
        "description": "default: lay this file over kapplan's rules, rule by rule; "
        "none: this file is the whole rulebook.",
    }
    properties["sources"]["propertyNames"] = {"pattern": SOURCE_ID}
    properties["methods"] = {
        "type": "object",
        "description": properties["methods"]["description"],
        "properties": {m.value: {"$ref": "#/definitions/MethodText"} for m in Method},
        "additionalProperties": False,
    }
    schema["properties"] = {
        key: properties[key]
        for key in ("version", "extends", "methods", "placement", "sources", "rule")
    }
    schema["required"] = ["version"]
    return schema


def schema_json(schema: dict[str, Any]) -> str:
    """Return a schema as JSON text, ending in a newline.

    Parameters:
        schema: The schema.

    Returns:
        Indented JSON.
    """
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
