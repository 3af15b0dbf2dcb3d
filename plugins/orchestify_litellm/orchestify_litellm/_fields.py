"""Reading the optional fields of LiteLLM's objects without a failing ``getattr`` per miss.

(A module of its own, which the plugin template has no slot for: both ``_response`` and
``_stream`` read LiteLLM's pydantic objects, per chunk, and this is the fast way to.)

LiteLLM's responses and stream chunks are pydantic models with ``extra="allow"``: a
field may sit in the instance ``__dict__`` (declared fields), in the model's extras
(``content``, ``tool_calls``, ``usage``...), or nowhere (LiteLLM deletes unset optional
fields such as ``thinking_blocks``). ``getattr(obj, name, None)`` finds all of them, but
pays for pydantic's ``__getattr__`` on every extra and for raising and catching an
``AttributeError`` on every missing one (about 1.6 us each, several per chunk).

For a pydantic model class that does not customise attribute access and has no class
attribute of that name (no property, method or class variable), attribute access finds
exactly the ``__dict__`` entry, else the extra: :func:`attr` reads them there. Any other
object, or a name the class defines, goes through ``getattr`` as before.
"""

from __future__ import annotations

from typing import Any

__all__ = ["attr", "field"]

_MISSING: Any = object()

#: Per class: None if its instances need ``getattr``, else the names known to be read
#: directly (a name is checked against the class once, on first use).
_direct: dict[type, dict[str, bool] | None] = {}


def _learn(cls: type) -> dict[str, bool] | None:
    names: dict[str, bool] | None
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - litellm depends on pydantic
        names = None
    else:
        plain = (
            issubclass(cls, BaseModel)
            and getattr(cls, "__getattr__", None) is getattr(BaseModel, "__getattr__", None)
            and cls.__getattribute__ is object.__getattribute__
        )
        names = {} if plain else None
    _direct[cls] = names
    return names


def attr(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)`` for a plain field name, without raising and catching an
    AttributeError where it can."""
    if obj is None:
        return None
    cls = type(obj)
    names = _direct.get(cls, _MISSING)
    if names is _MISSING:
        names = _learn(cls)
    if names is None:
        return getattr(obj, name, None)
    direct = names.get(name)
    if direct is None:
        direct = names[name] = not name.startswith("_") and not hasattr(cls, name)
    if not direct:
        return getattr(obj, name, None)
    value = obj.__dict__.get(name, _MISSING)
    if value is _MISSING:
        extra = obj.__pydantic_extra__
        return extra.get(name) if extra else None
    return value


def field(obj: Any, name: str) -> Any:
    """``obj[name]`` of a dict (None if absent), else :func:`attr`."""
    if isinstance(obj, dict):
        return obj.get(name)
    return attr(obj, name)
