"""What kapplan reads of the world it runs in, passed in by the caller: `Environment`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from kapplan.model.settings import Configuration, Flags


class Environment(Struct, frozen=True):
    """What kapplan reads from the world it runs in, read once by the caller and passed in.

    The defaults read nothing: no config file, UTC as this machine's zone, no clock.
    """

    configuration: Configuration | None = None
    """The user's config file (`load_config`); None for none."""
    machine_zone: str = "UTC"
    """This machine's zone (`machine_timezone`): the zone of a schedule, and of a
    caseload's agenda without a therapist, when neither it nor the config names one."""
    now: datetime | None = None
    """The current time (aware), where a command needs it: ``--stamp now``, and where
    `validate_files` reads a busy calendar checked without any schedule."""
    today: date | None = None
    """Today's date, where a command needs it: the ``--from``/``--to`` words (``today``,
    ``+7d``), ``kapplan agenda`` and the month view's today marker; None for none."""


#: No config file, UTC, no clock.
NOWHERE = Environment()


def load_config() -> Configuration:
    """Read the user's config file, wherever it is (`kapplan.edge.config.config_path`).

    Returns:
        The configuration; defaults when there is no file.

    Raises:
        ConfigError: Located, when the file is unreadable or invalid.
    """
    from kapplan.edge.config import load_config as read

    return read()


def machine_timezone() -> str:
    """Return this machine's IANA zone (``TZ``, ``/etc/timezone``, ``/etc/localtime``), else UTC."""
    from kapplan.edge.config import machine_timezone as read

    return read()


def configuration_of(env: Environment) -> Configuration:
    """Return the environment's config file, or an empty one."""
    from kapplan.model.settings import Configuration, UserConfig

    if env.configuration is not None:
        return env.configuration
    return Configuration("", exists=False, values=UserConfig.empty())


def language_of(env: Environment, lang: str | None = None) -> str:
    """Return the language a command speaks to its reader (`rules`, `validate`).

    Parameters:
        env: The environment, for the config file.
        lang: A ``--lang``, if given.

    Returns:
        `lang`, else the config file's `language`, else English (as `resolve`
        decides a setting without a schedule).
    """
    from kapplan.model.settings import Flags, resolve

    flags = Flags(lang=lang)
    return resolve(configuration_of(env), flags, machine_zone=env.machine_zone).language.value


def flags_or_none(flags: Flags | None) -> Flags:
    """Return the flags given, or none."""
    from kapplan.model.settings import Flags

    return flags if flags is not None else Flags()


__all__ = [
    "NOWHERE",
    "Environment",
    "configuration_of",
    "flags_or_none",
    "language_of",
    "load_config",
    "machine_timezone",
]
