"""Counting tokens on the openai type: tiktoken with the encodings shipped in the package,
against a reference written from OpenAI's counting guide on tiktoken's own loader; and the
pre-flight refusal of a request one token over the context window."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import tiktoken

from orchestify_core import (
    ContextWindowExceededError,
    ImagePart,
    LLMMessage,
    LLMProvider,
    TextPart,
    ToolCall,
)
from orchestify_core.testing.servers import OpenAIServer

MakeProvider = Callable[..., LLMProvider]
_PUBLIC = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"

CORPUS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog. " * 3,
    "def add(a: int, b: int) -> int:\n    return a + b\n\nprint(add(2, 3))",
    "Quel temps fera-t-il demain à Montréal ? Très froid, hélas.",
    "Привет! Как дела? Сегодня хорошая погода.",
    "東京の天気は晴れです。明日は雨が降るでしょう。",
    "مرحبا بالعالم",
    "emoji 🎉🚀 and numbers 1234567890 and 3.14159",
    '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}',
    "   indented\n\n\tlines\r\nwith <|endoftext|> inside",
]


@pytest.fixture(scope="module")
def reference_encodings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """tiktoken's own ``get_encoding``, fed from a cache directory holding the shipped files
    under the names tiktoken gives them (sha1 of the URL): its loader checks their hashes."""
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name in ("o200k_base", "cl100k_base"):
        shipped = files("orchestify_openai").joinpath("encodings", f"{name}.tiktoken")
        key = hashlib.sha1(_PUBLIC.format(name).encode()).hexdigest()
        with shipped.open("rb") as source, (cache / key).open("wb") as target:
            shutil.copyfileobj(source, target)
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    try:
        tiktoken.get_encoding("o200k_base")
        tiktoken.get_encoding("cl100k_base")
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def reference_messages(messages: list[dict[str, str]], model: str) -> int:
    """OpenAI's guide: 3 per message, the tokens of each value, 3 to prime the reply."""
    encoding = tiktoken.encoding_for_model(model)
    tokens = 3
    for message in messages:
        tokens += 3
        for value in message.values():
            tokens += len(encoding.encode(value))
    return tokens


def reference_tools(functions: list[dict[str, Any]], model: str) -> int:
    """OpenAI's guide for function definitions (gpt-4o: 7 per function; gpt-4: 10)."""
    encoding = tiktoken.encoding_for_model(model)
    func_init = 7 if model.startswith("gpt-4o") else 10
    tokens = 0
    for function in functions:
        tokens += func_init
        description = function["description"].removesuffix(".")
        tokens += len(encoding.encode(f"{function['name']}:{description}"))
        properties = function["parameters"]["properties"]
        if properties:
            tokens += 3
            for key, spec in properties.items():
                tokens += 3
                if "enum" in spec:
                    tokens += -3
                    for item in spec["enum"]:
                        tokens += 3 + len(encoding.encode(item))
                line = f"{key}:{spec['type']}:{spec['description'].removesuffix('.')}"
                tokens += len(encoding.encode(line))
    return tokens + 12


WEATHER: dict[str, Any] = {
    "name": "get_current_weather",
    "description": "Get the current weather in a given location.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city, e.g. San Francisco, CA"},
            "unit": {
                "type": "string",
                "description": "The unit of temperature to return",
                "enum": ["celsius", "fahrenheit"],
            },
        },
        "required": ["location"],
    },
}
CONVERSATION = [
    {"role": "system", "content": "You translate corporate jargon into plain English."},
    {"role": "user", "content": "New synergies will help drive top-line growth."},
    {"role": "assistant", "content": "Things working well together will increase revenue."},
    {"role": "user", "content": "Let's circle back when we have more bandwidth."},
]


def as_messages(conversation: list[dict[str, str]]) -> list[LLMMessage]:
    return [LLMMessage(role=m["role"], content=m["content"]) for m in conversation]


@pytest.mark.usefixtures("reference_encodings")
def test_the_shipped_encodings_are_tiktokens_own() -> None:
    from orchestify_openai._encodings import encoding

    for name in ("o200k_base", "cl100k_base"):
        ours, theirs = encoding(name), tiktoken.get_encoding(name)
        assert ours._pat_str == theirs._pat_str
        assert ours._special_tokens == theirs._special_tokens
        assert ours._mergeable_ranks == theirs._mergeable_ranks
        for text in CORPUS:
            assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)


@pytest.mark.usefixtures("reference_encodings")
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-3.5-turbo"])
async def test_a_conversation_counts_as_the_guide_does(
    make_provider: MakeProvider, openai_server: OpenAIServer, model: str
) -> None:
    provider = make_provider(default_model=model)
    counted = await provider.count_tokens(as_messages(CONVERSATION))
    assert counted.input_tokens == reference_messages(CONVERSATION, model)
    assert counted.exact
    assert counted.method == "tiktoken"
    assert counted.model == model
    assert openai_server.requests == []  # counted here, nothing sent


@pytest.mark.usefixtures("reference_encodings")
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4"])
async def test_tools_count_as_the_guide_does(make_provider: MakeProvider, model: str) -> None:
    provider = make_provider(default_model=model)
    conversation = [*CONVERSATION[:1], {"role": "user", "content": "Weather in Paris?"}]
    tool = {"type": "function", "function": WEATHER}
    counted = await provider.count_tokens(as_messages(conversation), tools=[tool])
    expected = reference_messages(conversation, model) + reference_tools([WEATHER], model)
    assert counted.input_tokens == expected


