"""kapplan: an integration calendar around a ketamine treatment course.

The library behind the ``kapplan`` command (`kapplan.api`), its main values
(`kapplan.model.plan`) and its errors (`kapplan.errors`), importable from
here::

    import kapplan

    planned = kapplan.plan_files(["infusions.toml"])
    for event in planned.plans[0].sessions:
        print(event.start, event.title)

Names are imported on first use, so ``import kapplan`` costs nothing.
"""

# This module imports nothing at all: the program (`kapplan.__main__`) loads it before
# its Ctrl-C handling, so each import here would widen the moment a Ctrl-C prints a
# traceback. Not `typing.TYPE_CHECKING` for that reason; type checkers read any
# constant of this name the same way. Annotations are strings for it too.
TYPE_CHECKING = False

__version__ = "0.1.0"

#: Each public name and the module it lives in.
_PUBLIC = {
    **dict.fromkeys(
        (
            "Compared",
            "Environment",
            "Export",
            "Format",
            "Planned",
            "RulesInForce",
            "Target",
            "View",
            "diff_files",
            "export_files",
            "load_config",
            "machine_timezone",
            "plan_files",
            "render",
            "render_diff",
            "render_report",
            "render_rules",
            "render_settings",
            "rules_in_force",
            "schema_text",
            "settings_in_force",
            "validate_files",
            "warning_text",
            "write",
        ),
        "kapplan.api",
    ),
    **dict.fromkeys(
        (
            "Course",
            "EventKind",
            "Infusion",
            "Method",
            "Phase",
            "Plan",
            "PlanEvent",
            "PlanWarning",
            "WarningCode",
        ),
        "kapplan.model.plan",
    ),
    "Flags": "kapplan.model.settings",
    "Limits": "kapplan.model.limits",
    "KapplanError": "kapplan.errors",
}

__all__ = [
    "Compared",
    "Course",
    "Environment",
    "EventKind",
    "Export",
    "Flags",
    "Format",
    "Infusion",
    "KapplanError",
    "Limits",
    "Method",
    "Phase",
    "Plan",
    "PlanEvent",
    "PlanWarning",
    "Planned",
    "RulesInForce",
    "Target",
    "View",
    "WarningCode",
    "__version__",
    "diff_files",
    "export_files",
    "load_config",
    "machine_timezone",
    "plan_files",
    "render",
    "render_diff",
    "render_report",
    "render_rules",
    "render_settings",
    "rules_in_force",
    "schema_text",
    "settings_in_force",
    "validate_files",
    "warning_text",
    "write",
]

if TYPE_CHECKING:
    from typing import Any

    from kapplan.api import (
        Compared,
        Environment,
        Export,
        Format,
        Planned,
        RulesInForce,
        Target,
        View,
        diff_files,
        export_files,
        load_config,
        machine_timezone,
        plan_files,
        render,
        render_diff,
        render_report,
        render_rules,
        render_settings,
        rules_in_force,
        schema_text,
        settings_in_force,
        validate_files,
        warning_text,
        write,
    )
    from kapplan.errors import KapplanError
    from kapplan.model.limits import Limits
    from kapplan.model.plan import (
        Course,
        EventKind,
        Infusion,
        Method,
        Phase,
        Plan,
        PlanEvent,
        PlanWarning,
        WarningCode,
    )
    from kapplan.model.settings import Flags


def __getattr__(name: str) -> "Any":
    """Import a public name from its module on first use (PEP 562)."""
    from importlib import import_module

    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'kapplan' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> "list[str]":
    return __all__
