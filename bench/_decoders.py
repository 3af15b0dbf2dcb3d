"""The JSON decoders the plugins could use, timed on the wire's own messages.

``python -m bench._decoders`` times the standard library's ``json.loads``, ``orjson.loads``
and msgspec (untyped, and typed into structs for the two hottest shapes) on what the
loopback servers send: an Anthropic text delta event, an OpenAI text chunk, and a whole
Anthropic message and OpenAI completion. Decoders that are not installed are skipped.
Each figure is the best of several repeats (nanoseconds per decode), so that a busy
machine disturbs it as little as possible.
"""

import importlib.util
import json
import sys
import timeit
from collections.abc import Callable
from typing import Any

__all__ = ["SAMPLES", "main", "measure"]

SAMPLES: dict[str, bytes] = {
    "anthropic text delta (event data)": (
        b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"w0001 "}}'
    ),
    "openai text chunk (event data)": (
        b'{"id":"chatcmpl-loopback000000000001","object":"chat.completion.chunk",'
        b'"created":1764000000,"model":"gpt-4o-mini","system_fingerprint":"fp_loopback",'
        b'"choices":[{"index":0,"delta":{"content":"w0001 "},"logprobs":null,'
        b'"finish_reason":null}],"usage":null}'
    ),
    "anthropic message (body)": (
        b'{"id":"msg_loopback000000000001","type":"message","role":"assistant",'
        b'"model":"claude-sonnet-4-5","content":[{"type":"text","text":"hello"}],'
        b'"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,'
        b'"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":7}}'
    ),
    "openai completion (body)": (
        b'{"id":"chatcmpl-loopback000000000001","object":"chat.completion",'
        b'"created":1764000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":'
        b'{"role":"assistant","content":"hello","refusal":null,"annotations":[]},'
        b'"logprobs":null,"finish_reason":"stop"}],"service_tier":"default",'
        b'"system_fingerprint":"fp_loopback","usage":{"prompt_tokens":12,'
        b'"completion_tokens":7,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":0,'
        b'"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,'
        b'"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}'
    ),
}


def _decoders() -> dict[str, Callable[[str], Any]]:
    """Name -> a function of the event's text (the SSE decoder hands over ``str``)."""
    found: dict[str, Callable[[str], Any]] = {"json.loads (stdlib)": json.loads}
    if importlib.util.find_spec("orjson"):
        import orjson

        found["orjson.loads"] = orjson.loads
    if importlib.util.find_spec("msgspec"):
        import msgspec

        found["msgspec.json.decode (untyped)"] = msgspec.json.Decoder().decode
    return found


def _typed() -> dict[str, Callable[[str], Any]]:
    """msgspec decoding straight into structs of the two hottest shapes."""
    if not importlib.util.find_spec("msgspec"):
        return {}
    import msgspec

    class Delta(msgspec.Struct):
        type: str
        text: str = ""

    class BlockDelta(msgspec.Struct):
        type: str
        index: int
        delta: Delta

    class ChoiceDelta(msgspec.Struct):
        content: str | None = None

    class Choice(msgspec.Struct):
        index: int
        delta: ChoiceDelta
        finish_reason: str | None = None

    class Chunk(msgspec.Struct):
        model: str = ""
        choices: list[Choice] = []
        usage: dict[str, Any] | None = None

    return {
        "anthropic text delta (event data)": msgspec.json.Decoder(BlockDelta).decode,
        "openai text chunk (event data)": msgspec.json.Decoder(Chunk).decode,
    }


def measure(number: int = 100_000, repeat: int = 7) -> dict[str, dict[str, float]]:
    """sample -> decoder -> nanoseconds per decode (best of ``repeat``)."""
    results: dict[str, dict[str, float]] = {}
    typed = _typed()
    for sample, data in SAMPLES.items():
        text = data.decode()
        row: dict[str, float] = {}
        candidates = dict(_decoders())
        if sample in typed:
            candidates["msgspec typed struct"] = typed[sample]
        for name, decode in candidates.items():
            best = min(timeit.repeat(lambda d=decode, t=text: d(t), number=number, repeat=repeat))
            row[name] = best / number * 1e9
        results[sample] = row
    return results


def main() -> int:
    for sample, row in measure().items():
        print(f"{sample}:")
        base = row["json.loads (stdlib)"]
        for name, ns in row.items():
            print(f"  {name:32s} {ns:8.0f} ns  ({ns / base:.2f} x json.loads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