@pytest.mark.usefixtures("reference_encodings")
async def test_tool_calls_and_results_count_their_text(make_provider: MakeProvider) -> None:
    """An assistant's call counts its name and arguments; a tool message its role, id and
    content (the guide's rule: every value)."""
    provider = make_provider(default_model="gpt-4o")
    encoding = tiktoken.get_encoding("o200k_base")
    call = ToolCall(id="call_1", name="get_current_weather", arguments={"location": "Paris"})
    messages = [
        LLMMessage(role="user", content="Weather in Paris?"),
        LLMMessage(role="assistant", content=[call]),
        LLMMessage.tool_result("call_1", "18 degrees and sunny"),
    ]
    counted = await provider.count_tokens(messages)

    def n(text: str) -> int:
        return len(encoding.encode(text))

    expected = 3 + (3 + n("user") + n("Weather in Paris?"))
    expected += 3 + n("assistant") + n("get_current_weather") + n('{"location": "Paris"}')
    expected += 3 + n("tool") + n("call_1") + n("18 degrees and sunny")
    assert counted.input_tokens == expected


async def test_an_image_makes_the_count_an_estimate(make_provider: MakeProvider) -> None:
    provider = make_provider(default_model="gpt-4o")
    text_only = await provider.count_tokens([LLMMessage(role="user", content="Describe this.")])
    image = ImagePart.from_url("https://example.com/cat.png")
    with_image = await provider.count_tokens(
        [LLMMessage(role="user", content=[TextPart("Describe this."), image])]
    )
    assert with_image.input_tokens == text_only.input_tokens + 765
    assert not with_image.exact


async def test_a_model_tiktoken_does_not_know_is_an_estimate(make_provider: MakeProvider) -> None:
    provider = make_provider(default_model="llama-3.1-8b-instruct")
    counted = await provider.count_tokens([LLMMessage(role="user", content="Hello")])
    assert not counted.exact
    assert counted.input_tokens == 3 + 3 + 2  # o200k_base: "user", "Hello"


async def test_offline_is_the_same_count(make_provider: MakeProvider) -> None:
    provider = make_provider()
    messages = as_messages(CONVERSATION)
    assert await provider.count_tokens(messages, offline=True) == await provider.count_tokens(
        messages
    )


def test_nothing_is_downloaded(tmp_path: Path) -> None:
    """With tiktoken's own loader made to fail, the count still works: the encodings come
    from the package, and no cache directory is written."""
    script = textwrap.dedent(
        """
        import os, tiktoken.load
        def refuse(*args, **kwargs):
            raise AssertionError("tiktoken tried to fetch an encoding")
        tiktoken.load.read_file = refuse
        tiktoken.load.read_file_cached = refuse
        from orchestify_core import CompletionRequest, LLMMessage
        from orchestify_openai._tokens import count_request
        for model in ("gpt-4o", "gpt-4"):
            request = CompletionRequest(
                messages=(LLMMessage(role="user", content="Hello there"),),
                model=model, max_tokens=10,
            )
            print(count_request(request).input_tokens)
        print(os.listdir(os.environ["TIKTOKEN_CACHE_DIR"]))
        """
    )
    environment = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["9", "9", "[]"]


# --------------------------------------------------------------------------- pre-flight


async def _sized(provider: LLMProvider, tokens: int) -> tuple[list[LLMMessage], int]:
    """A message of about ``tokens`` tokens, and its exact count."""
    messages = [LLMMessage(role="user", content=" hello" * tokens)]
    counted = await provider.count_tokens(messages)
    return messages, counted.input_tokens


async def test_one_token_over_the_window_is_refused_with_nothing_sent(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    provider = make_provider(default_model="gpt-4o-mini")
    window = provider.capabilities().context_window
    assert window == 128_000
    messages, counted = await _sized(provider, 120_000)
    max_tokens = window - counted + 1
    with pytest.raises(ContextWindowExceededError) as caught:
        await provider.complete(messages, max_tokens=max_tokens)
    assert caught.value.input_tokens == counted
    assert caught.value.exact
    assert f"{counted} input tokens (counted, tiktoken)" in str(caught.value)
    with pytest.raises(ContextWindowExceededError):
        provider.stream_events(messages, max_tokens=max_tokens)
    assert openai_server.requests == []


async def test_exactly_the_window_is_sent(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    provider = make_provider(default_model="gpt-4o-mini")
    window = provider.capabilities().context_window
    assert window is not None
    messages, counted = await _sized(provider, 120_000)
    response = await provider.complete(messages, max_tokens=window - counted)
    assert response.content.startswith("echo: ")
    [request] = openai_server.requests
    assert request.body["max_tokens"] == window - counted


async def test_a_default_max_tokens_is_lowered_to_what_the_window_leaves(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """The config's max_tokens (a default, not the caller's) shrinks to fit, as it is
    capped to the model's output limit; a caller's max_tokens is never changed."""
    provider = make_provider(default_model="gpt-4o-mini", max_tokens=16_000)
    messages, counted = await _sized(provider, 120_000)
    await provider.complete(messages)
    assert openai_server.requests[-1].body["max_tokens"] == 128_000 - counted
