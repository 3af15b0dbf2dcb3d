"""Safe YAML reading, within budgets, that remembers where every key came from.

The file is only *composed* (parsed into nodes), never constructed, so no tag can build a
Python object. Values are built here from plain scalars, mappings and sequences; anything
else is refused. Each value's path is recorded with its file and line so that config errors
can point at them.

No YAML feature gets around the budgets, and each ends in one :class:`ConfigError`:

- the file's size (:data:`MAX_BYTES`), checked before it is parsed;
- the nodes written in a document (:data:`MAX_NODES`) and their nesting
  (:data:`MAX_DEPTH`), checked while composing;
- the values built once aliases and ``<<`` merge keys are expanded (:data:`MAX_VALUES`, every
  merged key counted) and their nesting, checked while building.

Scalars are always read as YAML 1.2 (core schema): ``true``/``false`` are the only booleans
(``yes``, ``no``, ``on``, ``off`` are strings, which a boolean setting then refuses), ``0777``
is decimal and ``1:30`` is a string. A ``%YAML 1.1`` directive is refused rather than
silently read with other rules than the author meant. Explicit ``!!int``, ``!!float``,
``!!bool`` and ``!!null`` tags must hold a value of their type, and integers have at most
:data:`MAX_INT_DIGITS` digits (Python's own 4,300-digit limit is never reached).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scanner import Scanner

from ._paths import Location, Path, format_path
from .errors import ConfigError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_NODES",
    "MAX_VALUES",
    "read_config_file",
    "read_yaml",
]

#: Largest config file read, in bytes.
MAX_BYTES = 256 * 1024
#: Deepest nesting of mappings and sequences, in the document and once aliases are expanded.
MAX_DEPTH = 64
#: Most nodes written in one document (ruamel composes some 20,000 a second; a directory of
#: files takes more, file by file).
MAX_NODES = 5_000
#: Most values built from one document, aliases and merge keys expanded.
MAX_VALUES = 50_000
#: Most digits of an integer.
MAX_INT_DIGITS = 18

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(
    r"[-+]?(?:0x(?P<hex>[0-9a-fA-F]+)|0o(?P<oct>[0-7]+)|0b(?P<bin>[01]+)|(?P<dec>[0-9]+))"
)
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}


class _Refused(Exception):
    """A budget or rule broken while composing; carries the YAML mark of the node."""

    def __init__(self, reason: str, mark: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.mark = mark


class _BudgetScanner(Scanner):
    """ruamel's scanner, refusing flow collections nested deeper than :data:`MAX_DEPTH`.

    Checked here, not only in the composer: the scanner looks ahead up to 1,024 characters
    for a possible simple key after every ``[`` and ``{``, which alone costs half a second
    on a line of brackets.
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: Any) -> None:
        if len(self.flow_context) >= MAX_DEPTH:
            raise _Refused(
                f"nested too deeply (more than {MAX_DEPTH} levels)", self.reader.get_mark()
            )
        super().fetch_flow_collection_start(TokenClass, to_push)


class _BudgetComposer(Composer):
    """ruamel's composer, counting nodes and refusing any ``%YAML`` version but 1.2."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False
        self.nodes = 0

    def compose_document(self: Any) -> Any:
        event = self.parser.peek_event()
        version = event.version if isinstance(event, DocumentStartEvent) else None
        if version is not None and tuple(version) != (1, 2):
            major, minor = version
            raise _Refused(
                f"%YAML {major}.{minor} is not supported: the config is read as YAML 1.2 "
                "(yes/no/on/off are strings, 0777 is decimal); remove the directive",
                event.start_mark,
            )
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            mark = self.parser.peek_event().start_mark
            raise _Refused(f"document too large (more than {MAX_NODES} nodes)", mark)
        return super().compose_node(parent, index)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.locations: dict[Path, Location] = {}
        self.budget = MAX_VALUES

    def fail(self, node: Node, reason: str, path: Path) -> ConfigError:
        return ConfigError(
            reason, file=self.file, line=node.start_mark.line + 1, path=format_path(path) or None
        )

    def charge(self, node: Node, path: Path, cost: int = 1) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise self.fail(
                node,
                f"document too large (over {MAX_VALUES} values once aliases are expanded)",
                path,
            )
        if len(path) > MAX_DEPTH:
            raise self.fail(node, f"nested too deeply (more than {MAX_DEPTH} levels)", path)

    def build(self, node: Node, path: Path) -> Any:
        self.charge(node, path)
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
        """``<<: *a`` or ``<<: [*a, *b]``: every source and every merged key is charged."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.fail(source, "'<<' merges mappings only", path)
            self.charge(source, path)
            built = self.build_mapping(source, path)
            self.charge(source, path, len(built))
            for key, value in built.items():
                merged.setdefault(key, value)
        return merged

    def build_scalar(self, node: ScalarNode, path: Path) -> Any:
        tag, text = node.tag, str(node.value)
        if tag not in _SCALAR_TAGS:
            raise self.fail(node, f"tag {tag!r} is not allowed", path)
        kind = tag.removeprefix(_TAG)
        if kind == "str":
            return text
        if kind == "null" and text in _NULLS:
            return None
        if kind == "bool" and text in _BOOLS:
            return _BOOLS[text]
        if kind == "int":
            return self.build_int(node, text, path)
        if kind == "float":
            if text.lower() in _SPECIAL_FLOATS:
                return _SPECIAL_FLOATS[text.lower()]
            if _FLOAT.fullmatch(text.replace("_", "")):
                return float(text.replace("_", ""))
        raise self.fail(node, f"{_shown(text)} is not a valid !!{kind}", path)

    def build_int(self, node: ScalarNode, text: str, path: Path) -> int:
        match = _INT.fullmatch(text.replace("_", ""))
        if match is None:
            raise self.fail(node, f"{_shown(text)} is not a valid !!int", path)
        base, digits = next((k, v) for k, v in match.groupdict().items() if v is not None)
        if len(digits) > MAX_INT_DIGITS:
            raise self.fail(
                node, f"integer too large ({len(digits)} digits, at most {MAX_INT_DIGITS})", path
            )
        value = int(digits, {"hex": 16, "oct": 8, "bin": 2, "dec": 10}[base])
        return -value if match.group(0).startswith("-") else value


def _shown(text: str) -> str:
    """A scalar for an error message, cut short."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def read_config_file(file: str | os.PathLike[str]) -> str:
    """The text of a config file, refused at once when it is over :data:`MAX_BYTES`."""
    name = os.fspath(file)
    try:
        with open(name, "rb") as stream:
            data = stream.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                size = os.fstat(stream.fileno()).st_size
                shown = f"{size} bytes" if size > MAX_BYTES else f"over {MAX_BYTES} bytes"
                raise ConfigError(
                    f"file too large ({shown}; the limit is {MAX_BYTES} bytes)", file=name
                )
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc.__class__.__name__}", file=name) from None


def read_yaml(text: str, file: str) -> tuple[Any, dict[Path, Location]]:
    """Parse ``text`` into plain values and the location of every path in it."""
    if len(text) > MAX_BYTES:
        raise ConfigError(
            f"document too large ({len(text)} characters; the limit is {MAX_BYTES})", file=file
        )
    node = _compose(text, file)
    if node is None:
        return None, {}
    builder = _Builder(file)
    try:
        value = builder.build(node, ())
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops well before
        raise ConfigError("document nested too deeply", file=file) from None
    return value, builder.locations


def _compose(text: str, file: str) -> Node | None:
    yaml = YAML(typ="safe", pure=True)
    yaml.Scanner = _BudgetScanner
    yaml.Composer = _BudgetComposer
    yaml.max_depth = MAX_DEPTH
    try:
        node: Node | None = yaml.compose(text)
    except _Refused as exc:
        raise ConfigError(exc.reason, file=file, line=_line(exc.mark)) from None
    except MaxDepthExceededError as exc:
        line = _line(exc.problem_mark)
        raise ConfigError(
            f"nested too deeply (more than {MAX_DEPTH} levels)", file=file, line=line
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        raise ConfigError(f"invalid YAML: {reason}", file=file, line=_line(mark)) from None
    except YAMLError as exc:
        raise ConfigError(f"invalid YAML: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:
        raise ConfigError("document nested too deeply", file=file) from None
    return node


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None
