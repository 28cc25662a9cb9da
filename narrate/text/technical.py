"""Technical documentation's notation as developers read it aloud (English only; other languages unchanged).

Docs pages were read as prose: "returns 404" was "four hundred four", "RFC 9110" "nine thousand one
hundred ten", `--release` "release", "C++" "C", `2024-03-05T14:30:00Z` "two thousand twenty-four-zero
three-zero five T fourteen:thirty:zero zero Z". The readings chosen, most specific first:

- ISO 8601 timestamps: a date and a time ("March fifth, twenty twenty-four, two thirty PM U T C");
  fractions of a second are dropped, an offset is "U T C plus one", "Z" is "U T C" (spelled, as
  zones.py says a zone after a time).
- Numbers that name something, said in pairs as developers do (`paired`): HTTP status codes in context
  ("four oh four", "five oh three", "two hundred", "four eighteen"), ports ("port eighty eighty",
  "localhost port three thousand"), standards ("R F C ninety-one ten", "ISO eighty-six oh one", "I triple
  E seven fifty-four"), Ubuntu releases ("twenty-two oh four"). A standard of five digits is said as its
  first pair and digits ("ISO/IEC 27001" "ISO I E C twenty-seven oh oh one", "IEC 61508" "I E C sixty-one
  five oh eight"), as auditors say it; a port of five digits stays a number.
- Vulnerability ids: "CVE-2024-1234" "C V E twenty twenty-four, one two three four" (a year, then
  digits), "CWE-79" "C W E seventy-nine" (it was a range of dates and numbers).
- A file and a line in it, as compilers print them: "main.rs:42" "main dot r s line forty-two",
  "src/lib.rs:10:5" "src slash lib dot r s line ten column five", "foo.py:3-5" "... lines three to
  five". A known source or text extension only ("example.com:8080" is a host and its port); an
  extension of up to three letters without a vowel is spelled ("r s", "p y", "t s"), others said as
  words ("toml", "html", "go").
- Command-line flags: `--release` "dash dash release", `-Wall` "dash W all", `-rf` "dash r f".
- Languages: "C++" "C plus plus", "C#" "C sharp", "F#" "F sharp".
- Algorithms and encodings ("SHA-256" "SHA two fifty-six", "UTF-8", "H.264"), video modes ("1080p" "ten
  eighty p"), hexadecimal ("0xFF" "hex F F"), pre-releases ("1.2.3-rc.1" "one point two point three R C one").
- Commit hashes (7 to 40 hex digits, a letter and a digit among them) and UUIDs: character by character.
- Versions: "v2" "version two", "18.x" "eighteen point x", `>=3.11` "at least three point eleven",
  `^1.2.0` "caret one point two point zero", `x86_64` "x eighty-six sixty-four".
- Bounds: `>=` and `<=` (`≥`, `≤`) before a number are "at least" and "at most" when nothing is on
  their left ("must be >= 18" "must be at least eighteen", "(<= 5)") or a named quantity of two
  letters or more is ("Age >= 18" "Age at least eighteen", "Python >= 3.8" "Python at least three
  point eight", `max_retries <= 5`), in prose and in code spans alike; between two operands, a
  one-letter variable, a number or a number word on the left ("x >= 5", "5 <= y", "Five >= 3"), and
  for the strict `<` and `>`, they stay comparisons (spoken.replace_comparisons).
- Scientific notation: "1e-9" "one times ten to the minus ninth", "6.02e23" "six point zero two times
  ten to the twenty-third"; durations "1m 30s" "one minute thirty seconds" (a lone "5m" stays meters).
- Arrows in prose: "File → Save", "draft -> review": "to".

Runs first (spoken._speak), after saying web addresses whole (web.py) and before the markup scrub
(which drops `<` and `>`) and the keypad pass (which reads "#"). Where digits are left they are read by the later passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .dotted import say_dotted
from .identifiers import say_characters
from .langdata import Lang
from .lazy_re import lazy_compile
from .notation import say
from .numwords import cardinal, digit_words, ordinal, year
from .paths import EXTENSIONS, extension_words, path_words
from .web import is_web_host, may_hold_address, replace_web

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def paired(digits: str, lang: Lang) -> str:
    """A number that names something, in pairs as developers say it: "8080" -> "eighty eighty", "404" ->
    "four oh four", "200" -> "two hundred", "3000" -> "three thousand", "8" -> "eight"; a leading zero
    digit by digit; five digits or more as a number ("27017", "ISO 12800")."""
    n = int(digits)
    if len(digits) > 1 and digits[0] == "0":
        return digit_words(digits, lang)
    if len(digits) <= 2 or len(digits) > 4 or n % 1000 == 0 or (len(digits) == 3 and n % 100 == 0):
        return cardinal(n, lang)
    head, tail = digits[:-2], digits[-2:]
    if tail == "00":
        return f"{cardinal(int(head), lang)} hundred"
    tail_words = f"oh {cardinal(int(tail), lang)}" if tail[0] == "0" else cardinal(int(tail), lang)
    return f"{cardinal(int(head), lang)} {tail_words}"


# ---------------------------------------------------------------- timestamps

_TIMESTAMP = lazy_compile(r"(?<![\w.:-])(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?"
                          r"(Z|[+-]\d{2}(?::?\d{2})?)?(?![\w:])")


def _zone(zone: str | None) -> str:
    if not zone:
        return ""
    if zone == "Z":
        return " U T C"
    hours, minutes = int(zone[1:3]), int(zone[3:].lstrip(":") or 0)
    if not hours and not minutes:
        return " U T C"
    sign = "plus" if zone[0] == "+" else "minus"
    return f" U T C {sign} {hours}" + (f":{minutes:02d}" if minutes else "")


def _timestamp(m: re.Match[str]) -> str:
    year, month, day, hour, minute, second, zone = m.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31 and int(hour) < 24 and int(minute) < 60):
        return m.group(0)
    when = f"{_MONTHS[int(month) - 1]} {int(day)}, {year}, {hour}:{minute}"
    if second and int(second):  # the time pass reads "14:30"; seconds are said after it
        when += f" and {int(second)} second{'s' if int(second) != 1 else ''}"
    return when + _zone(zone)


# ---------------------------------------------------------------- numbers that name something

# Registered HTTP status codes (RFC 9110 and its registry): a count such as "150 errors" is no status.
_STATUS_CODES = frozenset({*range(100, 104), *range(200, 209), 226, *range(300, 309), *range(400, 419),
                           *range(421, 427), 428, 429, 431, 451, *range(500, 509), 510, 511})
_STATUS_BEFORE = (r"(?:HTTP(?:/[\d.]+)?|[Ss]tatus(?: code)?|[Ee]rror(?: code)?|[Rr]esponse(?: code)?|"
                  r"(?P<verb>[Rr]eturn(?:s|ed|ing)?|[Rr]espond(?:s|ed)? with)(?: an?| the)?)")
# After a verb cue a status ends the clause or goes on with a function word; "returns 201 rows" is a count.
_CLAUSE_GOES_ON = lazy_compile(r"\s*(?:[^\w\s]|\Z|(?:when|if|for|on|with|and|or|to|instead|because|unless|until|"
                               r"after|before|from|in|as|so|but|then|otherwise)\b|[A-Z])")
_STATUS_AFTER = (r"(?:errors?|responses?|status(?:es)?|codes?|pages?|redirects?|replies|reply|OK|Created|Accepted|"
                 r"No Content|Moved|Found|See Other|Not Modified|Temporary|Permanent|Bad|Unauthorized|Payment|"
                 r"Forbidden|Not Found|Method|Not Acceptable|Request|Conflict|Gone|Length|Precondition|Content|"
                 r"Payload|URI|Unsupported|Range|Expectation|I'm|Misdirected|Unprocessable|Locked|Failed|Too|"
                 r"Upgrade|Unavailable|Internal|Not Implemented|Service|Gateway|HTTP Version)\b")
_STATUS = lazy_compile(rf"(\b{_STATUS_BEFORE}:? )?(?<![\w.,:/-])([1-5]\d\d)(?![\w%°]|[.,:/]\d)(?=( {_STATUS_AFTER})?)")
_PORT = lazy_compile(r"\b([Pp]orts?|PORT)(:? |=)(\d{1,5}(?:(?:,| and| or|, and|, or) \d{1,5})*)(?![\w.,:]\d|[\w%])")
_PORT_NUMBER = lazy_compile(r"\d{1,5}")
# A host is localhost, an address, or a name in a common top-level domain: "main.rs:42" is a file's line.
_HOST_PORT = lazy_compile(r"(?<![\w.@/-])(localhost|\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z][\w-]*(?:\.[\w-]+)+|\[[0-9a-fA-F:]+\])"
                          r":(\d{2,5})(?![\w:]|\.\d)")
# Standards said with their number in pairs; the names as people say them.
_STANDARD_NAMES = {"RFC": "R F C", "IEEE": "I triple E", "IEC": "I E C"}
_STANDARD = lazy_compile(r"\b((?:ISO|IEC|IEEE)(?:/(?:ISO|IEC|IEEE))+|RFC|ISO|IEC|PEP|IEEE|ECMA|BIP|EIP|ERC)"
                         r"[ -]?(\d{1,5})(?:\.(\d{1,3}))?(?:-(\d{1,2}))?"
                         r"(?::((?:19|20)\d\d))?(?![\w.]\w|[\w%])")
# Algorithms, encodings and hardware named with a number: "SHA-256" "SHA two fifty-six", "UTF-8", "RSA-2048"
# (they were "SHA-two hundred fifty-six"); codecs "H.264"; video modes "1080p" "ten eighty p".
_NAMED = lazy_compile(r"\b(SHA|AES|UTF|UCS|RSA|CRC|DDR|LPDDR|GDDR|USB|WPA|GPT|FIPS)-?(\d{1,4})(?![\w-]|[.,]\d)")
_CODEC = lazy_compile(r"\b([HX])\.(26[1-6])\b")
_VIDEO_MODE = lazy_compile(r"(?<![\w.])(240|360|480|576|720|1080|1440|2160|4320)([pi])(?!\w)")
_HEX = lazy_compile(r"(?<![\w.])0[xX]([0-9A-Fa-f]{1,16})(?!\w)")
_PRERELEASE = lazy_compile(r"(?<=\d)-(alpha|beta|rc|dev|pre|preview|nightly)(?:\.?(\d{1,3}))?(?![\w-]|\.\w)")
_UBUNTU = lazy_compile(r"\b((?:[KXL]|Ed)?[Uu]buntu) (\d\d)\.(\d\d)(?:\.(\d{1,2}))?(?![\w]|[.,]\d)")


def _status(m: re.Match[str], lang: Lang) -> str:
    cue, verb, code, after = m.groups()
    if verb and not after and not _CLAUSE_GOES_ON.match(m.string, m.end()):
        return m.group(0)
    if (cue or after) and int(code) in _STATUS_CODES:
        return (cue or "") + paired(code, lang)
    return m.group(0)


def _ports(m: re.Match[str], lang: Lang) -> str:
    if any(int(p) > 65535 for p in _PORT_NUMBER.findall(m.group(3))):
        return m.group(0)
    joint = " equals " if m.group(2) == "=" else m.group(2)  # PORT=8080, an environment variable
    return m.group(1) + joint + _PORT_NUMBER.sub(lambda p: paired(p.group(0), lang), m.group(3))


def _host_port(m: re.Match[str], lang: Lang) -> str:
    host = m.group(1)
    if int(m.group(2)) > 65535 or not (host == "localhost" or host[0] in "[0123456789" or is_web_host(host)):
        return m.group(0)
    return f"{m.group(1)} port {paired(m.group(2), lang)}"


def _standard(m: re.Match[str], lang: Lang) -> str:
    name, num, point, part, edition = m.groups()
    names = " ".join(_STANDARD_NAMES.get(body, body) for body in name.split("/"))  # "ISO/IEC": both said
    # five digits: "27001" "twenty-seven oh oh one"
    said = f"{cardinal(int(num[:2]), lang)} {_oh_digits(num[2:], lang)}" if len(num) == 5 else paired(num, lang)
    words = f"{names} {said}"
    if point:
        words += f" point {cardinal(int(point), lang)}"  # IEEE 802.11
    if part:
        words += f" dash {cardinal(int(part), lang)}"  # ISO 3166-1
    if edition:
        words += f", {year(int(edition), lang)}"  # ISO 8601:2004, its edition, said as a year ("twenty seventeen")
    return words


def _oh_digits(digits: str, lang: Lang) -> str:
    return " ".join("oh" if d == "0" else digit_words(d, lang) for d in digits)


# "CVE-2024-1234": a year and a number said digit by digit; "CWE-79" a weakness's number in pairs.
_VULNERABILITY = lazy_compile(r"\bCVE-((?:19|20)\d\d)-(\d{4,7})(?![\w-])|\bCWE-(\d{1,4})(?![\w-])")


def _vulnerability(m: re.Match[str], lang: Lang) -> str:
    cve_year, cve_number, weakness = m.groups()
    if weakness:
        return f"C W E {paired(weakness, lang)}"
    return f"C V E {year(int(cve_year), lang)}, {digit_words(cve_number, lang)}"


# A source or text file and its line (and column): "main.rs:42", "src/lib.rs:10:5". Run after hosts.
_FILE_LINE = lazy_compile(rf"(?<![\w./:@~$%-])((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*)\.({EXTENSIONS}):(\d{{1,6}})"
                          r"(?:[-–](\d{1,6})|:(\d{1,4}))?(?!\w|:\S|[.,]\d)")  # "file.c:10:5: error", as gcc prints it


def _file_line(m: re.Match[str], lang: Lang) -> str:
    path, extension, line, last, column = m.groups()
    said_path, extension = path_words(path), extension_words(extension)
    if last:  # "foo.py:3-5": "lines three to five"
        return f"{said_path} dot {extension} lines {cardinal(int(line), lang)} to {cardinal(int(last), lang)}"
    words = f"{said_path} dot {extension} line {cardinal(int(line), lang)}"
    return words + (f" column {cardinal(int(column), lang)}" if column else "")


def _ubuntu(m: re.Match[str], lang: Lang) -> str:
    name, yy, mm, point = m.groups()
    words = f"{name} {paired(yy + mm, lang)}"
    return words + (f" point {cardinal(int(point), lang)}" if point else "")


# ---------------------------------------------------------------- flags, languages, hashes

# After a space, an opening bracket or quote, or a markup character the scrub drops ("<-Part" is "-Part"
# once "<" is gone: it must read the same then, or normalising twice would differ).
# A double dash before a digit is a flag too: "--0" read "--zero" would be one on a second reading.
# The name takes any word character: an ASCII-only name stopped short of "0¹" in "-mayo0¹", was no flag,
# and then was one once the digit was read ("-mayo zero ¹").
_FLAG = lazy_compile(r"(?:(?<=\s)|(?<=\A)|(?<=[(\[`\"'<>{}]))"
                     r"(--?)((?:[A-Za-z]|(?<=--)\d)\w*(?:-\w+)*)(?:(=)|(?![\w-]))")
# gcc's warnings and defines, the JVM's -X options; "-Infinity" is a word after a dash.
_LETTER_AND_ARGUMENT = lazy_compile(r"W[a-z][\w-]*|D[A-Z_][A-Z0-9_]*|X[a-z]{2,3}\w*")
# After any letter or digit: "᭔" is a digit the number pass reads ("four"), so "᭔++" must be "plus plus" at once.
_PLUS_PLUS = lazy_compile(r"(?<=[^\W_])\+\+(?![A-Za-z_+])")  # C++, C++17, Notepad++
_SHARP = lazy_compile(r"\b([CFJ])#(?![\w#])")
_UUID = lazy_compile(r"(?<![\w-])[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?![\w-])")
_HTTP_VERSION = lazy_compile(r"\bHTTP/(\d(?:\.\d)?)\b")
_HASH = lazy_compile(r"(?<![\w#.$/-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![\w-]|\.\w)")


def _flag(m: re.Match[str]) -> str:
    dashes, name, equals = m.groups()
    if dashes == "-" and len(name) == 3 and name.isupper():
        return m.group(0)  # "-USD 5": a negative amount (money.py), no flag
    if dashes == "-" and _NUMBER_WORD.fullmatch(name):
        return m.group(0)  # "-14:30" is "-two thirty" once read: a number's sign, not a flag "dash t w o"
    said = "dash dash" if dashes == "--" else "dash"
    if dashes == "-" and len(name) <= 3 and name.isalpha() and name.islower():
        name = " ".join(name)  # -rf, -la: letters that are each an option
    elif dashes == "-" and _LETTER_AND_ARGUMENT.fullmatch(name):
        name = f"{name[0]} {name[1:]}"  # -Wall, -DNDEBUG, -Xmx4g: a compiler's letter and its argument
    return f"{said} {name}" + (" equals " if equals else "")


# ---------------------------------------------------------------- versions, exponents, durations, arrows

_VERSION_NUMBER = r"\d+(?:\.\d+)*"
_V_VERSION = lazy_compile(rf"(?<![\w.$/\\-])v({_VERSION_NUMBER})(?![\w]|\.\d)")
_WILDCARD = lazy_compile(r"(?<![\w.])(\d+(?:\.\d+)*)\.([xX*])(?![\w*])")
_CONSTRAINTS = {">=": "at least", "<=": "at most", "==": "exactly", "!=": "not", "~=": "compatible with",
                "^": "caret", ">": "greater than", "<": "less than"}
_CONSTRAINT = lazy_compile(r"(?<![\w<>=!~^-])(?:(>=|<=|==|!=|>|<)(\d+(?:\.\d+)*)|(~=|\^)(\d+(?:\.\d+)+))(?![\w]|\.\d)")
_BOUND_CUES = r"is|are|was|were|be|been|must|should|only|needs?|requires?|with|for|of|at|if|when|keep|stays?|it|to"
_BOUND = lazy_compile(rf"(?P<left>\A|[(\[]|[,;:] |\b(?i:{_BOUND_CUES}) |(?P<name>\b[A-Za-z][\w-]+) )"
                      r"(?P<op>>=|<=|≥|≤) ?(?P<num>\d+(?:\.\d+)*)(?![\w]|\.\d)")
# A word that is a number is an operand, not a named quantity ("five >= 3", "Hundred <= 200").
_NUMBER_WORD = lazy_compile(r"(?i:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen"
                            r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|\w+illion"
                            r"|[\w-]+-(?:one|two|three|four|five|six|seven|eight|nine))")
_BOUNDS = {">=": "at least", "≥": "at least", "<=": "at most", "≤": "at most"}
_ARCHITECTURE = lazy_compile(r"\bx86[_-]64\b")
_EXPONENT = lazy_compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?)(\d{1,3})(?![\w.]|\.\d)")
_DURATION = lazy_compile(r"(?<![\w.,])(?:(\d+) ?h ?)?(?:(\d+) ?m ?)(?:(\d+) ?s)?(?![\w])|(?<![\w.,])(\d+) ?h ?(\d+) ?s(?![\w])")
_ARROW = lazy_compile(r"(?<=[\w)\]\"'])\s*→\s*(?=\w)|(?<=[\w)\]]) -> (?=\w)")
_UNITS = (("hour", "hours"), ("minute", "minutes"), ("second", "seconds"))


def _constraint(m: re.Match[str], lang: Lang) -> str:
    operator, version = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return f"{_CONSTRAINTS[operator]} {say_dotted(version, lang) if '.' in version else version}"


def _bound(m: re.Match[str], lang: Lang) -> str:
    num = m.group("num")
    name = m.group("name")
    if name and _NUMBER_WORD.fullmatch(name):  # "Five >= 3": two numbers compared
        return m.group(0)
    if "." in num:  # "Python >= 3.8": a package's version
        num = say_dotted(num, lang)
    return f"{m.group('left')}{_BOUNDS[m.group('op')]} {num}"


def _exponent(m: re.Match[str], lang: Lang) -> str:
    mantissa, sign, power = m.groups()
    minus = "minus " if sign == "-" else ""
    return f"{say(mantissa, lang)} times ten to the {minus}{ordinal(int(power), lang)}"


def _duration(m: re.Match[str]) -> str:
    if m.group(4):
        parts: tuple[str | None, ...] = (m.group(4), None, m.group(5))
    else:
        parts = m.group(1, 2, 3)
    if sum(p is not None for p in parts) < 2:
        return m.group(0)  # "5m" alone: meters as before
    return " ".join(f"{p} {units[0] if p == '1' else units[1]}" for p, units in zip(parts, _UNITS, strict=True)
                    if p is not None)


_HINT = lazy_compile(r"\d|-[A-Za-z]|\+\+|#|→|->")
# A cheap test before each costly pattern: most prompts hold digits and none of this notation.
_STEPS: tuple[tuple[re.Pattern[str], Callable[[str, Lang], str]], ...] = (
    (lazy_compile(r"\d-\d\d-\d\d[T ]\d"), lambda t, lang: _TIMESTAMP.sub(_timestamp, t)),
    (lazy_compile(r"[0-9a-fA-F]{8}-"), lambda t, lang: _UUID.sub(lambda m: say_characters(m.group(0), lang), t)),
    (lazy_compile(r"[0-9a-f]{7}"),  # "abc1234": its digits may all come last
     lambda t, lang: _HASH.sub(lambda m: say_characters(m.group(0), lang), t)),
    (lazy_compile(r"CVE-|CWE-"), lambda t, lang: _VULNERABILITY.sub(lambda m: _vulnerability(m, lang), t)),
    (lazy_compile(r"RFC|ISO|IEC|PEP|IEEE|ECMA|BIP|EIP|ERC"), lambda t, lang: _STANDARD.sub(lambda m: _standard(m, lang), t)),
    (lazy_compile(r"buntu \d"), lambda t, lang: _UBUNTU.sub(lambda m: _ubuntu(m, lang), t)),
    (lazy_compile(r"SHA|AES|UTF|UCS|RSA|CRC|DDR|USB|WPA|GPT|FIPS"),
     lambda t, lang: _NAMED.sub(lambda m: f"{m.group(1)} {paired(m.group(2), lang)}", t)),
    (lazy_compile(r"[HX]\.26"), lambda t, lang: _CODEC.sub(lambda m: f"{m.group(1)} {paired(m.group(2), lang)}", t)),
    (lazy_compile(r"\d\d[pi]"),
     lambda t, lang: _VIDEO_MODE.sub(lambda m: f"{paired(m.group(1), lang)} {m.group(2)}", t)),
    (lazy_compile(r"0[xX]"), lambda t, lang: _HEX.sub(lambda m: f"hex {say_characters(m.group(1), lang)}", t)),
    (lazy_compile(r"\d-(?:alpha|beta|rc|dev|pre|nightly)"),
     lambda t, lang: _PRERELEASE.sub(lambda m: " " + ("R C" if m.group(1) == "rc" else m.group(1))
                                     + (f" {m.group(2)}" if m.group(2) else ""), t)),
    (lazy_compile(r"(?<!\d)[1-5]\d\d(?!\d)"), lambda t, lang: _STATUS.sub(lambda m: _status(m, lang), t)),
    (lazy_compile(r"[Pp]orts?:? \d|PORT=\d"), lambda t, lang: _PORT.sub(lambda m: _ports(m, lang), t)),
    (lazy_compile(r"HTTP/\d"), lambda t, lang: _HTTP_VERSION.sub(r"HTTP \1", t)),
    (lazy_compile(r"[\w\]]:\d\d"), lambda t, lang: _HOST_PORT.sub(lambda m: _host_port(m, lang), t)),
    (lazy_compile(r"\.[A-Za-z]{1,6}:\d"), lambda t, lang: _FILE_LINE.sub(lambda m: _file_line(m, lang), t)),
    (lazy_compile(r"x86"), lambda t, lang: _ARCHITECTURE.sub("x86 64", t)),
    (lazy_compile(r"[<>≤≥]=? ?\d"), lambda t, lang: _BOUND.sub(lambda m: _bound(m, lang), t)),
    (lazy_compile(r"[<>=^]\d"), lambda t, lang: _CONSTRAINT.sub(lambda m: _constraint(m, lang), t)),
    (lazy_compile(r"v\d"), lambda t, lang: _V_VERSION.sub(r"version \1", t)),
    (lazy_compile(r"\d\.[xX*]"),
     lambda t, lang: _WILDCARD.sub(lambda m: f"{m.group(1)} point {'x' if m.group(2) in 'xX' else 'star'}", t)),
    (lazy_compile(r"\d[eE][+-]?\d"), lambda t, lang: _EXPONENT.sub(lambda m: _exponent(m, lang), t)),
    (lazy_compile(r"\d ?[hm] ?\d"), lambda t, lang: _DURATION.sub(_duration, t)),
)


def replace_technical(text: str, lang: Lang) -> str:
    """`text` with the notation of the module docstring said (English only)."""
    if lang.code != "en":
        return text
    if may_hold_address(text):  # first, whole: no later step reads a path's "v1" or a port's digits
        text = replace_web(text, lang, port=lambda number: paired(number, lang))
    if not _HINT.search(text):
        return text
    if "→" in text or "->" in text:
        text = _ARROW.sub(" to ", text).replace("→", " ")  # an arrow opening a line is a bullet
    if "++" in text:
        text = _PLUS_PLUS.sub(lambda m: " plus plus" + (" " if m.string[m.end():m.end() + 1].isdigit() else ""), text)
    if "#" in text:
        text = _SHARP.sub(r"\1 sharp", text)
    if "-" in text:
        text = replace_flags(text)
    if _DIGIT.search(text):
        for hint, step in _STEPS:
            if hint.search(text):
                text = step(text, lang)
    return text


def replace_flags(text: str) -> str:
    """Command-line flags said ("-rf" "dash r f"). Run first, and again once every number is read: a
    dash before a digit is no flag, but the words read for it may make one ("-1st" "-first", "-V14"
    "-V fourteen"), which a second normalisation would then say."""
    return _FLAG.sub(_flag, text) if "-" in text else text


_DIGIT = lazy_compile(r"\d")
