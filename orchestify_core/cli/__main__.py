"""``python -m orchestify_core.cli``: the ``orchestify`` command."""

import sys

from . import main

sys.exit(main())
