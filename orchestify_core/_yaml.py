"""Safe YAML reading that remembers where every key came from.

The file is only *composed* (parsed into nodes), never constructed, so no tag can build a
Python object. Values are built here from plain scalars, mappings and sequences; anything
else is refused. Each value's path is recorded with its file and line so that config errors
can point at them. Aliases are expanded within a budget, which stops alias bombs.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ._paths import Location, Path, format_path
from .errors import ConfigError

__all__ = ["read_yaml"]

_TAG = "tag:yaml.org,2002:"
_MAX_NODES = 100_000
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.locations: dict[Path, Location] = {}
        self.budget = _MAX_NODES

    def fail(self, node: Node, reason: str, path: Path) -> ConfigError:
        return ConfigError(
            reason, file=self.file, line=node.start_mark.line + 1, path=format_path(path) or None
        )

    def build(self, node: Node, path: Path) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(node, "document too large (recursive or exploding aliases?)", path)
        self.locations.setdefault(path, (self.file, node.start_mark.line + 1))
        if isinstance(node, MappingNode):
            return self.build_mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != f"{_TAG}seq":
                raise self.fail(node, f"tag {node.tag!r} is not allowed", path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self.build_scalar(node, path)
        raise self.fail(node, "unsupported YAML node", path)  # pragma: no cover

    def build_mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        if node.tag != f"{_TAG}map":
            raise self.fail(node, f"tag {node.tag!r} is not allowed", path)
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged.update(self.build_merge(value_node, path))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise self.fail(key_node, "mapping keys must be plain scalars", path)
            key = str(key_node.value)
            if key in result:
                raise self.fail(key_node, f"duplicate key {key!r}", path)
            self.locations[(*path, key)] = (self.file, key_node.start_mark.line + 1)
            result[key] = self.build(value_node, (*path, key))
        return {**merged, **result}

    def build_merge(self, node: Node, path: Path) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.fail(source, "'<<' merges mappings only", path)
            for key, value in self.build_mapping(source, path).items():
                merged.setdefault(key, value)
        return merged

    def build_scalar(self, node: ScalarNode, path: Path) -> Any:
        tag, text = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            raise self.fail(node, f"tag {tag!r} is not allowed", path)
        if tag == f"{_TAG}str":
            return text
        if tag == f"{_TAG}null":
            return None
        if tag == f"{_TAG}bool":
            return text.lower() == "true"
        if tag == f"{_TAG}int":
            cleaned = text.replace("_", "")
            return int(cleaned) if cleaned.lstrip("+-").isdigit() else int(cleaned, 0)
        lowered = text.lower()
        if lowered in (".inf", "+.inf"):
            return float("inf")
        if lowered == "-.inf":
            return float("-inf")
        if lowered == ".nan":
            return float("nan")
        return float(text.replace("_", ""))


def read_yaml(text: str, file: str) -> tuple[Any, dict[Path, Location]]:
    """Parse ``text`` into plain values and the location of every path in it."""
    yaml = YAML(typ="safe", pure=True)
    try:
        node = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        raise ConfigError(f"invalid YAML: {reason}", file=file, line=line) from None
    except YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=file) from None
    if node is None:
        return None, {}
    builder = _Builder(file)
    try:
        value = builder.build(node, ())
    except RecursionError:
        raise ConfigError("document nested too deeply", file=file) from None
    return value, builder.locations
