"""The command group, its options, and the one wrapper every command runs in.

Exit codes: 0 success, 1 build or check failure, 2 bad input (manifest, usage, voices, lock),
70 internal error (a bug: an exception narrate did not anticipate), 130 / 143 stopped by SIGINT /
SIGTERM, 141 (silently) when the program reading narrate's output went away (`narrate voices | head`).
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import Interrupted, ManifestError, NarrateError, shown
from ..outcome import BuildEvents

if TYPE_CHECKING:  # the manifest package loads when a command reads one
    from ..manifest import Manifest

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE in BSD sysexits.h: "an internal software error has been detected"
PIPE_CLOSED_EXIT = 128 + signal.SIGPIPE  # what a shell shows for `yes | head -1`: the reader left

log = logging.getLogger("narrate")


class Context:
    def __init__(self, verbose: int, quiet: bool) -> None:
        self.verbose = verbose
        self.quiet = quiet


def error(message: object) -> None:
    """Print `error: message` on stderr, every control, bidi and zero-width character escaped."""
    click.echo("error: " + "\n".join(shown(line) for line in str(message).split("\n")), err=True)


def run(ctx: Context, fn: Callable[[], int | None]) -> None:
    """The one wrapper every command runs in. Maps narrate's exceptions to one-line messages and
    exit codes (tracebacks only with -v), anything unanticipated to `internal error: ...` and exit
    70, and SIGINT/SIGTERM to a stop: child processes ended, exit 130/143."""
    restore = _stop_on_signals()
    try:
        code = _call(ctx, fn)
    finally:
        restore()
    sys.exit(code)


def _call(ctx: Context, fn: Callable[[], int | None]) -> int:
    try:
        return fn() or 0
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # click's own: it prints them and picks the exit code
    except BrokenPipeError as exc:
        if not _stdout_gone():  # another pipe (a child process's stdin): an error like any OSError
            return _os_error(ctx, exc)
        _silence_stdout()
        code = PIPE_CLOSED_EXIT
    except ManifestError as exc:
        for problem in exc.problems:
            error(problem)
        if ctx.verbose:
            traceback.print_exc()
        code = exc.exit_code
    except NarrateError as exc:
        error(exc)
        if ctx.verbose:
            traceback.print_exc()
        code = exc.exit_code
    except OSError as exc:
        code = _os_error(ctx, exc)
    except KeyboardInterrupt as exc:  # Interrupted (SIGTERM, SIGINT) or a Ctrl-C that came first
        name = signal.Signals(exc.signum).name if isinstance(exc, Interrupted) else "SIGINT"
        click.echo(f"stopped by {name}: child processes ended{_what_is_kept()}", err=True)
        code = exc.exit_code if isinstance(exc, Interrupted) else 130
    except Exception as exc:  # a bug: one line, the traceback with -v
        click.echo(f"internal error: {type(exc).__name__}: {shown(exc)}; rerun with -v and report it", err=True)
        if ctx.verbose:
            traceback.print_exc()
        code = INTERNAL_ERROR_EXIT
    return code


# Commands that synthesize segments (and cache each as it arrives): a stop says the work is kept.
SYNTHESIZING = frozenset({"build"})


def _what_is_kept() -> str:
    """What a stopped command leaves for next time: only a synthesizing command has cached anything
    (`narrate check` stopped mid-measure has nothing to keep, and saying so would mislead)."""
    ctx = click.get_current_context(silent=True)
    name = ctx.info_name if ctx is not None else None
    return "; everything synthesized so far is cached" if name in SYNTHESIZING or name is None else ""


def _os_error(ctx: Context, exc: OSError) -> int:
    """A file narrate could not read or write: say which (exit 1); what is done is kept."""
    where = f" ({shown(exc.filename)})" if exc.filename else ""
    error(f"{exc.strerror or exc}{where}")
    if ctx.verbose:
        traceback.print_exc()
    return 1


def _stdout_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (`narrate voices | head -1`): poll
    reports POLLERR on the write end of a pipe with no reader left."""
    try:
        fd = sys.stdout.fileno()
        poller = select.poll()
    except (AttributeError, OSError, ValueError):  # no real stdout (an embedding caller), or no poll
        return False
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit does not fail on the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _stop_on_signals() -> Callable[[], None]:
    """Turn SIGINT and SIGTERM into Interrupted on the main thread, after killing every child
    process (procs.stop_all), so cleanups run and nothing outlives narrate. A second signal exits
    at once. Returns a function that puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers (an embedding caller's thread)
    from .. import procs

    fired: list[int] = []

    def handler(signum: int, frame: object) -> None:
        procs.stop_all(signum)
        if fired:  # the first one is still unwinding (waiting for requests in flight): stop now
            os._exit(128 + signum)
        fired.append(signum)
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)
        procs.reset()

    return restore


def color_from_env(env: Mapping[str, str]) -> bool | None:
    """Whether to colour output: NO_COLOR (https://no-color.org) or TERM=dumb turn it off, FORCE_COLOR
    (https://force-color.org) turns it on; None lets click decide (colour only on a terminal)."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return None


def _set_verbose(click_ctx: click.Context, _param: click.Parameter, count: int) -> None:
    if count:
        obj = click_ctx.find_object(Context)
        if obj is not None:
            obj.verbose += count
            _configure_logging(obj.verbose)


def _set_quiet(click_ctx: click.Context, _param: click.Parameter, flag: bool) -> None:
    obj = click_ctx.find_object(Context)
    if flag and obj is not None:
        obj.quiet = True


def _configure_logging(verbose: int) -> None:
    # -v: narrate's own log (each request with its id and billed characters); -vv: libraries' too.
    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    logging.getLogger("narrate").setLevel(logging.DEBUG)


def _verbosity_options() -> list[click.Option]:
    """-v and -q for every subcommand, so `narrate build M -q` works as `narrate -q build M` does."""
    return [click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_set_verbose,
                         help="Log requests; show tracebacks."),
            click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_quiet,
                         help="No progress output.")]


