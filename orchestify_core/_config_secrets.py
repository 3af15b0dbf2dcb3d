"""Which config values are secrets besides ``api_key``, and their masked form.

``headers:`` and ``options:`` are plain data that plugins read as they are, so their secrets
are not wrapped in :class:`~orchestify_core.secret.Secret`; they are masked where the config
is shown (``repr`` and ``dump_config``) and listed by ``ProviderConfig.secret_values()`` so
that error messages can be scrubbed of them. A value is a secret when its key looks like a
credential (:func:`sensitive_name`, at any depth), or when it was written with a ``${VAR}``
whose name looks like one (``x-team: ${ANTHROPIC_API_KEY}``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from ._paths import Path
from .secret import MASK

__all__ = ["mask_values", "sensitive_name"]

# "token" but not "tokens"/"tokenizer": max_tokens and max_tokens_param are counts and names.
_SENSITIVE = re.compile(
    r"authori[sz]ation|key|secret|token(?!s|izer)|passw|credential|cookie|(?:^|[-_.])auth(?:$|[-_.])",
    re.IGNORECASE,
)


def sensitive_name(name: str) -> bool:
    """Whether a header, option, query parameter or variable name looks like a credential.

    ``Authorization``, ``x-api-key``, ``api-key``, anything with ``key``, ``secret``,
    ``token`` (not ``tokens``), ``password``, ``credential`` or ``cookie`` in it; any case.
    """
    return _SENSITIVE.search(name) is not None


def mask_values(
    value: Any, path: Path, from_secrets: Collection[Path], found: list[str] | None = None
) -> Any:
    """A copy of ``value`` (found at ``path``) with every secret replaced by the mask.

    ``from_secrets`` holds the paths of values written with a sensitive ``${VAR}``. The
    strings masked are appended to ``found`` when it is given.
    """
    if path in from_secrets:
        return _masked(value, found)
    if isinstance(value, Mapping):
        return {
            key: _masked(item, found)
            if isinstance(key, str) and sensitive_name(key)
            else mask_values(item, (*path, key), from_secrets, found)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_values(item, (*path, i), from_secrets, found) for i, item in enumerate(value)]
    return value


def _masked(value: Any, found: list[str] | None) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if found is not None:
        _collect(value, found)
    return MASK


def _collect(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        if value:
            found.append(value)
        scheme, _, credential = value.strip().partition(" ")
        if scheme and credential.strip() and " " not in credential.strip():
            found.append(credential.strip())  # "Bearer <token>": the token alone too
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
