"""narrate.text.lazy_re: the text front-end's module-level patterns compile when first used, so a rebuild
that normalises one edited prompt compiles the few its text reaches, not all ~250 (issue 14 item 2)."""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
import subprocess
import sys

import narrate.text
from narrate.text.lazy_re import LazyPattern, lazy_compile


def _module_patterns():
    """Every LazyPattern held at module level in narrate.text (alone, or in a tuple, list or dict)."""
    found = []
    for info in pkgutil.iter_modules(narrate.text.__path__):
        module = importlib.import_module(f"narrate.text.{info.name}")
        for name, value in vars(module).items():
            items = [value]
            if isinstance(value, (tuple, list)):
                items += [x for v in value for x in (v if isinstance(v, tuple) else (v,))]
            elif isinstance(value, dict):
                items += list(value.values())
            found += [(f"{info.name}.{name}", v) for v in items if isinstance(v, LazyPattern)]
    return found


def test_every_module_level_pattern_compiles():
    found = _module_patterns()
    assert len(found) > 200  # the front-end's patterns are lazy, not a few of them
    for where, pattern in found:
        compiled = pattern.compiled()  # raises re.error for a pattern that is not valid
        assert isinstance(compiled, re.Pattern), where


def test_importing_the_normaliser_compiles_few_patterns():
    """Fails when the front-end compiles its patterns at import again (349 compiled before)."""
    script = (
        "import re, re._compiler as c\n"
        "n = [0]\n"
        "orig = c.compile\n"
        "def counted(*a, **k):\n"
        "    n[0] += 1\n"
        "    return orig(*a, **k)\n"
        "c.compile = counted\n"
        "import narrate.text.spoken\n"
        "at_import = n[0]\n"
        "from narrate.text.normalize import normalize\n"
        "said = normalize('Prompt 17, account balance, press 2.', 'en-US')\n"
        "print(at_import, n[0], said)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split(" ", 2)
    at_import, after_one_text, said = int(out[0]), int(out[1]), out[2].strip()
    assert said == "Prompt seventeen, account balance, press two."
    assert at_import < 60
    assert after_one_text < 150


def test_a_lazy_pattern_acts_as_the_compiled_one():
    lazy = lazy_compile(r"(?P<n>\d+)-(\w)", re.IGNORECASE)
    real = re.compile(r"(?P<n>\d+)-(\w)", re.IGNORECASE)
    text = "a 12-b, 3-C and 40-d"
    assert lazy.sub(r"<\1>", text) == real.sub(r"<\1>", text)
    assert lazy.search(text).group("n") == "12"
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.findall(text) == real.findall(text)
    assert lazy.split(text) == real.split(text)
    assert lazy.fullmatch("7-x") is not None and lazy.match("x") is None
    assert lazy.subn("", text) == real.subn("", text)
    assert (lazy.pattern, lazy.flags, lazy.groups, dict(lazy.groupindex)) == \
        (real.pattern, real.flags, real.groups, dict(real.groupindex))


def test_a_lazy_pattern_compiles_once_and_copies_without_compiling():
    lazy = lazy_compile(r"a+")
    twin = copy.deepcopy(lazy)  # copy and pickle protocols never compile (dunder names are not looked up)
    assert "sub" not in vars(twin) and "sub" not in vars(lazy)
    first = lazy.sub
    assert lazy.sub is first  # kept in the instance: no second compile, no lookup through __getattr__
    assert twin.sub("b", "caat") == "cbt"
    try:
        lazy.nothing  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")
