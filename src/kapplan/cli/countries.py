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
"""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any

#: The package made lazy.
PACKAGE = "holidays.countries"


class _LazyPackageLoader:
    """The package's own loader, its ``__init__`` run on the first name asked of it."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        # Everything else (resources, source, file name) is the package's own loader's.
        return getattr(self.loader, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self.loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        loader = self.loader

        def first_name(name: str) -> Any:
            # Run the package's code now, once, then answer as the package would.
            del module.__dict__["__getattr__"]
            loader.exec_module(module)
            return getattr(module, name)

        module.__dict__["__getattr__"] = first_name


class _LazyPackageFinder:
    """Finds `PACKAGE` where Python would, and loads it lazily (`_LazyPackageLoader`)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != PACKAGE:
            return None
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return None
        spec.loader = _LazyPackageLoader(spec.loader)  # type: ignore[assignment]
        return spec


def install() -> None:
    """Make `PACKAGE` lazy in this process (see the module), unless it is loaded already."""
    if PACKAGE not in sys.modules and not any(
        isinstance(finder, _LazyPackageFinder) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _LazyPackageFinder())


__all__ = ["PACKAGE", "install"]
