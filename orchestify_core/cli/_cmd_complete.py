"""``orchestify complete``: stream (or return as JSON) one completion.

Only the provider asked for and its fallbacks are built (so only their SDKs are imported).
Usage goes to stderr: tokens (cached input counted in the input, and shown), cost, latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import TYPE_CHECKING, Any

import attrs

from ..config import AgentsConfig, OrchestifyConfig, ProvidersConfig
from ..errors import AgentNotFoundError, ProviderNotFoundError
from ..models import LLMMessage, LLMResponse
from ..usage import TokenUsage
from ._common import UsageError, add_config_option, endpoint, load, progress

if TYPE_CHECKING:
    from ..provider import LLMProvider
    from ..registry import ProviderRegistry

__all__ = ["add_parser", "response_json", "run"]

#: Seconds without an answer before a progress line says what is awaited.
PATIENCE = 1.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "complete",
        help="stream a completion to the terminal",
        description="Send one prompt to a provider (or an agent) and stream the answer to "
        "stdout; tokens, cost and latency follow on stderr. Ctrl-C stops the stream and "
        "still prints the usage of what was received.",
    )
    add_config_option(parser)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("-p", "--provider", metavar="ID", help="provider id from the config")
    target.add_argument("--agent", metavar="ID", help="agent id from the config")
    parser.add_argument("--model", help="model (default: the provider's or agent's)")
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="output token limit")
    parser.add_argument("--temperature", type=float, metavar="T", help="sampling temperature")
    parser.add_argument("--thinking", action="store_true", help="extended thinking")
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="per attempt (default: the config's)"
    )
    parser.add_argument(
        "--max-retries", type=int, metavar="N", help="retries after the first attempt"
    )
    parser.add_argument(
        "--no-fallback", action="store_true", help="do not fail over to the configured fallbacks"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the whole response as JSON (field names as in LLMResponse)",
    )
    parser.add_argument("prompt", help="the prompt, or - to read it from stdin")


def run(args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.max_retries is not None and args.max_retries < 0:
        raise UsageError("--max-retries must not be negative")
    config = _needed(load(args), args)
    from ..registry import ProviderRegistry

    progress(args, f"loading the {_types(config)} plugin ...")
    registry = ProviderRegistry.from_config(config)
    provider = registry.get_for_agent(args.agent) if args.agent else registry.get(args.provider)
    messages = []
    if args.system:
        messages.append(LLMMessage(role="system", content=args.system))
    messages.append(LLMMessage(role="user", content=prompt))
    return asyncio.run(_complete(registry, provider, messages, args))


def _types(config: OrchestifyConfig) -> str:
    return ", ".join(sorted({p.type for p in config.providers.providers.values()}))


def _needed(config: OrchestifyConfig, args: argparse.Namespace) -> OrchestifyConfig:
    """The config cut down to the provider asked for and its fallbacks (transitively); the
    rest (ledger, budgets, fleet, plugins, response cache) is kept, so the command's calls
    are recorded, held to budgets and cached like an engine's."""
    providers = config.providers.providers
    agents = config.agents.agents
    if args.agent:
        if args.agent not in agents:
            raise AgentNotFoundError(args.agent, agents)
        first = agents[args.agent].provider
        agents = {args.agent: agents[args.agent]}
    else:
        if args.provider not in providers:
            raise ProviderNotFoundError(args.provider, providers)
        first, agents = args.provider, {}
    wanted = [first]
    for pid in wanted:
        if not args.no_fallback:
            wanted += [f for f in providers[pid].fallbacks if f not in wanted]
    kept = {pid: providers[pid] for pid in wanted}
    if args.no_fallback:
        kept = {pid: attrs.evolve(p, fallbacks=()) for pid, p in kept.items()}
    return attrs.evolve(config, providers=ProvidersConfig(kept), agents=AgentsConfig(agents))


async def _complete(
    registry: ProviderRegistry,
    provider: LLMProvider,
    messages: list[LLMMessage],
    args: argparse.Namespace,
) -> int:
    kwargs: dict[str, Any] = {
        "model": args.model,
        "max_tokens": args.max_tokens,
        "temperature": args.temperature,
        "thinking": args.thinking or None,
        "timeout": args.timeout,
        "max_retries": args.max_retries,
    }
    if args.no_fallback:
        kwargs["fallbacks"] = []
    started = time.perf_counter()
    waiting = asyncio.get_running_loop().call_later(
        PATIENCE,
        progress,
        args,
        f"waiting for {provider.provider_id} at {endpoint(provider.config)} ...",
    )
    response: LLMResponse | None = None
    interrupted = False
    try:
        if args.json:
            response = await provider.complete(messages, **kwargs)
        else:
            response, interrupted = await _stream(provider, messages, kwargs, waiting)
    finally:
        waiting.cancel()
        await registry.aclose()
    elapsed = time.perf_counter() - started
    if args.json:
        assert response is not None
        json.dump(response_json(response), sys.stdout, indent=2)
        sys.stdout.write("\n")
    _usage_line(registry, elapsed, interrupted)
    return 130 if interrupted else 0


async def _stream(
    provider: LLMProvider,
    messages: list[LLMMessage],
    kwargs: dict[str, Any],
    waiting: asyncio.TimerHandle,
) -> tuple[LLMResponse | None, bool]:
    stream = provider.stream(messages, **kwargs)
    interrupted = False
    try:
        async for chunk in stream:
            waiting.cancel()
            sys.stdout.write(chunk)
            sys.stdout.flush()
    except asyncio.CancelledError:
        interrupted = True
    finally:
        await stream.aclose()
    sys.stdout.write("\n")
    return stream.response, interrupted


def response_json(response: LLMResponse) -> dict[str, Any]:
    """The response as JSON, named as :class:`LLMResponse` names it. ``cost_usd`` is the
    exact Decimal as a string (or null when unpriced); ``latency_s`` is rounded to ms."""
    return {
        "content": response.content,
        "model": response.model,
        "provider_id": response.provider_id,
        "provider_type": response.provider_type,
        "finish_reason": str(response.finish_reason),
        "raw_finish_reason": response.raw_finish_reason,
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": dict(c.arguments)}
            for c in response.tool_calls
        ],
        "thinking": response.thinking or None,
        "tokens_input": response.tokens_input,
        "tokens_output": response.tokens_output,
        "cache_read_tokens": response.cache_read_tokens,
        "cache_write_tokens": response.cache_write_tokens,
        "reasoning_tokens": response.reasoning_tokens,
        "usage_estimated": response.usage_estimated,
        "cost_usd": None if response.cost_usd is None else str(response.cost_usd),
        "latency_s": None if response.latency_s is None else round(response.latency_s, 3),
        "attempts": response.attempts,
        "cached": response.cached,
    }


def _usage_line(registry: ProviderRegistry, elapsed: float, interrupted: bool) -> None:
    """Tokens, cost and latency of the call, fallbacks' attempts included, on stderr."""
    usage = sum(registry.get_total_usage().values(), TokenUsage())
    cost = "unpriced" if usage.unpriced_attempts else f"${usage.cost:.6f}"
    cached = usage.total_cache_read + usage.total_cache_write
    parts = [
        f"tokens: {usage.total_input} in ({cached} of them cached), {usage.total_output} out",
        f"cost: {cost}",
        f"latency: {elapsed:.2f}s",
    ]
    if usage.estimated_attempts:
        parts.append("estimated")
    if usage.cache_hits:
        parts.append(f"from the response cache (saved ${usage.saved_cost:.6f})")
    if interrupted:
        parts.append("interrupted")
    print(" | ".join(parts), file=sys.stderr)
