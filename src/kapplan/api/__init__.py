"""kapplan as a library: every command without its flags and its printing.

Each function composes the layers (`kapplan.edge` reads and writes files,
`kapplan.engine` plans, `kapplan.formats` and `kapplan.views` render) and
returns values; the command line (`kapplan.cli`) only turns flags into
arguments and prints what comes back. What the outside world says (the
user's config file, this machine's zone, the clock) comes in as an
`Environment`, read once by the caller: by default none of it is read, so a
library call is deterministic.

Example::

    from kapplan import api

    planned = api.plan_files(["examples/iv-six-infusions.toml"])
    print(planned.plans[0].sessions[0].start)
    calendar = api.render(planned, api.Target(format=api.Format.ICS))

One module per command (`plan`, `diff`, `validate`, `rules`, `config`,
`init`), like the command line's; every public name is importable from here,
each module loaded on first use, and everything heavy is imported inside the
functions, so importing the package (as the command line does at start-up)
costs next to nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kapplan.model.choices import (
    CALENDAR_FORMATS,
    SUFFIX_FORMATS,
    FileKind,
    Format,
    Language,
    Reader,
    View,
)

#: Each name and the module it lives in, imported on first use.
_LAZY = {
    "NOWHERE": "kapplan.api.environment",
    "Environment": "kapplan.api.environment",
    "language_of": "kapplan.api.environment",
    "load_config": "kapplan.api.environment",
    "machine_timezone": "kapplan.api.environment",
    "Export": "kapplan.api.plan",
    "Planned": "kapplan.api.plan",
    "Target": "kapplan.api.plan",
    "calendar_stamp": "kapplan.api.plan",
    "export_files": "kapplan.api.plan",
    "is_caseload": "kapplan.api.plan",
    "plan_files": "kapplan.api.plan",
    "render": "kapplan.api.plan",
    "strict_note": "kapplan.api.plan",
    "changes_text": "kapplan.api.plan",
    "Change": "kapplan.api.changes",
    "reveal_note": "kapplan.api.plan",
    "warning_text": "kapplan.api.plan",
    "write": "kapplan.api.plan",
    "agenda_text": "kapplan.api.plan",
    "narrowed": "kapplan.api.plan",
    "progress_shown": "kapplan.api.plan",
    "wrote_note": "kapplan.api.plan",
    "Compared": "kapplan.api.diff",
    "diff_files": "kapplan.api.diff",
    "diff_caseloads": "kapplan.api.diff",
    "render_caseload_diff": "kapplan.api.diff",
    "render_diff": "kapplan.api.diff",
    "render_report": "kapplan.api.validate",
    "validate_files": "kapplan.api.validate",
    "skipped_folders": "kapplan.api.validate",
    "skipped_note": "kapplan.api.validate",
    "RulesInForce": "kapplan.api.rules",
    "render_rules": "kapplan.api.rules",
    "rules_in_force": "kapplan.api.rules",
    "schema_text": "kapplan.api.rules",
    "config_path": "kapplan.api.config",
    "render_settings": "kapplan.api.config",
    "settings_in_force": "kapplan.api.config",
    "write_config_starter": "kapplan.api.config",
    "next_steps": "kapplan.api.init",
    "preset_question": "kapplan.api.init",
    "starter_questions": "kapplan.api.init",
    "starter_text": "kapplan.api.init",
    "took_zone_note": "kapplan.api.init",
    "Synced": "kapplan.api.sync",
    "sync_files": "kapplan.api.sync",
    "sync_progress": "kapplan.api.sync",
    "sync_summary": "kapplan.api.sync",
    "sync_url": "kapplan.api.sync",
}

__all__ = [
    "CALENDAR_FORMATS",
    "NOWHERE",
    "SUFFIX_FORMATS",
    "Change",
    "Compared",
    "Environment",
    "Export",
    "FileKind",
    "Format",
    "Language",
    "Planned",
    "Reader",
    "RulesInForce",
    "Synced",
    "Target",
    "View",
    "agenda_text",
    "calendar_stamp",
    "changes_text",
    "config_path",
    "diff_caseloads",
    "diff_files",
    "export_files",
    "is_caseload",
    "language_of",
    "load_config",
    "machine_timezone",
    "narrowed",
    "next_steps",
    "plan_files",
    "preset_question",
    "progress_shown",
    "render",
    "render_caseload_diff",
    "render_diff",
    "render_report",
    "render_rules",
    "render_settings",
    "reveal_note",
    "rules_in_force",
    "schema_text",
    "settings_in_force",
    "skipped_folders",
    "skipped_note",
    "starter_questions",
    "starter_text",
    "strict_note",
    "sync_files",
    "sync_progress",
    "sync_summary",
    "sync_url",
    "took_zone_note",
    "validate_files",
    "warning_text",
    "write",
    "write_config_starter",
    "wrote_note",
]

if TYPE_CHECKING:
    from kapplan.api.changes import Change
    from kapplan.api.config import (
        config_path,
        render_settings,
        settings_in_force,
        write_config_starter,
    )
    from kapplan.api.diff import (
        Compared,
        diff_caseloads,
        diff_files,
        render_caseload_diff,
        render_diff,
    )
    from kapplan.api.environment import (
        NOWHERE,
        Environment,
        language_of,
        load_config,
        machine_timezone,
    )
    from kapplan.api.init import (
        next_steps,
        preset_question,
        starter_questions,
        starter_text,
        took_zone_note,
    )
    from kapplan.api.plan import (
        Export,
        Planned,
        Target,
        agenda_text,
        calendar_stamp,
        changes_text,
        export_files,
        is_caseload,
        narrowed,
        plan_files,
        progress_shown,
        render,
        reveal_note,
        strict_note,
        warning_text,
        write,
        wrote_note,
    )
    from kapplan.api.rules import (
        RulesInForce,
        render_rules,
        rules_in_force,
        schema_text,
    )
    from kapplan.api.sync import Synced, sync_files, sync_progress, sync_summary, sync_url
    from kapplan.api.validate import (
        render_report,
        skipped_folders,
        skipped_note,
        validate_files,
    )


def __getattr__(name: str) -> Any:
    """Import a name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kapplan.api' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
