"""The orchestify benchmark suite: ``python -m bench`` (or ``nox -s bench``).

It measures what orchestify's layer adds on top of the raw ``anthropic`` and ``openai`` SDKs,
and compares it with LiteLLM, all against the loopback provider servers running in separate
processes. See ``docs/benchmarks.md`` for the figures and the method.
"""

from __future__ import annotations

import os

# LiteLLM fetches its model cost map from the network at import time unless told not to.
# Set here, before any module of the suite can import it; child processes inherit it.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
