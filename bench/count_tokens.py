"""``python -m bench.count_tokens``: how close each plugin's token count is to the reference
on a corpus of 40 requests, and what a count costs; prints Markdown (docs/benchmarks.md).

References: tiktoken (orchestify-openai's count, OpenAI's tokenizer and chat overheads) for
the OpenAI models; the count endpoint for Claude, here the loopback server's documented
stand-in rule (Claude's tokenizer is not public, see
``orchestify_core/testing/servers/_count_tokens.py``). Costs are medians of 5 rounds of
``provider.count_tokens()`` calls (request building and validation included); the endpoint
count's includes the loopback server, in the same process.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from orchestify_core import LLMProvider, ProviderRegistry, loads_config
from orchestify_core._counting import fit_window
from orchestify_core.requests import CallArgs
from orchestify_core.testing.servers import AnthropicServer

from ._token_corpus import CORPUS, Sample

CONFIG = """
providers:
  claude: {{type: anthropic, default_model: claude-sonnet-4-6, base_url: "{url}",
           api_key: sk-bench}}
  gpt: {{type: openai, default_model: gpt-4o, base_url: "http://127.0.0.1:9/v1",
        api_key: sk-bench}}
  lite: {{type: litellm, default_model: openai/gpt-4o, base_url: "http://127.0.0.1:9/v1",
         api_key: sk-bench}}
  core: {{type: scripted, default_model: s1}}
"""


def _errors(estimates: Sequence[int], references: Sequence[int]) -> dict[str, float]:
    relative = [(e - r) / r for e, r in zip(estimates, references, strict=True)]
    absolute = [abs(x) for x in relative]
    return {
        "mean |error| %": 100 * statistics.fmean(absolute),
        "median |error| %": 100 * statistics.median(absolute),
        "max |error| %": 100 * max(absolute),
        "within 10 %": 100 * sum(x <= 0.10 for x in absolute) / len(absolute),
        "bias %": 100 * statistics.fmean(relative),
    }


async def _counts(provider: LLMProvider, offline: bool) -> list[int]:
    return [
        (await provider.count_tokens(s.messages, list(s.tools), offline=offline)).input_tokens
        for s in CORPUS
    ]


async def _cost_us(provider: LLMProvider, sample: Sample, offline: bool, n: int = 200) -> float:
    rounds = []
    tools = list(sample.tools)
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            await provider.count_tokens(sample.messages, tools, offline=offline)
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


def _preflight_us(provider: LLMProvider, sample: Sample, n: int = 2000) -> float:
    request = provider._build_request(CallArgs(sample.messages, max_tokens=1000), None)
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            fit_window(provider, request)
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{c:.1f}" if isinstance(c, float) else str(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def _accuracy(p: dict[str, LLMProvider]) -> str:
    tiktoken_counts = await _counts(p["gpt"], offline=False)
    endpoint = await _counts(p["claude"], offline=False)
    claude_offline = await _counts(p["claude"], offline=True)
    lite = await _counts(p["lite"], offline=True)
    core = await _counts(p["core"], offline=True)
    text = [i for i, s in enumerate(CORPUS) if not s.tools and s.kind != "image"]
    rows = []
    for label, estimates, reference in (
        ("OpenAI gpt-4o: the core's estimate (4 chars a token)", core, tiktoken_counts),
        ("OpenAI gpt-4o: orchestify-litellm (litellm.token_counter)", lite, tiktoken_counts),
        ("Claude: orchestify-claude offline estimate", claude_offline, endpoint),
        ("Claude: the core's estimate (4 chars a token)", core, endpoint),
        (
            "Claude offline estimate vs tiktoken o200k_base, text-only samples (a real BPE)",
            [claude_offline[i] for i in text],
            [tiktoken_counts[i] for i in text],
        ),
    ):
        e = _errors(estimates, reference)
        rows.append([label, *e.values()])
    header = ["count vs reference", "mean abs. error %", "median abs. error %",
              "max abs. error %", "within 10 % (share)", "bias %"]  # fmt: skip
    kinds = sorted({s.kind for s in CORPUS})
    by_kind = []
    for kind in kinds:
        index = [i for i, s in enumerate(CORPUS) if s.kind == kind]
        ref = [tiktoken_counts[i] for i in index]
        by_kind.append([kind, len(index), sum(ref),
                        _errors([core[i] for i in index], ref)["bias %"],
                        _errors([claude_offline[i] for i in index],
                                [endpoint[i] for i in index])["bias %"]])  # fmt: skip
    kind_header = ["kind", "samples", "tiktoken tokens", "core estimate vs tiktoken, bias %",
                   "Claude offline vs endpoint, bias %"]  # fmt: skip
    return _table(header, rows) + "\n\n" + _table(kind_header, by_kind)


async def _costs(p: dict[str, LLMProvider]) -> str:
    short = next(s for s in CORPUS if s.kind == "conversation")
    long = max(CORPUS, key=lambda s: sum(len(m.text) for m in s.messages))
    rows = []
    for label, provider, offline in (
        ("orchestify-claude, count endpoint (loopback)", p["claude"], False),
        ("orchestify-claude, offline estimate", p["claude"], True),
        ("orchestify-openai, tiktoken", p["gpt"], True),
        ("orchestify-litellm, litellm.token_counter", p["lite"], True),
        ("core estimate (a plugin without a count)", p["core"], True),
    ):
        n = 50 if not offline else 200
        rows.append([label, await _cost_us(provider, short, offline, n),
                     await _cost_us(provider, long, offline, n)])  # fmt: skip
    header = ["count", "us, 4-message conversation", "us, 3,200-character prompt"]
    preflight = [
        [name, _preflight_us(p[name], short)] for name in ("claude", "gpt", "lite", "core")
    ]
    return (
        _table(header, rows)
        + "\n\nPre-flight check on the hot path (a request that fits: the upper bound only):\n\n"
        + _table(["provider", "us per request"], preflight)
    )


async def main() -> None:
    async with AnthropicServer(record_limit=0) as server:
        registry = ProviderRegistry.from_config(
            loads_config(CONFIG.format(url=server.base_url), environ={})
        )
        providers = {name: registry.get(name) for name in ("claude", "gpt", "lite", "core")}
        started = time.perf_counter()
        await providers["gpt"].count_tokens(CORPUS[0].messages)
        first = time.perf_counter() - started
        print(f"{len(CORPUS)} requests in the corpus\n")
        print(await _accuracy(providers), "\n")
        print(await _costs(providers), "\n")
        from orchestify_litellm._import import import_cost
        from orchestify_openai._encodings import load_seconds

        loads = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in load_seconds.items())
        print(f"First count of the openai type: {first * 1000:.0f} ms (encoding loads: {loads})")
        print(f"import litellm: {import_cost()}")
        await registry.aclose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
