"""Every problem of a config, gathered in one pass and raised together, in line order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._paths import Location, Path, format_path
from .errors import ConfigError

__all__ = ["ConfigProblems", "Problems"]


class ConfigProblems(ConfigError):
    """Several problems of one config, as one :class:`ConfigError`.

    ``str()`` is one line per problem (``file:line: key.path: what``), in file and line
    order; ``problems`` holds each as a ConfigError of its own. ``file``, ``line``, ``path``
    and ``reason`` are those of the first.
    """

    def __init__(self, problems: Sequence[ConfigError]) -> None:
        if not problems:
            raise ValueError("ConfigProblems needs at least one problem")
        first = problems[0]
        super().__init__(first.reason, file=first.file, line=first.line, path=first.path)
        self.problems: tuple[ConfigError, ...] = tuple(problems)
        self.args = ("\n".join(str(problem) for problem in self.problems),)

    def __str__(self) -> str:
        return str(self.args[0])


def _lookup(locations: Mapping[Path, Location], path: Path) -> Location | None:
    while True:
        if path in locations:
            return locations[path]
        if not path:
            return None
        path = path[:-1]


class Problems:
    """The problems found so far, each located at its key's file and line.

    :param locations: Where each key path was written; filled in as documents are merged.
    :param default_file: The file named by a problem whose path has no location.
    """

    def __init__(self, locations: Mapping[Path, Location], default_file: str) -> None:
        self._locations = locations
        self._default_file = default_file
        self._found: list[ConfigError] = []
        self._paths: set[Path] = set()

    def error(self, path: Path, reason: str) -> ConfigError:
        """A ConfigError about ``path``, at its (or its nearest parent's) file and line."""
        file, line = _lookup(self._locations, path) or (self._default_file, None)
        return ConfigError(reason, file=file, line=line, path=format_path(path) or None)

    def add(self, path: Path, reason: str) -> None:
        """Record a problem; a second one at the same key (often a consequence of the
        first, like a type error about a value whose variable is unset) is dropped."""
        if path in self._paths:
            return
        self._paths.add(path)
        self._found.append(self.error(path, reason))

    def add_at(self, location: Location, path: Path, reason: str) -> None:
        """Record a problem at a given file and line (a key written twice: the second)."""
        file, line = location
        self._found.append(ConfigError(reason, file=file, line=line, path=format_path(path)))

    def __bool__(self) -> bool:
        return bool(self._found)

    def raise_if_any(self, files: Sequence[str] = ()) -> None:
        """Raise every problem at once, by file (in ``files`` order) and line."""
        if not self._found:
            return
        rank = {file: index for index, file in enumerate(files)}

        def position(item: tuple[int, ConfigError]) -> tuple[int, int, int]:
            index, error = item
            return (rank.get(error.file or "", len(rank)), error.line or 0, index)

        ordered = [error for _, error in sorted(enumerate(self._found), key=position)]
        raise ConfigProblems(ordered)
