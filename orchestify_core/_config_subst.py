"""``${VAR}``, ``${VAR:-default}`` and ``$$`` substitution in a config's string values.

Substitution happens per scalar, after parsing: a variable's value is always a plain string,
never YAML, and is never substituted again. The paths of values written with a variable whose
name looks like a credential are recorded, so that those values can be masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._config_secrets import sensitive_name
from ._paths import Path

__all__ = ["Substitution", "SubstitutionError", "substitute"]

_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SubstitutionError(Exception):
    """A malformed ``${...}`` or an unset variable (then ``unset`` names it)."""

    def __init__(self, message: str, unset: str | None = None) -> None:
        super().__init__(message)
        self.unset = unset


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
            raise SubstitutionError(f"environment variable {name} is not set", unset=name)
        value = default
    return value


@attrs.define
class Substitution:
    """What substituting a whole document found, by key path.

    Attributes:
        from_secrets: Values that read a variable whose name looks like a credential.
        substituted: Values written with at least one ``${VAR}``.
        unset_keys: Credentials whose variable is unset, with its name (only collected when
            ``allow_unset_keys``; such a value becomes ``""``).
    """

    environ: Mapping[str, str]
    report: Callable[[Path, str], None]
    allow_unset_keys: bool = False
    from_secrets: set[Path] = attrs.field(factory=set)
    substituted: set[Path] = attrs.field(factory=set)
    unset_keys: dict[Path, str] = attrs.field(factory=dict)

    def tree(self, value: Any, path: Path) -> Any:
        """``value`` with every string substituted; a problem is reported and the value
        becomes ``""``, so that the rest of the document is still checked."""
        if isinstance(value, str):
            return self._string(value, path)
        if isinstance(value, dict):
            return {k: self.tree(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def _string(self, value: str, path: Path) -> str:
        used: list[str] = []
        try:
            result = substitute(value, self.environ, used)
        except SubstitutionError as exc:
            key = path[-1] if path else ""
            if exc.unset and self.allow_unset_keys and isinstance(key, str) and sensitive_name(key):
                self.unset_keys[path] = exc.unset
            else:
                self.report(path, str(exc))
            return ""
        if used:
            self.substituted.add(path)
        if any(sensitive_name(name) for name in used):
            self.from_secrets.add(path)
        return result
