"""narrate: a build system for spoken audio."""

__version__ = "0.1.0"
