"""``orchestify batch submit|status|results|cancel``: provider batch APIs from the shell.

``submit FILE.jsonl -p PROVIDER`` reads one request per line: a JSON object with
``complete()``'s arguments (``messages`` required; ``model``, ``max_tokens``,
``temperature``, ``tools``, ``thinking``, ``tool_choice``, ``thinking_budget``, ``stop``,
``extra``) and an optional ``custom_id``, and prints the batch id. With a ``ledger:`` in
the config, the job is recorded there, so ``status``, ``results`` and ``cancel`` need only
the id (from any process, after any restart); without one, name the provider with ``-p``.
``results`` writes one JSON line per request to stdout, accounting each result once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import UsageError, add_config_option, add_json_option, load, progress, write_json

if TYPE_CHECKING:
    from ..batch import BatchItemResult, BatchJob, BatchStatus
    from ..provider import LLMProvider
    from ..registry import ProviderRegistry

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = subparsers.add_parser(
        "batch",
        help="provider batch APIs: submit, status, results, cancel",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    actions = batch.add_subparsers(dest="action", metavar="ACTION", required=True)
    submit = actions.add_parser("submit", help="submit a JSONL file of requests as one batch")
    submit.add_argument("file", metavar="FILE.jsonl", help="one request per line ('-': stdin)")
    submit.add_argument("-p", "--provider", required=True, help="the provider id")
    for name, text in (
        ("status", "where a batch is"),
        ("results", "every request's result, one JSON line each"),
        ("cancel", "cancel a batch"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("batch_id", metavar="ID", help="the provider's batch id")
        action.add_argument("-p", "--provider", help="the provider id (default: the ledger's)")
        if name == "results":
            action.add_argument(
                "--new", action="store_true", help="only results not collected before"
            )
            action.add_argument("--no-wait", action="store_true", help="fail if it has not ended")
            action.add_argument(
                "--poll-interval",
                type=float,
                default=10.0,
                metavar="SECONDS",
                help="first wait between polls (default 10; backs off to 300)",
            )
    for action in actions.choices.values():
        add_config_option(action)
        add_json_option(action)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from ..registry import ProviderRegistry

    requests = _read_requests(args.file) if args.action == "submit" else None
    registry = ProviderRegistry.from_config(load(args))
    try:
        if requests is not None:
            job = await registry.get(args.provider).batch(requests)
            return _print_submitted(args, job)
        job = (await _provider_of(registry, args)).batch_job(args.batch_id)
        if args.action == "results":
            return await _results(args, job)
        status = await (job.cancel() if args.action == "cancel" else job.status())
        return _print_status(args, status)
    finally:
        await registry.aclose()


def _read_requests(path: str) -> list[dict[str, Any]]:
    """The requests of a JSONL file; a bad line is a UsageError naming it."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    requests: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{number}: not JSON: {exc}") from None
        if not isinstance(request, dict):
            raise UsageError(
                f"{path}:{number}: expected a JSON object, got {type(request).__name__}"
            )
        requests.append(request)
    if not requests:
        raise UsageError(f"{path}: no requests (one JSON object per line)")
    return requests


async def _provider_of(registry: ProviderRegistry, args: argparse.Namespace) -> LLMProvider:
    """The provider ``-p`` names, else the one the ledger recorded the batch with."""
    if args.provider:
        return registry.get(args.provider)
    ledger = registry.ledger
    record = None
    if ledger is not None:
        try:
            record = await ledger.store.batch_job(args.batch_id)
        except NotImplementedError:
            record = None
    if record is None:
        where = "the config has no ledger:" if ledger is None else "the ledger has no record of it"
        raise UsageError(f"batch {args.batch_id}: {where}; name its provider with -p")
    return registry.get(record.provider_id)


def _status_dict(status: BatchStatus) -> dict[str, Any]:
    counts = status.counts
    return {
        "id": status.id,
        "provider": status.provider_id,
        "state": status.state.value,
        "provider_state": status.provider_state,
        "detail": status.detail,
        "processing": counts.processing,
        "succeeded": counts.succeeded,
        "errored": counts.errored,
        "expired": counts.expired,
        "cancelled": counts.cancelled,
        "created_at": status.created_at.isoformat() if status.created_at else None,
        "expires_at": status.expires_at.isoformat() if status.expires_at else None,
        "ended_at": status.ended_at.isoformat() if status.ended_at else None,
    }


def _print_submitted(args: argparse.Namespace, job: BatchJob) -> int:
    if args.json:
        assert job.last_status is not None
        write_json(sys.stdout, _status_dict(job.last_status))
    else:
        print(job.id)
    return 0


def _print_status(args: argparse.Namespace, status: BatchStatus) -> int:
    data = _status_dict(status)
    if args.json:
        write_json(sys.stdout, data)
        return 0
    counts = ", ".join(f"{name} {data[name]}" for name in
                       ("processing", "succeeded", "errored", "expired", "cancelled"))  # fmt: skip
    print(f"{status.id} ({status.provider_id}): {status.state.value}; {counts}")
    if status.detail:
        print(f"  {status.detail}")
    return 0


def _result_dict(result: BatchItemResult) -> dict[str, Any]:
    response = result.response
    return {
        "custom_id": result.custom_id,
        "outcome": result.outcome.value,
        "content": response.content if response is not None else None,
        "model": response.model if response is not None else None,
        "finish_reason": str(response.finish_reason) if response is not None else None,
        "input_tokens": response.tokens_input if response is not None else 0,
        "output_tokens": response.tokens_output if response is not None else 0,
        "cost_usd": None if result.cost is None else str(result.cost),
        "error": f"{type(result.error).__name__}: {result.error}" if result.error else None,
        "collected_before": result.collected_before,
    }


async def _results(args: argparse.Namespace, job: BatchJob) -> int:
    polling = {"poll_interval": args.poll_interval, "max_interval": max(args.poll_interval, 300.0)}
    progress(args, f"batch {job.id}: waiting for its results")
    outcomes: dict[str, int] = {}
    fresh = 0
    async for result in job.results(wait=not args.no_wait, new_only=args.new, **polling):
        sys.stdout.write(json.dumps(_result_dict(result)) + "\n")
        sys.stdout.flush()
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
        fresh += not result.collected_before
    summary = ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items())) or "none"
    progress(args, f"batch {job.id}: {summary}; {fresh} accounted now")
    return 0
