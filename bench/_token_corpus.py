"""The corpus ``bench/count_tokens.py`` measures token counts on: 40 requests of prose, code,
eight other languages, emoji, JSON, multi-turn conversations, tool calls and results, tool
definitions and images."""

# ruff: noqa: RUF001 (text in other scripts is the point of the corpus)

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from orchestify_core import ImagePart, LLMMessage, TextPart, ToolCall

__all__ = ["CORPUS", "Sample"]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63"
    "f8cfc0f01f0005000201a5f2c1e70000000049454e44ae426082"
)


@attrs.frozen
class Sample:
    """One request of the corpus: its kind, messages and tools."""

    kind: str
    messages: Sequence[LLMMessage]
    tools: Sequence[dict[str, Any]] = ()


def _user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


_PROSE = [
    "Hello! Can you help me plan a three-day trip to Lisbon in the spring?",
    "Summarise the main arguments for and against a four-day working week, in five bullet "
    "points, for a company newsletter aimed at engineers and managers alike.",
    "The committee reviewed the proposal at length. Several members raised concerns about "
    "the budget, the timeline and the lack of a clear owner for the migration; others felt "
    "that the risks were overstated and that waiting another quarter would cost more. "
    "In the end it was agreed to run a small pilot first.",
    "Write a limerick about a cat who learns to program in Rust.",
    "What is the difference between a process and a thread? Explain it to a new hire.",
    "It's 3:45 pm on 2026-11-29; convert that to UTC+9, then to 12-hour time.",
    ("A long paragraph of ordinary English prose, repeated to make a longer prompt. " * 40),
]
_CODE = [
    "def fib(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n"
    "    return a\n\nprint([fib(i) for i in range(10)])\n",
    "const debounce = (fn, ms) => {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n"
    "    t = setTimeout(() => fn(...args), ms);\n  };\n};\n",
    "SELECT u.id, u.email, COUNT(o.id) AS orders\nFROM users u\nLEFT JOIN orders o ON o.user_id"
    " = u.id\nWHERE u.created_at >= '2026-01-01'\nGROUP BY u.id, u.email\nHAVING COUNT(o.id) > 3"
    "\nORDER BY orders DESC;",
    "#include <stdio.h>\nint main(void) {\n    for (int i = 0; i < 10; ++i) {\n"
    '        printf("%d\\n", i * i);\n    }\n    return 0;\n}\n',
    "fn main() {\n    let v: Vec<u32> = (1..=10).map(|x| x * x).collect();\n"
    '    println!("{:?}", v);\n}\n',
    '{"users": [{"id": 1, "name": "Ada", "roles": ["admin", "dev"]}, {"id": 2, "name": '
    '"Linus", "roles": ["dev"]}], "next": null, "total": 2}',
    "Explain this regex: ^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    "@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$",
]
_LANGUAGES = [
    "Bonjour ! Pouvez-vous m'expliquer la différence entre « savoir » et « connaître » ?",
    "Könnten Sie mir bitte erklären, wie die Mülltrennung in München funktioniert?",
    "¿Cuál es la mejor época del año para visitar Patagonia y qué debería llevar?",
    "Привет! Расскажи, пожалуйста, коротко об истории Санкт-Петербурга.",
    "请用简单的语言解释一下量子计算的基本原理，并举一个例子。",
    "東京で一番おいしいラーメン屋はどこですか？理由も教えてください。",
    "서울에서 부산까지 기차로 가는 가장 빠른 방법은 무엇인가요?",
    "مرحبا! هل يمكنك أن تشرح لي كيف تعمل الطاقة الشمسية؟",
    "नमस्ते! कृपया मुझे भारत के प्रमुख त्योहारों के बारे में बताइए।",
    "Γεια σου! Μπορείς να μου πεις μια σύντομη ιστορία για την Αθήνα;",
]
_MIXED = [
    "Party time 🎉🎂🥳 — who's bringing the 🍕 and the 🎶? Reply with ✅ or ❌!",
    "Prices: €12.50, £9.99, ¥1,200, ₹499 — convert all to USD at today's rates.",
    "Table:\n| name | qty |\n|------|-----|\n| apples | 3 |\n| pears | 12 |\nTotal?",
]

WEATHER = {
    "name": "get_weather",
    "description": "The current weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city, e.g. Paris"},
            "unit": {"type": "string", "description": "Units", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
}
SEARCH = {
    "name": "search_docs",
    "description": "Search the product documentation.",
    "input_schema": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What to look for"},
            "limit": {"type": "integer", "description": "How many results"},
        },
    },
}


def _conversations() -> list[Sample]:
    call = ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris", "unit": "celsius"})
    return [
        Sample(
            "conversation",
            [
                LLMMessage(role="system", content="You are a concise assistant."),
                LLMMessage(role="user", content="What's a good name for a bakery?"),
                LLMMessage(role="assistant", content="How about 'Rise & Shine'?"),
                LLMMessage(role="user", content="Give me three more, in French."),
            ],
        ),
        Sample(
            "tool call",
            [
                LLMMessage(role="user", content="What's the weather in Paris?"),
                LLMMessage(role="assistant", content=[call]),
                LLMMessage.tool_result("call_1", '{"temp": 18, "sky": "sunny"}'),
            ],
            (WEATHER,),
        ),
        Sample("tools", _user("Find the docs on rate limits."), (WEATHER, SEARCH)),
        Sample("tools", _user("Weather in Tokyo, in fahrenheit please."), (WEATHER,)),
        Sample(
            "image",
            [
                LLMMessage(
                    role="user",
                    content=[
                        TextPart("What is in this picture?"),
                        ImagePart.from_bytes(PNG, "image/png"),
                    ],
                )
            ],
        ),
    ]


CORPUS: tuple[Sample, ...] = (
    *(Sample("prose", _user(text)) for text in _PROSE),
    *(Sample("code", _user(text)) for text in _CODE),
    *(Sample("other language", _user(text)) for text in _LANGUAGES),
    *(Sample("emoji, symbols", _user(text)) for text in _MIXED),
    *(
        Sample(
            "system + prose",
            [LLMMessage(role="system", content="Answer in one line."), *_user(text)],
        )
        for text in _PROSE[:4]
    ),
    *_conversations(),
    *(Sample("code + tools", _user(text), (SEARCH,)) for text in _CODE[:4]),
)
