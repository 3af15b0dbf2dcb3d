"""The orchestify command: plugins, providers, config checks, completions, the demo.

Errors are one line each on stderr and a non-zero exit status (2: bad config or usage,
1: a provider failed); --debug adds the traceback. Global options (-v, --debug) go
anywhere on the line.

Subcommands live in modules of their own, each with ``add_parser(subparsers)`` and
``run(args) -> int``, listed in :data:`COMMANDS`; only the module of the subcommand that
runs is imported (start-up stays fast), and a listed module that is not installed is left
out of the command.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from ..errors import ConfigError, OrchestifyError, PluginError, ProviderError
from ._common import UsageError

__all__ = ["COMMANDS", "main"]

#: Subcommand -> (module with ``add_parser`` and ``run``, one-line help). A module may
#: serve several subcommands (its ``run`` reads ``args.command``).
COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("orchestify_core.cli._cmd_plugins", "list the installed provider plugins"),
    "models": ("orchestify_core.cli._cmd_models", "list the models each installed plugin knows"),
    "providers": ("orchestify_core.cli._cmd_providers", "show the configured providers"),
    "check": ("orchestify_core.cli._cmd_check", "validate a config, optionally reach providers"),
    "complete": ("orchestify_core.cli._cmd_complete", "stream a completion to the terminal"),
    "demo": ("orchestify_core.cli._cmd_demo", "run every plugin against local servers"),
    "plugin": ("orchestify_core.scaffold", "create a new provider plugin"),
    "usage": ("orchestify_core.cli_usage", "show recorded usage"),
    "budgets": ("orchestify_core.cli_usage", "show spending budgets"),
    "batch": ("orchestify_core.cli._cmd_batch", "provider batch APIs: submit, status, results"),
}

_DESCRIPTION = "orchestify: one async interface to many LLM providers, through plugins."
_EPILOG = (
    "The config is -c PATH, else $ORCHESTIFY_CONFIG, else ./orchestify.yaml, else "
    "$XDG_CONFIG_HOME/orchestify/config.yaml. 'orchestify COMMAND --help' describes a command."
)


def _split_globals(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The global flags, wherever they are on the line (up to ``--``), and the rest."""
    flags = argparse.Namespace(debug=False, verbose=0, version=False)
    rest: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--":
            rest += argv[index:]
            break
        if arg == "--debug":
            flags.debug = True
        elif arg == "--verbose":
            flags.verbose += 1
        elif arg.startswith("-v") and set(arg[1:]) == {"v"}:
            flags.verbose += len(arg) - 1
        elif arg in ("--version", "-V"):
            flags.version = True
        else:
            rest.append(arg)
    return flags, rest


def _add_globals(parser: argparse.ArgumentParser) -> None:
    """The global flags, for --help (they are taken off the line before parsing)."""
    group = parser.add_argument_group("global options (anywhere on the line)")
    group.add_argument(
        "-v", "--verbose", action="count", help="show retries, failovers, progress (-vv: more)"
    )
    group.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _parser(chosen: str | None) -> tuple[argparse.ArgumentParser, ModuleType | None]:
    """The parser, with the real sub-parser(s) of the chosen command's module only."""
    parser = argparse.ArgumentParser(prog="orchestify", description=_DESCRIPTION, epilog=_EPILOG)
    parser.add_argument("-V", "--version", action="store_true", help="print the version")
    _add_globals(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    target = COMMANDS.get(chosen or "", (None, ""))[0]
    module = importlib.import_module(target) if target and _available(target) else None
    for name, (module_name, help_text) in COMMANDS.items():
        if module is not None and module_name == target:
            continue
        if _available(module_name):
            subparsers.add_parser(name, help=help_text, description=help_text)
    if module is not None:
        module.add_parser(subparsers)
        for name, (module_name, _) in COMMANDS.items():
            sub = subparsers.choices.get(name)
            if module_name == target and sub is not None:
                # a module with flags of the same names keeps its own
                with contextlib.suppress(argparse.ArgumentError):
                    _add_globals(sub)
    return parser, module


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("orchestify-core")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a tree
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orchestify`` console script.

    Run as the command (``argv`` None), the process ends as soon as its output is flushed:
    the interpreter's teardown of the SDKs' modules (whole seconds for LiteLLM) and their
    exit handlers are skipped, since every client was closed already. Called with an
    ``argv``, it returns the exit status instead.
    """
    status = _run(list(sys.argv[1:] if argv is None else argv))
    if argv is None:
        _exit_now(status)
    return status


def _exit_now(status: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to write to
            stream.flush()
    os._exit(status)


def _run(argv: list[str]) -> int:
    flags, rest = _split_globals(argv)
    if flags.version:
        print(f"orchestify {_version()} (orchestify-core, Python {sys.version.split()[0]})")
        return 0
    chosen = next((arg for arg in rest if not arg.startswith("-")), None)
    parser, module = _parser(chosen)
    args = parser.parse_args(rest)
    args.debug, args.verbose = flags.debug, flags.verbose
    if module is None:
        parser.print_help(sys.stderr)
        return 2
    from ._logging import setup_logging

    setup_logging(args.verbose, args.debug)
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`orchestify plugins | head`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except (UsageError, ConfigError, PluginError) as exc:
        return _fail(args, exc, 2)
    except (OrchestifyError, KeyError) as exc:
        return _fail(args, exc, 1 if isinstance(exc, ProviderError) else 2)


def _fail(args: argparse.Namespace, exc: BaseException, status: int) -> int:
    """One ``orchestify: error:`` line per problem (a config can have several)."""
    if args.debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    text = str(exc)
    lines = text.splitlines() if isinstance(exc, ConfigError) else [text.replace("\n", " ")]
    for line in lines or [""]:
        print(f"orchestify: error: {line}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
