"""Write the JSON twins of kapplan's shipped TOML data, which the program reads.

The rulebook and the message catalogues are written and reviewed as TOML
(``src/kapplan/data/rulebook.toml``, ``src/kapplan/data/i18n/*.toml``). Parsing
them with `tomllib` on every run costs about 13 ms of a plan's start-up, so the
program reads each file's JSON twin beside it (`json` parses it in well under a
millisecond), holding the same values in the same order. After editing a TOML
file, run::

    python tools/shipped_json.py

``tests/test_shipped_data.py`` fails while a twin differs from its TOML, and
says to run this.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "kapplan" / "data"


def sources() -> list[Path]:
    """Return the shipped TOML files that have a JSON twin."""
    return [DATA / "rulebook.toml", *sorted((DATA / "i18n").glob("*.toml"))]


def twin(source: Path) -> Path:
    """Return where a TOML file's JSON twin is."""
    return source.with_suffix(".json")


def compiled(text: str) -> str:
    """Return the JSON twin's text of a TOML text: its values, in the file's order."""
    return json.dumps(tomllib.loads(text), ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    """Write every twin that differs from its TOML; say which."""
    for source in sources():
        text = compiled(source.read_text(encoding="utf-8"))
        target = twin(source)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(DATA.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
