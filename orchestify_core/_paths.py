"""Key paths into a configuration document, and their printed form."""

from __future__ import annotations

__all__ = ["Location", "Path", "format_path"]

Path = tuple[str | int, ...]
Location = tuple[str, int]


def format_path(path: Path) -> str:
    """``('providers', 'claude_main', 'max_tokens')`` -> ``providers.claude_main.max_tokens``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
