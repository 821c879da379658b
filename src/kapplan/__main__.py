"""Allow ``python -m kapplan``; `run` is also the ``kapplan`` program's entry point."""

import os
import sys


def run() -> None:
    """Start the command line; Ctrl-C while it loads exits 130 with one line, as later."""
    # Third-party pydantic plugins would see every validated schedule (health data):
    # the program loads none, unless the user names some.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        from kapplan.cli.app import main
    except KeyboardInterrupt:
        sys.stderr.write("kapplan: interrupted\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
