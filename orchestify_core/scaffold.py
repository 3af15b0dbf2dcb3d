"""``orchestify plugin new NAME --protocol openai|anthropic``: a new provider plugin.

Writes a distribution in the layout of docs/plugin-contract.md: a pyproject with the
entry point, the package (``plugin.py`` and the ``_*.py`` modules), a README, a CHANGELOG
and a conformance test. The generated plugin talks plain httpx, so every byte it sends
and reads is in its own modules; installed as it is, it passes the conformance suite
against the loopback server of its protocol, and its author changes only the wire mapping.

Also runnable alone: ``python -m orchestify_core.scaffold new NAME --protocol openai``.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import attrs

__all__ = ["PROTOCOLS", "Scaffold", "ScaffoldError", "add_parser", "generate", "main", "run"]

PROTOCOLS = ("openai", "anthropic")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATES = "scaffold_templates"
_ROOT_FILES = {"pyproject.toml", "README.md", "CHANGELOG.md"}


class ScaffoldError(Exception):
    """A bad name, protocol or target directory; nothing was written."""


@attrs.frozen
class Scaffold:
    """The names one generated plugin uses."""

    name: str
    protocol: str

    @property
    def package(self) -> str:
        return f"orchestify_{self.name}"

    @property
    def distribution(self) -> str:
        return f"orchestify-{self.name.replace('_', '-')}"

    def replacements(self) -> dict[str, str]:
        openai = self.protocol == "openai"
        return {
            "__NAME__": self.name,
            "__PACKAGE__": self.package,
            "__DIST__": self.distribution,
            "__CLASS__": "".join(part.capitalize() for part in self.name.split("_")),
            "__MODEL__": f"{self.name.replace('_', '-')}-large",
            "__PROTOCOL_TITLE__": "OpenAI Chat Completions" if openai else "Anthropic Messages",
            "__PROTOCOL__": self.protocol,
            "__PATH__": "chat/completions" if openai else "v1/messages",
            "__PREFIX__": "/v1" if openai else "",
            "__ENV__": f"{self.name.upper()}_API_KEY",
        }


def _check(name: str, protocol: str, target: Path) -> None:
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"plugin name {name!r}: use lower-case letters, digits and '_', starting with a "
            "letter (it is the provider type users write, and part of the package name)"
        )
    if protocol not in PROTOCOLS:
        raise ScaffoldError(f"--protocol {protocol!r}: expected one of {', '.join(PROTOCOLS)}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target}: already exists and is not an empty directory")


def _destination(scaffold: Scaffold, relative: str) -> str:
    """Where a template (``common/x.py.tmpl``, without its folder) goes in the project."""
    name = relative.removesuffix(".tmpl")
    if name in _ROOT_FILES:
        return name
    if name == "tests/test_conformance.py":
        return f"tests/test_{scaffold.name}_conformance.py"
    return f"{scaffold.package}/{name}"


def _templates(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for item in folder.iterdir():
        if item.is_dir():
            found += _templates(item, f"{prefix}{item.name}/")
        elif item.name.endswith(".tmpl"):
            found.append((prefix + item.name, item))
    return found


def render(scaffold: Scaffold) -> dict[str, str]:
    """Every file of the project: relative path -> text."""
    root = resources.files("orchestify_core") / _TEMPLATES
    files: dict[str, str] = {}
    for folder in ("common", scaffold.protocol):
        for relative, template in _templates(root / folder):
            text = template.read_text(encoding="utf-8")
            for placeholder, value in scaffold.replacements().items():
                text = text.replace(placeholder, value)
            files[_destination(scaffold, relative)] = text
    return files


def generate(name: str, protocol: str, directory: Path | None = None) -> Path:
    """Write the project for plugin ``name`` into ``directory`` (default
    ``./orchestify_<name>``); returns the directory.

    :raises ScaffoldError: a bad name or protocol, or a directory that is not empty
        (nothing is written then).
    """
    target = directory if directory is not None else Path(f"orchestify_{name}")
    _check(name, protocol, target)
    files = render(Scaffold(name, protocol))
    for relative, text in sorted(files.items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plugin new NAME --protocol P [--dir DIR]`` to a CLI's subcommands."""
    plugin = subparsers.add_parser("plugin", help="write a new provider plugin")
    actions = plugin.add_subparsers(dest="plugin_command", required=True)
    _add_new(actions)


def _add_new(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    new = actions.add_parser(
        "new",
        help="write a provider plugin distribution that passes the conformance suite",
        description="Write a provider plugin distribution (pyproject, package, README, "
        "CHANGELOG, conformance test) that talks the given wire protocol over httpx.",
    )
    new.add_argument("name", metavar="NAME", help="the provider type, e.g. mistral")
    new.add_argument("--protocol", required=True, choices=PROTOCOLS,
                     help="the wire protocol the provider speaks")  # fmt: skip
    new.add_argument("--dir", type=Path, default=None,
                     help="where to write it (default ./orchestify_NAME)")  # fmt: skip
    new.set_defaults(scaffold_run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``plugin new``: 0 when written, 2 (with a one-line error) when refused."""
    try:
        target = generate(args.name, args.protocol, args.dir)
    except ScaffoldError as exc:
        print(f"orchestify plugin new: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {target}/ (provider type {args.name!r}, {args.protocol} protocol)")
    print(f"next: pip install -e '{target}[testing]' && pytest {target}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m orchestify_core.scaffold new NAME --protocol P [--dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m orchestify_core.scaffold")
    actions = parser.add_subparsers(dest="plugin_command", required=True)
    _add_new(actions)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
