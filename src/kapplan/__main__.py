"""Allow ``python -m kapplan``."""

from kapplan.cli import main

main()