class NarrateGroup(click.Group):
    """A group whose commands all accept -v and -q after their name; its subgroups (`cache`,
    `import`) are NarrateGroups too (click's `group_class = type`)."""

    group_class = type

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        names = {opt for param in cmd.params for opt in getattr(param, "opts", [])}
        if not names & {"-q", "-v"}:
            cmd.params.extend(_verbosity_options())
        super().add_command(cmd, name)


@click.group(cls=NarrateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log requests; show tracebacks (also after the command).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output (also after the command).")
@click.version_option(package_name="narrate-build", prog_name="narrate")
@click.pass_context
def main(click_ctx: click.Context, verbose: int, quiet: bool) -> None:
    """narrate: build spoken audio from text, like a build system."""
    click_ctx.obj = Context(verbose, quiet)
    click_ctx.color = color_from_env(os.environ)
    if verbose:
        _configure_logging(verbose)


pass_ctx = click.make_pass_decorator(Context)
DEFAULT_MANIFESTS = ("narrate.yaml", "narrate.yml")


def _default_manifest(_ctx: click.Context, _param: click.Parameter, given: tuple[Path, ...]) -> tuple[Path, ...]:
    """No manifest named: `narrate.yaml` (or `narrate.yml`) in the current folder, as `narrate init` writes."""
    for path in given:
        try:
            path.resolve()
        except (OSError, RuntimeError):  # a symlink loop: every later path step would fail on it
            raise click.BadParameter(f"{path}: cannot read file: too many levels of symbolic links") from None
    if given:
        return given
    for name in DEFAULT_MANIFESTS:
        if Path(name).is_file():
            return (Path(name),)
    raise click.UsageError("no manifest given, and no narrate.yaml in this folder (narrate init writes a starter project)")


manifests_arg = click.argument("manifests", nargs=-1, required=False, callback=_default_manifest, metavar="[MANIFEST]...",
                               type=click.Path(dir_okay=False, path_type=Path))


def _default_one_manifest(ctx: click.Context, param: click.Parameter, given: Path | None) -> Path:
    """A command that reads one manifest (`narrate report`) finds narrate.yaml the same way."""
    return given or _default_manifest(ctx, param, ())[0]


manifest_arg = click.argument("manifest", required=False, callback=_default_one_manifest, metavar="[MANIFEST]",
                              type=click.Path(dir_okay=False, path_type=Path))
cache_opt = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="Segment cache folder (default: .narrate-cache beside the manifest, or $NARRATE_CACHE).")


def cache_folder(manifest_path: Path, cache_dir: Path | None) -> Path:
    from ..cache.state import default_cache_dir

    return cache_dir or default_cache_dir(manifest_path)


