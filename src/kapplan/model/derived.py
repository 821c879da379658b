"""Models with derived values: worked out once, and again for a copy. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Self, cast

from pydantic import BaseModel


class Derived:
    """A mixin for a pydantic model whose `functools.cached_property` values a copy
    works out again: ``class Rulebook(Derived, BaseModel)``.

    pydantic's `model_copy` copies an instance's ``__dict__``, a cached property's
    value with the fields: a copy whose ``update`` changes a field would answer
    with the original's value (a rulebook's ``active`` rules, a schedule's
    ``zone``). Not a model itself, so no model is built for it.
    """

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Return a copy (see pydantic's `BaseModel.model_copy`), nothing cached."""
        copied = BaseModel.model_copy(cast(BaseModel, self), update=update, deep=deep)
        for kind in type(self).__mro__:
            for name, value in vars(kind).items():
                if isinstance(value, cached_property):
                    copied.__dict__.pop(name, None)
        return cast(Self, copied)
