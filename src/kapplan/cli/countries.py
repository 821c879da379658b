"""One country's public holidays loaded, not all of them.

The `holidays` library finds a country's class lazily (``holidays.DE`` imports
``holidays.countries.germany`` when first used), but importing any module of
its ``holidays.countries`` package first runs the package's ``__init__``, which
imports every country the library knows: some 250 modules, a tenth of a
second or more, for the one a schedule or therapist file names.

`install` makes that package lazy in this process: its modules import as
before, and the package's own ``__init__`` runs the first time a name is asked
of the package itself (``from holidays.countries import Germany``), so the
package holds every name its code binds, as it always did. Only the program
(`kapplan.cli.app.program`) installs it: a library does not change how its caller's
imports work.

The same goes for the library's ``holidays.calendars`` and ``holidays.groups``, whose
``__init__`` imports every calendar system it knows (Chinese, Hebrew, Hindu, Islamic,
Tibetan and more, with their tables: 40 ms) while a country asks for one or two of
their names (Germany: the Gregorian calendar, the Christian and international
holidays). Those two packages' ``__init__`` only re-exports names of their modules
(``from holidays.groups.christian import ChristianHolidays``), so a name asked of them
is loaded from the module that line names, alone (`_exports`); any other name (or
``__all__``) runs the package's code, as for ``holidays.countries``.
"""

from __future__ import annotations

import sys
from importlib import import_module
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any

#: The package made lazy, its ``__init__`` run on the first name asked of it.
PACKAGE = "holidays.countries"
#: The packages made lazy whose ``__init__`` only re-exports names of their modules:
#: each such name is loaded from its module alone.
RE_EXPORTING = ("holidays.calendars", "holidays.groups")


def _exports(path: str, package: str) -> dict[str, tuple[str, str]]:
    """Return what a package's ``__init__`` imports from modules, by the name it binds:
    ``(module, name in the module)``, for each ``from MODULE import NAME [as BOUND]``
    among its top-level statements (relative ones resolved against `package`)."""
    import ast

    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    found: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or node.level > 1:
            continue
        if node.level == 1:
            module = f"{package}.{node.module}" if node.module else package
        else:
            module = node.module or ""
        for alias in node.names:
            if alias.name != "*" and module.startswith(f"{package}."):
                found[alias.asname or alias.name] = (module, alias.name)
    return found


class _LazyPackageLoader:
    """The package's own loader, its ``__init__`` run on the first name asked of it (a
    name it re-exports loaded from its module alone, with `re_exports`)."""

    def __init__(self, loader: Any, *, re_exports: bool = False) -> None:
        self.loader = loader
        self.re_exports = re_exports

    def __getattr__(self, name: str) -> Any:
        # Everything else (resources, source, file name) is the package's own loader's.
        return getattr(self.loader, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self.loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        loader = self.loader
        exports: dict[str, tuple[str, str]] | None = {} if not self.re_exports else None

        def first_name(name: str) -> Any:
            nonlocal exports
            if exports is None:
                spec = module.__spec__
                origin = spec.origin if spec is not None else None
                exports = _exports(origin, module.__name__) if origin else {}
            if name in exports:
                # A name the package's code would import from one of its modules: that
                # module alone, the very object the package's code would bind.
                source, original = exports[name]
                value = getattr(import_module(source), original)
                module.__dict__[name] = value
                return value
            # Run the package's code now, once, then answer as the package would.
            module.__dict__.pop("__getattr__", None)
            loader.exec_module(module)
            return getattr(module, name)

        module.__dict__["__getattr__"] = first_name


class _LazyPackageFinder:
    """Finds `PACKAGE` and `RE_EXPORTING` where Python would, and loads them lazily
    (`_LazyPackageLoader`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != PACKAGE and name not in RE_EXPORTING:
            return None
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return None
        lazy = _LazyPackageLoader(spec.loader, re_exports=name in RE_EXPORTING)
        spec.loader = lazy  # type: ignore[assignment]
        return spec


def install() -> None:
    """Make `PACKAGE` lazy in this process (see the module), unless it is loaded already."""
    if not {PACKAGE, *RE_EXPORTING} & set(sys.modules) and not any(
        isinstance(finder, _LazyPackageFinder) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _LazyPackageFinder())


__all__ = ["PACKAGE", "RE_EXPORTING", "install"]