def load_for_build(manifest_path: Path, cache_dir: Path | None) -> Manifest:
    """`load_manifest` with its validation memo in the cache's state (narrate.manifest.replay): a
    rebuild whose prompt texts alone changed skips the models."""
    from ..cache.state import state_file
    from ..manifest import load_manifest

    folder = cache_folder(manifest_path, cache_dir)
    return load_manifest(manifest_path, memo=state_file(folder, manifest_path, ".shape"), cache=folder)


def own_folders(cache: Path, manifest: Manifest | None = None) -> list[tuple[str, Path]]:
    """The folders narrate writes and cleans for a manifest, named for a message: the local cache and
    every library's, book's and package's output folder. No shared cache may live in them."""
    folders = [("the local cache folder", cache)]
    if manifest is not None:
        folders += [(f"library {lib.name}'s output folder", manifest.root / lib.output) for lib in manifest.libraries]
        folders += [(f"book {book.name}'s output folder", manifest.root / book.output) for book in manifest.books]
        if manifest.package.get("output"):
            folders.append(("the package output folder", manifest.root / str(manifest.package["output"])))
    return folders


def cache_for(manifest_path: Path, cache_dir: Path | None, remote: str | None = None,
              manifest: Manifest | None = None):
    """The local cache, behind a shared remote tier when one is configured. Raises UsageError for a
    file:// remote in the cache or in one of `manifest`'s output folders (`own_folders`)."""
    import os

    from ..cache import SegmentCache

    folder = cache_folder(manifest_path, cache_dir)
    remote = remote or os.environ.get("NARRATE_REMOTE_CACHE")
    if not remote:
        return SegmentCache(folder)
    from ..cache.objstore import refuse_own_folder
    from ..cache.remote import RemoteStore
    from ..cache.tiered import TieredCache

    refuse_own_folder(remote, own_folders(folder, manifest))
    return TieredCache(SegmentCache(folder), RemoteStore(remote))


def progress_for(quiet: bool, prefix: str) -> BuildEvents:
    """Progress on stderr: tqdm bars on a terminal, a line now and then in a CI log, nothing with -q."""
    if quiet:
        return BuildEvents()
    if sys.stderr.isatty() and os.environ.get("TERM") != "dumb":
        return Bars(prefix)
    return ProgressLines(prefix)


class Bars(BuildEvents):
    """BuildEvents drawn as tqdm bars on stderr, one per phase (for a terminal)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.bars: dict[str, Any] = {}

    def start(self, phase: str, total: int, label: str = "") -> None:
        if total:
            from tqdm import tqdm

            self.bars[phase] = tqdm(total=total, desc=f"{self.prefix}: {label or phase}", unit="seg",
                                    file=sys.stderr, leave=False, dynamic_ncols=True)

    def advance(self, phase: str, n: int = 1) -> None:
        if phase in self.bars:
            self.bars[phase].update(n)

    def finish(self, phase: str) -> None:
        bar = self.bars.pop(phase, None)
        if bar is not None:
            bar.close()


class ProgressLines(BuildEvents):
    """BuildEvents as plain lines for logs (CI), at most one per 10 % of a phase and per 10 s, and one
    when the phase ends: a long build shows it is moving, a short one prints one line per phase."""

    STEPS = 10  # a line per tenth of the total
    INTERVAL_S = 10.0

    def __init__(self, prefix: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.prefix = prefix
        self.clock = clock
        self.phases: dict[str, list[Any]] = {}  # phase -> [label, total, done, last tenth, last time]

    def start(self, phase: str, total: int, label: str = "") -> None:
        if total:
            self.phases[phase] = [label or phase, total, 0, 0, self.clock()]

    def advance(self, phase: str, n: int = 1) -> None:
        state = self.phases.get(phase)
        if state is None:
            return
        state[2] += n
        if state[2] < state[1] and self._tenth(state) > state[3] and self.clock() - state[4] >= self.INTERVAL_S:
            self._line(state)

    def finish(self, phase: str) -> None:
        state = self.phases.pop(phase, None)
        if state is not None:
            self._line(state)

    def _tenth(self, state: list[Any]) -> int:
        return int(state[2] * self.STEPS // state[1])

    def _line(self, state: list[Any]) -> None:
        label, total, done = state[0], state[1], state[2]
        click.echo(f"{self.prefix}: {label}: {done}/{total} ({done / total:.0%})", err=True)
        state[3], state[4] = self._tenth(state), self.clock()
