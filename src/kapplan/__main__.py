"""The entry point: ``kapplan`` and ``python -m kapplan``.

Until `run` has its Ctrl-C handling loaded, a Ctrl-C prints Python's traceback: this
module and the package's ``__init__`` import nothing at their top that the interpreter
has not loaded already (``os`` and ``sys`` it has), so that moment is as short as
loading them.
"""

import os
import sys


def run() -> None:
    """Run the command line, every early stop (Ctrl-C while it loads, too) ended alike."""
    try:
        import gc

        # Third-party pydantic plugins would see every validated schedule (health data):
        # the program loads none, unless the user names some.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        # Loading typer, pydantic and the models makes objects by the hundred thousand that
        # live as long as the process: the collector's youngest generation, checked every
        # 700 allocations, would scan them a hundred times over. Every 20,000 still bounds
        # what a cycle of garbage can hold, at a third of the collector's time. A plan
        # then grows by millions of records that live to the end too (a 1,000-client
        # caseload's collections found some 600 objects in all): the middle generation
        # is checked every 50 of those (a million allocations), not every 10.
        _, _, oldest = gc.get_threshold()
        gc.set_threshold(20_000, 50, oldest)
        from kapplan.cli.stops import run as guarded
    except KeyboardInterrupt:
        # Ctrl-C before the handling below is even loaded: the same line and status.
        sys.stderr.write("kapplan: interrupted\n")
        os._exit(130)
    try:
        guarded(_program)
    finally:
        # The run is over, its output flushed and its files closed: at exit the collector
        # would walk every object the run made, modules and classes by the hundred
        # thousand, for cycles that hold nothing left to do (a tenth of the run). The
        # memory goes back to the system with the process.
        gc.freeze()


def _program() -> None:
    if sys.argv[1:] == ["--version"]:
        # Answered before typer (and all it loads) is imported, as the option would.
        from kapplan.cli import version_line

        sys.stdout.write(version_line())
        return
    _defer_package_metadata()
    from kapplan.cli.app import program

    program()


def _defer_package_metadata() -> None:
    """Load `importlib.metadata` only when something calls into it.

    pydantic's plugin loader imports its `entry_points` (30 ms, with the `email`
    package) in every program, even with plugins disabled, as `run` disables them,
    and then never calls it. Until something does, the module is a stand-in that
    loads the real one on first use; a plugin the user enables still works.
    """
    if "importlib.metadata" in sys.modules:
        return
    import importlib
    import types

    class Deferred(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            # Any name but the one stood in for: the real module, from now on for all.
            return getattr(_real(), name)

    def _real() -> types.ModuleType:
        if sys.modules.get("importlib.metadata") is stand_in:
            del sys.modules["importlib.metadata"]
        real = importlib.import_module("importlib.metadata")
        vars(importlib)["metadata"] = real
        return real

    def entry_points(**selection: object) -> object:
        return _real().entry_points(**selection)

    def version(distribution_name: str) -> str:
        # The holidays library reads its own version as it loads (and never uses it):
        # from the distribution's METADATA file, that costs a file read, not the module.
        if sys.modules.get("importlib.metadata") is stand_in:
            found = _installed_version(distribution_name)
            if found is not None:
                return found
        return str(_real().version(distribution_name))

    stand_in = Deferred("importlib.metadata")
    # A package, as the real one is: `from importlib.metadata import x` asks first.
    stand_in.__path__ = [os.path.join(os.path.dirname(importlib.__file__ or ""), "metadata")]
    vars(stand_in)["entry_points"] = entry_points
    vars(stand_in)["version"] = version
    sys.modules["importlib.metadata"] = stand_in
    vars(importlib)["metadata"] = stand_in


def _installed_version(distribution_name: str) -> str | None:
    """Return an installed distribution's version as `importlib.metadata.version` finds it,
    or None where finding it needs the real module.

    Like the real finder, the first entry of ``sys.path`` that holds the distribution's
    ``NAME-VERSION.dist-info`` folder (names compared lower-cased, with ``-`` and ``.`` as
    ``_``) gives it, from the ``Version`` field of its METADATA file. None when no entry
    holds such a folder (an ``.egg-info``, a zip file: the real module knows those) or its
    METADATA says no version.
    """

    def normal(name: str) -> str:
        return name.replace("-", "_").replace(".", "_").lower()

    wanted = normal(distribution_name)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem, dash, _ = name.partition("-")
            if dash and name.endswith(".dist-info") and normal(stem) == wanted:
                try:
                    with open(os.path.join(entry, name, "METADATA"), encoding="utf-8") as file:
                        for line in file:
                            if not line.strip():
                                return None  # the headers ended without a version
                            if line.startswith("Version:"):
                                return line.partition(":")[2].strip()
                except (OSError, UnicodeDecodeError):
                    return None
                return None
    return None


if __name__ == "__main__":
    run()
