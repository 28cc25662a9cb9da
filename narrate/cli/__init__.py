"""The command line: thin click commands over narrate's library, the only place that prints or
draws progress bars (mkdocs' __main__.py is the model). `narrate = narrate.cli:main`."""

import os

# pydantic looks for plugins by scanning every installed distribution's entry points the first time it
# builds a model (~0.1 s of every run); narrate's own validation wants none. A user can still opt in
# by setting the variable (https://docs.pydantic.dev/latest/concepts/plugins/).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# numpy's BLAS and OpenMP thread pools, one thread here as in the workers: a build's engine/render
# workers take every core, and this process's numpy work (checks, levels of REST answers, book joins)
# is elementwise. Read when numpy loads, so set before anything imports it; a user's own value stays.
# (Measured: an OpenBLAS thread spinning beside a cold build's workers, ~0.17 ms of CPU a prompt.)
from ..providers.espeak_pool import THREAD_LIMITS  # noqa: E402 - light: imports neither numpy nor the engine

os.environ.update({name: os.environ.get(name, "1") for name in THREAD_LIMITS})

from . import build, cache, check, importing, plan, text, tools  # noqa: F401 - each registers its commands on `main`
from .app import main

__all__ = ["main"]
