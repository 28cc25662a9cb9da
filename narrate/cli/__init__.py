"""The command line: thin click commands over narrate's library, the only place that prints or
draws progress bars (mkdocs' __main__.py is the model). `narrate = narrate.cli:main`."""

import os
import sys

from ..procs import THREAD_LIMITS

# pydantic looks for plugins by scanning every installed distribution's entry points the first time it
# builds a model (~0.1 s of every run); narrate's own validation wants none. A user can still opt in
# by setting the variable (https://docs.pydantic.dev/latest/concepts/plugins/).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# httpx imports its own command-line client (rich, pygments) whenever they are installed: 25-50 ms of
# every REST build's start-up, for a tool this process never runs. Marked absent, httpx falls back to
# the stub it defines when they are not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
# numpy's BLAS starts a thread per core as it loads (spinning after each call), in this process too, where
# levels are measured and answers checked on small arrays: they only take CPU from the render workers
# and the requests. Set before numpy loads; a limit the user set is kept.
for _name in THREAD_LIMITS:
    os.environ.setdefault(_name, "1")
del _name

from . import build, cache, check, importing, plan, text, tools  # noqa: E402, F401 - each registers its commands on `main`
from .app import main  # noqa: E402

__all__ = ["main"]
