"""Put the eSpeak NG library back into its pristine state between segments, without a new process.

Why: the library's output depends on what it spoke before (espeak_fork.py names the C statics no
API call resets), so one key gives one audio only if every segment starts from the same state.
Forking per segment gives that at 5-44 ms a segment; this module gives it at the cost of one
memory copy of the library's writable data (.data + .bss, about 110 KB for espeak-ng 1.52).

How: right after `espeak_Initialize` the worker takes an image of the library's .data and .bss
(`Pristine`). Before each segment it writes the image back, keeping the statics that own heap
memory freed or allocated after initialisation (`OWNED`: `translator`, freed and re-made by every
voice load, `p_decoder`, the reusable text decoder, `speechPlayerHandle`, re-made by every
utterance, and a few allocated on use), seeds the random generator with a constant, and then
selects the voice, which rebuilds the translator from the voice files. What the image holds
otherwise is either plain state (phase, flutter index, queues, echo buffer) or pointers into data
loaded once by `espeak_Initialize` and never freed.

Selecting the voice again for every segment is cheap (measured: 0.03-0.1 ms, 0.3 ms for Mandarin's
large dictionary, with the files in the page cache). Keeping an image taken after the selection
instead would be wrong: the selection queues a heap copy of the voice (`DoVoiceChange`), which the
next synthesis frees, so restoring that image twice frees it twice.

Section and symbol offsets come from the library file's ELF section headers and symbol table
(System V gABI, "Sections" and "Symbol Table"). A library without them (stripped, not ELF)
raises `Unsupported`: the caller then falls back to forking per segment.
"""

from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from pathlib import Path

# Statics that own heap blocks the library frees and allocates again after initialisation. Restoring an
# old value of one would free a block twice (speechPlayerHandle: KlattReset frees and re-makes it on
# every utterance, so a restored one crashes the next) or leak one per segment (translator2, namedata,
# sonicSpeedupStream start NULL and are allocated on use). Each is kept as it is now; the first two
# are required, the others are kept when the library has them.
OWNED = ("translator", "p_decoder", "speechPlayerHandle", "translator2", "namedata", "sonicSpeedupStream")
REQUIRED = OWNED[:3]
RAND_SEED = 1  # any constant: eSpeak seeds from time(NULL) at initialisation (breathy voices use it)
_ELF64_LE = b"\x7fELF\x02\x01"
_SHDR = struct.Struct("<IIQQQQIIQQ")  # Elf64_Shdr
_SYM = struct.Struct("<IBBHQQ")  # Elf64_Sym


class Unsupported(Exception):
    """The library cannot be reset in place (the message says why)."""


@dataclass(frozen=True)
class Layout:
    """Offsets (from the load base) of the writable data and of the owned statics."""

    start: int  # .data
    end: int  # end of .bss
    owned: tuple[int, ...]


def read_layout(path: str | Path) -> Layout:
    """Parse the library's ELF64 little-endian section headers and symbol table. Raises Unsupported."""
    try:
        blob = Path(path).read_bytes()
    except OSError as exc:
        raise Unsupported(f"cannot read {path}: {exc}") from None
    if not blob.startswith(_ELF64_LE):
        raise Unsupported("not a 64-bit little-endian ELF library")
    try:
        (shoff,) = struct.unpack_from("<Q", blob, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
        headers = [_SHDR.unpack_from(blob, shoff + i * shentsize) for i in range(shnum)]

        def name(table: int, offset: int) -> str:
            start = table + offset
            return blob[start:blob.index(b"\0", start)].decode("ascii", "replace")

        names = headers[shstrndx][4]
        sections = {name(names, h[0]): h for h in headers}
        data, bss, symtab = sections[".data"], sections[".bss"], sections[".symtab"]
        strings = headers[symtab[6]][4]
        wanted = {*OWNED}
        found: dict[str, int] = {}
        for i in range(symtab[5] // _SYM.size):
            st_name, _, _, _, value, size = _SYM.unpack_from(blob, symtab[4] + i * _SYM.size)
            if st_name and size == 8 and (label := name(strings, st_name)) in wanted:
                found[label] = value
    except (KeyError, IndexError, ValueError, struct.error):
        raise Unsupported("the library has no .data/.bss/.symtab sections") from None
    start, end = data[3], bss[3] + bss[5]
    if not set(REQUIRED) <= set(found) or not all(start <= v < end for v in found.values()) or data[3] >= bss[3]:
        raise Unsupported(f"the library's symbol table lacks {sorted(set(REQUIRED) - set(found))}")
    return Layout(start, end, tuple(found[n] for n in OWNED if n in found))


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def load_base(lib: ctypes.CDLL, symbol: str, offset: int) -> int:
    """Where `lib` is loaded: dladdr(3) on an exported function, checked against its ELF offset."""
    libc = ctypes.CDLL(None)
    info = _DlInfo()
    address = ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value or 0
    if not libc.dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or not info.dli_fbase:
        raise Unsupported("dladdr found no load address for the library")
    base = int(info.dli_fbase)
    if base + offset != address:
        raise Unsupported("the library in memory does not match its file")
    return base


def symbol_offset(path: str | Path, symbol: str) -> int:
    """st_value of an exported function, from .dynsym (to check the load base)."""
    blob = Path(path).read_bytes()
    (shoff,) = struct.unpack_from("<Q", blob, 0x28)
    shentsize, shnum, _ = struct.unpack_from("<HHH", blob, 0x3A)
    headers = [_SHDR.unpack_from(blob, shoff + i * shentsize) for i in range(shnum)]
    for h in headers:
        if h[1] == 11:  # SHT_DYNSYM
            strings = headers[h[6]][4]
            for i in range(h[5] // _SYM.size):
                st_name, _, _, _, value, _ = _SYM.unpack_from(blob, h[4] + i * _SYM.size)
                end = blob.index(b"\0", strings + st_name)
                if st_name and blob[strings + st_name:end] == symbol.encode():
                    return int(value)
    raise Unsupported(f"{symbol} is not exported")


class Pristine:
    """The library's writable data as it was right after initialisation, and the means to restore it."""

    def __init__(self, lib: ctypes.CDLL, path: str | Path) -> None:
        self.layout = read_layout(path)
        base = load_base(lib, "espeak_Initialize", symbol_offset(path, "espeak_Initialize"))
        self.start = base + self.layout.start
        self.size = self.layout.end - self.layout.start
        self.owned = tuple(base + o for o in self.layout.owned)
        self.image = ctypes.string_at(self.start, self.size)
        self.set_seed = lib.espeak_ng_SetRandSeed
        self.set_seed.argtypes, self.set_seed.restype = [ctypes.c_long], None

    def snapshot(self) -> bytes:
        return ctypes.string_at(self.start, self.size)

    def restore(self, image: bytes) -> None:
        """Write `image` back, keeping the owned heap pointers as they are now."""
        kept = [ctypes.c_void_p.from_address(a).value for a in self.owned]
        ctypes.memmove(self.start, image, self.size)
        for a, value in zip(self.owned, kept, strict=True):
            ctypes.c_void_p.from_address(a).value = value
        self.set_seed(RAND_SEED)

