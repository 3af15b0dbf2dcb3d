"""The private cattrs converter of the config: strict scalars, no unknown keys, clear errors.

Scalars are strict (a boolean is not an int, ``"yes"`` is not a boolean), integers have at
most 18 digits, numbers must be finite and prices must lie between 0 and
:data:`MAX_PRICE` USD per million tokens. :func:`all_errors` turns cattrs' exception groups
into ``(key path, reason)`` pairs, suggesting a close key for an unknown one.
"""

from __future__ import annotations

import ast
import difflib
import enum
import math
import re
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

import attrs

from ._config_model import (
    AgentConfig,
    AgentsConfig,
    OrchestifyConfig,
    ProviderConfig,
    ProvidersConfig,
)
from ._paths import Path
from .secret import MASK, Secret

if TYPE_CHECKING:
    import cattrs

__all__ = ["MAX_INT", "MAX_PRICE", "all_errors", "converter", "first_error"]

#: The largest integer a setting takes (18 digits).
MAX_INT = 10**18 - 1
#: The largest price, in USD per million tokens.
MAX_PRICE = Decimal(1_000_000)
_INT_TEXT = re.compile(r"\s*[-+]?[0-9]+\s*")
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}


class Invalid(TypeError):
    """A value refused by a hook, with a message meant for the user (shown as it is)."""


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool):
        raise TypeError("expected an integer, got a boolean")
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        if len(value.strip().lstrip("+-")) > 18:
            raise Invalid("integer too large (at most 18 digits)")
        value = int(value)
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise Invalid("integer too large (at most 18 digits)")
        return value
    raise TypeError("expected an integer")


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("expected a number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise TypeError("expected a number") from None
    if not math.isfinite(number):
        raise Invalid("expected a finite number")
    return number


def _strict_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, str) and value.lower() in _YAML11_BOOLS:
        raise Invalid(f"expected true or false ({value!r} is a string in YAML 1.2)")
    raise TypeError("expected true or false")


def _strict_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError("expected a string")


def _decimal(value: Any, _: type) -> Decimal:
    refused = Invalid(f"expected a price from 0 to {MAX_PRICE} (USD per million tokens)")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise refused
    if isinstance(value, int) and abs(value) > MAX_INT:  # str() of it may exceed 4,300 digits
        raise refused
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise refused from None
    if not price.is_finite() or not 0 <= price <= MAX_PRICE:
        raise refused
    if price and price.adjusted() < -18:
        raise Invalid("price too small (under 1e-18 USD per million tokens); write 0")
    return price


def _secret(value: Any, _: type) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value)
    raise TypeError("expected a string")


@cache
def converter() -> cattrs.Converter:
    """The private converter, built on first use (cattrs is not imported before)."""
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind, hook in ((int, _strict_int), (float, _strict_float), (bool, _strict_bool),
                       (str, _strict_str), (Decimal, _decimal), (Secret, _secret)):  # fmt: skip
        conv.register_structure_hook(kind, hook)
    conv.register_unstructure_hook(Secret, lambda _: MASK)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(
        ProviderConfig,
        make_dict_structure_fn(ProviderConfig, conv, _origin=override(omit=True)),
    )
    conv.register_unstructure_hook(
        ProviderConfig,
        make_dict_unstructure_fn(ProviderConfig, conv, _origin=override(omit=True)),
    )

    def structure_providers(value: Any, _: type) -> ProvidersConfig:
        if value is None:
            return ProvidersConfig()
        return ProvidersConfig(conv.structure(value, dict[str, ProviderConfig]))

    def structure_agents(value: Any, _: type) -> AgentsConfig:
        if value is None:
            return AgentsConfig()
        return AgentsConfig(conv.structure(value, dict[str, AgentConfig]))

    conv.register_structure_hook(ProvidersConfig, structure_providers)
    from ._config_cache import register_cache_hooks

    register_cache_hooks(conv)
    conv.register_structure_hook(AgentsConfig, structure_agents)
    conv.register_unstructure_hook(
        ProvidersConfig, lambda c: {k: conv.unstructure(v) for k, v in c.providers.items()}
    )
    conv.register_unstructure_hook(
        AgentsConfig, lambda c: {k: conv.unstructure(v) for k, v in c.agents.items()}
    )
    return conv


# --------------------------------------------------------------------------- errors

_PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")
_REASONS = {
    "invalid value for type, expected ProviderConfig": "expected a mapping of provider settings",
    "invalid value for type, expected AgentConfig": "expected a mapping of agent settings",
}


_VALIDATOR = re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)' (.+?)(?:: (.*))?$", re.DOTALL)
_LITERAL = re.compile(r"^(.*) not in literal typing\.Literal\[(.*)\]$", re.DOTALL)


