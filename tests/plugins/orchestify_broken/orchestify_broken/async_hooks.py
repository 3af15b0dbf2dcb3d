"""A plugin that writes a hook as ``async def`` where it must return an awaitable."""

from orchestify_core.plugin import hookimpl


@hookimpl
async def orchestify_complete(provider, request):  # type: ignore[no-untyped-def]
    return None
