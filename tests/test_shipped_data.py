"""kapplan's shipped data: the TOML files people edit, and the JSON twins the program reads.

The rulebook and the message catalogues are read from JSON twins of their TOML
files (`tools/shipped_json.py`), a tenth of the parsing time on every run; these
tests keep each twin the same as its TOML, and the package shipping both.
"""

from __future__ import annotations

import fnmatch
import json
import tomllib
from pathlib import Path

import pytest
from tools.shipped_json import DATA, compiled, sources, twin

from kapplan.i18n import LANGUAGES, catalogue, catalogue_from_text
from tests.conftest import ROOT

SOURCES = sources()


def test_every_shipped_toml_file_has_a_twin() -> None:
    toml = sorted(p.relative_to(DATA) for p in DATA.rglob("*.toml"))
    assert sorted(p.relative_to(DATA) for p in SOURCES) == toml
    assert sorted(p.relative_to(DATA) for p in DATA.rglob("*.json")) == sorted(
        twin(p).relative_to(DATA) for p in SOURCES
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(DATA)))
def test_the_twin_holds_its_toml_file(source: Path) -> None:
    """Same values, same order, byte for byte as the tool writes them."""
    expected = compiled(source.read_text(encoding="utf-8"))
    found = twin(source).read_text(encoding="utf-8")
    assert found == expected, (
        f"{twin(source).name} is not {source.name}: run python tools/shipped_json.py"
    )
    assert json.loads(found) == tomllib.loads(source.read_text(encoding="utf-8"))


def test_a_changed_toml_file_no_longer_matches_its_twin(tmp_path: Path) -> None:
    """The check above can fail: an edit to the TOML that the twin lacks is seen."""
    source = DATA / "rulebook.toml"
    edited = source.read_text(encoding="utf-8").replace(
        "sessions_per_day = 1", "sessions_per_day = 2"
    )
    assert edited != source.read_text(encoding="utf-8")
    assert compiled(edited) != twin(source).read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_catalogue_read_from_its_twin_is_its_toml_file_checked(lang: str) -> None:
    text = (DATA / "i18n" / f"{lang}.toml").read_text(encoding="utf-8")
    shipped, checked = catalogue(lang), catalogue_from_text(text, lang, f"data/i18n/{lang}.toml")
    # Catalogues compare by identity (one per language): their parts are compared.
    for part in ("language", "name", "plural_rule"):
        assert getattr(shipped, part) == getattr(checked, part)
    assert list(shipped.messages.items()) == list(checked.messages.items())
    assert list(shipped.lists.items()) == list(checked.lists.items())


def test_the_package_ships_every_data_file() -> None:
    """pyproject's package data takes in every TOML file and every twin."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["kapplan"]
    package = DATA.parent
    for path in [*SOURCES, *map(twin, SOURCES)]:
        name = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
