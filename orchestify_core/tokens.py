"""Token counts and prices: :class:`Usage` of one call and :class:`ModelPrice` of a model.

Token counting convention: ``input_tokens`` is every token the model read, *including*
cache reads and cache writes (OpenAI's ``prompt_tokens`` convention); ``cache_read_tokens``
and ``cache_write_tokens`` say how many of them were cache hits or cache writes, and
``cache_write_1h_tokens`` how many of the writes were for an hour (Anthropic prices them
apart). Reasoning tokens are part of ``output_tokens``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

__all__ = ["MAX_TOKENS", "ModelPrice", "Usage"]

#: The largest token count a usage record accepts: far above any real call, far below
#: anything that would overflow a cost.
MAX_TOKENS = 10**12
_MILLION = Decimal(1_000_000)
_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cache_write_1h_tokens",
)


def _count(value: Any, name: str) -> int:
    """A token count as an int, or ValueError naming the field."""
    if type(value) is int and 0 <= value <= MAX_TOKENS:
        return value
    if isinstance(value, float) and value.is_integer() and 0 <= value <= MAX_TOKENS:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TOKENS:
        return int(value)
    raise ValueError(f"usage {name} must be a whole number from 0 to {MAX_TOKENS}, got {value!r}")


@attrs.frozen
class Usage:
    """Tokens of one call (see the module docstring for the counting convention).

    Every count is checked when the record is made: a whole number from 0 to
    :data:`MAX_TOKENS` (an integral float is taken as its int). Anything else (negative,
    fractional, absurdly large, a string) raises :class:`ValueError`: usage a server
    reports is where wrong numbers enter, and the core turns that error into a
    :class:`~orchestify_core.errors.MalformedResponseError` rather than account nonsense.

    Attributes:
        estimated: True when the provider did not report the counts (a stream cut short)
            and they were estimated.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False
    cache_write_1h_tokens: int = 0

    def __attrs_post_init__(self) -> None:
        for name in _COUNTS:
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= MAX_TOKENS:
                object.__setattr__(self, name, _count(value, name))
        if self.cache_write_1h_tokens > self.cache_write_tokens:
            raise ValueError(
                f"usage cache_write_1h_tokens ({self.cache_write_1h_tokens}) cannot be more "
                f"than cache_write_tokens ({self.cache_write_tokens})"
            )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@attrs.frozen
class ModelPrice:
    """Prices in USD per million tokens, and where they came from.

    Cache prices default to the input price when the source gives none; the price of
    one-hour cache writes (Anthropic's) defaults to that of the other cache writes.

    Attributes:
        source: Where the price came from, e.g. ``config``, ``genai-prices 0.2.3``.
    """

    input_per_mtok: Decimal = attrs.field(converter=Decimal)
    output_per_mtok: Decimal = attrs.field(converter=Decimal)
    cache_read_per_mtok: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(Decimal)
    )
    cache_write_per_mtok: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(Decimal)
    )
    source: str = ""
    cache_write_1h_per_mtok: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(Decimal), kw_only=True
    )
    # Per-token rates (input, cache read, cache write, output, 1h cache write), worked out once.
    _rates: tuple[Decimal, ...] = attrs.field(init=False, default=(), repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        cache_read = self.cache_read_per_mtok
        cache_write = self.cache_write_per_mtok
        write = self.input_per_mtok if cache_write is None else cache_write
        write_1h = self.cache_write_1h_per_mtok
        rates = (
            self.input_per_mtok,
            self.input_per_mtok if cache_read is None else cache_read,
            write,
            self.output_per_mtok,
            write if write_1h is None else write_1h,
        )
        object.__setattr__(self, "_rates", tuple(rate / _MILLION for rate in rates))

    def cost(self, usage: Usage) -> Decimal:
        """The exact cost of ``usage`` in USD."""
        input_rate, cache_read_rate, cache_write_rate, output_rate, write_1h_rate = self._rates
        cache_read, cache_write = usage.cache_read_tokens, usage.cache_write_tokens
        uncached = max(usage.input_tokens - cache_read - cache_write, 0)
        total = uncached * input_rate + usage.output_tokens * output_rate
        if cache_read:
            total += cache_read * cache_read_rate
        if cache_write:
            write_1h = usage.cache_write_1h_tokens
            total += (cache_write - write_1h) * cache_write_rate + write_1h * write_1h_rate
        return total
