"""The command line: thin click commands over narrate's library, the only place that prints or
draws progress bars (mkdocs' __main__.py is the model). `narrate = narrate.cli:main`."""

from . import build, cache, check, tools  # noqa: F401 - each registers its commands on `main`
from .app import main

__all__ = ["main"]
