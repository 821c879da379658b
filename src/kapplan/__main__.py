"""The entry point: ``kapplan`` and ``python -m kapplan``."""

import os


def run() -> None:
    """Run the command line, every early stop (Ctrl-C while it loads, too) ended alike."""
    # Third-party pydantic plugins would see every validated schedule (health data):
    # the program loads none, unless the user names some.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from kapplan.cli.stops import run as guarded

    guarded(_program)


def _program() -> None:
    from kapplan.cli.app import app

    app()


if __name__ == "__main__":
    run()
