"""The settings in force, for `kapplan config`: a table for people, JSON for scripts."""

from __future__ import annotations

import json

from kapplan.characters import json_text, visible
from kapplan.model.settings import Configuration, Settings


def display(value: object) -> str:
    """Write a setting's value for people: lists joined by commas, booleans in lower case.

    Parameters:
        value: A setting's value.

    Returns:
        The text; ``none`` for an empty list or no value.
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ", ".join(value) if value else "none"
    return str(value)


def render_settings(settings: Settings, configuration: Configuration, schedule: str | None) -> str:
    """Render the settings as a plain table for people, with the config file's place.

    Parameters:
        settings: The decided settings.
        configuration: The user's config file.
        schedule: The schedule's name, if one was given.

    Returns:
        The text, ending with a newline.
    """
    state = "" if configuration.exists else " (not found; using defaults)"
    lines = [f"config file: {configuration.path}{state}"]
    if schedule is not None:
        lines.append(f"schedule:    {schedule}")
    rows = [("setting", "value", "source")]
    rows += [(name, display(sourced.value), sourced.source) for name, sourced in settings.rows()]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines.append("")
    for name, value, source in rows:
        lines.append(f"{name:<{widths[0]}}  {value:<{widths[1]}}  {source}")
    lines += ["", "reminders, discreet and sessions_only apply to calendar (.ics) output only."]
    # The config file's path and values are the user's: no raw control gets out.
    return "".join(visible(line) + "\n" for line in lines)


def settings_json(settings: Settings, configuration: Configuration, schedule: str | None) -> str:
    """Render the settings as one JSON document for scripts.

    Parameters:
        settings: The decided settings.
        configuration: The user's config file.
        schedule: The schedule's name, if one was given.

    Returns:
        ``{"config": {"path", "exists"}, "schedule", "settings": [{"setting",
        "value", "source"}]}``, ending with a newline; lists stay lists.
    """
    document = {
        "config": {"path": str(configuration.path), "exists": configuration.exists},
        "schedule": schedule,
        "settings": [
            {
                "setting": name,
                "value": list(s.value) if isinstance(s.value, tuple) else s.value,
                "source": s.source,
            }
            for name, s in settings.rows()
        ],
    }
    return json_text(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


__all__ = ["display", "render_settings", "settings_json"]