def _format(exc: BaseException, kind: type | None) -> str:
    from cattrs.v import format_exception

    if isinstance(exc, Invalid):
        return f"{exc} (checked)"
    literal = _LITERAL.match(str(exc))
    if literal is not None:
        return f"expected one of {literal.group(2)}, got {literal.group(1)!r} (checked)"
    enum_kind = next(
        (
            k
            for k in (kind, *typing.get_args(kind))
            if isinstance(k, type) and issubclass(k, enum.Enum)
        ),
        None,
    )
    if enum_kind is not None:
        allowed = ", ".join(repr(member.value) for member in enum_kind)
        return f"expected one of {allowed} (checked)"
    if isinstance(exc, ValueError | TypeError) and kind is None:
        return _validator_error(exc) or format_exception(exc, kind)
    return format_exception(exc, kind)


def _validator_error(exc: ValueError | TypeError) -> str | None:
    """An attrs validator's error, at its own field: attrs' validators pass the attribute
    as the second argument and start their message with the field's name."""
    field: str | None = None
    detail = str(exc.args[0]) if exc.args else str(exc)
    if len(exc.args) > 1 and isinstance(exc.args[1], attrs.Attribute):
        field = exc.args[1].name
    validator = _VALIDATOR.match(detail)
    if validator is not None:
        field = field or validator.group(1)
        what, got = validator.group(2), validator.group(3)
        detail = f"{what} (got {got})" if got else what
    if field is None:
        return None
    return f"{detail} (checked) @ .{field}"


def _parse_path(text: str) -> Path:
    parts: list[str | int] = []
    for match in _PATH_TOKEN.finditer(text.removeprefix("$")):
        if match.group(1) is not None:
            parts.append(match.group(1))
        else:
            token = ast.literal_eval(match.group(2))
            parts.append(token if isinstance(token, int | str) else str(token))
    return tuple(parts)


def first_error(exc: Exception, root: type = OrchestifyConfig) -> tuple[Path, str]:
    """The first of cattrs' errors about structuring a ``root``, as (path, reason)."""
    errors = all_errors(exc, root)
    return errors[0] if errors else ((), str(exc))


def all_errors(exc: Exception, root: type = OrchestifyConfig) -> list[tuple[Path, str]]:
    """Every one of cattrs' errors about structuring a ``root``, as (path, reason).

    A required key missing beside an unknown key that looks like it is left out: the
    misspelt key is the problem (``default_modle: unknown key (did you mean
    'default_model'?)``), not the key it was meant to be.
    """
    import cattrs

    messages = cattrs.transform_error(exc, path="$", format_exception=_format)
    found: list[tuple[Path, str]] = []
    meant: set[Path] = set()
    for message in messages or [str(exc)]:
        for path, reason, suggestion in _interpret(message, root):
            found.append((path, reason))
            if suggestion is not None:
                meant.add((*path[:-1], suggestion))
    return [(path, reason) for path, reason in found
            if not (reason == "required key missing" and path in meant)]  # fmt: skip


def _interpret(message: str, root: type) -> list[tuple[Path, str, str | None]]:
    """One cattrs message as (path, reason, suggested key) triples."""
    reason, _, where = message.rpartition(" @ ")
    if not reason:
        return [((), message, None)]
    if " (checked) @ ." in reason:  # a validator's own field, below the class's path
        reason, _, field = reason.partition(" @ ")
        where += field
    path = _parse_path(where)
    if reason.endswith(" (checked)"):
        return [(path, reason.removesuffix(" (checked)"), None)]
    if reason.startswith("extra fields found (") and reason.endswith(")"):
        out: list[tuple[Path, str, str | None]] = []
        for extra in reason[len("extra fields found (") : -1].split(", "):
            close = difflib.get_close_matches(extra, _known_keys(root, path), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(((*path, extra), f"unknown key{hint}", close[0] if close else None))
        return out
    if reason.startswith("required field missing"):
        return [(path, "required key missing", None)]
    if reason.startswith("unknown error"):
        return [(path, "expected a mapping", None)]
    if reason.startswith("invalid value for type, expected "):
        expected = reason.removeprefix("invalid value for type, expected ").removesuffix(" | None")
        if reason not in _REASONS and _known_keys(root, path):
            return [(path, "expected a mapping", None)]  # of an attrs class's settings
        reason = _REASONS.get(reason, f"expected {expected}")
    return [(path, reason, None)]


def _known_keys(root: Any, path: Path) -> list[str]:
    """The keys the attrs class found at ``path`` below ``root`` takes (for suggestions)."""
    kind: Any = root
    try:
        for part in path:
            kind = _child(kind, part)
        kind = _unwrap(kind)
        if not (isinstance(kind, type) and attrs.has(kind)):
            return []
        return [field.name for field in attrs.fields(kind) if not field.name.startswith("_")]
    except Exception:  # an annotation that does not resolve: no suggestion
        return []


def _child(kind: Any, part: str | int) -> Any:
    kind = _unwrap(kind)
    if kind is ProvidersConfig:
        return ProviderConfig
    if kind is AgentsConfig:
        return AgentConfig
    if isinstance(kind, type) and attrs.has(kind):
        return typing.get_type_hints(kind)[str(part)]
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (dict, Mapping):
        return args[1]
    return args[0] if args else Any


def _unwrap(kind: Any) -> Any:
    """``X | None`` -> ``X``."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        rest = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else kind
    return kind
