"""The settings in force and the user's config file: ``kapplan config``, as a library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kapplan.api.environment import NOWHERE, Environment, configuration_of, flags_or_none

if TYPE_CHECKING:
    from kapplan.model.settings import Flags, Settings


def settings_in_force(
    schedule: str | None = None, *, flags: Flags | None = None, env: Environment = NOWHERE
) -> tuple[Settings, str | None]:
    """Decide every configurable setting and say where each comes from.

    Parameters:
        schedule: A schedule file (or ``-``), whose own settings count too.
        flags: Settings the caller gives.
        env: The config file and this machine's zone.

    Returns:
        The settings, and the schedule's name when one was given.

    Raises:
        KapplanError: Located, on a problem in the schedule.
    """
    from kapplan.edge.config import load_layer
    from kapplan.model.settings import resolve

    configuration = configuration_of(env)
    layer = None
    if schedule is not None:
        layer = load_layer(schedule, configuration, machine_zone=env.machine_zone)
    settings = resolve(
        configuration, flags_or_none(flags), machine_zone=env.machine_zone, layer=layer
    )
    return settings, layer.source if layer else None


def render_settings(
    settings: Settings, schedule: str | None, *, env: Environment = NOWHERE, json: bool = False
) -> str:
    """Render the settings in force and their sources: a table, or JSON.

    Parameters:
        settings: What `settings_in_force` returned.
        schedule: The schedule's name, when one was given.
        env: The config file the settings were decided with.
        json: One JSON document.

    Returns:
        The text, ending in a newline.
    """
    from kapplan.views.settings import render_settings as table
    from kapplan.views.settings import settings_json

    return (settings_json if json else table)(settings, configuration_of(env), schedule)


def config_path() -> Path:
    """Return where the user's config file is, whether or not it exists."""
    from kapplan.edge.config import config_path as where

    return where()


def write_config_starter(path: Path) -> None:
    """Write a commented starter config file, creating its folder; never over a file.

    Parameters:
        path: Where (`config_path`).

    Raises:
        ConfigError: When a file is already there, or the folder cannot be made.
        OutputError: When it cannot be written.
    """
    from kapplan.edge.config import write_starter

    write_starter(path)


__all__ = ["config_path", "render_settings", "settings_in_force", "write_config_starter"]
