"""Reading LiteLLM's optional fields: the same answers as getattr(obj, name, None)."""

from __future__ import annotations

from typing import Any

import pytest
from orchestify_litellm._fields import attr, field
from pydantic import BaseModel, ConfigDict


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")

    declared: str | None = None
    gone: str | None = None

    @property
    def computed(self) -> str:
        return "from the property"


class Strict(BaseModel):
    declared: int = 1


class Plain:
    def __init__(self) -> None:
        self.declared = "plain"


def _loose() -> Loose:
    loose = Loose(declared="d", gone="g", extra_field="x")
    del loose.gone
    return loose


@pytest.mark.parametrize(
    "obj",
    [_loose(), Strict(), Plain(), None, 3],
    ids=["pydantic-extra-allow", "pydantic", "plain", "none", "int"],
)
@pytest.mark.parametrize("name", ["declared", "gone", "extra_field", "computed", "missing"])
def test_attr_answers_as_getattr(obj: Any, name: str) -> None:
    """Declared, deleted, extra, property and missing fields read as getattr reads them."""
    assert attr(obj, name) == getattr(obj, name, None)
    assert attr(obj, name) == getattr(obj, name, None)  # the second time from the cache


def test_field_reads_dicts_by_key() -> None:
    """A dict (LiteLLM's TypedDict blocks) is read by key; anything else by attribute."""
    assert field({"type": "thinking"}, "type") == "thinking"
    assert field({}, "type") is None
    assert field(_loose(), "extra_field") == "x"
