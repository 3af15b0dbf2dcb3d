# ruff: noqa: E501  (a table of source snippets)
"""The deliberate breakages of scripts/mutate_plugins.py: one text substitution each.

``old`` must appear in the plugin's module (its first occurrence is replaced by ``new``);
when a plugin is rewritten and ``old`` is gone, the mutation is reported as stale and is to
be updated here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MUTATIONS", "PLUGINS", "Mutation", "Plugin"]


@dataclass(frozen=True)
class Plugin:
    dist: str  # plugins/orchestify_<dist>
    package: str
    test_file: str


@dataclass(frozen=True)
class Mutation:
    name: str
    module: str
    old: str
    new: str
    description: str
    #: Why no caller can see this breakage, when none can (reported, not counted).
    equivalent: str | None = None


PLUGINS = {
    "claude": Plugin("claude", "orchestify_claude", "test_claude_conformance.py"),
    "openai": Plugin("openai", "orchestify_openai", "test_openai_conformance.py"),
    "litellm": Plugin("litellm", "orchestify_litellm", "test_litellm_conformance.py"),
}

_LOG_KEY = '__import__("logging").getLogger("orchestify.mutant").debug("key %s", {})\n'

_TIMEOUT_EQUIVALENT = (
    "the core arms the attempt's deadline (request.timeout) before the plugin's coroutine runs, "
    "and the plugin gives its client that same timeout, so the core's timer always fires first "
    "and the caller gets the core's APITimeoutError; the plugin's own timeout mapping is reached "
    "only with a shorter client timeout, which call-timeout-ignored and test_call_timeout_past_config cover"
)

M = Mutation

OPENAI = [
    M(
        "system-dropped",
        "_messages.py",
        "            if text:\n                result.append(",
        "            if False:\n                result.append(",
        "the system prompt is not sent",
    ),
    M(
        "system-as-user",
        "_messages.py",
        '{"role": "developer" if developer_role else "system", "content": text}',
        '{"role": "user", "content": text}',
        "the system prompt is sent as a user message",
    ),
    M(
        "stop-dropped",
        "_request.py",
        'params["stop"] = list(request.stop)',
        "pass",
        "stop is not sent",
    ),
    M(
        "temperature-dropped",
        "_request.py",
        'params["temperature"] = request.temperature',
        "pass",
        "temperature is not sent",
    ),
    M(
        "max-tokens-dropped",
        "_request.py",
        "params[_limit_name(options, shape)] = request.max_tokens",
        "pass",
        "max_tokens is not sent",
    ),
    M(
        "tool-choice-dropped",
        "_request.py",
        'params["tool_choice"] = tool_choice_param(request.tool_choice, request.tools)',
        "pass",
        "tool_choice is not sent",
    ),
    M(
        "tool-schema-lost",
        "_messages.py",
        '"parameters": dict(tool.input_schema)}',
        '"parameters": {"type": "object"}}',
        "tool schemas are replaced by an empty object",
    ),
    M(
        "tool-description-dropped",
        "_messages.py",
        'function["description"] = tool.description',
        "pass",
        "tool descriptions are not sent",
    ),
    M(
        "extra-dropped",
        "_request.py",
        "    _apply_extra(params, request.extra)\n",
        "",
        "extra= is not sent",
    ),
    M(
        "image-dropped",
        "_messages.py",
        'blocks.append({"type": "image_url", "image_url": {"url": part.data_url()}})',
        "pass",
        "images are not sent",
    ),
    M(
        "should-retry-ignored",
        "_errors.py",
        "headers=exc.response.headers,",
        'headers={k: v for k, v in exc.response.headers.items() if k.lower() != "x-should-retry"},',
        "x-should-retry is not passed on",
    ),
    M(
        "retry-hints-dropped",
        "_errors.py",
        "headers=exc.response.headers,",
        "headers={},",
        "no response header reaches api_error (retry-after lost)",
    ),
    M(
        "timeout-as-connection-error",
        "_errors.py",
        'return APITimeoutError("the OpenAI API did not answer in time")',
        'return APIConnectionError("the OpenAI API did not answer in time")',
        "the SDK's timeout becomes APIConnectionError",
        equivalent=_TIMEOUT_EQUIVALENT,
    ),
    M(
        "aclose-noop",
        "_client.py",
        "    await client.close()",
        "    return None",
        "aclose() does not close the client",
    ),
    M(
        "requested-model-reported",
        "_wire.py",
        'model=answer.get("model") or request.model,',
        "model=request.model,",
        "complete reports the requested model",
    ),
    M(
        "stream-requested-model",
        "_wire_stream.py",
        "model=translator.model or request.model,",
        "model=request.model,",
        "a stream reports the requested model",
    ),
    M(
        "stream-left-unread",
        "_wire_stream.py",
        "                    await _drain(response)\n                    return\n",
        "                    return\n",
        "a stream stops reading at data: [DONE], the rest of the body left unread",
    ),
    M(
        "stream-usage-dropped",
        "_wire_stream.py",
        "events.append(UsageEvent(usage_from_wire(usage)))",
        "pass",
        "a stream's usage is not reported",
    ),
    M(
        "include-usage-off",
        "_request.py",
        'merged["include_usage"] = True',
        'merged["include_usage"] = False',
        "streams do not ask for usage",
    ),
    M(
        "sdk-retries-on",
        "_client.py",
        "max_retries=0,",
        "max_retries=2,",
        "the SDK retries on its own",
    ),
    M(
        "call-timeout-ignored",
        "_request.py",
        'params["timeout"] = request.timeout',
        "pass",
        "the call's timeout is not passed to the SDK",
    ),
    M(
        "config-headers-dropped",
        "_client.py",
        "default_headers=dict(config.headers) or None,",
        "default_headers=None,",
        "the config's headers are not sent",
    ),
    M(
        "cause-dropped",
        "plugin.py",
        "raise translate_error(exc) from exc",
        "raise translate_error(exc) from None",
        "errors lose their __cause__",
    ),
    M(
        "tool-finish-as-stop",
        "_response.py",
        '"tool_calls": FinishReason.TOOL_USE,',
        '"tool_calls": FinishReason.STOP,',
        "tool calls finish as stop",
    ),
    M(
        "cache-read-dropped",
        "_wire.py",
        'cache_read_tokens=(prompt.get("cached_tokens") or 0) if prompt is not None else 0,',
        "cache_read_tokens=0,",
        "cache reads are not reported",
    ),
    M(
        "tool-result-dropped",
        "_messages.py",
        '"content": f"Error: {part.content}" if part.is_error else part.content,',
        '"content": "",',
        "tool results are sent empty",
    ),
    M(
        "tool-call-id-lost",
        "_messages.py",
        '        "id": call.id,\n',
        '        "id": "call_x",\n',
        "an assistant's tool call goes back with another id",
    ),
    M(
        "status-as-500",
        "_errors.py",
        "error_for_status(status),",
        "error_for_status(500),",
        "every status is typed as a 500",
    ),
    M(
        "stream-text-altered",
        "_wire_stream.py",
        "events.append(TextDelta(content))  # the common case",
        "events.append(TextDelta(content.strip()))  # the common case",
        "streamed text is stripped",
    ),
    M(
        "key-logged",
        "_client.py",
        "    if key is None:  # the SDK took it from OPENAI_API_KEY\n",
        "    "
        + _LOG_KEY.format("key")
        + "    if key is None:  # the SDK took it from OPENAI_API_KEY\n",
        "the key is logged at DEBUG",
    ),
    M(
        "count-ignores-tools",
        "_tokens.py",
        "    if request.tools:\n        costs = _TOOL_OVERHEADS[name]",
        "    if False:\n        costs = _TOOL_OVERHEADS[name]",
        "token counts leave the tool definitions out",
    ),
    M(
        "catalog-unpriced",
        "_catalog.py",
        "price=None if lifecycle_only else _models.price_for(model),",
        "price=None,",
        "the model catalog lists every model without its price",
    ),
]

CLAUDE = [
    M(
        "cache-control-dropped",
        "_messages.py",
        '        block["cache_control"] = mark.to_anthropic()',
        "        pass",
        "prompt-cache marks on message parts are not sent",
    ),
    M(
        "tool-cache-control-dropped",
        "_messages.py",
        '        param["cache_control"] = tool.cache.to_anthropic()',
        "        pass",
        "prompt-cache marks on tools are not sent",
    ),
    M(
        "system-cache-blocks-dropped",
        "_prompt_cache.py",
        "    if not any(part.cache is not None for part in parts):",
        "    if True:",
        "a marked system prompt is sent as one string, without its mark",
    ),
    M(
        "system-dropped",
        "_request.py",
        '    if system:\n        params["system"] = system',
        '    if False:\n        params["system"] = system',
        "the system prompt is not sent",
    ),
    M(
        "stop-dropped",
        "_request.py",
        'params["stop_sequences"] = list(request.stop)',
        "pass",
        "stop is not sent",
    ),
    M(
        "temperature-dropped",
        "_request.py",
        'body["temperature"] = _temperature(request.temperature)',
        "pass",
        "temperature is not sent",
    ),
    M(
        "max-tokens-fixed",
        "_request.py",
        '"max_tokens": request.max_tokens,',
        '"max_tokens": 4096,',
        "max_tokens is replaced by a constant",
    ),
    M(
        "tool-choice-dropped",
        "_request.py",
        'params["tool_choice"] = tool_choice_param(request.tool_choice, request.tools)',
        "pass",
        "tool_choice is not sent",
    ),
    M(
        "tool-schema-lost",
        "_messages.py",
        '"input_schema": dict(tool.input_schema)}',
        '"input_schema": {"type": "object"}}',
        "tool schemas are replaced by an empty object",
    ),
    M(
        "tool-description-dropped",
        "_messages.py",
        'param["description"] = tool.description',
        "pass",
        "tool descriptions are not sent",
    ),
    M(
        "thinking-budget-fixed",
        "_request.py",
        '"budget_tokens": thinking_budget(request)}',
        '"budget_tokens": 1024}',
        "the thinking budget is a constant",
    ),
    M(
        "extra-dropped",
        "_request.py",
        "    _merge_extra(params, body, request.extra)\n",
        "",
        "extra= is not sent",
    ),
    M(
        "image-dropped",
        "_messages.py",
        "    if isinstance(part, ImagePart):\n        return _image_block(part)",
        "    if isinstance(part, ImagePart):\n        return None",
        "images are not sent",
    ),
    M(
        "should-retry-ignored",
        "_errors.py",
        "headers=exc.response.headers,",
        'headers={k: v for k, v in exc.response.headers.items() if k.lower() != "x-should-retry"},',
        "x-should-retry is not passed on",
    ),
    M(
        "retry-hints-dropped",
        "_errors.py",
        "headers=exc.response.headers,",
        "headers={},",
        "no response header reaches api_error (retry-after lost)",
    ),
    M(
        "timeout-as-connection-error",
        "_errors.py",
        'return APITimeoutError(f"Anthropic request timed out',
        'return APIConnectionError(f"Anthropic request timed out',
        "the SDK's timeout becomes APIConnectionError",
        equivalent=_TIMEOUT_EQUIVALENT,
    ),
    M(
        "aclose-noop",
        "_client.py",
        "    return client.close()",
        '    return __import__("asyncio").sleep(0)',
        "aclose() does not close the client",
    ),
    M(
        "requested-model-reported",
        "_wire.py",
        'model=message.get("model") or request.model,',
        "model=request.model,",
        "complete reports the requested model",
    ),
    M(
        "stream-requested-model",
        "_wire_stream.py",
        'self.model = message.get("model") or self.model',
        "pass",
        "a stream reports the requested model",
    ),
    M(
        "stream-left-unread",
        "_wire_stream.py",
        "                        if type(event) is StreamEnd:\n                            end = event\n",
        "                        if type(event) is StreamEnd:\n                            yield event\n                            return\n",
        "a stream stops reading at message_stop, the body left unread",
    ),
    M(
        "early-usage-dropped",
        "_wire_stream.py",
        '            return UsageEvent(self.usage)\n        if kind == "message_delta":',
        '            return None\n        if kind == "message_delta":',
        "message_start's usage is ignored",
    ),
    M(
        "sdk-retries-on",
        "_client.py",
        "max_retries=0,",
        "max_retries=2,",
        "the SDK retries on its own",
    ),
    M(
        "call-timeout-ignored",
        "_request.py",
        'params["timeout"] = request.timeout',
        "pass",
        "the call's timeout is not passed to the SDK",
    ),
    M(
        "config-headers-dropped",
        "_client.py",
        "default_headers=dict(config.headers) or None,",
        "default_headers=None,",
        "the config's headers are not sent",
    ),
    M(
        "cause-dropped",
        "_errors.py",
        "    raise translated from exc",
        "    raise translated from None",
        "errors lose their __cause__",
    ),
    M(
        "tool-finish-as-stop",
        "_response.py",
        '"tool_use": FinishReason.TOOL_USE,',
        '"tool_use": FinishReason.STOP,',
        "tool calls finish as stop",
    ),
    M(
        "cache-read-dropped",
        "_wire.py",
        "cache_read_tokens=cache_read,",
        "cache_read_tokens=0,",
        "cache reads are not reported",
    ),
    M(
        "tool-result-dropped",
        "_messages.py",
        '"content": part.content,',
        '"content": "",',
        "tool results are sent empty",
    ),
    M(
        "tool-call-id-lost",
        "_messages.py",
        '{"type": "tool_use", "id": part.id,',
        '{"type": "tool_use", "id": "toolu_x",',
        "an assistant's tool call goes back with another id",
    ),
    M(
        "status-as-500",
        "_errors.py",
        "error_for_status(exc.status_code),",
        "error_for_status(500),",
        "every status is typed as a 500",
    ),
    M(
        "signature-dropped",
        "_messages.py",
        "        if not part.signature:\n            return None",
        "        return None",
        "thinking blocks are not sent back",
    ),
    M(
        "stream-error-ignored",
        "_wire_stream.py",
        "raise _error_event(data, response)",
        "continue",
        "an error event inside a stream is skipped",
    ),
    M(
        "key-logged",
        "_client.py",
        "    provider.add_secret(client.api_key)\n",
        "    provider.add_secret(client.api_key)\n    " + _LOG_KEY.format("key"),
        "the key is logged at DEBUG",
    ),
    M(
        "count-tools-dropped",
        "_tokens.py",
        '"system", "tools", "tool_choice",',
        '"system", "tool_choice",',
        "the count endpoint is asked without the tool definitions",
    ),
]

LITELLM = [
    M(
        "cache-control-dropped",
        "_prompt_cache.py",
        '        entry["cache_control"] = cache.to_anthropic()',
        "        pass",
        "prompt-cache marks are not passed to Claude backends",
    ),
    M(
        "system-dropped",
        "_messages.py",
        'out.append({"role": "system", "content": text})',
        "pass",
        "the system prompt is not sent",
    ),
    M(
        "stop-dropped",
        "_request.py",
        'params["stop"] = list(request.stop)',
        "pass",
        "stop is not sent",
    ),
    M(
        "temperature-dropped",
        "_request.py",
        'params["temperature"] = request.temperature',
        "pass",
        "temperature is not sent",
    ),
    M(
        "max-tokens-fixed",
        "_request.py",
        "max_tokens=request.max_tokens,",
        "max_tokens=4096,",
        "max_tokens is replaced by a constant",
    ),
    M(
        "tool-choice-dropped",
        "_request.py",
        'params["tool_choice"] = choice',
        "pass",
        "tool_choice is not sent",
    ),
    M(
        "tool-schema-lost",
        "_messages.py",
        '"parameters": dict(tool.input_schema)}',
        '"parameters": {"type": "object"}}',
        "tool schemas are replaced by an empty object",
    ),
    M(
        "tool-description-dropped",
        "_messages.py",
        'function["description"] = tool.description',
        "pass",
        "tool descriptions are not sent",
    ),
    M(
        "thinking-budget-fixed",
        "_request.py",
        '"budget_tokens": thinking_budget(request)}',
        '"budget_tokens": 1024}',
        "the thinking budget is a constant",
    ),
    M(
        "extra-dropped",
        "_request.py",
        "    params.update(request.extra)\n",
        "",
        "extra= is not sent",
    ),
    M(
        "image-dropped",
        "_messages.py",
        "content.append(mark(image, part, claude=claude))",
        "pass",
        "images are not sent",
    ),
    M(
        "should-retry-ignored",
        "_errors.py",
        "headers=_headers(exc),",
        'headers={k: v for k, v in _headers(exc).items() if k.lower() != "x-should-retry"},',
        "x-should-retry is not passed on",
    ),
    M(
        "retry-hints-dropped",
        "_errors.py",
        "headers=_headers(exc),",
        "headers={},",
        "no response header reaches api_error (retry-after lost)",
    ),
    M(
        "timeout-as-connection-error",
        "_errors.py",
        "        return APITimeoutError(message)",
        "        return APIConnectionError(message)",
        "timeouts become APIConnectionError",
        equivalent=_TIMEOUT_EQUIVALENT,
    ),
    M(
        "aclose-noop",
        "_client.py",
        "        await client.http.aclose()",
        "        pass",
        "aclose() leaves the provider's HTTP clients open",
    ),
    M(
        "requested-model-reported",
        "_response.py",
        'model=served_model(route, attr(answer, "model")),',
        "model=route.model,",
        "complete reports the requested model",
    ),
    M(
        "litellm-retries-on",
        "_options.py",
        "kwargs.update(num_retries=0, max_retries=0)",
        "kwargs.update(num_retries=2, max_retries=2)",
        "LiteLLM retries on its own",
    ),
    M(
        "config-headers-dropped",
        "_options.py",
        'kwargs["extra_headers"] = dict(self.extra_headers)',
        "pass",
        "the config's headers are not sent",
    ),
    M(
        "cause-dropped",
        "_request.py",
        "raise error from cause_of(exc)",
        "raise error from None",
        "errors lose their __cause__",
    ),
    M(
        "tool-finish-as-stop",
        "_response.py",
        '"tool_calls": FinishReason.TOOL_USE,',
        '"tool_calls": FinishReason.STOP,',
        "tool calls finish as stop",
    ),
    M(
        "cache-read-dropped",
        "_response.py",
        "cache_read_tokens=cache_read or 0,",
        "cache_read_tokens=0,",
        "cache reads are not reported",
    ),
    M(
        "tool-result-id-lost",
        "_messages.py",
        '"tool_call_id": part.tool_call_id,',
        '"tool_call_id": "call_x",',
        "tool results go back with another call id",
    ),
    M(
        "tool-call-id-lost",
        "_messages.py",
        '"id": part.id,',
        '"id": "call_x",',
        "an assistant's tool call goes back with another id",
    ),
    M(
        "status-as-500",
        "_errors.py",
        "error_class = error_for_status(status)",
        "error_class = error_for_status(500)",
        "every status is typed as a 500",
    ),
    M(
        "include-usage-off",
        "_request.py",
        'params["stream_options"] = {"include_usage": True}',
        'params["stream_options"] = {"include_usage": False}',
        "streams do not ask for usage",
    ),
    M(
        "stream-text-altered",
        "_stream.py",
        "events.append(TextDelta(content))",
        "events.append(TextDelta(content.strip()))",
        "streamed text is stripped",
    ),
    M(
        "key-logged",
        "_options.py",
        '            kwargs["api_key"] = self.api_key\n',
        '            kwargs["api_key"] = self.api_key\n            '
        + _LOG_KEY.format("self.api_key"),
        "the key is logged at DEBUG",
    ),
    M(
        "count-ignores-tools",
        "_tokens.py",
        "tools=to_tools(request.tools) if request.tools else None,",
        "tools=None,",
        "token counts leave the tool definitions out",
    ),
]

MUTATIONS: dict[str, list[Mutation]] = {"openai": OPENAI, "claude": CLAUDE, "litellm": LITELLM}
