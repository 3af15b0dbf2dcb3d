"""``${VAR}``, ``${VAR:-default}`` and ``$$`` substitution in a config's string values.

Substitution happens per scalar, after parsing: a variable's value is always a plain string,
never YAML, and is never substituted again. The paths of values written with a variable whose
name looks like a credential are recorded, so that those values can be masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ._config_secrets import sensitive_name
from ._paths import Path
from .errors import ConfigError

__all__ = ["SubstitutionError", "substitute", "substitute_tree"]

_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SubstitutionError(Exception):
    """A malformed ``${...}`` or an unset variable."""


def substitute(text: str, environ: Mapping[str, str], used: list[str] | None = None) -> str:
    """Replace ``${VAR}``, ``${VAR:-default}`` and ``$$`` in one string, non-recursively.

    The names of the variables read are appended to ``used`` when it is given.
    """
    if "$" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if char != "$" or nxt not in ("$", "{"):
            out.append(char)
            i += 1
            continue
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        end = text.find("}", i + 2)
        if end < 0:
            raise SubstitutionError(f"malformed substitution {text[i:]!r}: missing '}}'")
        out.append(_variable(text[i + 2 : end], environ, used))
        i = end + 1
    return "".join(out)


def _variable(body: str, environ: Mapping[str, str], used: list[str] | None) -> str:
    name, sep, default = body.partition(":-")
    if not _VAR_NAME.fullmatch(name):
        raise SubstitutionError(f"malformed substitution '${{{body}}}'")
    if used is not None:
        used.append(name)
    value = environ.get(name)
    if value is None or (sep and value == ""):
        if not sep:
            raise SubstitutionError(f"environment variable {name} is not set")
        value = default
    return value


def substitute_tree(
    value: Any,
    path: Path,
    environ: Mapping[str, str],
    fail: Callable[[Path, str], ConfigError],
    from_secrets: set[Path],
) -> Any:
    """``value`` with every string substituted; adds to ``from_secrets`` the paths of those
    that read a variable whose name looks like a credential."""
    if isinstance(value, str):
        used: list[str] = []
        try:
            result = substitute(value, environ, used)
        except SubstitutionError as exc:
            raise fail(path, str(exc)) from None
        if any(sensitive_name(name) for name in used):
            from_secrets.add(path)
        return result
    if isinstance(value, dict):
        return {
            k: substitute_tree(v, (*path, k), environ, fail, from_secrets) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            substitute_tree(v, (*path, i), environ, fail, from_secrets) for i, v in enumerate(value)
        ]
    return value
