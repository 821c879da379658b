"""The user's configuration file: defaults for language, zone, availability and calendars.

Each setting is decided in layers, later ones winning: the built-in default,
the user's config file, the schedule file, then a command-line flag.

- ``language``: a schedule's ``language`` key beats the config; ``--lang`` beats both.
- ``timezone``: the zone of schedules that name none (instead of this
  machine's), and the clock of a caseload planned without ``--therapist``.
- ``[availability]`` (days, hours, days off, holidays): used only by a
  schedule without an ``[availability]`` table of its own; the table is taken
  whole, never merged key by key.
- ``reminders``, ``discreet`` and ``sessions_only``: calendar options. They
  apply to ``.ics`` output only and are silently not used for terminal or JSON
  output (unlike the flags ``--remind``, ``--discreet`` and ``--sessions-only``,
  which are refused there). ``--remind``/``--no-remind`` replace the config's
  reminders; ``--discreet``/``--no-discreet`` beat its ``discreet``, and a
  schedule's (or therapist file's) ``discreet`` and an earlier discreet export
  beat it too (`kapplan.model.settings.resolve`); likewise ``sessions_only``.

- ``caldav_url``: the calendar ``kapplan sync`` writes to without ``--to``.

The file is found by `config_path`. A missing file means defaults; reading
never creates or writes anything. A file that cannot be read or is invalid is
a located `ConfigError`, like a bad schedule.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from kapplan.errors import ConfigError
from kapplan.model.schedule import ScheduleDefaults
from kapplan.model.settings import Configuration, ScheduleLayer, UserConfig
from kapplan.model.zones import known_zone

#: The environment variable naming the config file, overriding the platform's place.
CONFIG_ENV = "KAPPLAN_CONFIG"


def machine_timezone() -> str:
    """Return the IANA name of this machine's zone, or ``UTC`` when it cannot be told."""
    candidates: list[str] = []
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].lstrip(":"))
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    return next((name for name in candidates if known_zone(name) is not None), "UTC")


def config_path(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> Path:
    """Return where the user's config file is, whether or not it exists.

    ``$KAPPLAN_CONFIG`` (a file path) wins when set and not empty. Otherwise
    the platform's config folder: ``%APPDATA%\\kapplan\\config.toml`` on Windows,
    ``~/Library/Application Support/kapplan/config.toml`` on macOS, and
    ``$XDG_CONFIG_HOME/kapplan/config.toml`` elsewhere (``~/.config`` when the
    variable is unset, empty or relative, as the XDG Base Directory spec says).

    Parameters:
        environ: The environment (default: `os.environ`).
        platform: A `sys.platform` value (default: this one).

    Returns:
        The config file's path.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    if platform == "win32":
        appdata = env.get("APPDATA")
        folder = Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
    elif platform == "darwin":
        folder = Path.home() / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_CONFIG_HOME", "")
        folder = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return folder / "kapplan" / "config.toml"


def load_config(path: Path | None = None) -> Configuration:
    """Read the user's config file; a missing one gives defaults. Writes nothing.

    Parameters:
        path: The file (default: `config_path`).

    Returns:
        The configuration.

    Raises:
        ConfigError: Located, when the file cannot be read, is not TOML or holds
            an unknown key or a bad value.
    """
    from kapplan.edge.files import read_text
    from kapplan.edge.located import parse_toml, validate_model

    path = config_path() if path is None else path
    if str(path) == "-":
        raise ConfigError(
            f"${CONFIG_ENV} is '-'; expected the path of a config file (stdin is for schedules)"
        )
    if not path.exists():
        return Configuration(str(path), exists=False, values=UserConfig.empty())
    name, text = read_text(str(path), ConfigError, "a kapplan config file (TOML)")
    data = parse_toml(text, name, ConfigError)
    return Configuration(str(path), True, validate_model(UserConfig, data, text, name, ConfigError))


def load_layer(path: str, configuration: Configuration, *, machine_zone: str) -> ScheduleLayer:
    """Load a schedule (local times in the config's zone, if it names none) as a layer.

    Parameters:
        path: A schedule file, or ``-`` for stdin.
        configuration: The user's config file.
        machine_zone: This machine's zone, for a schedule and config that name none.

    Returns:
        The schedule, its name, and the top-level keys its file sets.

    Raises:
        ScheduleError: Located, on any problem in the schedule.
    """
    from kapplan.edge.files import read_text
    from kapplan.edge.load import schedule_from_text
    from kapplan.edge.located import parse_toml

    name, text = read_text(path)
    keys = frozenset(parse_toml(text, name))
    zone = ScheduleDefaults(timezone=configuration.values.timezone or machine_zone)
    return ScheduleLayer(schedule_from_text(text, name, defaults=zone), name, keys)


#: What `kapplan config --init` writes: every key, commented out, with its default.
STARTER = """\
# kapplan's user configuration: defaults for every plan you make.
# A schedule file's own keys win over these, and command-line flags win over both.
# `kapplan config` shows each setting's value and where it comes from.

# Language of plans: "en" or "ru" (a schedule's `language`, or --lang, wins).
# language = "en"

# Zone of schedules that name none, and your clock for a caseload without
# --therapist (default: this machine's zone).
# timezone = "Europe/Berlin"

# Calendar (.ics) output only: reminder lead times (units m, h, d, w; [] for none),
# neutral titles that do not reveal the treatment, and only sessions and doses (no
# practices or advisories). --remind, --no-remind, --discreet, --no-discreet,
# --sessions-only and --no-sessions-only win; so do a schedule's own `discreet` and
# `sessions_only`, and an earlier calendar written discreet or with sessions only.
# reminders = ["1d", "1h"]
# discreet = false
# sessions_only = false

# The CalDAV calendar `kapplan sync` writes to when no --to is given (the user name
# and password never go here: KAPPLAN_CALDAV_USER and KAPPLAN_CALDAV_PASSWORD, a
# .netrc entry for the host, or the system keyring).
# caldav_url = "https://cloud.example.org/remote.php/dav/calendars/me/kapplan/"

# When sessions may be placed, for schedules without an [availability] table:
# weekdays, hours, dates without sessions, and a country's public holidays (an
# ISO 3166 code, optionally with a subdivision: "DE", "US-NY").
# [availability]
# days = ["mon", "tue", "wed", "thu", "fri"]
# hours = "09:00-18:00"
# days_off = [2026-12-24, "2026-12-28..2027-01-01"]
# holidays = "DE"
"""


def write_starter(path: Path) -> None:
    """Write the commented starter config, creating its folder; never over an existing file.

    Parameters:
        path: Where to write it.

    Raises:
        ConfigError: When a file is already there.
        OutputError: When it cannot be written.
    """
    from kapplan.edge.atomic import write_output

    if path.exists() or path.is_symlink():
        raise ConfigError(
            "already exists; expected no file there (edit it, or move it away first)",
            source=str(path),
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise ConfigError(
            f"cannot create the folder {str(path.parent)!r}: {problem.strerror or problem}; "
            "expected a place you can write to",
            source=str(path),
        ) from None
    write_output(path, STARTER, force=False)
