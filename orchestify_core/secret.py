"""A string that never shows itself: API keys live in a :class:`Secret`."""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["MASK", "Secret"]

#: What a masked value shows instead of itself.
MASK = "**********"
_MASK = MASK


class Secret:
    """Holds a credential; ``repr``, ``str``, ``format``, pickling and equality never leak it.

    Call :meth:`get_secret_value` at the one place the value is handed to an SDK.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a string")
        self._value = value

    def get_secret_value(self) -> str:
        """The credential itself."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
