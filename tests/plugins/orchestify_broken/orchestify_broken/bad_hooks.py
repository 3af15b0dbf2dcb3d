"""A plugin with a misspelled hook name."""

from orchestify_core import hookimpl


@hookimpl
def orchestify_complet(provider, request):  # type: ignore[no-untyped-def]
    return None
