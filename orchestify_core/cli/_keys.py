"""Credentials as the config holds them: set, unset, absent, or written into the file.

Read from the loaded config and where its values came from; nothing is imported or built.
"""

from __future__ import annotations

from .._config_secrets import sensitive_name
from ..config import OrchestifyConfig, ProviderConfig
from ..errors import ConfigError

__all__ = ["key_status", "literal_credentials", "unset_keys"]


def key_status(provider: ProviderConfig) -> str:
    """``set``, ``$VAR not set``, ``in the file`` (a literal key) or ``none``."""
    origin = provider._origin
    if origin is not None and ("api_key",) in origin.unset_keys:
        return f"${origin.unset_keys[('api_key',)]} not set"
    if provider.api_key is None or not provider.api_key.get_secret_value():
        return "none"
    if origin is not None and ("api_key",) not in origin.substituted:
        return "in the file"
    return "set"


def unset_keys(config: OrchestifyConfig) -> list[tuple[str, str, str]]:
    """``(provider id, key path, variable)`` of each credential whose variable is unset."""
    found = []
    for pid, provider in config.providers.providers.items():
        origin = provider._origin
        if origin is None:
            continue
        for path, variable in origin.unset_keys.items():
            found.append((pid, ".".join(str(p) for p in path), variable))
    return found


def literal_credentials(config: OrchestifyConfig) -> list[ConfigError]:
    """A warning (as a located ConfigError) for each credential written into the file
    itself rather than through ``${VAR}``: ``api_key``, and header or option values whose
    name looks like a credential."""
    warnings = []
    for pid, provider in config.providers.providers.items():
        origin = provider._origin
        if origin is None:
            continue
        paths: list[tuple[str | int, ...]] = []
        if provider.api_key is not None and provider.api_key.get_secret_value():
            paths.append(("api_key",))
        paths += [("headers", name) for name in provider.headers if sensitive_name(name)]
        paths += [("options", name) for name, value in provider.options.items()
                  if sensitive_name(name) and isinstance(value, str) and value]  # fmt: skip
        for path in paths:
            if path in origin.substituted:
                continue
            file, line = origin.locate(path)
            warnings.append(
                ConfigError(
                    "a credential written into the file; write ${VARIABLE} and set it in "
                    "the environment (the value is not shown)",
                    file=file,
                    line=line,
                    path=".".join(("providers", pid, *(str(p) for p in path))),
                )
            )
    return warnings
